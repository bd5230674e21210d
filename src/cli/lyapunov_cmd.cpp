// ratenet lyapunov CONFIG [-o OUT.h5] [--k K] [--checkpoint-every SECONDS] [--resume]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.hpp"
#include "cli/commands.hpp"
#include "io/lyapunov_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

namespace fs = std::filesystem;

struct LyapunovCliOptions {
    CommonOptions common;
    Eigen::Index k = -1;            // -1: from the config (default all)
    double checkpoint_every = 0.0;  // seconds of wall time; 0 = only on interruption
    bool resume = false;
};

// Writes a complete file (header, network, then `body`) under a temporary name
// and renames it to path: a kill while writing never destroys the previous file.
void write_atomically(const std::string& path, const io::RunInfo& info, const Network& net, const std::string& status,
                      const std::string& message, const std::function<void(const h5::File&)>& body) {
    const std::string tmp = path + ".tmp";
    {
        h5::File f(tmp, h5::File::Mode::create_truncate);
        io::write_header(f, info);
        io::write_network(f, net);
        body(f);
        io::set_status(f, status, message);
        f.close();
    }
    fs::rename(tmp, path);
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
    if (k == n) ss << "\n  sum of exponents " << r.sum_exponents << ", mean trace of the Jacobian " << r.trace_mean;
    if (r.twin_lambda1) ss << "\n  lambda_1 from a twin trajectory " << *r.twin_lambda1;
    return ss.str();
}

int run(const LyapunovCliOptions& o) {
    const io::Config cfg = load_config(o.common);
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const LyapunovOptions lopt =
        io::read_lyapunov(cfg, net, seeds, o.k != -1 ? std::optional<Eigen::Index>(o.k) : std::nullopt);
    if (o.checkpoint_every < 0)
        throw invalid_parameter("--checkpoint-every", format_value(o.checkpoint_every), "must be >= 0 seconds");
    const std::string final_path = output_path(o.common, cfg);
    const std::string part = final_path + ".part";
    if (fs::exists(final_path) && !o.common.force)
        throw invalid_parameter("-o", final_path, "the output file exists; pass --force to overwrite it");
    const io::RunInfo info = run_info("lyapunov", cfg, seeds);
    std::optional<LyapunovCheckpoint> cp;
    if (o.resume) {
        if (!fs::exists(part))
            throw invalid_parameter("--resume", part, "no interrupted run to resume (the file does not exist)");
        h5::File f(part, h5::File::Mode::read_only);
        if (!f.has_attr("kind") || f.attr_string("kind") != "lyapunov")
            throw invalid_parameter("--resume", part, "is not a ratenet lyapunov file");
        if (f.attr_string("config") != info.config_text)
            throw invalid_parameter("--resume", part, "was started with a different configuration");
        cp = io::read_checkpoint(f);
        if (!cp) throw invalid_parameter("--resume", part, "holds no checkpoint");
    } else if (fs::exists(part) && !o.common.force) {
        throw invalid_parameter("-o", part, "an interrupted run exists: pass --resume to continue it, or --force to start over");
    }
    CheckpointingObserver obs(o.checkpoint_every, [&](const LyapunovCheckpoint& c) {
        write_atomically(part, info, net, "running", "", [&](const h5::File& f) { io::write_checkpoint(f, c); });
    });
    const LyapunovResult r = lyapunov_spectrum(net, lopt, obs, cp ? &*cp : nullptr);
    if (r.status == RunStatus::interrupted) {
        std::cerr << "ratenet: " << r.message << "; the checkpoint is in " << part
                  << "; run the same command with --resume to continue\n";
        return 128 + (stop_signal() ? stop_signal() : 2);
    }
    write_atomically(final_path + ".part.tmp2", info, net, std::string(to_string(r.status)), r.message,
                     [&](const h5::File& f) { io::write_lyapunov_group(f, lopt, r, net.size()); });
    fs::rename(final_path + ".part.tmp2", final_path);
    fs::remove(part);
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
    sub->add_option("config", o->common.config, "TOML configuration file")->required();
    sub->add_option("-o,--output", o->common.output, "output file");
    sub->add_option("--k", o->k, "number of exponents (default: lyapunov.k, else all N)");
    sub->add_option("--checkpoint-every", o->checkpoint_every,
                    "write a checkpoint to OUT.part every SECONDS of wall time (one is always written on SIGINT/SIGTERM)");
    sub->add_flag("--resume", o->resume, "continue the interrupted run in OUT.part (same config)");
    sub->add_option("--set", o->common.set, "override a config key (repeatable)");
    sub->add_flag("--force", o->common.force, "overwrite an existing output file");
    sub->add_flag("-q,--quiet", o->common.quiet, "print nothing on success");
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run(*o); }); });
}

}  // namespace ratenet::cli
