#include "cli/sweep.hpp"

#include <cmath>
#include <exception>
#include <limits>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "app/chaos_study.hpp"
#include "app/registry.hpp"
#include "app/sweep.hpp"
#include "app/work_queue.hpp"
#include "io/claim.hpp"
#include "io/job.hpp"
#include "io/chaos_file.hpp"
#include "io/sweep_file.hpp"
#include "ratenet/build_info.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

void check_shard_given(const CLI::Option& opt, const std::string& value) {
    if (opt.count() > 0 && value.empty())
        throw invalid_parameter("--shard", "\"\"", "must have the form I/N with 0 <= I < N (omit it to run every point)");
}

namespace {

// The engine's progress on a terminal line, its warnings on stderr.
class CliSweepObserver : public app::SweepObserver {
public:
    CliSweepObserver(bool show, std::string what) : show_(show), what_(std::move(what)) {}
    void started(std::int64_t total) override { progress_.emplace(static_cast<double>(total), show_, what_ + " points"); }
    void progress(std::int64_t done) override {
        if (progress_) progress_->update(static_cast<double>(done));
    }
    void finished() override {
        if (progress_) progress_->finish();
    }
    void warning(const std::string& text) override { std::cerr << "ratenet: warning: " << printable(text) << "\n"; }

private:
    bool show_;
    std::string what_;
    std::optional<Progress> progress_;
};

}  // namespace

std::string result_ranges(const std::string& analysis, const std::vector<std::optional<io::PointResult>>& rows) {
    std::ostringstream ss;
    const app::Analysis& a = app::find_analysis(analysis);
    for (const auto& f : a.fields) {
        if (f.dims.size() != 1) continue;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        std::int64_t n = 0;
        for (const auto& row : rows) {
            if (!row) continue;
            for (const auto& [name, v] : row->values)
                if (name == f.name && v.size() == 1 && std::isfinite(v[0])) {
                    lo = std::min(lo, v[0]);
                    hi = std::max(hi, v[0]);
                    ++n;
                }
        }
        if (n == 0) continue;
        ss << "\n  " << f.long_name << " (" << f.name << "): " << lo;
        if (hi > lo) ss << " .. " << hi;
        if (f.units != "1") ss << " [" << f.units << "]";
    }
    return ss.str();
}

std::string sweep_summary(const std::string& path, const io::SweepPlan& plan,
                          const std::vector<std::optional<io::PointResult>>& rows) {
    std::int64_t done = 0, failed = 0;
    for (const auto& row : rows)
        if (row) {
            ++done;
            failed += row->status.rfind("failed", 0) == 0;
        }
    std::ostringstream ss;
    ss << "wrote " << path << ": " << done << " of " << plan.n_points() << " points (" << plan.analysis << ")"
       << (failed ? ", " + std::to_string(failed) + " failed" : "") << result_ranges(plan.analysis, rows);
    return ss.str();
}

SweepRun run_sweep(const CommonOptions& o, const io::Config& cfg, const io::SweepPlan& plan, const std::string& shard,
                   bool resume, const std::string& kind,
                   const std::function<void(io::OutputFile&, const std::vector<std::optional<io::PointResult>>&)>& extra) {
    app::Parallel& par = app::Parallel::instance();
    app::SweepRequest req;
    req.output = output_path(o, cfg);
    req.force = o.force;
    req.resume = resume;
    req.shard = shard;
    req.kind = kind;
    req.info = run_info(kind, cfg, io::read_seeds(cfg));
    req.stop = &stop_flag();
    CliSweepObserver observer(!o.quiet && par.rank() == 0, kind);
    SweepRun r;
    r.run = app::run_sweep(cfg, plan, req, par, observer, extra);
    if (resume && par.rank() == 0 && !o.quiet)
        std::cout << "resumed: " << r.run.reused << " finished point(s) reused from " << req.output << ".points"
                  << (par.active() ? " (by rank 0)" : "") << "\n";
    if (r.run.interrupted) {
        if (par.rank() == 0)
            std::cerr << "ratenet: sweep interrupted; finished points are kept in " << req.output
                      << ".points; run again with --resume to continue\n";
        r.exit_code = interrupted_exit_code();
    }
    return r;
}

