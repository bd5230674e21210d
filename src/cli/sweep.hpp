#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "cli/common.hpp"
#include <functional>
#include <optional>
#include <vector>

#include "io/output.hpp"
#include "app/sweep.hpp"
#include "io/point.hpp"
#include "io/sweep_plan.hpp"

namespace ratenet::cli {
// ratenet sweep CONFIG [-o OUT.h5] [--shard I/N] [--resume] [--set k=v]... [--force]
void setup_sweep(CLI::App& app, int& exit_code);
// ratenet merge OUT.h5 SHARD.h5... [--allow-missing]
void setup_merge(CLI::App& app, int& exit_code);
// Refuses --shard given with an empty value (exit 2).
void check_shard_given(const CLI::Option& opt, const std::string& value);

struct SweepRun {
    int exit_code = 0;
    app::SweepRun run;
};
// app::run_sweep with the command's options, the MPI work queue, a progress
// line and the message of an interrupted sweep. extra writes further groups
// (e.g. /chaos) before the file is committed. shard: "I/N" or empty (all
// points); an empty --shard '' is refused by the caller.
SweepRun run_sweep(const CommonOptions& o, const io::Config& cfg, const io::SweepPlan& plan, const std::string& shard,
                   bool resume, const std::string& kind,
                   const std::function<void(io::OutputFile&, const std::vector<std::optional<io::PointResult>>&)>& extra);
// One line per scalar result of the analysis: its range over the points, named
// and in units as the registry describes it (for `sweep` and `info`).
std::string result_ranges(const std::string& analysis, const std::vector<std::optional<io::PointResult>>& rows);
// "wrote OUT: P of Q points (analysis)", then result_ranges.
std::string sweep_summary(const std::string& path, const io::SweepPlan& plan,
                          const std::vector<std::optional<io::PointResult>>& rows);
}  // namespace ratenet::cli
