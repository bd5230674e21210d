#pragma once
// Shared by the subcommands: exit codes, error reporting, signals, progress.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/runs.hpp"
#include "io/config.hpp"
#include "io/job.hpp"
#include "io/output.hpp"

namespace ratenet::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime = 1;
inline constexpr int exit_usage = 2;

// The command line as typed (for output files).
void set_command_line(int argc, char** argv);
const std::string& command_line();

// SIGINT/SIGTERM set this flag (a second signal kills the process at once).
void install_signal_handlers();
const std::atomic<bool>& stop_flag();
int stop_signal();  // the signal received, 0 if none
// 128 + the signal received (SIGINT if none was recorded): the exit code of an
// interrupted run.
int interrupted_exit_code();

// Text made safe for a terminal (one line): control characters (C0, DEL, C1),
// line breaks and bytes that are not UTF-8 become visible escapes (\x1b, \n).
// Everything printed from a file or an error goes through it.
std::string printable(const std::string& s);

// Runs body; maps ratenet's errors to one line on stderr and an exit code:
// configuration/usage errors (invalid_parameter, unreadable inputs) 2, runtime 1.
int guarded(const std::function<int()>& body);

// Options shared by the commands that read a config and write a file.
struct CommonOptions {
    std::string config;
    std::optional<std::string> output;  // -o; empty optional = not given (an empty string is refused)
    std::vector<std::string> set;
    bool force = false;
    bool quiet = false;
};

// Adds CONFIG, -o/--output, --set, --force and -q/--quiet to a subcommand, with
// the same names and help everywhere.
void add_common_options(CLI::App* sub, CommonOptions& o, const std::string& config_help = "TOML configuration file");

// Loads the config with overrides and checks its section names. Input errors
// become invalid_parameter (exit 2).
io::Config load_config(const CommonOptions& o);
// -o, else [output] path, else the config's stem with ".h5" in the current directory.
std::string output_path(const CommonOptions& o, const io::Config& cfg);
// What a run that writes one file needs from the command line: the output
// path (output_path), --force, the command line, the signal flag and reason.
app::FileRequest file_request(const CommonOptions& o, const io::Config& cfg);
// RunInfo for the file header.
io::RunInfo run_info(const std::string& kind, const io::Config& cfg, const io::Seeds& seeds);

// Progress of a long run on stderr. On a terminal: a line redrawn in place
// (after the first second) with the rate and an ETA. Otherwise (a batch log):
// one record every RATENET_PROGRESS_SECONDS seconds (default 60), e.g.
//   ratenet: lyapunov 42.0% (420 of 1000), 61 s elapsed, ETA 84 s
class Progress {
public:
    Progress(double total, bool enabled, std::string what = "progress");
    void update(double done);
    void finish();

private:
    double total_;
    bool enabled_, tty_, shown_ = false;
    std::string what_;
    double interval_ = 60.0;  // seconds between records in a log
    std::chrono::steady_clock::time_point start_, last_;
};

// Progress for app's runs (model time for simulate and lyapunov).
class ProgressLine : public app::RunProgress {
public:
    ProgressLine(bool show, std::string what) : show_(show), what_(std::move(what)) {}
    void start(double total) override { line_.emplace(total, show_, what_); }
    void update(double done) override {
        if (line_) line_->update(done);
    }
    void finish() override {
        if (line_) line_->finish();
    }

private:
    bool show_;
    std::string what_;
    std::optional<Progress> line_;
};

// Prints unless quiet.
void say(const CommonOptions& o, const std::string& line);

}  // namespace ratenet::cli
