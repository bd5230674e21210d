// Mean field of P populations (meanfield_populations.hpp): exact reductions to the
// one-population theory (equal blocks, block-diagonal, identical rows), the bulk radius
// against the spectrum of drawn matrices (Aljadeff, Stern & Sharpee 2015), a threshold-linear
// E-I network (g_c and g_div against direct continuation), and option checks.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"
#include "ratenet/meanfield_populations.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

Transfer make(TransferKind kind, double gain = 1.0, double theta = 0.0) {
    Transfer t;
    t.kind = kind;
    t.gain = gain;
    t.theta = theta;
    return t;
}

PopulationMeanFieldOptions populations(const Transfer& phi, VectorXd alpha, MatrixXd gains, MatrixXd means,
                                       VectorXd b) {
    PopulationMeanFieldOptions o;
    o.phi = {phi};
    o.alpha = std::move(alpha);
    o.gains = std::move(gains);
    o.means = std::move(means);
    o.b = std::move(b);
    return o;
}

VectorXd vec(std::initializer_list<double> v) {
    VectorXd x(static_cast<Eigen::Index>(v.size()));
    Eigen::Index i = 0;
    for (double e : v) x(i++) = e;
    return x;
}

MatrixXd mat2(double a, double b, double c, double d) {
    MatrixXd m(2, 2);
    m << a, b, c, d;
    return m;
}

// Perron root of a nonnegative 2 x 2 matrix in closed form (independent of EigenSolver).
double perron2(const MatrixXd& m) {
    const double tr = m.trace(), det = m.determinant();
    return 0.5 * (tr + std::sqrt(tr * tr - 4.0 * det));
}

// E[(a + z)_+] and E[(a + z)_+^2], written out here (the library's come from gaussian_moments).
double pdf(double a) { return std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi); }
double cdf(double a) { return 0.5 * std::erfc(-a / std::numbers::sqrt2); }
double f1(double a) { return a * cdf(a) + pdf(a); }
double f2(double a) { return (a * a + 1.0) * cdf(a) + a * pdf(a); }

}  // namespace

// ---------------------------------------------------------------- reductions

// All blocks equal: every population sees the one-population problem with g_eff = g G, mu = m.
TEST(MeanFieldPopulations, EqualBlocksReduceToOnePopulation) {
    const double G = 1.7, m = -0.6, b = 0.4;
    const VectorXd alpha = vec({0.5, 0.3, 0.2});
    for (const Transfer& phi : {make(TransferKind::tanh), make(TransferKind::threshold_linear, 1.3, 0.2)}) {
        SCOPED_TRACE(phi.name());
        PopulationMeanFieldOptions o = populations(phi, alpha, MatrixXd::Constant(3, 3, G),
                                                   MatrixXd::Constant(3, 3, m), VectorXd::Constant(3, b));
        o.g = 0.7;
        MeanFieldOptions one;
        one.phi = phi;
        one.g = o.g * G;
        one.mu = m;
        one.b = b;
        const StaticResult s1 = solve_static(one);
        const PopulationStaticResult s = populations_solve_static(o);
        ASSERT_EQ(s1.status, StaticStatus::converged) << s1.message;
        ASSERT_EQ(s.status, StaticStatus::converged) << s.message;
        // Both solvers stop at scaled residuals <= 1e-13 on well-conditioned equations: 1e-10 is
        // three orders above what either can miss by.
        for (Eigen::Index k = 0; k < 3; ++k) {
            EXPECT_NEAR(s.mu(k), s1.m, 1e-10);
            EXPECT_NEAR(s.delta(k), s1.delta0, 1e-10);
            EXPECT_NEAR(s.active_fraction(k), s1.active_fraction, 1e-10);
        }
        // M has identical rows alpha_l g^2 G^2 <phi'^2>: rho(M) = sum_l = the one-population factor.
        EXPECT_NEAR(s.stability, s1.stability, 1e-10);

        const CriticalResult c1 = critical_coupling(one);
        const PopulationCriticalResult c = populations_critical_coupling(o);
        ASSERT_EQ(c1.status, CriticalStatus::found) << c1.message;
        ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
        // Root finders to g_tol = 1e-12 on stabilities accurate to ~1e-13: 1e-9 leaves room for the
        // slope of rho(g) (order one here).
        EXPECT_NEAR(c.g_c, c1.g_c / G, 1e-9);
        EXPECT_EQ(c.transition, c1.transition);
        if (phi.kind == TransferKind::threshold_linear) {
            EXPECT_NEAR(c.g_c, std::numbers::sqrt2 / (1.3 * G), 1e-9);   // meanfield.hpp: g_c = sqrt 2 / G_phi
            EXPECT_EQ(c.transition, Transition::chaos);
            // g_div: two independent root finders (bracketing here, Newton there) to ~1e-13.
            EXPECT_NEAR(c.g_divergence, c1.g_divergence / G, 1e-9 * c.g_divergence);
            EXPECT_GT(c.g_divergence, 1.05 * c.g_c);   // mu < 0: the scale-free part grows later
            ASSERT_EQ(c.divergence_ratio.size(), 3);
            // a* = mu G_phi F1(a*) of the one-population theory, in every population.
            const double a = c.divergence_ratio(0);
            EXPECT_NEAR(a, m * 1.3 * f1(a), 1e-10);
            EXPECT_NEAR(c.divergence_ratio(2), a, 1e-10);
        } else {
            EXPECT_EQ(c.transition, Transition::chaos);
            EXPECT_EQ(c.g_divergence, 0.0);   // not applicable to bounded phi
        }
    }
}

