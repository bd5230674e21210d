#include "app/runs.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "io/claim.hpp"
#include "io/job.hpp"
#include "io/lyapunov_file.hpp"
#include "io/output.hpp"
#include "io/tln_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::app {

namespace {

namespace fs = std::filesystem;

io::RunInfo run_info(const char* kind, const io::Config& cfg, const io::Seeds& seeds, const FileRequest& req) {
    const io::OutputOptions o = io::read_output(cfg);
    return {kind, req.command_line, cfg.text(), cfg.path(), seeds, o.network_gzip, o.network_recipe};
}

// The header and the network are on disk (flushed) before an enumeration
// starts, so even a kill -9 leaves a readable OUTPUT.part saying what it was for.
void begin_file(io::OutputFile& out, const io::RunInfo& info, const Network& net) {
    out.write_header(info);
    out.write_network(net);
    out.flush();
}

// An interrupted enumeration keeps what it found in OUTPUT.part (status interrupted).
std::string keep_interrupted(io::OutputFile& out, const std::string& what, const FileRequest& req) {
    out.set_status("interrupted", what + " " + req.stop_reason());
    out.mark_data();
    out.close();
    return out.part_path();
}

bool stopped(const FileRequest& req) { return req.stop && req.stop->load(); }

// Ends an enumeration's file: OUTPUT.part kept with status interrupted, or
// committed as OUTPUT with the enumeration's status. Returns the path.
std::string end_enumeration(io::OutputFile& out, bool interrupted, EnumerationStatus status, const std::string& message,
                            const std::string& what, const FileRequest& req) {
    if (interrupted) return keep_interrupted(out, what, req);
    out.set_status(std::string(to_string(status)), message);
    out.commit();
    return out.final_path();
}

// Forwards samples to the file and reports progress.
class ProgressWriter : public TrajectoryObserver {
public:
    ProgressWriter(io::TrajectoryWriter& w, RunProgress* p, double t0) : w_(w), p_(p), t0_(t0) {}
    void observe(double t, const Eigen::VectorXd& x) override {
        w_.observe(t, x);
        if (p_) p_->update(t - t0_);
    }
    bool should_stop() override { return w_.should_stop(); }

private:
    io::TrajectoryWriter& w_;
    RunProgress* p_;
    double t0_;
};

class CheckpointingObserver : public LyapunovObserver {
public:
    CheckpointingObserver(double every, const std::atomic<bool>* stop, RunProgress* progress,
                          std::function<void(const LyapunovCheckpoint&)> sink)
        : every_(every), stop_(stop), progress_(progress), sink_(std::move(sink)), last_(std::chrono::steady_clock::now()) {}
    void progress(double t, double t_end) override {
        if (!progress_) return;
        if (!started_) progress_->start(t_end);
        started_ = true;
        progress_->update(t);
    }
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }
    bool want_checkpoint() override {
        return every_ > 0 &&
               std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count() >= every_;
    }
    void checkpoint(const LyapunovCheckpoint& cp) override {
        sink_(cp);
        last_ = std::chrono::steady_clock::now();
    }

private:
    double every_;
    const std::atomic<bool>* stop_;
    RunProgress* progress_;
    bool started_ = false;
    std::function<void(const LyapunovCheckpoint&)> sink_;
    std::chrono::steady_clock::time_point last_;
};

// A complete file (header, network, then `body`), written under a temporary
// name and renamed to path: a kill while writing never destroys the previous file.
void write_file(const std::string& path, const io::RunInfo& info, const Network& net, const std::string& status,
                const std::string& message, const std::function<void(const h5::File&)>& body) {
    io::replace_atomically(path, [&](const std::string& tmp) {
        h5::File f(tmp, h5::File::Mode::create_truncate);
        io::write_header(f, info);
        io::write_network(f, net, info.network_gzip, info.network_recipe);
        body(f);
        io::set_status(f, status, message);
        f.close();
    });
}

}  // namespace

namespace {

struct Samples final : TrajectoryObserver {
    std::vector<Eigen::VectorXd> x;
    void observe(double, const Eigen::VectorXd& s) override { x.push_back(s); }
};

// network.precision = "float32": integrates [t_start, t_start + horizon] twice,
// with float32 and with float64 products (the same steps, noise and output grid),
// and compares them sample by sample.
io::PrecisionCheck float32_check(Network& net, const Eigen::VectorXd& x0, const IntegratorOptions& run, double horizon) {
    IntegratorOptions o = run;
    o.t_end = std::min(run.t_end, run.t_start + horizon);
    o.dt_out = (o.t_end - o.t_start) / 100.0;
    Samples s32, s64;
    (void)integrate(net, x0, o, s32);
    const auto w32 = std::move(net.W32);  // float64 products for the reference
    (void)integrate(net, x0, o, s64);
    net.W32 = w32;
    io::PrecisionCheck c;
    c.time = o.t_end - o.t_start;
    double scale = 0.0;
    const std::size_t m = std::min(s32.x.size(), s64.x.size());
    for (std::size_t i = 0; i < m; ++i) {
        const double d = (s32.x[i] - s64.x[i]).cwiseAbs().maxCoeff();
        c.max_abs_error = std::isnan(d) ? d : std::max(c.max_abs_error, d);
        scale = std::max(scale, s64.x[i].cwiseAbs().maxCoeff());
    }
    c.max_rel_error = scale > 0 ? c.max_abs_error / scale : c.max_abs_error;
    return c;
}

}  // namespace

