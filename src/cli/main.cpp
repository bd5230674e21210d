// ratenet: the command line. Each subcommand has a setup_* function, in a file of its own or shared
// with a related command (permitted and fixed-points, simulate and demo, sweep and merge).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "app/registry.hpp"
#include "app/work_queue.hpp"
#include "cli/sweep.hpp"
#include "cli/simulate.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "linalg/dense.hpp"
#include "model/vector_math.hpp"
#include "ratenet/build_info.hpp"

int main(int argc, char** argv) {
    using namespace ratenet::cli;
    ratenet::h5::silence_errors();  // before any other HDF5 call (see h5.hpp)
    set_command_line(argc, argv);
    ratenet::app::Parallel& par = ratenet::app::Parallel::instance(&argc, &argv);
    ratenet::app::analyses();  // the registry describes the sweep results to the file description
    install_signal_handlers();
    // Named, not argv[0], so that help (and the man pages made from it) reads "ratenet".
    CLI::App app{"ratenet: simulate and analyse recurrent rate networks", "ratenet"};
    app.set_version_flag("--version", std::string("ratenet ") + ratenet::build::version + " (" +
                                          ratenet::build::git_commit + ")\nBLAS: " + ratenet::linalg::backend() +
                                          "\ntanh: " + ratenet::vmath::tanh_kernel());
    app.require_subcommand(1);
    int exit_code = exit_ok;
    setup_simulate(app, exit_code);
    setup_demo(app, exit_code);
    setup_models(app, exit_code);
    setup_info(app, exit_code);
    setup_network(app, exit_code);
    setup_schema(app, exit_code);
    // --- subcommands: permitted sets and fixed points ---
    setup_permitted(app, exit_code);
    setup_fixed_points(app, exit_code);
    // --- subcommands: lyapunov ---
    setup_lyapunov(app, exit_code);
    // --- subcommands: sweeps and chaos ---
    setup_sweep(app, exit_code);
    setup_merge(app, exit_code);
    setup_chaos(app, exit_code);
    setup_completion(app, exit_code);
    // A misspelt command gets the closest one, not CLI11's "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        const std::string word = argv[1];
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
        if (std::find(names.begin(), names.end(), word) == names.end()) {
            const std::string c = ratenet::io::closest(word, names);
            if (par.rank() == 0)
                std::cerr << "ratenet: error: unknown command \"" << printable(word) << "\""
                          << (c.empty() ? "" : " (did you mean \"" + c + "\"?)") << "; `ratenet --help` lists the commands\n";
            par.finalize();
            return exit_usage;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = par.rank() == 0 ? app.exit(e) : e.get_exit_code();
        par.finalize();
        // CLI11 returns 0 for --help/--version and its own codes for usage errors.
        return rc == 0 ? 0 : exit_usage;
    }
    par.finalize();
    return exit_code;
}