// No coupling between populations: each solves its own problem, with g_eff = g G_kk sqrt(alpha_k)
// and mu = alpha_k m_kk; g_c and g_div are the smallest over the blocks.
TEST(MeanFieldPopulations, BlockDiagonalDecouples) {
    const VectorXd alpha = vec({0.6, 0.4});
    const VectorXd b = vec({0.2, 1.0});
    const MatrixXd G = mat2(1.2, 0.0, 0.0, 1.9);
    const MatrixXd m = mat2(-0.5, 0.0, 0.0, -1.5);
    for (const Transfer& phi : {make(TransferKind::tanh), make(TransferKind::threshold_linear, 1.0, 0.1)}) {
        SCOPED_TRACE(phi.name());
        PopulationMeanFieldOptions o = populations(phi, alpha, G, m, b);
        o.g = 0.9;
        const PopulationStaticResult s = populations_solve_static(o);
        ASSERT_EQ(s.status, StaticStatus::converged) << s.message;
        double gc_min = std::numeric_limits<double>::infinity(), gdiv_min = gc_min;
        for (Eigen::Index k = 0; k < 2; ++k) {
            MeanFieldOptions one;
            one.phi = phi;
            const double scale = G(k, k) * std::sqrt(alpha(k));
            one.g = o.g * scale;
            one.mu = alpha(k) * m(k, k);
            one.b = b(k);
            const StaticResult s1 = solve_static(one);
            ASSERT_EQ(s1.status, StaticStatus::converged) << s1.message;
            // As above: both solvers converge to scaled residuals <= 1e-13.
            EXPECT_NEAR(s.mu(k), s1.m, 1e-10);
            EXPECT_NEAR(s.delta(k), s1.delta0, 1e-10);
            EXPECT_NEAR(s.stability_matrix(k, k), s1.stability, 1e-10);
            EXPECT_EQ(s.stability_matrix(k, 1 - k), 0.0);   // exactly: G_kl = 0
            const CriticalResult c1 = critical_coupling(one);
            ASSERT_EQ(c1.status, CriticalStatus::found) << c1.message;
            gc_min = std::min(gc_min, c1.g_c / scale);
            gdiv_min = std::min(gdiv_min, c1.g_divergence / scale);
        }
        EXPECT_NEAR(s.stability, s.stability_matrix.diagonal().maxCoeff(), 1e-14);
        const PopulationCriticalResult c = populations_critical_coupling(o);
        ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
        EXPECT_NEAR(c.g_c, gc_min, 1e-9);   // as in EqualBlocksReduceToOnePopulation
        if (phi.kind == TransferKind::threshold_linear) {
            // The two blocks are independent groups: g_div is the smaller of the two (population 2
            // here, where g_c is sqrt 2 / (G_22 sqrt alpha_2) too).
            EXPECT_NEAR(c.g_divergence, gdiv_min, 1e-9 * gdiv_min);
            EXPECT_EQ(c.transition, Transition::chaos);
        }
    }
}