SimulateRun simulate_to_file(const io::Config& cfg, const FileRequest& req, RunProgress* progress) {
    const io::Seeds seeds = io::read_seeds(cfg);
    Network net = io::read_network(cfg, seeds);
    const Eigen::VectorXd x0 = io::read_initial(cfg, net, seeds);
    const io::SimulateJob job = io::read_simulate(cfg, net, seeds);
    const io::OutputClaim claim(req.output, req.force);
    claim.refuse_leftover_part(req.force);
    const std::int64_t cols = job.record.neurons.empty() ? net.size() : static_cast<std::int64_t>(job.record.neurons.size());
    if (job.record.gzip == 0) {  // compressed sizes cannot be known in advance
        // /network (W stored uncompressed at most) plus the trajectory.
        const double nn = static_cast<double>(net.size());
        const double w_bytes = io::read_output(cfg).network_recipe ? 0.0
                               : net.sparse ? 16.0 * static_cast<double>(net.W_sparse.nonZeros()) + 8.0 * nn
                                            : 8.0 * nn * nn;
        const double network_bytes = w_bytes + 16.0 * nn;
        io::check_output_space(cfg, cfg.find("simulate.dt_out") ? "simulate.dt_out" : "simulate.t_end", claim.final_path(),
                               network_bytes + io::trajectory_bytes(job.integrator.n_samples(), cols, job.record.float32),
                               std::to_string(job.integrator.n_samples()) + " samples of " + std::to_string(cols) +
                                   " neurons, and W");
    }
    io::OutputFile out(claim);
    out.write_header(run_info("simulate", cfg, seeds, req));
    std::optional<io::PrecisionCheck> res_check;
    out.write_network(net);
    if (net.W32 && job.precision_check_time > 0) {
        res_check = float32_check(net, x0, job.integrator, job.precision_check_time);
        io::write_precision_check(out.h5(), *res_check);
    }
    io::TrajectoryWriter writer(out, net, job.integrator, job.record, req.stop);
    if (progress) progress->start(job.integrator.t_end - job.integrator.t_start);
    ProgressWriter pw(writer, progress, job.integrator.t_start);
    SimulateRun res;
    res.precision_check = res_check;
    res.run = integrate(net, x0, job.integrator, pw);
    if (progress) progress->finish();
    writer.finish(res.run);
    res.neurons_recorded = cols;
    if (res.run.status == RunStatus::interrupted) {
        out.close();
        res.path = out.part_path();
    } else {
        out.commit();
        res.path = out.final_path();
    }
    return res;
}

PermittedRun permitted_to_file(const io::Config& cfg, bool verify, const FileRequest& req) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const ReluForm p = io::tln_problem(cfg, net, "permitted");
    io::PermittedJob job = io::read_permitted(cfg);
    job.verify = job.verify || verify;
    job.options.stop = req.stop;
    job.copositivity.stop = req.stop;
    job.verify_options.stop = req.stop;
    const io::OutputClaim claim(req.output, req.force);
    claim.refuse_leftover_part(req.force);
    io::OutputFile out(claim);
    begin_file(out, run_info("permitted", cfg, seeds, req), net);
    PermittedRun run;
    PermittedResult& r = run.result;
    try {
        r = permitted_sets(p.W, job.options);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "network");
    }
    CopositivityResult& c = run.copositivity;
    c.method = "not run (interrupted)";
    if (r.status != EnumerationStatus::interrupted) c = copositivity(p.W, job.copositivity);
    if (job.verify && r.status != EnumerationStatus::interrupted && !stopped(req))
        run.verification = verify_permitted_by_simulation(p.W, r, job.verify_options);
    io::write_permitted_group(out.h5(), r, c, run.verification ? &*run.verification : nullptr);
    run.interrupted = r.status == EnumerationStatus::interrupted || stopped(req);
    run.path = end_enumeration(out, run.interrupted, r.status, r.message, "permitted sets", req);
    return run;
}