namespace {

// `ratenet sweep --dry-run`: the plan, its first rows, the planned output and,
// with --shards N, the job array to submit. Nothing is written.
std::string dry_run(const CommonOptions& o, const io::Config& cfg, const io::SweepPlan& plan, std::int64_t shards) {
    const app::SweepOutline out = app::outline_sweep(cfg, plan);
    if (shards > plan.n_points())
        throw invalid_parameter("--shards", std::to_string(shards),
                                "more shards than sweep points (" + std::to_string(plan.n_points()) + ")");
    std::ostringstream ss;
    ss << "sweep of " << cfg.path() << ": " << out.points << " points (analysis " << plan.analysis << "), "
       << plan.keys.size() << " swept key(s), " << plan.seeds << " seed(s) each\n";
    const auto cols = plan.columns();
    ss << "  point";
    for (const auto& c : cols) ss << "  " << c;
    ss << "\n";
    const std::int64_t shown = std::min<std::int64_t>(plan.n_points(), 5);
    for (std::int64_t p = 0; p < shown; ++p) {
        ss << "  " << p;
        for (double v : plan.point(p)) ss << "  " << v;
        ss << "  " << plan.seed_index(p) << "\n";
    }
    if (shown < plan.n_points()) ss << "  ... (" << plan.n_points() - shown << " more)\n";
    ss << "  output: " << output_path(o, cfg) << ", about " << std::setprecision(3) << out.bytes / (1 << 20) << " MiB ("
       << out.values_per_point << " result values per point)\n";
    if (shards > 0)
        ss << "  " << shards << " shards: sbatch --array=0-" << shards - 1
           << " (any contiguous range), or bash configs/slurm_submit.sh " << cfg.path() << " OUT " << shards << "\n";
    ss << "nothing was run or written (--dry-run)";
    return ss.str();
}

}  // namespace

void setup_sweep(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<CommonOptions>();
    auto shard = std::make_shared<std::string>();
    auto resume = std::make_shared<bool>(false);
    auto dry = std::make_shared<bool>(false);
    auto shards = std::make_shared<std::int64_t>(0);
    auto* sub = app.add_subcommand("sweep", "Run one analysis over the points of a [sweep] (serially, sharded or under MPI)");
    add_common_options(sub, *opt, "TOML configuration file with a [sweep] section");
    auto* shard_opt =
        sub->add_option("--shard", *shard, "run shard I of N (points p with p mod N = I), e.g. $SLURM_ARRAY_TASK_ID/4");
    sub->add_flag("--resume", *resume, "continue an interrupted sweep, skipping its finished points");
    sub->add_flag("--dry-run", *dry, "print the points, the planned output size and (with --shards) the job array; run nothing");
    sub->add_option("--shards", *shards, "with --dry-run: the number of shards to plan the job array for");
    sub->callback([opt, shard, shard_opt, resume, dry, shards, &exit_code] {
        exit_code = guarded([&] {
            check_shard_given(*shard_opt, *shard);
            const io::Config cfg = load_config(*opt);
            if (!cfg.has("sweep")) cfg.fail("sweep", "", "missing section [sweep]");
            const io::SweepPlan plan = app::read_sweep_plan(cfg);
            if (*shards != 0 && !*dry) throw invalid_parameter("--shards", std::to_string(*shards), "is only for --dry-run");
            if (*shards < 0) throw invalid_parameter("--shards", std::to_string(*shards), "must be >= 1");
            if (*dry) {
                std::cout << dry_run(*opt, cfg, plan, *shards) << "\n";
                return exit_ok;
            }
            const SweepRun r = run_sweep(*opt, cfg, plan, *shard, *resume, "sweep", nullptr);
            if (r.run.wrote) say(*opt, sweep_summary(r.run.path, plan, r.run.rows));
            return r.exit_code;
        });
    });
}

