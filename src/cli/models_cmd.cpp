#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "cli/simulate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet::cli {

void setup_models(CLI::App& app, int& exit_code) {
    auto* sub = app.add_subcommand("models", "List the built-in models, their parameters and the transfer functions");
    sub->callback([&exit_code] {
        exit_code = guarded([] {
            for (const auto& m : model_docs()) {
                std::cout << m.name << "\n    " << m.equation << "\n    source: " << m.source << "\n";
                for (const auto& p : m.params)
                    std::cout << "    model." << p.name << std::string(p.name.size() < 14 ? 14 - p.name.size() : 1, ' ')
                              << p.type << ", default " << p.default_value << ": " << p.description << "\n";
                std::cout << "\n";
            }
            std::cout << "transfer functions ([transfer] name):";
            for (const auto& t : transfer_names()) std::cout << " " << t;
            std::cout << "\nforms ([network] form): rate, current\n";
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
