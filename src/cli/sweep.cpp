#include "cli/sweep.hpp"

#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/parallel.hpp"
#include "io/claim.hpp"
#include "io/job.hpp"
#include "io/point.hpp"
#include "io/chaos_file.hpp"
#include "io/sweep_file.hpp"
#include "ratenet/build_info.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

// "I/N" -> (I, N); "" -> (0, 1).
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

}  // namespace

void check_shard_given(const CLI::Option& opt, const std::string& value) {
    if (opt.count() > 0 && value.empty())
        throw invalid_parameter("--shard", "\"\"", "must have the form I/N with 0 <= I < N (omit it to run every point)");
}

namespace {

// Checks the config of the first and last point before anything runs, so that a
// misspelt swept key fails at once with the file and key (exit 2).
void validate_points(const io::Config& cfg, const io::SweepPlan& plan) {
    for (std::int64_t p : {std::int64_t{0}, plan.n_points() - 1}) {
        io::validate_point(io::point_config(cfg, plan, p), plan.analysis);
    }
}

}  // namespace

SweepRun run_sweep(const CommonOptions& o, const io::Config& cfg, const io::SweepPlan& plan, const std::string& shard_text,
                   bool resume, const std::string& kind,
                   const std::function<void(io::OutputFile&, const std::vector<std::optional<io::PointResult>>&)>& extra) {
    Parallel& par = Parallel::instance();
    const auto [shard, n_shards] = parse_shard(shard_text);
    if (par.active() && n_shards > 1)
        throw invalid_parameter("--shard", shard_text, "cannot be combined with an MPI run (use one or the other)");
    if (par.active() && par.size() > plan.n_points())
        throw invalid_parameter("mpirun -n", std::to_string(par.size()),
                                "more MPI ranks than sweep points (" + std::to_string(plan.n_points()) + ")");
    if (n_shards > plan.n_points())
        throw invalid_parameter("--shard", shard_text,
                                "more shards than sweep points (" + std::to_string(plan.n_points()) + ")");
    validate_points(cfg, plan);
    const std::string out_path = output_path(o, cfg);
    // Rank 0 owns the name (OUT, OUT.part and OUT.points/) for the whole run.
    std::unique_ptr<io::OutputClaim> claim;
    std::exception_ptr refused;
    if (par.rank() == 0) {
        try {
            claim = std::make_unique<io::OutputClaim>(out_path, o.force);
            claim->refuse_leftover_part(o.force);
        } catch (const invalid_parameter&) {
            refused = std::current_exception();
        }
    }
    if (!par.all(!refused)) {
        if (refused) std::rethrow_exception(refused);
        throw invalid_parameter("-o", out_path, "refused on rank 0");
    }
    io::Journal journal(out_path + ".points", plan.hash);
    // Every failure on one rank is shared before the next collective call, so no
    // rank waits forever for one that has left.
    std::exception_ptr failed;
    if (par.rank() == 0) {
        try {
            if (o.force && !resume && std::filesystem::exists(journal.dir())) journal.remove_all();
            journal.open(resume);
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
    run.path = out_path;
    Progress progress(static_cast<double>(mine.size()), !o.quiet && par.rank() == 0);
    par.start_counter(static_cast<std::int64_t>(mine.size()));
    std::int64_t done = 0;
    bool interrupted = false;
    for (std::int64_t k = par.next(); k >= 0; k = par.next()) {
        const std::int64_t p = mine[static_cast<std::size_t>(k)];
        if (stop_flag().load() || failed) {
            interrupted = interrupted || stop_flag().load();
            continue;  // keep claiming so the counter drains; nothing more is computed
        }
        try {
            std::string damaged;
            if (journal.has(p, &damaged)) continue;  // committed by an earlier (killed) run
            if (!damaged.empty()) std::cerr << "ratenet: warning: " << damaged << "; point " << p << " runs again\n";
            const io::Config pc = io::point_config(cfg, plan, p);
            const io::PointResult r = io::run_point(pc, plan.analysis, plan.ensemble, &stop_flag());
            if (r.status == "interrupted") {
                interrupted = true;
                continue;
            }
            journal.write(p, r);
        } catch (...) {
            failed = std::current_exception();  // a full disk, say: reported after the counter drained
            continue;
        }
        progress.update(static_cast<double>(++done));
    }
    progress.finish();
    par.end_counter();
    if (!par.all(!failed)) {
        if (failed) std::rethrow_exception(failed);
        throw io_error(journal.dir(), "the sweep failed on another rank; finished points are kept, continue with --resume");
    }
    interrupted = !par.all(!interrupted);
    if (interrupted) {
        if (par.rank() == 0)
            std::cerr << "ratenet: sweep interrupted; finished points are kept in " << journal.dir()
                      << "; run again with --resume to continue\n";
        run.exit_code = interrupted_exit_code();
        return run;
    }
    if (par.rank() != 0) return run;
    run.rows.resize(static_cast<std::size_t>(plan.n_points()));
    for (std::int64_t p : mine) run.rows[static_cast<std::size_t>(p)] = journal.read(p);
    io::OutputFile out(*claim);
    io::Seeds seeds = io::read_seeds(cfg);
    out.write_header(run_info(kind, cfg, seeds));
    io::write_sweep_group(out, plan, run.rows, n_shards > 1 ? shard_text : "all");
    if (extra) extra(out, run.rows);
    out.set_status("completed", "");
    out.commit();
    run.wrote = true;
    // The file is complete: a point directory that cannot be removed is only reported.
    std::error_code ec;
    std::filesystem::remove_all(journal.dir(), ec);
    if (ec) std::cerr << "ratenet: warning: cannot remove " << journal.dir() << ": " << ec.message() << "\n";
    return run;
}

void setup_sweep(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<CommonOptions>();
    auto shard = std::make_shared<std::string>();
    auto resume = std::make_shared<bool>(false);
    auto* sub = app.add_subcommand("sweep", "Run one analysis over the points of a [sweep] (serially, sharded or under MPI)");
    add_common_options(sub, *opt, "TOML configuration file with a [sweep] section");
    auto* shard_opt =
        sub->add_option("--shard", *shard, "run shard I of N (points p with p mod N = I), e.g. $SLURM_ARRAY_TASK_ID/4");
    sub->add_flag("--resume", *resume, "continue an interrupted sweep, skipping its finished points");
    sub->callback([opt, shard, shard_opt, resume, &exit_code] {
        exit_code = guarded([&] {
            check_shard_given(*shard_opt, *shard);
            const io::Config cfg = load_config(*opt);
            if (!cfg.has("sweep")) cfg.fail("sweep", "", "missing section [sweep]");
            const io::SweepPlan plan = io::read_sweep_plan(cfg);
            const SweepRun r = run_sweep(*opt, cfg, plan, *shard, *resume, "sweep", nullptr);
            if (r.wrote) {
                std::int64_t done = 0, failed = 0;
                for (const auto& row : r.rows)
                    if (row) {
                        ++done;
                        failed += row->status.rfind("failed", 0) == 0;
                    }
                say(*opt, "wrote " + r.path + ": " + std::to_string(done) + " of " + std::to_string(plan.n_points()) +
                              " points (" + plan.analysis + ")" + (failed ? ", " + std::to_string(failed) + " failed" : ""));
            }
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
            const io::SweepPlan plan = io::read_sweep_plan(cfg, first.analysis);
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
            if (first.kind == "chaos" && !missing) io::write_chaos_group(out, cfg, plan, rows);
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
