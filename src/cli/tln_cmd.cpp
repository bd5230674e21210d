// ratenet permitted CONFIG [-o OUT.h5] [--verify]
// ratenet fixed-points CONFIG [-o OUT.h5]
#include <iostream>
#include <optional>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/claim.hpp"
#include "io/job.hpp"
#include "io/tln_file.hpp"
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

// The header and the network are on disk (flushed) before the enumeration
// starts, so even a kill -9 leaves a readable OUT.part saying what it was for.
void begin_file(io::OutputFile& out, const char* kind, const io::Config& cfg, const io::Seeds& seeds, const Network& net) {
    out.write_header(run_info(kind, cfg, seeds));
    out.write_network(net);
    out.flush();
}

// An interrupted enumeration keeps what it found in OUT.part (status interrupted).
int keep_interrupted(io::OutputFile& out, const std::string& what) {
    out.set_status("interrupted", what + " interrupted by signal " + std::to_string(stop_signal()));
    out.mark_data();
    out.close();
    std::cerr << "ratenet: " << what << " interrupted; what was found so far is kept in " << out.part_path() << "\n";
    return interrupted_exit_code();
}

int run_permitted(const TlnCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const ratenet::ReluForm p = io::tln_problem(cfg, net, "permitted");
    io::PermittedJob job = io::read_permitted(cfg);
    job.verify = job.verify || o.verify;
    job.options.stop = &stop_flag();
    job.copositivity.stop = &stop_flag();
    job.verify_options.stop = &stop_flag();
    const io::OutputClaim claim(output_path(o.common, cfg), o.common.force);
    claim.refuse_leftover_part(o.common.force);
    io::OutputFile out(claim);
    begin_file(out, "permitted", cfg, seeds, net);
    PermittedResult r;
    try {
        r = permitted_sets(p.W, job.options);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "network");
    }
    CopositivityResult c;
    c.method = "not run (interrupted)";
    if (r.status != EnumerationStatus::interrupted) c = copositivity(p.W, job.copositivity);
    std::optional<SimulationCheckResult> v;
    if (job.verify && r.status != EnumerationStatus::interrupted && !stop_flag().load())
        v = verify_permitted_by_simulation(p.W, r, job.verify_options);
    io::write_permitted_group(out.h5(), r, c, v ? &*v : nullptr);
    if (r.status == EnumerationStatus::interrupted || stop_flag().load()) return keep_interrupted(out, "permitted sets");
    out.set_status(std::string(to_string(r.status)), r.message);
    out.commit();
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
    ss << "\nwrote " << out.final_path();
    say(o.common, ss.str());
    return v && !v->all_agree() ? exit_runtime : exit_ok;
}

int run_fixed_points(const TlnCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const ratenet::ReluForm p = io::tln_problem(cfg, net, "fixed-points");
    FixedPointOptions opt = io::read_fixed_points(cfg, net);
    opt.stop = &stop_flag();
    const io::OutputClaim claim(output_path(o.common, cfg), o.common.force);
    claim.refuse_leftover_part(o.common.force);
    io::OutputFile out(claim);
    begin_file(out, "fixed_points", cfg, seeds, net);
    FixedPointResult r;
    try {
        r = fixed_points(p.W, p.b, opt);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "fixed_points");
    }
    io::write_fixed_points_group(out.h5(), r, opt);
    if (r.status == EnumerationStatus::interrupted) return keep_interrupted(out, "fixed-point search");
    out.set_status(std::string(to_string(r.status)), r.message);
    out.commit();
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
    ss << "\nwrote " << out.final_path();
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