// G_kl and m_kl depending on the presynaptic population only (the excitatory_inhibitory family):
// every population receives input of the same statistics, M has identical rows and rho(M) is its
// trace. Compared with meanfield.hpp's excitatory_inhibitory_meanfield, which builds the
// one-population reduction from the same parameters.
TEST(MeanFieldPopulations, IdenticalRowsAreTheExcitatoryInhibitoryReduction) {
    ExcitatoryInhibitoryParams p;
    p.n_e = 400;
    p.n_i = 100;
    p.p = 0.2;
    p.w_e = 1.0;
    p.w_i = -5.0;
    p.g = 0.8;
    const double n = 500.0;
    const VectorXd alpha = vec({0.8, 0.2});
    // N Var W_ij = g^2 w_l^2, N E W_ij = g w_l sqrt(p N / (1 - p)) (the model header).
    const double mean_scale = std::sqrt(p.p * n / (1.0 - p.p));
    const MatrixXd G = mat2(p.w_e, -p.w_i, p.w_e, -p.w_i);
    const MatrixXd m = mean_scale * mat2(p.w_e, p.w_i, p.w_e, p.w_i);
    const double b = 1.0;
    for (const Transfer& phi : {make(TransferKind::tanh), make(TransferKind::threshold_linear, 1.0, 0.2)}) {
        SCOPED_TRACE(phi.name());
        PopulationMeanFieldOptions o = populations(phi, alpha, G, m, VectorXd::Constant(2, b));
        o.means_scale_with_g = true;
        o.g = p.g;
        MeanFieldOptions one = excitatory_inhibitory_meanfield(p, phi, b);
        const StaticResult s1 = solve_static(one);
        const PopulationStaticResult s = populations_solve_static(o);
        ASSERT_EQ(s1.status, StaticStatus::converged) << s1.message;
        ASSERT_EQ(s.status, StaticStatus::converged) << s.message;
        // Residual-limited agreement as above, on |mu| ~ 1: 1e-10.
        EXPECT_NEAR(s.mu(0), s1.m, 1e-10);
        EXPECT_NEAR(s.mu(1), s1.m, 1e-10);
        EXPECT_NEAR(s.delta(0), s1.delta0, 1e-10);
        EXPECT_NEAR(s.delta(1), s1.delta0, 1e-10);
        EXPECT_NEAR((s.stability_matrix.row(0) - s.stability_matrix.row(1)).norm(), 0.0, 1e-12);
        EXPECT_NEAR(s.stability, s.stability_matrix.trace(), 1e-12);   // rank one: rho = trace
        EXPECT_NEAR(s.stability, s1.stability, 1e-10);

        const EffectiveCoupling ec = excitatory_inhibitory_coupling(p);
        const CriticalResult c1 = critical_coupling(one);
        const PopulationCriticalResult c = populations_critical_coupling(o);
        ASSERT_EQ(c1.status, CriticalStatus::found) << c1.message;
        ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
        EXPECT_NEAR(c.g_c, c1.g_c / ec.g, 1e-9);   // root finders to 1e-12, see above
        EXPECT_EQ(c.transition, c1.transition);
        if (phi.kind == TransferKind::threshold_linear) {
            // The one-population ray search bisects to 1e-13 relative; ours solves by Newton.
            EXPECT_NEAR(c.g_divergence, c1.g_divergence / ec.g, 1e-9 * c.g_divergence);
        }
    }
}

// ---------------------------------------------------------------- bulk radius

