#include "app/sweep.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <memory>

#include "io/claim.hpp"
#include "io/job.hpp"
#include "io/sweep_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::app {

io::SweepPlan read_sweep_plan(const io::Config& cfg, const std::string& analysis_override) {
    io::SweepPlan plan = io::read_sweep_plan(cfg, analysis_override);
    try {
        find_analysis(plan.analysis);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "sweep");
    }
    return plan;
}

std::pair<std::int64_t, std::int64_t> parse_shard(const std::string& s) {
    if (s.empty()) return {0, 1};
    const auto slash = s.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument(s);
        std::size_t u1 = 0, u2 = 0;
        const long long i = std::stoll(s.substr(0, slash), &u1);
        const long long n = std::stoll(s.substr(slash + 1), &u2);
        if (u1 != slash || u2 != s.size() - slash - 1) throw std::invalid_argument(s);
        if (n < 1) throw invalid_parameter("--shard", s, "N must be >= 1");
        if (i < 0 || i >= n) throw invalid_parameter("--shard", s, "I must be in 0 .. N-1 (I/N, 0-based)");
        return {i, n};
    } catch (const invalid_parameter&) {
        throw;
    } catch (const std::exception&) {
        throw invalid_parameter("--shard", s, "must have the form I/N with 0 <= I < N");
    }
}

SweepOutline outline_sweep(const io::Config& cfg, const io::SweepPlan& plan) {
    const Analysis& a = find_analysis(plan.analysis);
    SweepOutline o;
    o.points = plan.n_points();
    const PointContext ctx{plan.ensemble, nullptr};
    for (std::int64_t p : {std::int64_t{0}, plan.n_points() - 1}) {
        const io::Config pc = io::point_config(cfg, plan, p);
        a.validate(pc);
        o.values_per_point = std::max(o.values_per_point, values_per_point(a, pc, ctx));
    }
    // Per point: its parameters and seed index, its wall time, its status
    // (about 16 bytes of text) and its results, all 8-byte numbers; then the
    // header (the config text twice: the file's and the point's) and HDF5's
    // own metadata (about 16 KiB for a sweep file's groups, dimensions and attributes).
    const double per_point =
        8.0 * static_cast<double>(plan.columns().size() + 1 + static_cast<std::size_t>(o.values_per_point)) + 16.0;
    o.bytes = static_cast<double>(o.points) * per_point + 2.0 * static_cast<double>(cfg.text().size()) + 16384.0;
    return o;
}

SweepRun run_sweep(const io::Config& cfg, const io::SweepPlan& plan, const SweepRequest& req, WorkQueue& par,
                   SweepObserver& observer,
                   const std::function<void(io::OutputFile&, const std::vector<std::optional<io::PointResult>>&)>& extra) {
    const Analysis& analysis = find_analysis(plan.analysis);
    const auto [shard, n_shards] = parse_shard(req.shard);
    if (par.active() && n_shards > 1)
        throw invalid_parameter("--shard", req.shard, "cannot be combined with an MPI run (use one or the other)");
    if (par.active() && par.size() > plan.n_points())
        throw invalid_parameter("mpirun -n", std::to_string(par.size()),
                                "more MPI ranks than sweep points (" + std::to_string(plan.n_points()) + ")");
    if (n_shards > plan.n_points())
        throw invalid_parameter("--shard", req.shard,
                                "more shards than sweep points (" + std::to_string(plan.n_points()) + ")");
    // The first and last points' configs are checked before anything runs, so a
    // misspelt swept key fails at once with the file and key (exit 2).
    for (std::int64_t p : {std::int64_t{0}, plan.n_points() - 1}) analysis.validate(io::point_config(cfg, plan, p));
    // Rank 0 owns the name (OUT, OUT.part and OUT.points/) for the whole run.
    std::unique_ptr<io::OutputClaim> claim;
    std::exception_ptr refused;
    if (par.rank() == 0) {
        try {
            claim = std::make_unique<io::OutputClaim>(req.output, req.force);
            claim->refuse_leftover_part(req.force);
        } catch (const invalid_parameter&) {
            refused = std::current_exception();
        }
    }
    if (!par.all(!refused)) {
        if (refused) std::rethrow_exception(refused);
        throw invalid_parameter("-o", req.output, "refused on rank 0");
    }
    io::Journal journal(req.output + ".points", plan.hash);
    // Every failure on one rank is shared before the next collective call, so no
    // rank waits forever for one that has left.
    std::exception_ptr failed;
    if (par.rank() == 0) {
        try {
            if (req.force && !req.resume && std::filesystem::exists(journal.dir())) journal.remove_all();
            journal.open(req.resume);
            journal.write_plan(plan);
        } catch (...) {
            failed = std::current_exception();
        }
    }
    if (!par.all(!failed)) {
        if (failed) std::rethrow_exception(failed);
        throw io_error(journal.dir(), "the sweep could not start on rank 0");
    }
    // This run's points: all, or those of the shard (p mod N == I).
    std::vector<std::int64_t> mine;
    for (std::int64_t p = shard; p < plan.n_points(); p += n_shards) mine.push_back(p);
    SweepRun run;
    run.path = req.output;
    const PointContext ctx{plan.ensemble, req.stop};
    auto stopped = [&] { return req.stop && req.stop->load(); };
    if (par.rank() == 0) observer.started(static_cast<std::int64_t>(mine.size()));
    par.start_counter(static_cast<std::int64_t>(mine.size()));
    std::int64_t done = 0;
    bool interrupted = false;
    for (std::int64_t k = par.next(); k >= 0; k = par.next()) {
        const std::int64_t p = mine[static_cast<std::size_t>(k)];
        if (stopped() || failed) {
            interrupted = interrupted || stopped();
            continue;  // keep claiming so the counter drains; nothing more is computed
        }
        try {
            std::string damaged;
            if (journal.has(p, &damaged)) {  // committed by an earlier (killed) run
                ++run.reused;
                continue;
            }
            if (!damaged.empty()) observer.warning(damaged + "; point " + std::to_string(p) + " runs again");
            const io::PointResult r = run_point(analysis, io::point_config(cfg, plan, p), ctx);
            if (r.status == "interrupted") {
                interrupted = true;
                continue;
            }
            journal.write(p, r);
        } catch (...) {
            failed = std::current_exception();  // a full disk, say: reported after the counter drained
            continue;
        }
        if (par.rank() == 0) observer.progress(++done);
    }
    if (par.rank() == 0) observer.finished();
    par.end_counter();
    if (!par.all(!failed)) {
        if (failed) std::rethrow_exception(failed);
        throw io_error(journal.dir(), "the sweep failed on another rank; finished points are kept, continue with --resume");
    }
    run.interrupted = !par.all(!interrupted);
    if (run.interrupted || par.rank() != 0) return run;
    run.rows.resize(static_cast<std::size_t>(plan.n_points()));
    for (std::int64_t p : mine) run.rows[static_cast<std::size_t>(p)] = journal.read(p);
    io::OutputFile out(*claim);
    out.write_header(req.info);
    io::write_sweep_group(out, plan, run.rows, n_shards > 1 ? req.shard : "all");
    if (extra) extra(out, run.rows);
    out.set_status("completed", "");
    out.commit();
    run.wrote = true;
    // The file is complete: a point directory that cannot be removed is only reported.
    std::error_code ec;
    std::filesystem::remove_all(journal.dir(), ec);
    if (ec) observer.warning("cannot remove " + journal.dir() + ": " + ec.message());
    return run;
}

}  // namespace ratenet::app
