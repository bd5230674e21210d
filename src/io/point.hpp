#pragma once
// One analysis of one config, reduced to named arrays of numbers: the record
// of a sweep point, as the journal and /sweep store it. What the names mean,
// and which analysis writes them, is the analysis registry's (app/registry.hpp).
#include <string>
#include <utility>
#include <vector>

namespace ratenet::io {

struct PointResult {
    std::string status;    // completed | diverged | truncated | interrupted | failed: <message>
    std::vector<std::pair<std::string, std::vector<double>>> values;
    double seconds = 0.0;
};

}  // namespace ratenet::io