// Aljadeff, Stern & Sharpee (2015): with zero block means, the eigenvalues of J fill a disc of
// radius g sqrt(rho(A)), A_kl = alpha_l G_kl^2. Here rho(A) is far from the naive average
// sum_kl alpha_k alpha_l G_kl^2 (unequal row sums of A), so the test tells the two apart.
TEST(MeanFieldPopulations, BulkRadiusMatchesDrawnSpectrum) {
    const Eigen::Index n = 1200;
    const VectorXd alpha = vec({0.6, 0.3, 0.1});
    MatrixXd G(3, 3);
    G << 0.3, 0.5, 3.0,
         0.4, 0.2, 0.6,
         2.5, 0.7, 0.3;
    const double g = 1.0;
    const double radius = bulk_radius(alpha, G, g);
    double naive = 0.0;
    for (Eigen::Index k = 0; k < 3; ++k)
        for (Eigen::Index l = 0; l < 3; ++l) naive += alpha(k) * alpha(l) * G(k, l) * G(k, l);
    naive = g * std::sqrt(naive);
    EXPECT_GT(radius, 1.2 * naive) << "G must make the test discriminate";

    std::vector<Eigen::Index> pop(static_cast<std::size_t>(n));
    const Eigen::Index n1 = 720, n2 = 360;   // alpha * N
    for (Eigen::Index i = 0; i < n; ++i) pop[static_cast<std::size_t>(i)] = i < n1 ? 0 : (i < n1 + n2 ? 1 : 2);
    Rng rng(20150301, Stream::network);
    MatrixXd J(n, n);
    const double inv_sqrt_n = 1.0 / std::sqrt(static_cast<double>(n));
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i)
            J(i, j) = g * G(pop[static_cast<std::size_t>(i)], pop[static_cast<std::size_t>(j)]) * inv_sqrt_n * rng.normal();
    const Eigen::EigenSolver<MatrixXd> es(J, false);
    ASSERT_EQ(es.info(), Eigen::Success);
    const double largest = es.eigenvalues().cwiseAbs().maxCoeff();
    RecordProperty("bulk_radius", std::to_string(radius));
    RecordProperty("largest_abs_eigenvalue", std::to_string(largest));
    // Finite-size tolerance: for Ginibre matrices the spectral radius exceeds the disc edge by
    // sqrt(gamma / 4N) with gamma = ln(N / 2 pi) - 2 ln ln N (Rider 2003), ~1.7% at N = 1200, with
    // Gumbel fluctuations of scale 1 / sqrt(4 N gamma) ~ 1.3%; the smallest population (120
    // neurons) adds more. 5% covers this and is still four times smaller than the 20% gap to the
    // naive radius.
    EXPECT_NEAR(largest / radius, 1.0, 0.05) << "largest |lambda| " << largest << ", bulk radius " << radius;
    EXPECT_GT(std::fabs(largest / naive - 1.0), 0.15);
    // One population: the circular law's g G.
    EXPECT_NEAR(bulk_radius(vec({1.0}), MatrixXd::Constant(1, 1, 1.5), 2.0), 3.0, 1e-15);
}

// Zero-mean ReLU network: the silent state (mu = b = 0, Delta = 0, half the neurons active in
// the Delta -> 0+ limit) loses stability at g^2 rho(A) / 2 = 1, where the scale-free variance
// map grows too: g_c = g_div = sqrt 2 / bulk radius per unit g, a divergence.
TEST(MeanFieldPopulations, ZeroMeanReluDivergesAtTheBulkEdge) {
    const VectorXd alpha = vec({0.7, 0.3});
    const MatrixXd G = mat2(0.5, 2.0, 1.5, 0.3);
    PopulationMeanFieldOptions o = populations(make(TransferKind::relu), alpha, G, MatrixXd::Zero(2, 2),
                                               VectorXd::Zero(2));
    const double expected = std::numbers::sqrt2 / bulk_radius(alpha, G, 1.0);
    const PopulationCriticalResult c = populations_critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    // rho(M) = g^2 rho(A) / 2 exactly along the branch (Delta = 0); g_tol = 1e-12.
    EXPECT_NEAR(c.g_c, expected, 1e-10);
    // Newton on a = A(a) from a = 0 is exact at zero means: g_div = sqrt(2 / rho(K)).
    EXPECT_NEAR(c.g_divergence, expected, 1e-12);
    EXPECT_EQ(c.transition, Transition::divergence);
}

