// ratenet lyapunov CONFIG [-o OUT.h5] [--k K] [--checkpoint-every SECONDS] [--resume]
#include <optional>
#include <iostream>
#include <memory>
#include <cmath>
#include <sstream>

#include "cli/common.hpp"
#include "cli/commands.hpp"
#include "app/runs.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

struct LyapunovCliOptions {
    CommonOptions common;
    std::optional<Eigen::Index> k;  // --k; else from the config (default all)
    double checkpoint_every = 0.0;  // seconds of wall time; 0 = only on interruption
    bool resume = false;
};

std::string summary(const LyapunovResult& r, Eigen::Index n) {
    std::ostringstream ss;
    ss.precision(5);
    const auto k = r.exponents.size();
    ss << "lyapunov: " << k << " of " << n << " exponents over t_sim = " << r.t_accumulated << ", status "
       << to_string(r.status) << "\n  largest:";
    for (Eigen::Index i = 0; i < std::min<Eigen::Index>(k, 5); ++i)
        ss << " " << r.exponents[i] << " +- " << r.errors[i] << (i + 1 < std::min<Eigen::Index>(k, 5) ? "," : "");
    ss << "\n  Kaplan-Yorke dimension " << r.kaplan_yorke << (r.kaplan_yorke_lower_bound ? " (lower bound)" : "")
       << ", entropy rate " << r.entropy_rate << (r.entropy_lower_bound ? " (lower bound)" : "");
    if (k > 0 && r.participation_ratio.size() == k)
        ss << "\n  participation ratio of the first Lyapunov vector " << r.participation_ratio[0] << " of " << n
           << " neurons";
    if (r.local_exponents.rows() > 0) {
        const auto l1 = r.local_exponents.col(0);
        const double m = l1.mean();
        const double sd =
            l1.size() > 1 ? std::sqrt((l1.array() - m).square().sum() / static_cast<double>(l1.size() - 1)) : 0.0;
        ss << "\n  finite-time lambda_1 over " << l1.size() << " windows of " << r.t_local << ": mean " << m << ", sd "
           << sd;
    }
    if (r.covariant && r.covariant->times.size() > 0) {
        const CovariantVectors& cv = *r.covariant;
        ss << "\n  covariant vectors at " << cv.times.size() << " times: growth rates";
        for (Eigen::Index i = 0; i < std::min<Eigen::Index>(cv.exponents.size(), 5); ++i) ss << " " << cv.exponents[i];
        if (cv.n_unstable > 0 && cv.n_stable > 0)
            ss << "\n  smallest angle between the unstable (" << cv.n_unstable << ") and stable (" << cv.n_stable
               << ") subspaces " << cv.angle_unstable_stable.minCoeff() << " rad, mean "
               << cv.angle_unstable_stable.mean() << " rad";
    }
    if (k == n) ss << "\n  sum of exponents " << r.sum_exponents << ", mean trace of the Jacobian " << r.mean_trace;
    if (r.twin_lambda1) ss << "\n  lambda_1 from a twin trajectory " << *r.twin_lambda1;
    if (r.mixed_error_rate) ss << "\n  mixed precision: float32 tangent error rate " << *r.mixed_error_rate;
    return ss.str();
}

int run(const LyapunovCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    app::LyapunovRequest req;
    req.file = file_request(o.common, cfg);
    req.k = o.k;
    req.checkpoint_every = o.checkpoint_every;
    req.resume = o.resume;
    ProgressLine progress(!o.common.quiet, "lyapunov");
    req.progress = &progress;
    const app::LyapunovRun run = app::lyapunov_to_file(cfg, req);
    if (run.resumed_from)
        say(o.common, "resumed from the checkpoint at t = " + format_value(*run.resumed_from) + " in " + req.file.output + ".part");
    const LyapunovResult& r = run.result;
    if (run.interrupted) {
        std::cerr << "ratenet: " << r.message << "; the checkpoint is in " << run.path
                  << "; run the same command with --resume to continue\n";
        return interrupted_exit_code();
    }
    say(o.common, summary(r, run.n));
    if (!r.precision_warning.empty()) std::cerr << "ratenet: warning: " << r.precision_warning << "\n";
    say(o.common, "wrote " + run.path);
    if (r.status == RunStatus::diverged) {
        std::cerr << "ratenet: " << r.message << "\n";
        return exit_runtime;
    }
    return exit_ok;
}

}  // namespace

void setup_lyapunov(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<LyapunovCliOptions>();
    auto* sub = app.add_subcommand("lyapunov", "Lyapunov spectrum (QR method), Kaplan-Yorke dimension and entropy rate");
    add_common_options(sub, o->common);
    sub->add_option("--k", o->k, "number of exponents, 1 .. N (default: lyapunov.k, else all N)");
    sub->add_option("--checkpoint-every", o->checkpoint_every,
                    "write a checkpoint to OUT.part every SECONDS of wall time (one is always written on SIGINT/SIGTERM)");
    sub->add_flag("--resume", o->resume, "continue the interrupted run in OUT.part (same config)");
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run(*o); }); });
}

}  // namespace ratenet::cli
