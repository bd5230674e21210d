#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "cli/simulate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet::cli {

namespace {
// The "Config keys" table of docs/models/NAME.md, from the model's declaration.
std::string keys_table(const ModelSpec& m) {
    std::string t = "| key | type | default | admissible values | meaning |\n|---|---|---|---|---|\n";
    for (const auto& p : m.params)
        t += "| `" + p.name + "` | " + to_string(p.type) + " | " + (p.required ? "required" : show(p.default_value)) + " | " +
             p.rule + " | " + p.doc + " |\n";
    return t;
}
}  // namespace

void setup_models(CLI::App& app, int& exit_code) {
    auto markdown = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("models", "List the built-in models, their parameters and the transfer functions");
    sub->add_option("--markdown", *markdown, "print the config keys of one model as the table of docs/models/NAME.md");
    sub->callback([markdown, &exit_code] {
        exit_code = guarded([&] {
            if (!markdown->empty()) {
                const ModelSpec* m = find_model(*markdown);
                if (!m) throw invalid_parameter("--markdown", *markdown, "is not a model; `ratenet models` lists them");
                std::cout << keys_table(*m);
                return exit_ok;
            }
            for (const auto& m : model_specs()) {
                std::cout << m.name << "\n    " << m.equation << "\n    source: " << m.source << "\n";
                for (const auto& p : m.params)
                    std::cout << "    model." << p.name << std::string(p.name.size() < 14 ? 14 - p.name.size() : 1, ' ')
                              << to_string(p.type) << ", " << (p.required ? "required" : "default " + show(p.default_value))
                              << ": " << p.doc << (p.rule.empty() ? "" : " (" + p.rule + ")") << "\n";
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
