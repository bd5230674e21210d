#pragma once
// One analysis of one config, reduced to named arrays of numbers: the unit of
// work of a sweep (and of `ratenet chaos`).
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "io/config.hpp"

namespace ratenet::io {

struct PointResult {
    std::string status;    // completed | diverged | interrupted | failed: <message>
    std::vector<std::pair<std::string, std::vector<double>>> values;
    double seconds = 0.0;
};

// analysis: simulate | lyapunov | fixed_points (count, n_stable, n_unstable,
// n_marginal, index_sum). ensemble > 0 integrates that
// many initial conditions of one network together (simulate only).
// Errors of the point's config become status "failed: ..." (never thrown), so a
// sweep goes on past a bad point.
PointResult run_point(const Config& cfg, const std::string& analysis, std::int64_t ensemble,
                      const std::atomic<bool>* stop);

// Reads every section the analysis needs, throwing the config error a point
// would record (used to check a sweep's points before it starts).
void validate_point(const Config& cfg, const std::string& analysis);

}  // namespace ratenet::io
