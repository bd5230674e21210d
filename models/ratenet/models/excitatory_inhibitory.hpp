#pragma once
// excitatory_inhibitory: two populations obeying Dale's law.
//
//   W_ij = c_ij g w_pop(j) / sqrt(p (1 - p) N),   c_ij ~ Bernoulli(p)
//
// Neurons 0 .. n_e-1 are excitatory (w_e > 0), n_e .. n_e+n_i-1 inhibitory
// (w_i < 0): the sign of a column is that of its presynaptic population. With
// p (1 - p) in the scale the fluctuating part of W has entries of variance
// g^2 w^2 / N; the mean part, proportional to n_e w_e + n_i w_i, sets the net
// excitation (> 0) or inhibition (< 0).
// Parameters: n_e, n_i, p, g, w_e, w_i, zero_diagonal, seed.
// Source: Kadmon & Sompolinsky, "Transition to chaos in random neuronal
// networks", PRX 5:041030 (2015).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct ExcitatoryInhibitoryParams {
    Eigen::Index n_e = 400;
    Eigen::Index n_i = 100;
    double p = 0.2;        // connection probability
    double g = 1.0;        // overall gain
    double w_e = 1.0;      // relative weight of excitatory synapses (> 0)
    double w_i = -5.0;     // relative weight of inhibitory synapses (< 0)
    bool zero_diagonal = true;
    std::uint64_t seed = 1;
};
Connectivity make_excitatory_inhibitory(const ExcitatoryInhibitoryParams& p);

}  // namespace ratenet
