#include "cli/simulate.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <fstream>
#include <sstream>

#include "cli/common.hpp"
#include "app/runs.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

app::SimulateRun simulate(const CommonOptions& o) {
    const io::Config cfg = load_config(o);
    ProgressLine progress(!o.quiet, "simulate");
    return app::simulate_to_file(cfg, file_request(o, cfg), &progress);
}

int report(const CommonOptions& o, const app::SimulateRun& r) {
    std::ostringstream ss;
    ss << "wrote " << r.path << ": " << r.run.samples << " samples of " << r.neurons_recorded << " neurons up to t = "
       << format_value(r.run.t_final) << ", status " << to_string(r.run.status);
    if (r.run.steady_state) ss << " (steady state reached)";
    if (r.precision_check)
        ss << "\n  float32 products: largest difference from float64 over t <= " << format_value(r.precision_check->time)
           << ": " << format_value(r.precision_check->max_abs_error) << " (relative "
           << format_value(r.precision_check->max_rel_error) << ")";
    say(o, ss.str());
    switch (r.run.status) {
        case RunStatus::completed: return exit_ok;
        case RunStatus::diverged:
            std::cerr << "ratenet: " << r.run.message << "; the trajectory up to then is in " << r.path << "\n";
            return exit_runtime;
        case RunStatus::interrupted:
            std::cerr << "ratenet: " << r.run.message << "; partial output kept in " << r.path << "\n";
            return interrupted_exit_code();
    }
    return exit_runtime;
}

constexpr const char* demo_wta = R"(# Built-in demo: a Hahnloser winner-take-all circuit (Hahnloser et al. 2000).
[model]
name = "hahnloser_wta"
n = 10
alpha = 1.5
beta = 1.0
[network]
form = "rate"
tau = 1.0
[transfer]
name = "relu"
[input]
b = [0.5, 0.6, 0.7, 0.8, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
[initial]
random_std = 0.1
[simulate]
method = "dopri5"
t_end = 30.0
dt_out = 0.05
)";

constexpr const char* demo_random = R"(# Built-in demo: a chaotic random tanh network (Sompolinsky, Crisanti & Sommers 1988).
[model]
name = "random_gaussian"
n = 200
g = 2.0
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[simulate]
method = "dopri5"
t_end = 200.0
dt_out = 0.1
)";

}  // namespace

void setup_simulate(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<CommonOptions>();
    auto* sub = app.add_subcommand("simulate", "Integrate a network from a config and write its trajectory to HDF5");
    add_common_options(sub, *opt);
    sub->callback([opt, &exit_code] {
        exit_code = guarded([&] {
            const app::SimulateRun r = simulate(*opt);
            return report(*opt, r);
        });
    });
}

void setup_demo(CLI::App& app, int& exit_code) {
    auto dir = std::make_shared<std::string>("ratenet-demo");
    auto force = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("demo", "Run the built-in default job: a winner-take-all circuit and a chaotic random network");
    sub->add_option("-o,--output-dir", *dir, "directory for the output files")->capture_default_str();
    sub->add_flag("--force", *force, "overwrite the demo's files (DIR/wta.toml, wta.h5, random_tanh.toml, random_tanh.h5)");
    sub->callback([dir, force, &exit_code] {
        exit_code = guarded([&] {
            namespace fs = std::filesystem;
            const std::vector<std::pair<std::string, const char*>> jobs{{"wta", demo_wta}, {"random_tanh", demo_random}};
            if (dir->empty()) throw invalid_parameter("-o", "\"\"", "the output directory must not be empty");
            std::error_code ec;
            if (fs::exists(*dir, ec) && !fs::is_directory(*dir, ec))
                throw invalid_parameter("-o", *dir, "exists and is not a directory");
            // Every file the demo would write is checked before the first is touched.
            if (!*force)
                for (const auto& [name, text] : jobs)
                    for (const char* ext : {".toml", ".h5", ".h5.part"}) {
                        const std::string p = *dir + "/" + name + ext;
                        if (fs::exists(p, ec))
                            throw invalid_parameter("-o", *dir, p + " exists; pass --force to overwrite the demo's files");
                    }
            fs::create_directories(*dir);
            int rc = exit_ok;
            for (const auto& [name, text] : jobs) {
                const std::string cfg_path = *dir + "/" + name + ".toml";
                {
                    std::ofstream f(cfg_path);
                    f << text;
                    if (!f) throw io_error(cfg_path, "cannot write");
                }
                CommonOptions o;
                o.config = cfg_path;
                o.output = *dir + "/" + name + ".h5";
                o.force = *force;
                const app::SimulateRun r = simulate(o);
                rc = std::max(rc, report(o, r));
            }
            std::cout << "configs and HDF5 files are in " << std::filesystem::absolute(*dir).string() << "\n";
            return rc;
        });
    });
}

}  // namespace ratenet::cli
