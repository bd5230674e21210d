#pragma once
// random_gaussian: the random network of Sompolinsky, Crisanti & Sommers.
//
//   dense:  W_ij ~ N(mu / N, g^2 / N)
//   sparse: k partners per neuron, chosen uniformly without repetition,
//           W_ij ~ N(mu / k, g^2 / k)
//
// Parameters: n, g (gain: the bulk of eig(W) is a disc of radius g), mu (mean
// total coupling per row), zero_diagonal, symmetric (W = W', dense only), k
// (0 = dense), streams (the layout of the draws: docs/reproducibility.md), seed
// (the network stream). Neither layout depends on zero_diagonal or symmetric:
// every entry is drawn, the diagonal zeroed and the lower triangle mirrored
// afterwards. streams = 1 draws row by row from one stream; streams = 2 draws
// blocks of columns (dense) or rows (sparse), each from its own substream, in
// parallel, with bits independent of the thread count; streams = 3 is layout 2
// with the faster normal (Rng::normal_fast), the fastest to draw.
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
    Eigen::Index streams = 1;         // random-number layout: 1 serial (ratenet 0.1), 2 blocks drawn in parallel,
                                      // 3 blocks in parallel with Rng::normal_fast
    std::uint64_t seed = 1;
};
// Columns (dense) or rows (sparse) per substream with streams = 2 and 3: part of
// the layout, so changing them changes every network drawn with those layouts.
inline constexpr Eigen::Index dense_block_cols = 64;
inline constexpr Eigen::Index sparse_block_rows = 1024;
Connectivity make_random_gaussian(const RandomGaussianParams& p);

}  // namespace ratenet
