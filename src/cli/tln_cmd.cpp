// ratenet permitted CONFIG [-o OUT.h5] [--verify]
// ratenet fixed-points CONFIG [-o OUT.h5]
#include <iostream>
#include <optional>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "app/runs.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

struct TlnCliOptions {
    CommonOptions common;
    bool verify = false;
};

std::string list_sets(const std::vector<SetMask>& sets, std::size_t most) {
    std::string s;
    for (std::size_t i = 0; i < sets.size() && i < most; ++i) s += (i ? " " : "") + format_set(sets[i]);
    if (sets.size() > most) s += " ... (" + std::to_string(sets.size() - most) + " more)";
    return s;
}

int interrupted(const std::string& what, const std::string& part) {
    std::cerr << "ratenet: " << what << " interrupted; what was found so far is kept in " << part << "\n";
    return interrupted_exit_code();
}

int run_permitted(const TlnCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const app::PermittedRun run = app::permitted_to_file(cfg, o.verify, file_request(o.common, cfg));
    if (run.interrupted) return interrupted("permitted sets", run.path);
    const PermittedResult& r = run.result;
    const CopositivityResult& c = run.copositivity;
    const auto& v = run.verification;
    std::ostringstream ss;
    ss << "permitted sets (" << (r.criterion == PermittedCriterion::symmetric_pd ? "(I - W)_SS positive definite" : "-I + W_SS Hurwitz")
       << "): " << r.n_permitted << " non-empty, status " << to_string(r.status) << (r.message.empty() ? "" : " (" + r.message + ")")
       << "\n  by size:";
    for (std::size_t k = 0; k < r.count_by_size.size(); ++k)
        if (r.count_by_size[k]) ss << " " << k << ":" << r.count_by_size[k];
    ss << "\n  maximal (" << r.maximal.size() << "): " << list_sets(r.maximal, 12) << "\n  minimal forbidden ("
       << r.minimal_forbidden.size() << "): " << list_sets(r.minimal_forbidden, 12) << "\n  I - W "
       << (c.positive_definite ? "positive definite: one globally stable steady state for every input"
                               : std::string("copositivity: ") + std::string(to_string(c.status)) + " (" + c.method + ")");
    if (v)
        ss << "\n  verified by simulation: " << v->n_agree << " agree, " << v->n_disagree << " disagree"
           << (v->n_inconclusive ? ", " + std::to_string(v->n_inconclusive) + " inconclusive (modes too slow to settle)" : "");
    ss << "\nwrote " << run.path;
    say(o.common, ss.str());
    return v && !v->all_agree() ? exit_runtime : exit_ok;
}

int run_fixed_points(const TlnCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const app::FixedPointsRun run = app::fixed_points_to_file(cfg, file_request(o.common, cfg));
    if (run.interrupted) return interrupted("fixed-point search", run.path);
    const FixedPointResult& r = run.result;
    std::ostringstream ss;
    ss << "fixed points: " << r.fixed_points.size() << " (" << r.n_stable << " stable, " << r.n_unstable << " unstable, "
       << r.n_marginal << " marginal), index sum " << r.index_sum << ", status " << to_string(r.status)
       << (r.message.empty() ? "" : " (" + r.message + ")") << "\n  supports: " << r.n_supports << " decided, "
       << r.n_pruned << " pruned, " << r.n_singular << " singular";
    for (std::size_t i = 0; i < r.fixed_points.size() && i < 12; ++i) {
        const auto& fp = r.fixed_points[i];
        ss << "\n  " << format_set(fp.support) << "  " << to_string(fp.stability) << "  max Re lambda "
           << (fp.eig_real.size() ? fp.eig_real[0] : -1.0);
    }
    if (r.fixed_points.size() > 12) ss << "\n  ... (" << r.fixed_points.size() - 12 << " more)";
    ss << "\nwrote " << run.path;
    say(o.common, ss.str());
    return exit_ok;
}

void add_common(CLI::App* sub, TlnCliOptions& o) { add_common_options(sub, o.common); }

}  // namespace

void setup_permitted(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<TlnCliOptions>();
    auto* sub = app.add_subcommand("permitted", "Permitted and forbidden sets of a threshold-linear network (Hahnloser & Seung 2001)");
    add_common(sub, *o);
    sub->add_flag("--verify", o->verify, "check a sample of sets by simulation");
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run_permitted(*o); }); });
}

void setup_fixed_points(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<TlnCliOptions>();
    auto* sub = app.add_subcommand("fixed-points", "All fixed points of a threshold-linear network, their stability and index");
    add_common(sub, *o);
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run_fixed_points(*o); }); });
}

}  // namespace ratenet::cli