namespace {

// "points 1, 3, 5 (of shard 1/2)" for the message about a merge with gaps.
std::string describe_missing(const std::vector<std::optional<io::PointResult>>& rows,
                             const std::vector<io::SweepFileContents>& parts) {
    std::vector<std::int64_t> missing;
    for (std::size_t p = 0; p < rows.size(); ++p)
        if (!rows[p]) missing.push_back(static_cast<std::int64_t>(p));
    std::string s = std::to_string(missing.size()) + " of " + std::to_string(rows.size()) + " points are missing (";
    for (std::size_t i = 0; i < missing.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(missing[i]);
    if (missing.size() > 8) s += ", ...";
    s += ")";
    // Shards are p mod N = I: name the shards none of the files came from.
    std::int64_t n_shards = 0;
    std::set<std::int64_t> present;
    for (const auto& part : parts) {
        const auto slash = part.shard.find('/');
        if (slash == std::string::npos) continue;
        try {
            present.insert(std::stoll(part.shard.substr(0, slash)));
            n_shards = std::stoll(part.shard.substr(slash + 1));
        } catch (const std::exception&) {
        }
    }
    if (n_shards > 0) {
        std::string absent;
        int listed = 0;
        for (std::int64_t i = 0; i < n_shards && listed < 8; ++i)
            if (!present.count(i)) {
                absent += (absent.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(n_shards);
                ++listed;
            }
        const auto n_absent = n_shards - static_cast<std::int64_t>(present.size());
        if (n_absent > listed) absent += ", ... (" + std::to_string(n_absent) + " in all)";
        if (!absent.empty()) s += "; no file of shard " + absent + " was given";
    }
    return s;
}

}  // namespace

void setup_merge(CLI::App& app, int& exit_code) {
    auto out_path = std::make_shared<std::string>();
    auto shards = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    auto allow_missing = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("merge", "Join the files of a sharded sweep into the file a serial run gives");
    sub->add_option("output", *out_path, "merged output file")->required();
    sub->add_option("shards", *shards, "shard files (from ratenet sweep --shard I/N)")->required();
    sub->add_flag("--force", *force, "overwrite an existing output file");
    sub->add_flag("--allow-missing", *allow_missing,
                  "write OUT even when points are missing (status incomplete); without it an incomplete merge writes nothing");
    sub->add_flag("-q,--quiet", *quiet, "print nothing on success");
    sub->callback([out_path, shards, force, allow_missing, quiet, &exit_code] {
        exit_code = guarded([&] {
            const io::OutputClaim claim(*out_path, *force);
            claim.refuse_leftover_part(*force);
            std::vector<io::SweepFileContents> parts;
            for (const auto& s : *shards) {
                if (std::filesystem::absolute(s) == std::filesystem::absolute(*out_path))
                    throw invalid_parameter("SHARD", s, "is the output file itself");
                try {
                    parts.push_back(io::read_sweep_file(s));
                } catch (const io_error& e) {
                    throw invalid_parameter("SHARD", s, e.detail());
                }
            }
            const auto& first = parts.front();
            std::vector<std::optional<io::PointResult>> rows(static_cast<std::size_t>(first.n_points));
            for (std::size_t i = 0; i < parts.size(); ++i) {
                const auto& part = parts[i];
                if (part.hash != first.hash || part.n_points != first.n_points)
                    throw invalid_parameter("SHARD", (*shards)[i], "comes from a different sweep config than " + shards->front());
                if (part.version != first.version)
                    throw invalid_parameter("SHARD", (*shards)[i], "was written by ratenet " + part.version + ", " +
                                                                       shards->front() + " by " + first.version);
                for (std::size_t p = 0; p < part.rows.size(); ++p) {
                    if (!part.rows[p]) continue;
                    if (rows[p]) throw invalid_parameter("SHARD", (*shards)[i], "repeats point " + std::to_string(p));
                    rows[p] = part.rows[p];
                }
            }
            // The plan is rebuilt from the config stored in the shards.
            const io::Config cfg = [&] {
                try {
                    return io::Config::parse(first.config, shards->front());
                } catch (const io_error& e) {
                    throw invalid_parameter("SHARD", shards->front(), "its stored config cannot be read: " + e.detail());
                }
            }();
            const io::SweepPlan plan = app::read_sweep_plan(cfg, first.analysis);
            if (plan.hash != first.hash || plan.n_points() != first.n_points)
                throw invalid_parameter("SHARD", shards->front(), "its stored config does not match its sweep hash");
            std::int64_t missing = 0;
            for (const auto& r : rows) missing += !r;
            if (missing && !*allow_missing) {
                std::cerr << "ratenet: error: " << describe_missing(rows, parts) << "; nothing written: run the missing "
                          << "shards and merge again, or pass --allow-missing for a file with status incomplete\n";
                return exit_runtime;
            }
            io::OutputFile out(claim);
            out.write_header(run_info(first.kind, cfg, io::read_seeds(cfg)));
            io::write_sweep_group(out, plan, rows, "all");
            if (first.kind == "chaos" && !missing) io::write_chaos_group(out, app::chaos_study(cfg, plan, rows));
            out.set_status(missing ? "incomplete" : "completed",
                           missing ? std::to_string(missing) + " points missing from the shards" : "");
            out.commit();
            if (!*quiet)
                std::cout << "wrote " << *out_path << ": " << (first.n_points - missing) << " of " << first.n_points
                          << " points from " << shards->size() << " shards" << (missing ? " (status incomplete)" : "")
                          << "\n";
            if (missing) std::cerr << "ratenet: warning: " << describe_missing(rows, parts) << "\n";
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
