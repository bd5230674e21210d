// ratenet chaos CONFIG [-o OUT.h5] [--shard I/N] [--resume]
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/sweep.hpp"
#include "io/chaos_file.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "ratenet/chaos.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

void setup_chaos(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<CommonOptions>();
    auto shard = std::make_shared<std::string>();
    auto resume = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("chaos", "Largest Lyapunov exponent against coupling, critical coupling, mean-field prediction");
    add_common_options(sub, *o, "TOML configuration file with a [chaos] section");
    auto* shard_opt = sub->add_option("--shard", *shard, "run shard I of N (merge the shards with ratenet merge)");
    sub->add_flag("--resume", *resume, "continue an interrupted run, skipping its finished points");
    sub->callback([o, shard, shard_opt, resume, &exit_code] {
        exit_code = guarded([&] {
            check_shard_given(*shard_opt, *shard);
            const io::Config base = load_config(*o);
            const io::Config cfg = io::chaos_sweep_config(base);
            const io::SweepPlan plan = io::read_sweep_plan(cfg);
            try {
                validate_coupling_grid(plan.values.at(0));
            } catch (const invalid_parameter&) {
                io::rethrow_in(base, "chaos");
            }
            const SweepRun r = run_sweep(*o, cfg, plan, *shard, *resume, "chaos",
                                         [&](io::OutputFile& out, const std::vector<std::optional<io::PointResult>>& rows) {
                                             if (shard->empty()) io::write_chaos_group(out, cfg, plan, rows);
                                         });
            if (r.wrote && shard->empty()) {
                h5::File f(r.path, h5::File::Mode::read_only);
                auto g = f.group("chaos");
                const auto gs = g.read_doubles("g");
                const auto mean = g.read_doubles("lambda_mean");
                const auto sem = g.read_doubles("lambda_sem");
                std::ostringstream ss;
                ss << "largest Lyapunov exponent against " << g.attr_string("key") << " (" << plan.seeds << " seeds):";
                for (std::size_t i = 0; i < gs.size(); ++i)
                    ss << "\n  g = " << gs[i] << ": " << mean[i] << " +- " << sem[i];
                if (g.attr_int("g_c_found"))
                    ss << "\n  g_c = " << g.attr_double("g_c") << " +- " << g.attr_double("g_c_err");
                else
                    ss << "\n  g_c not found: " << g.attr_string("message");
                if (g.attr_int("g_c_stable_branch_found"))
                    ss << "\n  stable branch extrapolated to zero: g_c = " << g.attr_double("g_c_stable_branch") << " +- "
                       << g.attr_double("g_c_stable_branch_err");
                ss << "\n  mean-field g_c = " << g.attr_double("g_c_meanfield") << " (" << g.attr_string("transition_meanfield")
                   << ") " << g.attr_string("meanfield_message") << "\nwrote " << r.path;
                say(*o, ss.str());
            } else if (r.wrote) {
                say(*o, "wrote shard " + r.path + "; merge the shards with ratenet merge");
            }
            return r.exit_code;
        });
    });
}

}  // namespace ratenet::cli
