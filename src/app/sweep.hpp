#pragma once
// The sweep engine: runs an analysis of the registry over the points of a
// plan (all of them, one shard, or handed out over the processes of a work
// queue), journals every finished point (io::Journal), and assembles /sweep on
// the first process. It never prints: progress and warnings go to an observer.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/registry.hpp"
#include "app/work_queue.hpp"
#include "io/config.hpp"
#include "io/output.hpp"
#include "io/point.hpp"
#include "io/sweep_plan.hpp"

namespace ratenet::app {

// io::read_sweep_plan with sweep.analysis checked against the registry
// (invalid_parameter naming the file and key, with the closest name).
io::SweepPlan read_sweep_plan(const io::Config& cfg, const std::string& analysis_override = "");

// "I/N" -> (I, N); "" -> (0, 1). Refuses other text as --shard.
std::pair<std::int64_t, std::int64_t> parse_shard(const std::string& s);

// What a sweep will do, before it does it (`ratenet sweep --dry-run`): its
// first and last points' configs are checked, as a run checks them.
struct SweepOutline {
    std::int64_t points = 0;
    std::int64_t values_per_point = 0;  // numbers in results/ per point (the larger of the first and last point)
    double bytes = 0.0;                 // planned size of the output file
};
SweepOutline outline_sweep(const io::Config& cfg, const io::SweepPlan& plan);

class SweepObserver {
public:
    virtual ~SweepObserver() = default;
    // This process has `total` points to run (finished ones included).
    virtual void started(std::int64_t /*total*/) {}
    // `done` points of them are finished.
    virtual void progress(std::int64_t /*done*/) {}
    virtual void finished() {}
    // Something the user should know that does not stop the sweep.
    virtual void warning(const std::string& /*text*/) {}
};

struct SweepRequest {
    std::string output;                         // the final file name
    bool force = false;                         // replace OUTPUT and a leftover OUTPUT.part
    bool resume = false;                        // keep the finished points of OUTPUT.points/
    std::string shard;                          // "I/N", or "" for every point
    std::string kind = "sweep";                 // the file's kind (root attribute)
    io::RunInfo info;                           // the file's header
    const std::atomic<bool>* stop = nullptr;    // SIGINT/SIGTERM
};

struct SweepRun {
    bool interrupted = false;      // stopped by a signal; finished points are in the journal
    bool wrote = false;            // this process wrote the output (the first one)
    std::string path;
    std::vector<std::optional<io::PointResult>> rows;
    std::int64_t reused = 0;       // points found committed by an earlier run (this process's share)
};

// Runs the plan. extra writes further groups (e.g. /chaos) before the file is
// committed. Errors of the request (output taken, shard malformed) throw
// invalid_parameter before any point runs; a point's own error is its status.
SweepRun run_sweep(const io::Config& cfg, const io::SweepPlan& plan, const SweepRequest& req, WorkQueue& queue,
                   SweepObserver& observer,
                   const std::function<void(io::OutputFile&, const std::vector<std::optional<io::PointResult>>&)>& extra);

}  // namespace ratenet::app
