#include "cli/common.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {
std::string g_command_line;
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    if (g_stop.exchange(true)) {
        // Second signal: give up at once.
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
    g_signal.store(sig);
}
}  // namespace

void set_command_line(int argc, char** argv) {
    g_command_line.clear();
    for (int i = 0; i < argc; ++i) {
        if (i) g_command_line += ' ';
        const std::string a = argv[i];
        const bool quote = a.find_first_of(" \t\"'") != std::string::npos;
        g_command_line += quote ? "'" + a + "'" : a;
    }
}

const std::string& command_line() { return g_command_line; }

void install_signal_handlers() {
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>& stop_flag() { return g_stop; }
int stop_signal() { return g_signal.load(); }

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const invalid_parameter& e) {
        std::cerr << "ratenet: error: " << e.what() << "\n";
        return exit_usage;
    } catch (const io_error& e) {
        std::cerr << "ratenet: error: " << e.what() << "\n";
        return exit_runtime;
    } catch (const std::bad_alloc&) {
        std::cerr << "ratenet: error: out of memory\n";
        return exit_runtime;
    } catch (const std::exception& e) {
        std::cerr << "ratenet: error: " << e.what() << "\n";
        return exit_runtime;
    }
}

io::Config load_config(const CommonOptions& o) {
    if (!std::filesystem::exists(o.config))
        throw invalid_parameter("CONFIG", o.config, "the configuration file does not exist");
    io::Config cfg = [&] {
        try {
            return io::Config::load(o.config, o.set);
        } catch (const io_error& e) {
            throw invalid_parameter("CONFIG", o.config, e.detail());
        }
    }();
    cfg.check_sections();
    return cfg;
}

std::string output_path(const CommonOptions& o, const io::Config& cfg) {
    if (!o.output.empty()) return o.output;
    io::Section s = cfg.section("output");
    const std::string p = s.string("path", "");
    s.finish();
    if (!p.empty()) return p;
    return std::filesystem::path(o.config).stem().string() + ".h5";
}

io::RunInfo run_info(const std::string& kind, const io::Config& cfg, const io::Seeds& seeds) {
    io::RunInfo info;
    info.kind = kind;
    info.command_line = g_command_line;
    info.config_text = cfg.text();
    info.config_path = cfg.path();
    info.seeds = seeds;
    return info;
}

Progress::Progress(double total, bool enabled)
    : total_(total), enabled_(enabled && isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::update(double done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || std::chrono::duration<double>(now - last_).count() < 0.2) return;
    last_ = now;
    shown_ = true;
    const double frac = total_ > 0 ? std::min(1.0, done / total_) : 0.0;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    const double rate = done / elapsed;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    std::fprintf(stderr, "\r[%-*s] %5.1f%%  %.3g/s  ETA %5.0fs ", width, std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 100.0 * frac, rate, eta);
    std::fflush(stderr);
}

void Progress::finish() {
    if (shown_) {
        std::fprintf(stderr, "\r%*s\r", 70, "");
        std::fflush(stderr);
    }
}

void say(const CommonOptions& o, const std::string& line) {
    if (!o.quiet) std::cout << line << "\n";
}

}  // namespace ratenet::cli
