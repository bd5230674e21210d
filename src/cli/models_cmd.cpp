#include <algorithm>
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
// The [transfer] table of docs/config.md, from the transfer functions' declarations.
std::string transfer_table() {
    const Transfer defaults;
    std::string t = "| key | type | default | applies to |\n|---|---|---|---|\n| `name` | string | \"" +
                    std::string(to_string(defaults.kind)) + "\" | ";
    for (const auto& s : transfer_specs()) t += (s.kind == transfer_specs().front().kind ? "`" : ", `") + s.name + "`";
    t += " |\n";
    // Each parameter once, with the functions it applies to and their rules.
    std::vector<std::string> seen;
    for (const auto& s : transfer_specs())
        for (const auto& p : s.params) {
            if (std::find(seen.begin(), seen.end(), p.name) != seen.end()) continue;
            seen.push_back(p.name);
            std::string uses;
            for (const auto& o : transfer_specs())
                for (const auto& q : o.params)
                    if (q.name == p.name) {
                        const std::string rule = to_string(q.rule);
                        uses += (uses.empty() ? "" : ", ") + o.name + (rule.empty() ? "" : " (" + rule + ")");
                    }
            t += "| `" + p.name + "` | float | " + show(ParamValue(defaults.*p.member)) + " | " + uses + " |\n";
        }
    t += "| `slopes` | N-vector | required | prelu (one slope per neuron) |\n";
    return t;
}
}  // namespace

void setup_models(CLI::App& app, int& exit_code) {
    auto markdown = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("models", "List the built-in models, their parameters and the transfer functions");
    sub->add_option("--markdown", *markdown, "print the config keys of one model as the table of docs/models/NAME.md");
    auto transfer_md = std::make_shared<bool>(false);
    sub->add_flag("--transfer-markdown", *transfer_md, "print the [transfer] keys as the table of docs/config.md");
    sub->callback([markdown, transfer_md, &exit_code] {
        exit_code = guarded([&] {
            if (*transfer_md) {
                std::cout << transfer_table();
                return exit_ok;
            }
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
            std::cout << "\n";
            for (const auto& t : transfer_specs()) {
                std::cout << "    " << t.name << std::string(t.name.size() < 18 ? 18 - t.name.size() : 1, ' ') << t.formula;
                for (const auto& p : t.params) {
                    const std::string rule = to_string(p.rule);
                    std::cout << "; " << p.name << " = " << show(ParamValue(Transfer{}.*p.member))
                              << (rule.empty() ? "" : " (" + rule + ")");
                }
                std::cout << (t.bounded ? "; bounded" : "") << "\n";
            }
            std::cout << "forms ([network] form): rate, current\n";
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