// ---------------------------------------------------------------- threshold-linear E-I

namespace {

// Two populations, excitatory columns positive and inhibitory ones negative, net inhibition in
// both rows, above-threshold input: the static solution exists past g_c. One transfer function per
// population (gains and thresholds differ), so that population indices are exercised too.
const double ei_gain[2] = {1.2, 1.0}, ei_theta[2] = {0.1, 0.3};

PopulationMeanFieldOptions ei_threshold_linear() {
    PopulationMeanFieldOptions o = populations(make(TransferKind::threshold_linear), vec({0.8, 0.2}),
                                               mat2(1.0, 1.6, 0.9, 1.9), mat2(1.0, -6.0, 1.2, -7.0),
                                               vec({1.0, 0.8}));
    o.phi = {make(TransferKind::threshold_linear, ei_gain[0], ei_theta[0]),
             make(TransferKind::threshold_linear, ei_gain[1], ei_theta[1])};
    return o;
}

// Residuals of the static equations from closed forms written here.
void expect_self_consistent(const PopulationMeanFieldOptions& o, const PopulationStaticResult& s, double tol) {
    VectorXd r(2), r2(2), f(2);
    for (Eigen::Index l = 0; l < 2; ++l) {
        const double sd = std::sqrt(s.delta(l)), a = (s.mu(l) - ei_theta[l]) / sd;
        r(l) = ei_gain[l] * sd * f1(a);
        r2(l) = ei_gain[l] * ei_gain[l] * s.delta(l) * f2(a);
        f(l) = cdf(a);
        EXPECT_NEAR(s.active_fraction(l), f(l), tol);
    }
    for (Eigen::Index k = 0; k < 2; ++k) {
        double mu = o.b(k), d = 0.0;
        for (Eigen::Index l = 0; l < 2; ++l) {
            mu += o.alpha(l) * o.means(k, l) * r(l);
            d += o.g * o.g * o.alpha(l) * o.gains(k, l) * o.gains(k, l) * r2(l);
        }
        EXPECT_NEAR(s.mu(k), mu, tol * (1.0 + std::fabs(mu)));
        EXPECT_NEAR(s.delta(k), d, tol * (1.0 + d));
    }
    MatrixXd M(2, 2);
    for (Eigen::Index k = 0; k < 2; ++k)
        for (Eigen::Index l = 0; l < 2; ++l) M(k, l) = o.g * o.g * o.alpha(l) * o.gains(k, l) * o.gains(k, l) * ei_gain[l] * ei_gain[l] * f(l);
    EXPECT_NEAR(s.stability, perron2(M), tol);
}

}  // namespace

TEST(MeanFieldPopulations, ThresholdLinearExcitatoryInhibitoryCriticalGain) {
    PopulationMeanFieldOptions o = ei_threshold_linear();
    const PopulationCriticalResult c = populations_critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    RecordProperty("g_c", std::to_string(c.g_c));
    RecordProperty("g_div", std::to_string(c.g_divergence));
    o.g = c.g_c;
    // Closed forms vs the solver's: residual-limited, 1e-10 relative.
    expect_self_consistent(o, c.at_g_c, 1e-10);
    EXPECT_NEAR(c.at_g_c.stability, 1.0, 1e-9);   // root of rho - 1 to g_tol = 1e-12, slope O(1)
    EXPECT_GT(c.at_g_c.delta.minCoeff(), 0.0);
    // rho(M) crosses 1 at g_c: below on the branch, above beyond it.
    const PopulationGuess from_gc{c.at_g_c.mu, c.at_g_c.delta};
    for (double f : {0.98, 1.02}) {
        o.g = f * c.g_c;
        const PopulationStaticResult s = populations_solve_static(o, from_gc);
        ASSERT_EQ(s.status, StaticStatus::converged) << s.message;
        expect_self_consistent(o, s, 1e-10);
        if (f < 1.0) {
            EXPECT_LT(s.stability, 1.0 - 1e-3);
        } else {
            EXPECT_GT(s.stability, 1.0 + 1e-3);
        }
    }
    // Net inhibition: the scale-free part grows only later, so the fixed point gives way to chaos.
    EXPECT_EQ(c.transition, Transition::chaos);
    EXPECT_GT(c.g_divergence, 1.05 * c.g_c);
}

