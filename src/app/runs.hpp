#pragma once
// The runs that write one file each: simulate, permitted, fixed points and the
// Lyapunov spectrum, from a config to OUTPUT. The file is written as
// OUTPUT.part and renamed when the run ends; an interrupted run keeps
// OUTPUT.part with status interrupted (and, for the Lyapunov spectrum, a
// checkpoint to resume from). The CLI parses, calls these and prints.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "io/config.hpp"
#include "io/output.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/tln.hpp"

namespace ratenet::app {

struct FileRequest {
    std::string output;                        // the final file name
    bool force = false;                        // replace OUTPUT and a leftover OUTPUT.part
    std::string command_line;                  // recorded in the file
    const std::atomic<bool>* stop = nullptr;   // SIGINT/SIGTERM: the run ends, keeping what it has
    // Why it stopped, for the file's message ("interrupted by signal 15").
    std::function<std::string()> stop_reason = [] { return std::string("interrupted"); };
};

// Progress of a long run, in its own unit (model time for simulate).
class RunProgress {
public:
    virtual ~RunProgress() = default;
    virtual void start(double /*total*/) {}
    virtual void update(double /*done*/) {}
    virtual void finish() {}
};

struct SimulateRun {
    RunResult run;
    std::string path;                  // OUTPUT, or OUTPUT.part when interrupted
    Eigen::Index neurons_recorded = 0;
    std::optional<io::PrecisionCheck> precision_check;   // network.precision = "float32"
};
// [simulate]: integrates from [initial] and writes /network and /trajectory.
SimulateRun simulate_to_file(const io::Config& cfg, const FileRequest& req, RunProgress* progress = nullptr);

struct PermittedRun {
    PermittedResult result;
    CopositivityResult copositivity;
    std::optional<SimulationCheckResult> verification;
    bool interrupted = false;
    std::string path;
};
// [permitted]: the permitted sets, the copositivity of I - W, and (verify or
// permitted.verify) a check of sampled sets by simulation; writes /permitted.
PermittedRun permitted_to_file(const io::Config& cfg, bool verify, const FileRequest& req);

struct NetworkRun {
    std::string path;
    Eigen::Index n = 0;
    double entries = 0;   // stored entries of W
    bool sparse = false;
};
// Builds the network of cfg ([model], [network], [transfer], [input], [seeds])
// and writes it whole (W always stored) under kind "network".
NetworkRun network_to_file(const io::Config& cfg, const FileRequest& req);

struct FixedPointsRun {
    FixedPointResult result;
    bool interrupted = false;
    std::string path;
};
// [fixed_points]: every fixed point with its stability; writes /fixed_points.
FixedPointsRun fixed_points_to_file(const io::Config& cfg, const FileRequest& req);

struct LyapunovRequest {
    FileRequest file;
    std::optional<Eigen::Index> k;  // replaces lyapunov.k
    double checkpoint_every = 0.0;  // seconds of wall time between checkpoints; 0 = only when stopped
    bool resume = false;            // continue from the checkpoint in OUTPUT.part
    RunProgress* progress = nullptr;  // time reached, of the time at the end of all phases
};
struct LyapunovRun {
    LyapunovResult result;
    Eigen::Index n = 0;
    bool interrupted = false;       // the checkpoint is in `path` (OUTPUT.part)
    std::string path;
    std::optional<double> resumed_from;  // --resume: the time of the checkpoint continued
};
// [lyapunov]: the spectrum, with checkpoints in OUTPUT.part; writes /lyapunov.
LyapunovRun lyapunov_to_file(const io::Config& cfg, const LyapunovRequest& req);

}  // namespace ratenet::app
