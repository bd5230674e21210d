#pragma once
// Parameter sweeps: the [sweep] section names config keys (dotted paths) with a
// list of values or a linspace/logspace range, and a number of seeds; the points
// are the Cartesian product, in a fixed order (keys as sorted by name, the last
// varying fastest, the seed index fastest of all).
//
//   [sweep]
//   analysis = "lyapunov"          # an analysis of the registry (app/registry.hpp)
//   seeds = 4                      # seed_index = 0 .. 3 for every point
//   [sweep.params]
//   "model.g" = { linspace = [0.5, 2.0, 7] }
//   "input.b" = [0.0, 0.5]
//   "model.n" = { logspace = [2, 3, 2] }   # 10^2, 10^3
//
// Per-point seeds: seeds.X of point p = derive_seed(base seeds.X, seed_index(p)),
// a function of the point alone, so results never depend on how a sweep is split;
// points that differ only in swept parameters share their network's random draws.
#include <cstdint>
#include <string>
#include <vector>

#include "io/config.hpp"

namespace ratenet::io {

struct SweepPlan {
    std::string analysis;                        // an analysis of the registry
    std::vector<std::string> keys;               // swept keys, sorted
    std::vector<std::vector<double>> values;     // values per key
    std::vector<bool> integer_key;               // the key takes integers (all its values are whole)
    std::int64_t seeds = 1;                      // seed indices per parameter combination
    std::int64_t ensemble = 0;                   // simulate: initial conditions integrated together (0 = off)
    std::string hash;                            // identifies the sweep (config text minus nothing run-specific)

    std::int64_t n_points() const;
    // The parameter values of point p (one per key) and its seed index.
    std::vector<double> point(std::int64_t p) const;
    std::int64_t seed_index(std::int64_t p) const { return p % seeds; }
    // The column names of /sweep/params: the keys, then "seed_index".
    std::vector<std::string> columns() const;
};

// Reads [sweep]; analysis_override replaces sweep.analysis (used by `ratenet chaos`).
// The analysis' name is checked against the registry by app::read_sweep_plan.
SweepPlan read_sweep_plan(const Config& cfg, const std::string& analysis_override = "");

// The config of point p: the base with the point's values set and its seeds derived.
Config point_config(const Config& base, const SweepPlan& plan, std::int64_t p);

// FNV-1a 64-bit of a text, as 16 hex digits.
std::string text_hash(const std::string& text);

}  // namespace ratenet::io
