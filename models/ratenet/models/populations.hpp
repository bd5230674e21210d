#pragma once
// populations: P populations with cell-type-specific coupling statistics.
//
//   i in population k, j in population l:
//   gaussian:  W_ij = c_ij (a_kl + s_kl z_ij),  z_ij ~ N(0, 1),  c_ij ~ Bernoulli(p_kl)
//              with E W_ij = m_kl / N and Var W_ij = g^2 G_kl^2 / N exactly
//              (a_kl = m_kl / (N p_kl), s_kl^2 = (g^2 G_kl^2 / N - (1 - p_kl) m_kl^2 / (N^2 p_kl)) / p_kl);
//   dale:      W_ij = c_ij sign_l g G_kl / sqrt(N p_kl (1 - p_kl)),  0 < p_kl < 1:
//              Var W_ij = g^2 G_kl^2 / N again, and the mean is fixed by the sign and the
//              sparsity, m_kl = sign_l g G_kl sqrt(N p_kl / (1 - p_kl)) (a balanced network).
//
// Population k holds neurons [N_0 + .. + N_{k-1}, .. + N_k), N_k = floor(alpha_k N)
// plus one for the largest remainders (so sum N_k = N); input b_k (the model's b).
// g scales every block gain together: the ray along which `ratenet chaos` and the
// mean-field theory (include/ratenet/meanfield_populations.hpp) find g_c. With
// zero block means the bulk of eig(W) is a disc of radius g sqrt(rho(A)),
// A_kl = alpha_l G_kl^2 (Aljadeff, Stern & Sharpee, PRL 114:088101, 2015), not the
// radius of the averaged variance.
// Parameters: n, fractions (alpha_k), g, gains (G_kl, P x P), means (m_kl, P x P; [] = 0),
// connectivity (p_kl, P x P; [] = dense), means_scale_with_g (m_kl -> g m_kl), dale (signs
// per presynaptic population, [] = none), b (b_k, [] = 0), zero_diagonal, seed.
// Draws: columns in blocks of 64, block q from Rng(derive_seed(seed, q), network), column
// by column, rows in order; per entry a uniform when p_kl < 1, then (gaussian) a normal
// when connected. Every entry is drawn, the diagonal zeroed afterwards.
// Source: Kadmon & Sompolinsky, "Transition to chaos in random neuronal networks",
// PRX 5:041030 (2015); Aljadeff, Stern & Sharpee, PRL 114:088101 (2015).
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct PopulationsParams {
    Eigen::Index n = 1000;
    std::vector<double> fractions = {0.8, 0.2};                      // alpha_k, > 0, sum 1
    double g = 1.0;                                                  // scale of every block gain
    std::vector<std::vector<double>> gains = {{1.0, 1.0}, {1.0, 1.0}};  // G_kl >= 0
    std::vector<std::vector<double>> means = {};                     // m_kl; empty: 0
    std::vector<std::vector<double>> connectivity = {};              // p_kl in (0, 1]; empty: 1
    bool means_scale_with_g = false;
    std::vector<double> dale = {};                                   // sign_l = +1 / -1; empty: gaussian
    std::vector<double> b = {};                                      // b_k; empty: 0
    bool zero_diagonal = true;
    std::uint64_t seed = 1;
};

// The population sizes N_k (largest remainders) and the block statistics after
// the checks: what the mean-field theory of the drawn network needs.
struct PopulationLayout {
    std::vector<Eigen::Index> sizes;    // N_k
    Eigen::VectorXd alpha;              // N_k / N (not the requested fractions)
    Eigen::MatrixXd gains;              // G_kl
    Eigen::MatrixXd means;              // m_kl actually drawn (dale: derived), without g
    bool means_scale_with_g = false;    // the means above are per unit g (dale: true)
    Eigen::MatrixXd connectivity;       // p_kl
    Eigen::VectorXd b;                  // b_k
    std::vector<Eigen::Index> population;  // of each neuron
};
// Throws invalid_parameter naming the key.
PopulationLayout populations_layout(const PopulationsParams& p);
Connectivity make_populations(const PopulationsParams& p);

}  // namespace ratenet
