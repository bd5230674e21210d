#pragma once
// Sweep results on disk: the per-point journal (one small file per finished
// point, written under a temporary name and renamed, so a point is committed
// atomically and a killed sweep loses at most the points in flight), and the
// /sweep group assembled from it (docs/file-format.md).
#include <optional>
#include <string>
#include <vector>

#include "io/output.hpp"
#include "io/point.hpp"
#include "io/sweep_plan.hpp"

namespace ratenet::io {

class Journal {
public:
    // dir holds one file per point and a file naming the sweep's hash.
    Journal(std::string dir, std::string hash);
    // Creates the directory; refuses one from another sweep (different hash).
    void open(bool resume);
    // A committed, intact point. A point file that fails its checksum (or cannot
    // be parsed) is removed, so the point runs again; *damaged says why.
    bool has(std::int64_t p, std::string* damaged = nullptr) const;
    void write(std::int64_t p, const PointResult& r) const;
    PointResult read(std::int64_t p) const;
    void remove_all() const;
    // Writes dir/plan.tsv unless it exists: a header "point", the plan's columns
    // (the swept keys, then seed_index), then one row per point, so that the
    // folder of an unfinished sweep can be read on its parameter grid.
    void write_plan(const SweepPlan& plan) const;
    const std::string& dir() const noexcept { return dir_; }

private:
    std::string path(std::int64_t p) const;
    std::string dir_, hash_;
};

// Writes /sweep (and the root attribute kind = "sweep"): rows[p] empty for a
// point not run here. The layout of results/<name> comes from the first
// completed point; points without a value get NaN.
void write_sweep_group(OutputFile& out, const SweepPlan& plan, const std::vector<std::optional<PointResult>>& rows,
                       const std::string& shard);

// Reads a sweep file back: its plan hash, point count and rows.
struct SweepFileContents {
    std::string hash, version, config, analysis, kind;
    std::string shard;  // "I/N", or "all" for a whole sweep
    std::int64_t n_points = 0;
    std::vector<std::optional<PointResult>> rows;
};
SweepFileContents read_sweep_file(const std::string& path);

}  // namespace ratenet::io
