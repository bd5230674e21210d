#pragma once
// random_gaussian: the random network of Sompolinsky, Crisanti & Sommers.
//
//   dense:  W_ij ~ N(mu / N, g^2 / N)
//   sparse: k partners per neuron, chosen uniformly without repetition,
//           W_ij ~ N(mu / k, g^2 / k)
//
// Parameters: n, g (gain: the bulk of eig(W) is a disc of radius g), mu (mean
// total coupling per row), zero_diagonal, symmetric (W = W', dense only), k
// (0 = dense), seed (the network stream). Draw order: row by row, every entry
// (the diagonal too, then zeroed), so the stream does not depend on options.
// Sources: Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988); Engelken, Wolf &
// Abbott, arXiv:2006.02427 (2020), whose code zeroes the diagonal.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct RandomGaussianParams {
    Eigen::Index n = 200;
    double g = 1.5;        // coupling gain (std of the row sums' fluctuations)
    double mu = 0.0;       // mean total coupling per row
    bool zero_diagonal = true;
    bool symmetric = false;  // W = W' (entries above the diagonal drawn, mirrored)
    Eigen::Index k = 0;      // partners per neuron; 0 = all (dense)
    std::uint64_t seed = 1;
};
Connectivity make_random_gaussian(const RandomGaussianParams& p);

}  // namespace ratenet
