// ratenet lyapunov CONFIG [-o OUT.h5] [--k K] [--checkpoint-every SECONDS] [--resume]
#include <chrono>
#include <cmath>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.hpp"
#include "cli/commands.hpp"
#include "io/claim.hpp"
#include "io/lyapunov_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

namespace fs = std::filesystem;

struct LyapunovCliOptions {
    CommonOptions common;
    std::optional<Eigen::Index> k;  // --k; else from the config (default all)
    double checkpoint_every = 0.0;  // seconds of wall time; 0 = only on interruption
    bool resume = false;
};

// A complete file (header, network, then `body`), written under a temporary
// name and renamed to path: a kill while writing never destroys the previous file.
void write_file(const std::string& path, const io::RunInfo& info, const Network& net, const std::string& status,
                const std::string& message, const std::function<void(const h5::File&)>& body) {
    io::replace_atomically(path, [&](const std::string& tmp) {
        h5::File f(tmp, h5::File::Mode::create_truncate);
        io::write_header(f, info);
        io::write_network(f, net);
        body(f);
        io::set_status(f, status, message);
        f.close();
    });
}

class CheckpointingObserver : public LyapunovObserver {
public:
    CheckpointingObserver(double every, std::function<void(const LyapunovCheckpoint&)> sink)
        : every_(every), sink_(std::move(sink)), last_(std::chrono::steady_clock::now()) {}
    bool should_stop() override { return stop_flag().load(std::memory_order_relaxed); }
    bool want_checkpoint() override {
        return every_ > 0 &&
               std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count() >= every_;
    }
    void checkpoint(const LyapunovCheckpoint& cp) override {
        sink_(cp);
        last_ = std::chrono::steady_clock::now();
        ++written_;
    }
    int written() const noexcept { return written_; }

private:
    double every_;
    std::function<void(const LyapunovCheckpoint&)> sink_;
    std::chrono::steady_clock::time_point last_;
    int written_ = 0;
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
    if (k == n) ss << "\n  sum of exponents " << r.sum_exponents << ", mean trace of the Jacobian " << r.mean_trace;
    if (r.twin_lambda1) ss << "\n  lambda_1 from a twin trajectory " << *r.twin_lambda1;
    return ss.str();
}

int run(const LyapunovCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const LyapunovOptions lopt = io::read_lyapunov(cfg, net, seeds, o.k);
    if (!(o.checkpoint_every >= 0) || std::isinf(o.checkpoint_every))
        throw invalid_parameter("--checkpoint-every", format_value(o.checkpoint_every),
                                "must be a finite number of seconds >= 0 (0: only on SIGINT/SIGTERM)");
    const io::OutputClaim claim(output_path(o.common, cfg), o.common.force);
    const std::string final_path = claim.final_path();
    const std::string part = claim.part_path();
    const io::RunInfo info = run_info("lyapunov", cfg, seeds);
    std::optional<LyapunovCheckpoint> cp;
    if (o.resume) {
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
        claim.refuse_leftover_part(o.common.force);
    }
    CheckpointingObserver obs(o.checkpoint_every, [&](const LyapunovCheckpoint& c) {
        // The last checkpoint, written on SIGINT/SIGTERM, says so in its status.
        const bool stopping = stop_flag().load();
        write_file(part, info, net, stopping ? "interrupted" : "running",
                   stopping ? "interrupted by signal " + std::to_string(stop_signal()) + "; resume with --resume" : "",
                   [&](const h5::File& f) { io::write_checkpoint(f, c); });
    });
    LyapunovResult r;
    try {
        r = lyapunov_spectrum(net, lopt, obs, cp ? &*cp : nullptr);
    } catch (const invalid_parameter& e) {
        if (e.key() == "checkpoint") throw invalid_parameter("--resume", part, e.value() + " " + e.rule());
        throw;
    }
    if (r.status == RunStatus::interrupted) {
        // The core writes a last checkpoint once it sees the stop request, after
        // the signal: the sink above gives it status interrupted.
        std::cerr << "ratenet: " << r.message << "; the checkpoint is in " << part
                  << "; run the same command with --resume to continue\n";
        return interrupted_exit_code();
    }
    write_file(final_path, info, net, std::string(to_string(r.status)), r.message,
               [&](const h5::File& f) { io::write_lyapunov_group(f, lopt, r, net.size()); });
    std::error_code ec;
    fs::remove(part, ec);
    say(o.common, summary(r, net.size()));
    say(o.common, "wrote " + final_path);
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
