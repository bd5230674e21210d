#pragma once
// Static mean field of a network with P populations (Kadmon & Sompolinsky, PRX 5:041030,
// 2015; Aljadeff, Stern & Sharpee, PRL 114:088101, 2015), the generalisation of the
// one-population theory of meanfield.hpp. Current form,
//   tau dh_i/dt = -h_i + sum_j J_ij phi_k(h_j) + b_k,
// neurons in populations k = 1..P of fractions alpha_k (sum 1); for i in k, j in l,
//   E J_ij = m_kl / N  (or g m_kl / N: means_scale_with_g),   Var J_ij = g^2 G_kl^2 / N.
// G holds the relative block gains, g scales all of them together (the "ray" in the
// space of block gains along which g_c is reported).
//
// 1. Static fixed point. h in population k is Gaussian, N(mu_k, Delta_k), with
//      mu_k    = b_k + sum_l alpha_l m_kl <phi>_l,
//      Delta_k = g^2 sum_l alpha_l G_kl^2 <phi^2>_l,
//    <.>_l over h ~ N(mu_l, Delta_l) with population l's phi (gaussian_moments). Solved by
//    Newton on the 2P unknowns (finite-difference Jacobian: perturbing population l moves
//    only its own moments, so 4P moment evaluations per Jacobian), backtracking on the
//    scaled residual, and a damped fixed-point fallback, as solve_static.
// 2. Stability (Kadmon & Sompolinsky): a perturbation of the variances propagates through
//      M_kl = g^2 alpha_l G_kl^2 <phi'^2>_l,
//    and the fixed point is stable while the spectral radius rho(M) < 1. M >= 0, so rho(M)
//    is its Perron eigenvalue; it is computed as max |lambda| of Eigen's EigenSolver (P is
//    small). With P = 1 this is the one-population factor g^2 <phi'^2>. The outliers that
//    block means can add to the spectrum (the mean modes, ~ alpha_l m_kl <phi'>_l) are not
//    part of rho(M): a runaway of the means shows as a static divergence instead.
// 3. populations_critical_coupling: g_c with rho(M) = 1, following the fixed point from
//    g = 0 upwards along the ray (continuation, so that it stays on the branch a network
//    reaches from weak coupling; step halving where a solve fails) and locating g_c by a
//    bracketing root finder (TOMS 748), exactly as critical_coupling.
// 4. Transition above g_c. Bounded phi in every population: chaos. Threshold-linear or relu
//    phi in every population: the scale-free divergence threshold g_div. With b and theta
//    negligible at large activity, phi_l = G_l [h]_+ and the equations are homogeneous of
//    degree one in (mu_k, s_k = sqrt(Delta_k)):
//      mu_k  = c sum_l alpha_l m_kl G_l s_l F1(a_l),          a_l = mu_l / s_l,
//      s_k^2 = g^2 sum_l alpha_l G_kl^2 G_l^2 s_l^2 F2(a_l),
//    F1(a) = E[(a + z)_+], F2(a) = E[(a + z)_+^2] (gaussian_moments of relu at (a, 1)),
//    c = 1 or g (means_scale_with_g). Activity grows without bound where this map has a
//    fixed direction (eigenvalue 1). For given a the variance equation is linear in s^2:
//    1/g^2 is the Perron eigenvalue of K diag(F2(a)), K_kl = alpha_l G_kl^2 G_l^2, and s^2
//    its Perron vector; the mean equation then gives new ratios a_k = mu_k / s_k. g_div is
//    found by solving this P-dimensional fixed point a = A(a) by Newton, continued in the
//    block means from t = 0 (m -> t m; at t = 0, a = 0 and g_div = sqrt(2 / rho(K)))
//    to t = 1. For one population this is meanfield.hpp's a* = mu G F1(a*),
//    g_div = 1 / (G sqrt(F2(a*))). Transition::divergence when g_div <= g_c (relative
//    1e-8), chaos when g_c < g_div.
//    Limits: the populations are split into independent groups (no mean or variance
//    coupling between groups; g_div is the smallest over groups); within a group the
//    variance coupling K must be irreducible (every population reaches every other one
//    through nonzero G_kl), else the direction may have silent populations (s_k = 0) that
//    the ratios a_k cannot describe, and g_div is reported as NaN with a message (the
//    transition is then unknown). The branch is the one continued from zero means; with
//    mixed-sign means other fixed directions may exist. With strong excitation the branch
//    may end (a_k -> +inf: the mean mode alone runs away; |a_k| is capped at 35, where F1
//    and F2 underflow), reported likewise as NaN. As in
//    the one-population theory, g_div is a static estimate (a growing fixed pattern), not
//    a dynamic mean-field result.
//    Other unbounded kinds, or a mix of bounded and threshold-linear populations:
//    Transition::unknown.
// 5. bulk_radius: the radius of the eigenvalue bulk of J with zero block means,
//    g sqrt(rho(A)), A_kl = alpha_l G_kl^2 (Aljadeff, Stern & Sharpee 2015, for the
//    variance g^2 G_kl^2 / N used here). It differs from the naive
//    g sqrt(sum_kl alpha_k alpha_l G_kl^2) unless A has equal row sums.
//
// Nothing here prints, reads files or parses text; failures are statuses with messages,
// bad options throw invalid_parameter naming the key.
#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "ratenet/meanfield.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet {

