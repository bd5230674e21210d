#pragma once
// ctln: combinatorial threshold-linear network of a directed graph.
//
//   W_ii = 0;  W_ij = -1 + eps if the graph has the edge j -> i, else -1 - delta;
//   b_i = theta   (rate form, relu)
//
// Parameters: n nodes; edges as (from, to) pairs, 0-based, no self-loops or
// duplicates; eps > 0, delta > 0, theta > 0 and eps < delta / (delta + 1) (the
// legal range). Defaults eps = 0.25, delta = 0.5, theta = 1.
// Source: Curto, Geneson & Morrison, "Fixed points of competitive
// threshold-linear networks", Neural Computation 31:94 (2019).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct CtlnParams {
    Eigen::Index n = 3;
    std::vector<std::pair<Eigen::Index, Eigen::Index>> edges;  // (j, i): j -> i, 0-based
    double eps = 0.25;
    double delta = 0.5;
    double theta = 1.0;
};
Connectivity make_ctln(const CtlnParams& p);

}  // namespace ratenet