NetworkRun network_to_file(const io::Config& cfg, const FileRequest& req) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const io::OutputClaim claim(req.output, req.force);
    claim.refuse_leftover_part(req.force);
    io::OutputFile out(claim);
    io::RunInfo info = run_info("network", cfg, seeds, req);
    info.network_recipe = false;  // the point of this file is W
    out.write_header(info);
    out.write_network(net);
    out.set_status("completed", "");
    out.commit();
    NetworkRun r;
    r.path = out.final_path();
    r.n = net.size();
    r.sparse = net.sparse;
    r.entries = net.sparse ? static_cast<double>(net.W_sparse.nonZeros()) : static_cast<double>(net.W.size());
    return r;
}

FixedPointsRun fixed_points_to_file(const io::Config& cfg, const FileRequest& req) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const ReluForm p = io::tln_problem(cfg, net, "fixed-points");
    FixedPointOptions opt = io::read_fixed_points(cfg, net);
    opt.stop = req.stop;
    const io::OutputClaim claim(req.output, req.force);
    claim.refuse_leftover_part(req.force);
    io::OutputFile out(claim);
    begin_file(out, run_info("fixed_points", cfg, seeds, req), net);
    FixedPointsRun run;
    FixedPointResult& r = run.result;
    try {
        r = fixed_points(p.W, p.b, opt);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "fixed_points");
    }
    io::write_fixed_points_group(out.h5(), r, opt);
    run.interrupted = r.status == EnumerationStatus::interrupted;
    run.path = end_enumeration(out, run.interrupted, r.status, r.message, "fixed-point search", req);
    return run;
}

LyapunovRun lyapunov_to_file(const io::Config& cfg, const LyapunovRequest& req) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const LyapunovOptions lopt = io::read_lyapunov(cfg, net, seeds, req.k);
    if (!(req.checkpoint_every >= 0) || std::isinf(req.checkpoint_every))
        throw invalid_parameter("--checkpoint-every", format_value(req.checkpoint_every),
                                "must be a finite number of seconds >= 0 (0: only on SIGINT/SIGTERM)");
    const io::OutputClaim claim(req.file.output, req.file.force);
    const std::string final_path = claim.final_path();
    const std::string part = claim.part_path();
    const io::RunInfo info = run_info("lyapunov", cfg, seeds, req.file);
    std::optional<LyapunovCheckpoint> cp;
    if (req.resume) {
        if (!fs::exists(part))
            throw invalid_parameter("--resume", part, "no interrupted run to resume (the file does not exist)");
        try {
            h5::File f(part, h5::File::Mode::read_only);
            if (!f.has_attr("kind") || f.attr_string("kind") != "lyapunov")
                throw invalid_parameter("--resume", part, "is not a ratenet lyapunov file");
            if (!f.has_attr("config") || f.attr_string("config") != info.config_text)
                throw invalid_parameter("--resume", part, "was started with a different configuration");
            cp = io::read_checkpoint(f);
        } catch (const io_error& e) {
            throw invalid_parameter("--resume", part, "cannot be resumed: " + e.detail());
        }
        if (!cp) throw invalid_parameter("--resume", part, "holds no checkpoint");
    } else {
        claim.refuse_leftover_part(req.file.force);
    }
    CheckpointingObserver obs(req.checkpoint_every, req.file.stop, req.progress, [&](const LyapunovCheckpoint& c) {
        // The last checkpoint, written on SIGINT/SIGTERM, says so in its status.
        const bool stopping = stopped(req.file);
        write_file(part, info, net, stopping ? "interrupted" : "running",
                   stopping ? req.file.stop_reason() + "; resume with --resume" : "",
                   [&](const h5::File& f) { io::write_checkpoint(f, c); });
    });
    LyapunovRun run;
    run.n = net.size();
    if (cp) run.resumed_from = cp->t;
    try {
        run.result = lyapunov_spectrum(net, lopt, obs, cp ? &*cp : nullptr);
    } catch (const invalid_parameter& e) {
        if (e.key() == "checkpoint") throw invalid_parameter("--resume", part, e.value() + " " + e.rule());
        throw;
    }
    if (req.progress) req.progress->finish();
    if (run.result.status == RunStatus::interrupted) {
        // The core writes a last checkpoint once it sees the stop request: the
        // sink above gives it status interrupted.
        run.interrupted = true;
        run.path = part;
        return run;
    }
    write_file(final_path, info, net, std::string(to_string(run.result.status)), run.result.message,
               [&](const h5::File& f) { io::write_lyapunov_group(f, lopt, run.result, net.size()); });
    std::error_code ec;
    fs::remove(part, ec);
    run.path = final_path;
    return run;
}

}  // namespace ratenet::app
