#include "cli/common.hpp"

#include <cmath>
#include <cstdlib>

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
int interrupted_exit_code() { return 128 + (g_signal.load() ? g_signal.load() : SIGINT); }

void add_common_options(CLI::App* sub, CommonOptions& o, const std::string& config_help) {
    sub->add_option("config", o.config, config_help)->required();
    sub->add_option("-o,--output", o.output, "output file (default: [output] path, else CONFIG's name with .h5)");
    sub->add_option("--set", o.set, "override a config key, e.g. --set model.g=2.0 (repeatable)");
    sub->add_flag("--force", o.force, "overwrite an existing output file and discard an interrupted run's OUT.part");
    sub->add_flag("-q,--quiet", o.quiet, "print nothing on success");
}

std::string printable(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [&](unsigned v, const char* prefix, int digits) {
        static const char* d = "0123456789abcdef";
        out += prefix;
        for (int i = digits - 1; i >= 0; --i) out += d[(v >> (4 * i)) & 0xf];
    };
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c == '\n') { out += "\\n"; ++i; continue; }
        if (c == '\t') { out += "\\t"; ++i; continue; }
        if (c < 0x80) { hex(c, "\\x", 2); ++i; continue; }
        // A UTF-8 sequence: its length from the lead byte, continuation bytes 10xxxxxx.
        const int len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
        unsigned cp = len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (int k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            ok = (cc & 0xc0) == 0x80;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (!ok || overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            hex(c, "\\x", 2);
            ++i;
            continue;
        }
        if (cp >= 0x80 && cp <= 0x9f) hex(cp, "\\u", 4);  // C1 controls (8-bit CSI and friends)
        else out.append(s, i, static_cast<std::size_t>(len));
        i += static_cast<std::size_t>(len);
    }
    return out;
}

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const invalid_parameter& e) {
        std::cerr << "ratenet: error: " << printable(e.what()) << "\n";
        return exit_usage;
    } catch (const io_error& e) {
        std::cerr << "ratenet: error: " << printable(e.what()) << "\n";
        return exit_runtime;
    } catch (const std::filesystem::filesystem_error& e) {
        // The library's text ("filesystem error: ...") is translated at this seam.
        const std::string p = e.path1().empty() ? std::string("ratenet") : e.path1().string();
        std::cerr << "ratenet: error: " << p << ": " << e.code().message() << "\n";
        return exit_runtime;
    } catch (const std::bad_alloc&) {
        std::cerr << "ratenet: error: out of memory\n";
        return exit_runtime;
    } catch (const std::exception& e) {
        std::cerr << "ratenet: error: " << printable(e.what()) << "\n";
        return exit_runtime;
    }
}

io::Config load_config(const CommonOptions& o) {
    std::error_code ec;
    if (!std::filesystem::exists(o.config, ec))
        throw invalid_parameter("CONFIG", o.config, "the configuration file does not exist");
    if (std::filesystem::is_directory(o.config, ec))
        throw invalid_parameter("CONFIG", o.config, "is a directory, not a TOML configuration file");
    for (const auto& s : o.set)
        if (s.find_first_of("\n\r") != std::string::npos)
            throw invalid_parameter("--set", "\"" + s.substr(0, s.find_first_of("\n\r")) + "...\"",
                                    "must be one line (key.path=value); a line break would smuggle in more TOML");
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
    if (o.output) {
        if (o.output->empty()) throw invalid_parameter("-o", "\"\"", "the output path must not be empty");
        return *o.output;
    }
    const std::string p = io::read_output(cfg).path;
    if (!p.empty()) return p;
    return std::filesystem::path(o.config).stem().string() + ".h5";
}

app::FileRequest file_request(const CommonOptions& o, const io::Config& cfg) {
    app::FileRequest r;
    r.output = output_path(o, cfg);
    r.force = o.force;
    r.command_line = g_command_line;
    r.stop = &stop_flag();
    r.stop_reason = [] { return "interrupted by signal " + std::to_string(stop_signal()); };
    return r;
}

io::RunInfo run_info(const std::string& kind, const io::Config& cfg, const io::Seeds& seeds) {
    io::RunInfo info;
    info.kind = kind;
    info.command_line = g_command_line;
    info.config_text = cfg.text();
    info.config_path = cfg.path();
    info.seeds = seeds;
    const io::OutputOptions out = io::read_output(cfg);
    info.network_gzip = out.network_gzip;
    info.network_recipe = out.network_recipe;
    return info;
}

Progress::Progress(double total, bool enabled, std::string what)
    : total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO)), what_(std::move(what)),
      start_(std::chrono::steady_clock::now()), last_(start_) {
    if (const char* v = std::getenv("RATENET_PROGRESS_SECONDS")) {
        char* end = nullptr;
        const double s = std::strtod(v, &end);
        if (end != v && *end == '\0' && s > 0 && std::isfinite(s)) interval_ = s;
    }
}

void Progress::update(double done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double since = std::chrono::duration<double>(now - last_).count();
    const double frac = total_ > 0 ? std::min(1.0, done / total_) : 0.0;
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    if (!tty_) {
        // A record a log keeps: one line per interval.
        if (since < interval_) return;
        last_ = now;
        std::fprintf(stderr, "ratenet: %s %.1f%% (%.6g of %.6g), %.0f s elapsed, ETA %.0f s\n", what_.c_str(),
                     100.0 * frac, done, total_, elapsed, eta);
        std::fflush(stderr);
        return;
    }
    if (elapsed < 1.0 || since < 0.2) return;
    last_ = now;
    shown_ = true;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
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