struct PopulationMeanFieldOptions {
    // One transfer function per population, or a single one shared by all (size 1). Any
    // kind but prelu.
    std::vector<Transfer> phi = std::vector<Transfer>(1);
    Eigen::VectorXd alpha;   // population fractions, > 0, sum 1 (within 1e-12); P = alpha.size()
    Eigen::MatrixXd gains;   // G, P x P, >= 0: Var J_ij = g^2 G_kl^2 / N
    Eigen::MatrixXd means;   // m, P x P: E J_ij = m_kl / N, or g m_kl / N (below)
    Eigen::VectorXd b;       // constant input per population, size P
    double g = 1.0;          // overall gain, >= 0
    bool means_scale_with_g = false;
    GaussianRule rule = GaussianRule::trapezoid;   // for smooth phi, see meanfield.hpp
    int quadrature_order = 121;  // points: Gauss-Hermite [8, 200], trapezoid [8, 2001]
    double tol = 1e-13;      // residuals relative to 1 + |mu_k| + |b_k| and 1 + Delta_k
    int max_iterations = 200;    // Newton; then as many damped fixed-point steps times 50
    double bound = 1e12;     // |mu_k| or Delta_k beyond this counts as divergence

    Eigen::Index populations() const noexcept { return alpha.size(); }
    // Population k's transfer function.
    const Transfer& transfer(Eigen::Index k) const;
    // Throws invalid_parameter naming the key ("alpha", "gains", "means", "b", "phi", "g",
    // "quadrature_order", "tol", "max_iterations", "bound").
    void validate() const;
};

// A start for the static solver (e.g. the solution at a nearby g).
struct PopulationGuess {
    Eigen::VectorXd mu;      // size P
    Eigen::VectorXd delta;   // size P, >= 0
};

struct PopulationStaticResult {
    StaticStatus status = StaticStatus::not_converged;
    std::string message;
    Eigen::VectorXd mu;               // mean field per population
    Eigen::VectorXd delta;            // static variance per population
    Eigen::VectorXd mean_rate;        // <phi>_k
    Eigen::VectorXd active_fraction;  // P(phi_k'(h) != 0); for smooth phi: 1
    Eigen::MatrixXd stability_matrix; // M_kl = g^2 alpha_l G_kl^2 <phi'^2>_l
    double stability = 0.0;           // rho(M); the fixed point is stable when < 1
    Eigen::VectorXd residual_mu;      // mu_k - b_k - sum_l alpha_l m_kl <phi>_l
    Eigen::VectorXd residual_delta;   // Delta_k - g^2 sum_l alpha_l G_kl^2 <phi^2>_l
    int iterations = 0;
};

// Solves the static equations at opt.g, from the guess when given (else from mu = b,
// Delta = 0). A guess of the wrong size or with negative or non-finite entries throws
// invalid_parameter("guess").
PopulationStaticResult populations_solve_static(const PopulationMeanFieldOptions& opt,
                                                const std::optional<PopulationGuess>& guess = std::nullopt);

struct PopulationCriticalResult {
    CriticalStatus status = CriticalStatus::failed;
    Transition transition = Transition::unknown;
    std::string message;
    double g_c = 0.0;                  // found: critical gain along the ray
    PopulationStaticResult at_g_c;     // the static solution at g_c
    double g_static_divergence = 0.0;  // static_divergence: last g with a finite solution
    // All populations threshold-linear / relu: the scale-free divergence threshold (see
    // above). 0 when not applicable, or when a group without any variance coupling has a
    // self-exciting mean (m_kk G_k >= 1) that runs away by itself; infinity when the
    // scale-free part never grows; NaN when it could not be determined (message says why).
    double g_divergence = 0.0;
    // The ratios a_k = mu_k / sqrt(Delta_k) of the diverging direction (size P when
    // g_divergence is finite and positive and the groups are irreducible; else empty).
    // Populations outside the group that sets g_divergence get NaN.
    Eigen::VectorXd divergence_ratio;
};

// g_c along the ray (opt.g ignored): rho(M) = 1 on the branch continued from g = 0.
PopulationCriticalResult populations_critical_coupling(const PopulationMeanFieldOptions& opt,
                                                       const CriticalOptions& copt = {});

// Radius of the eigenvalue bulk of J with zero block means: g sqrt(rho(A)), A_kl = alpha_l
// G_kl^2 (Aljadeff, Stern & Sharpee 2015, Var J_ij = g^2 G_kl^2 / N). alpha and gains are
// checked as in PopulationMeanFieldOptions::validate; g >= 0.
double bulk_radius(const Eigen::VectorXd& alpha, const Eigen::MatrixXd& gains, double g);

}  // namespace ratenet