// g_div against direct continuation of the full static equations (with b and theta): near g_div
// the activity r = max_k (|mu_k| + sqrt(Delta_k)) grows like C / (g_div - g) and the ratios
// (mu_k - theta) / sqrt(Delta_k) approach those of the scale-free direction.
TEST(MeanFieldPopulations, ThresholdLinearDivergenceByContinuation) {
    PopulationMeanFieldOptions o = ei_threshold_linear();
    const PopulationCriticalResult c = populations_critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    const double gd = c.g_divergence;
    ASSERT_TRUE(std::isfinite(gd));
    ASSERT_EQ(c.divergence_ratio.size(), 2);
    // The scale-free direction itself: the homogeneous equations hold at (a*, g_div), with s from
    // the variance equation's 2 x 2 Perron problem written out here.
    {
        const VectorXd a = c.divergence_ratio;
        MatrixXd K(2, 2);
        for (Eigen::Index k = 0; k < 2; ++k)
            for (Eigen::Index l = 0; l < 2; ++l) K(k, l) = o.alpha(l) * o.gains(k, l) * o.gains(k, l) * ei_gain[l] * ei_gain[l] * f2(a(l));
        EXPECT_NEAR(gd * gd * perron2(K), 1.0, 1e-11);   // Newton to 1e-12 in a
        const double lam = perron2(K);
        VectorXd s2(2);   // Perron vector of K: (K - lam) s2 = 0
        s2 << K(0, 1), lam - K(0, 0);
        const VectorXd s = s2.cwiseSqrt();
        for (Eigen::Index k = 0; k < 2; ++k) {
            double mu = 0.0;
            for (Eigen::Index l = 0; l < 2; ++l) mu += o.alpha(l) * o.means(k, l) * ei_gain[l] * s(l) * f1(a(l));
            EXPECT_NEAR(mu / s(k), a(k), 1e-10);
        }
    }
    // Continuation from g_c towards g_div in geometric steps of the distance.
    PopulationGuess guess{c.at_g_c.mu, c.at_g_c.delta};
    double eps = 1.0 - c.g_c / gd;
    std::vector<double> eps_at, r_at;
    std::vector<VectorXd> ratio_at;
    for (const double target : {1e-2, 1e-3, 1e-4}) {
        for (; eps > target; ) {
            eps = std::max(target, 0.8 * eps);
            o.g = gd * (1.0 - eps);
            const PopulationStaticResult s = populations_solve_static(o, guess);
            ASSERT_EQ(s.status, StaticStatus::converged) << "eps " << eps << ": " << s.message;
            guess = {s.mu, s.delta};
        }
        const double r = (guess.mu.cwiseAbs() + guess.delta.cwiseSqrt()).maxCoeff();
        eps_at.push_back(eps);
        r_at.push_back(r);
        ratio_at.push_back((guess.mu - vec({ei_theta[0], ei_theta[1]})).array() / guess.delta.array().sqrt());
    }
    RecordProperty("activity_at_1e-4", std::to_string(r_at[2]));
    // r eps -> const: the corrections are O(eps) relative (b and theta against activity ~ 1/eps),
    // so 1e-2 -> 1e-3 may differ by a few percent, 1e-3 -> 1e-4 by well under one.
    EXPECT_NEAR(r_at[1] * eps_at[1] / (r_at[0] * eps_at[0]), 1.0, 0.1);
    EXPECT_NEAR(r_at[2] * eps_at[2] / (r_at[1] * eps_at[1]), 1.0, 0.01);
    EXPECT_GT(r_at[2], 50.0 * r_at[0]);
    // Ratios converge to a* with O(1 / r) = O(eps) corrections.
    EXPECT_LT((ratio_at[2] - c.divergence_ratio).cwiseAbs().maxCoeff(), 1e-2);
    EXPECT_LT((ratio_at[2] - c.divergence_ratio).cwiseAbs().maxCoeff(),
              0.2 * (ratio_at[1] - c.divergence_ratio).cwiseAbs().maxCoeff());
}

