// ratenet chaos CONFIG [-o OUT.h5] [--shard I/N] [--resume]
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "app/chaos_study.hpp"
#include "app/sweep.hpp"
#include "cli/sweep.hpp"
#include "io/chaos_file.hpp"
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
            const io::SweepPlan plan = app::read_sweep_plan(cfg);
            try {
                validate_coupling_grid(plan.values.at(0));
            } catch (const invalid_parameter&) {
                io::rethrow_in(base, "chaos");
            }
            std::optional<ChaosStudy> study;
            const SweepRun r = run_sweep(*o, cfg, plan, *shard, *resume, "chaos",
                                         [&](io::OutputFile& out, const std::vector<std::optional<io::PointResult>>& rows) {
                                             if (!shard->empty()) return;
                                             study = app::chaos_study(cfg, plan, rows);
                                             io::write_chaos_group(out, *study);
                                         });
            if (r.run.wrote && study) {
                const ChaosStudy& st = *study;
                std::ostringstream ss;
                ss << "largest Lyapunov exponent against " << st.key << " (" << plan.seeds << " seeds):";
                for (std::size_t i = 0; i < st.curve.g.size(); ++i)
                    ss << "\n  g = " << st.curve.g[i] << ": " << st.curve.mean[i] << " +- " << st.curve.sem[i];
                if (st.crossing.found)
                    ss << "\n  g_c = " << st.crossing.g_c << " +- " << st.crossing.g_c_err;
                else
                    ss << "\n  g_c not found: " << st.crossing.message;
                if (st.stable_branch.found)
                    ss << "\n  stable branch extrapolated to zero: g_c = " << st.stable_branch.g_c << " +- "
                       << st.stable_branch.g_c_err;
                ss << "\n  mean-field g_c = " << st.g_c_meanfield << " (" << st.transition_meanfield << ") "
                   << st.meanfield_message;
                if (std::isfinite(st.g_div_meanfield))
                    ss << "\n  mean-field divergence of the threshold-linear activity at g_div = " << st.g_div_meanfield;
                if (st.populations.present) {
                    const auto& P = st.populations;
                    ss << "\n  populations at the mean-field g_c (alpha, mu, Delta, mean rate):";
                    for (Eigen::Index k = 0; k < P.alpha.size(); ++k)
                        ss << "\n    " << k << ": " << P.alpha[k] << ", " << P.mu[k] << ", " << P.delta[k] << ", "
                           << P.mean_rate[k];
                    ss << "\n  eigenvalue bulk radius of W per unit g (Aljadeff et al. 2015): " << P.bulk_radius_per_g;
                }
                ss << "\nwrote " << r.run.path;
                say(*o, ss.str());
            } else if (r.run.wrote) {
                say(*o, "wrote shard " + r.run.path + "; merge the shards with ratenet merge");
            }
            return r.exit_code;
        });
    });
}

}  // namespace ratenet::cli