// ---------------------------------------------------------------- options

TEST(MeanFieldPopulations, ValidateNamesTheKey) {
    const auto good = [] {
        return populations(make(TransferKind::tanh), vec({0.5, 0.3, 0.2}), MatrixXd::Ones(3, 3),
                           MatrixXd::Zero(3, 3), VectorXd::Zero(3));
    };
    EXPECT_NO_THROW(good().validate());
    const auto key_of = [](const PopulationMeanFieldOptions& o) -> std::string {
        try {
            o.validate();
        } catch (const invalid_parameter& e) {
            return e.key();
        }
        return "(accepted)";
    };
    PopulationMeanFieldOptions o = good();
    o.alpha = vec({0.5, 0.3, 0.2 + 1e-9});
    EXPECT_EQ(key_of(o), "alpha");
    o.alpha = vec({0.7, 0.5, -0.2});
    EXPECT_EQ(key_of(o), "alpha");
    o.alpha = VectorXd();
    EXPECT_EQ(key_of(o), "alpha");
    o = good();
    o.gains = MatrixXd::Ones(3, 2);
    EXPECT_EQ(key_of(o), "gains");
    o.gains = MatrixXd::Ones(3, 3);
    o.gains(1, 2) = -0.1;
    EXPECT_EQ(key_of(o), "gains");
    o.gains(1, 2) = std::numeric_limits<double>::infinity();
    EXPECT_EQ(key_of(o), "gains");
    o = good();
    o.means = MatrixXd::Zero(2, 3);
    EXPECT_EQ(key_of(o), "means");
    o.means = MatrixXd::Zero(3, 3);
    o.means(0, 0) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(key_of(o), "means");
    o = good();
    o.b = VectorXd::Zero(2);
    EXPECT_EQ(key_of(o), "b");
    o = good();
    o.phi = {make(TransferKind::tanh), make(TransferKind::tanh)};
    EXPECT_EQ(key_of(o), "phi");
    o.phi = {make(TransferKind::prelu)};
    EXPECT_EQ(key_of(o), "phi");
    o = good();
    o.phi = {make(TransferKind::tanh), make(TransferKind::threshold_linear, 1.0, 0.0), make(TransferKind::relu)};
    EXPECT_EQ(key_of(o), "(accepted)");   // one per population
    o = good();
    o.g = -1.0;
    EXPECT_EQ(key_of(o), "g");
    o = good();
    o.quadrature_order = 4;
    EXPECT_EQ(key_of(o), "quadrature_order");
    o = good();
    o.tol = 0.0;
    EXPECT_EQ(key_of(o), "tol");
    o = good();
    o.max_iterations = 0;
    EXPECT_EQ(key_of(o), "max_iterations");
    o = good();
    o.bound = 1.0;
    EXPECT_EQ(key_of(o), "bound");

    // The solvers validate first; a guess of the wrong size is refused by name.
    o = good();
    o.b = VectorXd::Zero(1);
    EXPECT_THROW(populations_solve_static(o), invalid_parameter);
    EXPECT_THROW(populations_critical_coupling(o), invalid_parameter);
    o = good();
    try {
        populations_solve_static(o, PopulationGuess{VectorXd::Zero(2), VectorXd::Zero(2)});
        ADD_FAILURE() << "guess of size 2 accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "guess");
    }
    try {
        bulk_radius(vec({0.6, 0.6}), MatrixXd::Ones(2, 2), 1.0);
        ADD_FAILURE() << "alpha summing to 1.2 accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "alpha");
    }
    try {
        bulk_radius(vec({0.5, 0.5}), MatrixXd::Ones(3, 3), 1.0);
        ADD_FAILURE() << "3 x 3 gains for 2 populations accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "gains");
    }
}
