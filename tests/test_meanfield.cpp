// Mean-field (DMFT) predictions: quadrature, static fixed point and g_c, and the tanh
// Lyapunov exponent. Reference values come from code written here, independently of the
// library: adaptive Simpson integrals, closed forms, and a shooting method for the
// ground state on a differently obtained autocorrelation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"

using namespace ratenet;

namespace {

constexpr double sqrt2 = std::numbers::sqrt2;

double pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); }

// Adaptive Simpson on [a, b].
double simpson_rec(const std::function<double(double)>& f, double a, double b, double fa, double fm, double fb,
                   double whole, double tol, int depth) {
    const double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
    const double flm = f(lm), frm = f(rm);
    const double left = (m - a) / 6.0 * (fa + 4.0 * flm + fm), right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    if (depth <= 0 || std::fabs(left + right - whole) <= 15.0 * tol) return left + right + (left + right - whole) / 15.0;
    return simpson_rec(f, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1) +
           simpson_rec(f, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1);
}
double simpson(const std::function<double(double)>& f, double a, double b, double tol) {
    const double fa = f(a), fb = f(b), fm = f(0.5 * (a + b));
    return simpson_rec(f, a, b, fa, fm, fb, (b - a) / 6.0 * (fa + 4.0 * fm + fb), tol, 50);
}
// E[f(m + s z)] by adaptive Simpson over z in [-12, 12], split at the given kinks (in h).
double expect(const std::function<double(double)>& f, double m, double s, std::vector<double> kinks = {}) {
    std::vector<double> br{-12.0, 12.0};
    for (double k : kinks) {
        const double z = (k - m) / s;
        if (z > -12 && z < 12) br.push_back(z);
    }
    std::sort(br.begin(), br.end());
    double sum = 0;
    for (std::size_t i = 0; i + 1 < br.size(); ++i)
        sum += simpson([&](double z) { return f(m + s * z) * pdf(z); }, br[i], br[i + 1], 1e-15);
    return sum;
}

double double_factorial(int n) {
    double r = 1;
    for (int k = n; k > 1; k -= 2) r *= k;
    return r;
}

Transfer make(TransferKind kind) {
    Transfer t;
    t.kind = kind;
    return t;
}

}  // namespace

// ---------------------------------------------------------------- quadrature

TEST(MeanFieldQuadrature, GaussHermiteIntegratesPolynomialsExactly) {
    for (int n : {5, 20, 96}) {
        const QuadratureRule r = gauss_hermite(n);
        ASSERT_EQ(r.order(), n);
        // E z^k = (k-1)!! for even k, 0 for odd k: exact up to degree 2n - 1 (checked up to 60).
        for (int k = 0; k <= std::min(2 * n - 1, 60); ++k) {
            const double got = gaussian_expectation(r, [k](double z) { return std::pow(z, k); });
            if (k % 2 == 1) {
                EXPECT_NEAR(got, 0.0, 1e-12 * double_factorial(k)) << "n=" << n << " k=" << k;
            } else {
                const double want = double_factorial(k - 1);
                EXPECT_NEAR(got / want, 1.0, 1e-11) << "n=" << n << " k=" << k;
            }
        }
    }
    // Degree 2n is no longer exact: E z^10 with n = 5 misses by 5! (the Christoffel remainder
    // n! for the probabilists' rule), which shows the test can fail.
    const double e10 = gaussian_expectation(gauss_hermite(5), [](double z) { return std::pow(z, 10); });
    EXPECT_NEAR(double_factorial(9) - e10, 120.0, 1e-9);
}

TEST(MeanFieldQuadrature, GaussLegendreAndTrapezoid) {
    const QuadratureRule gl = gauss_legendre(12);
    for (int k = 0; k <= 23; ++k) {
        double s = 0;
        for (int i = 0; i < gl.order(); ++i)
            s += gl.weights[static_cast<std::size_t>(i)] * std::pow(gl.nodes[static_cast<std::size_t>(i)], k);
        EXPECT_NEAR(s, k % 2 ? 0.0 : 2.0 / (k + 1), 1e-14) << k;
    }
    const QuadratureRule tr = gaussian_trapezoid(121);
    EXPECT_NEAR(gaussian_expectation(tr, [](double z) { return z * z * z * z; }), 3.0, 1e-13);
    EXPECT_THROW(gauss_hermite(0), invalid_parameter);
    EXPECT_THROW(gauss_hermite(201), invalid_parameter);
    EXPECT_THROW(gaussian_trapezoid(2), invalid_parameter);
}

TEST(MeanFieldQuadrature, TanhDerivativeAgainstAdaptiveSimpson) {
    const auto dtanh = [](double u) { const double t = std::tanh(u); return 1.0 - t * t; };
    const QuadratureRule gh = gauss_hermite(96), tr = gaussian_trapezoid(121);
    const double gh_tol[] = {1e-13, 1e-13, 1e-10, 2e-5};
    int i = 0;
    for (double D : {0.01, 0.1, 1.0, 4.0}) {
        const double ref = expect(dtanh, 0.0, std::sqrt(D));
        // Gauss-Hermite converges like exp(-2 d sqrt(2n)), d = pi / (2 sqrt D): slower for wide Gaussians.
        // At D = 4 (poles of sech^2 at distance pi/4 in z) Gauss-Hermite-96 is off by ~6e-6.
        EXPECT_NEAR(gaussian_expectation(gh, dtanh, 0.0, std::sqrt(D)), ref, gh_tol[i++]) << D;
        EXPECT_NEAR(gaussian_expectation(tr, dtanh, 0.0, std::sqrt(D)), ref, 2e-12) << D;
    }
}

TEST(MeanFieldQuadrature, NestedIntegrals) {
    const QuadratureRule gh = gauss_hermite(40);
    // int Dz [int Dx (a x + b z)^2]^2 = int Dz (a^2 + b^2 z^2)^2 = a^4 + 2 a^2 b^2 + 3 b^4.
    const double a = 0.7, b = 1.3;
    EXPECT_NEAR(nested_gaussian_square(gh, gh, a, b, [](double u) { return u * u; }),
                std::pow(a, 4) + 2 * a * a * b * b + 3 * std::pow(b, 4), 1e-12);
    // C and q at the ends, and dC/dDelta = q (Price's theorem).
    const QuadratureRule tr = gaussian_trapezoid(121);
    const double D0 = 1.7;
    const TanhCorrelation top = tanh_correlation(D0, D0, tr), bottom = tanh_correlation(0.0, D0, tr);
    const double sd = std::sqrt(D0);
    EXPECT_NEAR(top.c, expect([](double u) { return std::tanh(u) * std::tanh(u); }, 0.0, sd), 1e-13);
    EXPECT_NEAR(bottom.c, 0.0, 1e-15);
    const double mean_d = expect([](double u) { const double t = std::tanh(u); return 1 - t * t; }, 0.0, sd);
    EXPECT_NEAR(bottom.q, mean_d * mean_d, 1e-13);
    const double d = 0.6, eps = 1e-4;
    const double dc = (tanh_correlation(d + eps, D0, tr).c - tanh_correlation(d - eps, D0, tr).c) / (2 * eps);
    EXPECT_NEAR(dc, tanh_correlation(d, D0, tr).q, 1e-8);
    const double dq = (tanh_correlation(d + eps, D0, tr).q - tanh_correlation(d - eps, D0, tr).q) / (2 * eps);
    EXPECT_NEAR(dq, tanh_correlation(d, D0, tr).dq, 1e-8);
}

// ---------------------------------------------------------------- static theory and g_c

TEST(MeanFieldStatic, TanhCriticalCouplingIsOne) {
    MeanFieldOptions o;
    o.phi = make(TransferKind::tanh);
    const CriticalResult c = critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    EXPECT_NEAR(c.g_c, 1.0, 1e-10);
    EXPECT_EQ(c.transition, Transition::chaos);
    EXPECT_NEAR(c.at_g_c.delta0, 0.0, 1e-14);
    EXPECT_NEAR(c.at_g_c.m, 0.0, 1e-14);
}

TEST(MeanFieldStatic, TanhWithInputSelfConsistent) {
    MeanFieldOptions o;
    o.phi = make(TransferKind::tanh);
    o.b = 0.5;
    o.mu = -0.5;
    const CriticalResult c = critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    EXPECT_GT(c.g_c, 1.0);   // the input saturates the units: more coupling is needed
    const double m = c.at_g_c.m, D = c.at_g_c.delta0, s = std::sqrt(D);
    const auto th = [](double u) { return std::tanh(u); };
    const auto th2 = [](double u) { return std::tanh(u) * std::tanh(u); };
    const auto dth2 = [](double u) { const double t = std::tanh(u); return (1 - t * t) * (1 - t * t); };
    EXPECT_NEAR(m, o.b + o.mu * expect(th, m, s), 1e-10);
    EXPECT_NEAR(D, c.g_c * c.g_c * expect(th2, m, s), 1e-10);
    EXPECT_NEAR(c.g_c * c.g_c * expect(dth2, m, s), 1.0, 1e-9);
    // Gauss-Hermite moments give the same g_c (the Gaussian is narrow enough here).
    o.rule = GaussianRule::gauss_hermite;
    o.quadrature_order = 96;
    const CriticalResult h = critical_coupling(o);
    ASSERT_EQ(h.status, CriticalStatus::found) << h.message;
    EXPECT_NEAR(h.g_c, c.g_c, 1e-8);
}

TEST(MeanFieldStatic, ZeroMeanReluDivergesAboveSqrt2) {
    // <phi'^2> = P(h > 0) = 1/2 for any zero-mean Gaussian field, whatever its variance,
    // and in the Delta0 -> 0+ limit at h = 0.
    const Transfer relu = make(TransferKind::relu);
    for (double D : {0.0, 1e-12, 0.3, 1.0, 50.0}) EXPECT_DOUBLE_EQ(gaussian_moments(relu, 0.0, D).dphi2, 0.5) << D;
    EXPECT_NEAR(expect([](double u) { return u > 0 ? 1.0 : 0.0; }, 0.0, 0.8, {0.0}), 0.5, 1e-13);
    // Variance map of the static equation: Delta <- g^2 <[h]_+^2> = g^2 Delta / 2.
    EXPECT_NEAR(gaussian_moments(relu, 0.0, 2.0).phi2, 1.0, 1e-14);

    MeanFieldOptions o;
    o.phi = relu;
    const CriticalResult c = critical_coupling(o);
    ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
    EXPECT_NEAR(c.g_c, sqrt2, 1e-10);
    EXPECT_NEAR(c.g_divergence, sqrt2, 1e-12);
    EXPECT_EQ(c.transition, Transition::divergence);
    // Below sqrt 2 the silent state is stable, above it is not.
    o.g = 1.3;
    StaticResult s = solve_static(o, 0.0, 1.0);
    EXPECT_EQ(s.status, StaticStatus::converged);
    EXPECT_NEAR(s.delta0, 0.0, 1e-12);
    EXPECT_NEAR(s.stability, 1.3 * 1.3 / 2, 1e-12);
    o.g = 1.6;
    s = solve_static(o);
    EXPECT_GT(s.stability, 1.0);
}

TEST(MeanFieldStatic, ThresholdLinearWithInhibition) {
    // phi = G [h - theta]_+; K&S stability g^2 <phi'^2> = g^2 G^2 f = 1. With the variance
    // equation 1 = g^2 G^2 F2(a) this puts g_c at a = 0, f = 1/2: g_c = sqrt 2 / G.
    struct Case { double G, theta, b, mu; };
    for (const Case cs : {Case{1.0, 0.0, 1.0, -1.0}, Case{1.5, 0.3, 1.0, -2.0}, Case{0.8, -0.2, 0.1, -0.4}}) {
        MeanFieldOptions o;
        o.phi = make(TransferKind::threshold_linear);
        o.phi.gain = cs.G;
        o.phi.theta = cs.theta;
        o.b = cs.b;
        o.mu = cs.mu;
        const CriticalResult c = critical_coupling(o);
        ASSERT_EQ(c.status, CriticalStatus::found) << c.message;
        const double f = c.at_g_c.active_fraction;
        EXPECT_NEAR(c.g_c * c.g_c * cs.G * cs.G * f, 1.0, 1e-9);
        EXPECT_NEAR(c.g_c, sqrt2 / cs.G, 1e-9);
        EXPECT_NEAR(f, 0.5, 1e-9);
        EXPECT_EQ(c.transition, Transition::chaos);   // inhibition: the scale-free part grows only later
        EXPECT_GT(c.g_divergence, c.g_c * 1.01);

        const auto phi = [&](double u) { return cs.G * std::max(u - cs.theta, 0.0); };
        const auto phi2 = [&](double u) { return phi(u) * phi(u); };
        const auto active = [&](double u) { return u > cs.theta ? 1.0 : 0.0; };
        // Self-consistency at g_c and at a stable point below it, against Simpson integrals.
        for (double g : {c.g_c, 0.7 * c.g_c}) {
            o.g = g;
            const StaticResult s = g == c.g_c ? c.at_g_c : solve_static(o);
            ASSERT_EQ(s.status, StaticStatus::converged) << s.message;
            const double sd = std::sqrt(s.delta0);
            ASSERT_GT(sd, 0.0);
            EXPECT_NEAR(s.m, cs.b + cs.mu * expect(phi, s.m, sd, {cs.theta}), 1e-10);
            EXPECT_NEAR(s.delta0, g * g * expect(phi2, s.m, sd, {cs.theta}), 1e-10);
            EXPECT_NEAR(s.active_fraction, expect(active, s.m, sd, {cs.theta}), 1e-10);
            if (g < c.g_c) {
                EXPECT_LT(s.stability, 1.0);
            }
        }
    }
}

TEST(MeanFieldStatic, RunawayExcitationIsReportedNotNaN) {
    // mu > 0: the static solution grows without bound as g approaches the scale-free
    // threshold g_div (here above-threshold input keeps the mean positive).
    MeanFieldOptions o;
    o.phi = make(TransferKind::relu);
    o.mu = 0.5;
    o.b = 1.0;
    const CriticalResult c = critical_coupling(o);
    EXPECT_EQ(c.status, CriticalStatus::static_divergence) << c.message;
    EXPECT_EQ(c.transition, Transition::divergence);
    EXPECT_NEAR(c.g_static_divergence, c.g_divergence, 1e-4 * c.g_divergence);
    o.g = c.g_divergence * 1.05;
    const StaticResult s = solve_static(o);
    EXPECT_EQ(s.status, StaticStatus::diverged);
    EXPECT_FALSE(s.message.empty());
    // mu >= 1: the mean mode alone runs away, already at g = 0.
    o.mu = 1.5;
    o.g = 0.1;
    EXPECT_EQ(solve_static(o).status, StaticStatus::diverged);
    o.phi = make(TransferKind::prelu);
    EXPECT_THROW(solve_static(o), invalid_parameter);
}

TEST(MeanFieldStatic, KinkedTransferByPieces) {
    // clipped_linear: Gauss-Legendre pieces split at the kinks against Simpson.
    Transfer t = make(TransferKind::clipped_linear);
    t.gain = 2.0;
    t.theta = 0.1;
    t.r_max = 1.5;
    const GaussianMoments g = gaussian_moments(t, 0.4, 0.9);
    const double sd = std::sqrt(0.9);
    const std::vector<double> k{0.1, 0.1 + 0.75};
    EXPECT_NEAR(g.phi, expect([&](double u) { return t.value(u); }, 0.4, sd, k), 1e-13);
    EXPECT_NEAR(g.phi2, expect([&](double u) { return t.value(u) * t.value(u); }, 0.4, sd, k), 1e-13);
    EXPECT_NEAR(g.dphi2, expect([&](double u) { return t.derivative(u) * t.derivative(u); }, 0.4, sd, k), 1e-13);
}

// ---------------------------------------------------------------- tanh DMFT: Delta0 and the spectrum

TEST(MeanFieldChaos, EnergyConditionHolds) {
    const QuadratureRule tr = gaussian_trapezoid(121);
    const auto logcosh = [](double u) { const double a = std::fabs(u); return a + std::log1p(std::exp(-2 * a)) - std::log(2.0); };
    for (double g : {1.1, 1.5, 2.0, 3.0}) {
        const double D0 = tanh_delta0(g, tr);
        ASSERT_GT(D0, 0.0);
        const double s = std::sqrt(D0);
        const double m1 = expect(logcosh, 0.0, s);
        const double var = expect([&](double u) { return (logcosh(u) - m1) * (logcosh(u) - m1); }, 0.0, s);
        EXPECT_NEAR(0.5 * D0 * D0 / (g * g * var), 1.0, 1e-10) << g;
        EXPECT_NEAR(tanh_energy_residual(g, D0, tr) / (D0 * D0), 0.0, 1e-12);
        // Gauss-Hermite of high order agrees.
        EXPECT_NEAR(tanh_delta0(g, gauss_hermite(200)), D0, 1e-8 * D0) << g;
    }
    EXPECT_EQ(tanh_delta0(0.9, tr), 0.0);
    // Near onset Delta0 ~ (g^2 - 1)/2 (expansion of ln cosh to fourth order).
    EXPECT_NEAR(tanh_delta0(1.001, tr) / (0.5 * (1.001 * 1.001 - 1.0)), 1.0, 5e-3);
}

TEST(MeanFieldChaos, ZeroModeAndStableSide) {
    for (double g : {1.2, 2.0, 3.0}) {
        const TanhChaosPoint p = tanh_chaos(g);
        ASSERT_EQ(p.status, ChaosStatus::chaotic) << p.message;
        // psi = Delta' solves the problem with E = -1 exactly.
        EXPECT_NEAR(p.e_zero_mode, -1.0, 1e-3) << g;
        EXPECT_NEAR(p.e_zero_mode, -1.0, 1e-8) << g;   // what the discretisation actually achieves
        EXPECT_LT(p.e0, p.e_zero_mode);
        EXPECT_GT(p.e_zero_mode, -g * g * p.q_zero);   // above the bottom of the well
        EXPECT_LT(p.e_zero_mode, p.e_continuum);       // below the continuum
        EXPECT_LT(p.energy_drift, 1e-9);
    }
    const TanhChaosPoint s = tanh_chaos(0.8);
    EXPECT_EQ(s.status, ChaosStatus::stable);
    EXPECT_NEAR(s.lambda_max, -0.2, 1e-15);   // largest real part of eig(-I + J)
    TanhChaosOptions bad;
    bad.dtau = -1;
    EXPECT_THROW(tanh_chaos(2.0, bad), invalid_parameter);
}

TEST(MeanFieldChaos, QuadraticOnsetAndMonotone) {
    const std::vector<double> gs{0.5, 0.9, 1.0, 1.005, 1.01, 1.02, 1.1, 1.2, 1.5, 2.0, 2.5, 3.0};
    const std::vector<TanhChaosPoint> c = tanh_lyapunov_curve(gs);
    ASSERT_EQ(c.size(), gs.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
        ASSERT_NE(c[i].status, ChaosStatus::failed) << gs[i] << ": " << c[i].message;
        if (i > 0) {
            EXPECT_GT(c[i].lambda_max, c[i - 1].lambda_max) << gs[i];
        }
    }
    EXPECT_EQ(c[2].lambda_max, 0.0);
    // e = g - 1 = 0.005, 0.01, 0.02
    const double l1 = c[3].lambda_max, l2 = c[4].lambda_max, l4 = c[5].lambda_max;
    EXPECT_GT(l1, 0.0);
    EXPECT_LT(l1, 2e-5);
    // lambda = A e^2 (1 + c e + ...), c ~ -3.6: the ratio is 4 (1 + c e); 2 r(e) - r(2e)
    // removes the linear correction.
    const double r1 = l2 / l1, r2 = l4 / l2;
    EXPECT_NEAR(r1, 4.0, 0.1);
    EXPECT_NEAR(2 * r1 - r2, 4.0, 0.01);
    // Near onset Delta(tau) ~ sech(kappa tau) and the potential is the Poeschl-Teller well
    // -6 kappa^2 sech^2(kappa tau) on top of the continuum: bound states E_c - 4 kappa^2 and
    // E_c - kappa^2 (= -1, the zero mode), so E0 = -1 - 3 kappa^2.
    for (std::size_t i : {3u, 4u}) {
        const double k2 = c[i].kappa * c[i].kappa;
        EXPECT_NEAR((-1.0 - c[i].e0) / (3 * k2), 1.0, 1e-3) << gs[i];
    }
    // and lambda ~ (g - 1)^2 / 2: A(e) extrapolated linearly to e = 0.
    EXPECT_NEAR(2 * l1 / (0.005 * 0.005) - l2 / (0.01 * 0.01), 0.5, 0.003);
}

namespace {

// ---- independent computation: trapezoid tables on another grid, Delta(tau) from the
// first integral Delta'^2 = Delta^2 - 2 g^2 int_0^Delta C, and shooting for the ground state.
struct Shooting {
    double delta0 = 0, kappa = 0, e0 = 0, e_odd = 0, lambda = 0;
};

Shooting independent_lambda(double g) {
    Shooting out;
    // Rule: 151 points on [-9.5, 9.5] (the library uses 121 on [-9, 9]).
    const int nq = 151;
    std::vector<double> z(nq), w(nq);
    double wsum = 0;
    for (int i = 0; i < nq; ++i) {
        z[static_cast<std::size_t>(i)] = -9.5 + 19.0 * i / (nq - 1);
        wsum += w[static_cast<std::size_t>(i)] = pdf(z[static_cast<std::size_t>(i)]);
    }
    for (double& x : w) x /= wsum;
    const auto E = [&](auto f, double s) {
        double r = 0;
        for (std::size_t i = 0; i < z.size(); ++i) r += w[i] * f(s * z[i]);
        return r;
    };
    const auto logcosh = [](double u) { const double a = std::fabs(u); return a + std::log1p(std::exp(-2 * a)) - std::log(2.0); };
    // Delta0 by bisection on 1/2 - g^2 Var(Phi)/D^2.
    const auto e = [&](double D) {
        const double s = std::sqrt(D), m1 = E(logcosh, s);
        return 0.5 - g * g * E([&](double u) { return (logcosh(u) - m1) * (logcosh(u) - m1); }, s) / (D * D);
    };
    double lo = 1e-6, hi = 20.0;
    for (int it = 0; it < 100; ++it) (e(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
    const double D0 = 0.5 * (lo + hi);
    out.delta0 = D0;
    // Tables of C, q, dq on 301 nodes; cubic Hermite interpolation; cumulative integral of C.
    const int M = 301;
    const double hD = D0 / (M - 1);
    std::vector<double> C(M), Q(M), R(M), I(M, 0.0);
    for (int j = 0; j < M; ++j) {
        const double D = hD * j, a = std::sqrt(std::max(D0 - D, 0.0)), b = std::sqrt(D);
        double c = 0, q = 0, r = 0;
        for (std::size_t k = 0; k < z.size(); ++k) {
            double i0 = 0, i1 = 0, i2 = 0;
            for (std::size_t i = 0; i < z.size(); ++i) {
                const double t = std::tanh(a * z[i] + b * z[k]);
                i0 += w[i] * t;
                i1 += w[i] * (1 - t * t);
                i2 += w[i] * (-2 * t * (1 - t * t));
            }
            c += w[k] * i0 * i0;
            q += w[k] * i1 * i1;
            r += w[k] * i2 * i2;
        }
        C[static_cast<std::size_t>(j)] = c;
        Q[static_cast<std::size_t>(j)] = q;
        R[static_cast<std::size_t>(j)] = r;
    }
    for (int j = 1; j < M; ++j) {
        const auto u = static_cast<std::size_t>(j);
        I[u] = I[u - 1] + hD * (C[u - 1] + C[u]) / 2 + hD * hD * (Q[u - 1] - Q[u]) / 12;
    }
    const auto herm = [&](const std::vector<double>& v, const std::vector<double>& dv, double D) {
        const double t = std::clamp(D, 0.0, D0) / hD;
        const auto j = std::min(static_cast<std::size_t>(t), static_cast<std::size_t>(M - 2));
        const double u = t - static_cast<double>(j), wv = 1 - u;
        return (1 + 2 * u) * wv * wv * v[j] + u * wv * wv * hD * dv[j] + u * u * (3 - 2 * u) * v[j + 1] -
               u * u * wv * hD * dv[j + 1];
    };
    const auto Cf = [&](double D) { return herm(C, Q, D); };
    const auto Qf = [&](double D) { return herm(Q, R, D); };
    const auto Icum = [&](double D) {   // int_0^D C: 3-point Gauss-Legendre on the partial interval
        const double t = std::clamp(D, 0.0, D0) / hD;
        const auto j = std::min(static_cast<std::size_t>(t), static_cast<std::size_t>(M - 2));
        const double x0 = hD * static_cast<double>(j), half = 0.5 * (D - x0), mid = x0 + half;
        const double n = std::sqrt(0.6);
        return I[j] + half * (5 * Cf(mid - n * half) + 8 * Cf(mid) + 5 * Cf(mid + n * half)) / 9;
    };
    const double g2 = g * g;
    out.kappa = std::sqrt(1 - g2 * Q[0]);
    // Delta on a grid of step hs: RK4 of Delta'' up to tau = 1, then Delta' = -sqrt(...).
    const double h = 0.01, hs = h / 2, T = 25.0 / out.kappa;
    const auto n = static_cast<std::size_t>(std::ceil(T / hs));
    std::vector<double> V(n + 1);
    double d = D0, v = 0;
    std::size_t k = 0;
    V[0] = -g2 * Qf(d);
    const auto acc = [&](double x) { return x - g2 * Cf(x); };
    for (; k < n && static_cast<double>(k) * hs < 1.0; ++k) {
        const double k1d = v, k1v = acc(d), k2d = v + hs / 2 * k1v, k2v = acc(d + hs / 2 * k1d);
        const double k3d = v + hs / 2 * k2v, k3v = acc(d + hs / 2 * k2d), k4d = v + hs * k3v, k4v = acc(d + hs * k3d);
        d += hs / 6 * (k1d + 2 * k2d + 2 * k3d + k4d);
        v += hs / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
        V[k + 1] = -g2 * Qf(d);
    }
    const auto vel = [&](double x) { return -std::sqrt(std::max(0.0, x * x - 2 * g2 * Icum(x))); };
    for (; k < n; ++k) {
        const double k1 = vel(d), k2 = vel(d + hs / 2 * k1), k3 = vel(d + hs / 2 * k2), k4 = vel(d + hs * k3);
        d += hs / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        V[k + 1] = -g2 * Qf(d);
    }
    const double Ec = -g2 * Q[0];
    // Shooting: psi'' = (V - E) psi from tau = 0 (even: psi = 1, psi' = 0; odd: 0, 1), RK4 of
    // step h using V at the half steps; mismatch psi' + sqrt(Ec - E) psi at T.
    const auto mismatch = [&](double En, bool even) {
        double p = even ? 1 : 0, dp = even ? 0 : 1;
        for (std::size_t i = 0; i + 2 <= n; i += 2) {
            const double a0 = V[i] - En, a1 = V[i + 1] - En, a2 = V[i + 2] - En;
            const double k1p = dp, k1d = a0 * p;
            const double k2p = dp + h / 2 * k1d, k2d = a1 * (p + h / 2 * k1p);
            const double k3p = dp + h / 2 * k2d, k3d = a1 * (p + h / 2 * k2p);
            const double k4p = dp + h * k3d, k4d = a2 * (p + h * k3p);
            p += h / 6 * (k1p + 2 * k2p + 2 * k3p + k4p);
            dp += h / 6 * (k1d + 2 * k2d + 2 * k3d + k4d);
            const double big = std::max(std::fabs(p), std::fabs(dp));
            if (big > 1e100) {
                p /= big;
                dp /= big;
            }
        }
        return dp + std::sqrt(Ec - En) * p;
    };
    // Below the lowest state of a parity the mismatch is positive, just above it negative.
    const auto lowest = [&](bool even, double a, double b) {
        for (int it = 0; it < 60; ++it) (mismatch(0.5 * (a + b), even) > 0 ? a : b) = 0.5 * (a + b);
        return 0.5 * (a + b);
    };
    const double Vmin = -g2 * Q[static_cast<std::size_t>(M - 1)];
    out.e0 = lowest(true, Vmin, -1.0 - 1e-9);
    out.e_odd = lowest(false, Vmin, Ec - 1e-9);
    out.lambda = -1 + std::sqrt(-out.e0);
    return out;
}

}  // namespace

TEST(MeanFieldChaos, AgreesWithIndependentShooting) {
    for (double g : {1.2, 1.5, 2.0, 3.0}) {
        const TanhChaosPoint p = tanh_chaos(g);
        ASSERT_EQ(p.status, ChaosStatus::chaotic) << p.message;
        const Shooting s = independent_lambda(g);
        EXPECT_NEAR(s.delta0, p.delta0, 1e-10 * p.delta0) << g;
        EXPECT_NEAR(s.kappa, p.kappa, 1e-9) << g;
        EXPECT_NEAR(s.e_odd, -1.0, 1e-6) << g;   // the zero mode, found by shooting
        EXPECT_NEAR(s.e0, p.e0, 1e-7) << g;
        EXPECT_NEAR(s.lambda, p.lambda_max, 1e-7 + 1e-6 * p.lambda_max) << g;
        std::printf("g = %.2f  lambda_max: matrix %.10f  shooting %.10f  (Delta0 %.10f, E0 %.10f)\n", g,
                    p.lambda_max, s.lambda, p.delta0, p.e0);
    }
}

TEST(MeanFieldChaos, Autocorrelation) {
    const TanhAutocorrelation a = tanh_autocorrelation(2.0, 60.0, 0.01);
    ASSERT_EQ(a.status, ChaosStatus::chaotic) << a.message;
    ASSERT_EQ(a.delta.size(), 6001u);
    EXPECT_DOUBLE_EQ(a.delta[0], a.delta0);
    for (std::size_t i = 1; i < a.delta.size(); ++i) ASSERT_LT(a.delta[i], a.delta[i - 1]) << i;
    // The tail decays with kappa.
    EXPECT_NEAR(std::log(a.delta[5000] / a.delta[6000]) / 10.0, a.kappa, 1e-6);
    EXPECT_NEAR(a.q.back(), (1.0 - a.kappa * a.kappa) / 4.0, 1e-8);   // q -> q(inf) = (1 - kappa^2)/g^2
}

// ---------------------------------------------------------------- excitatory_inhibitory

#include <Eigen/Eigenvalues>

#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"

namespace {

ExcitatoryInhibitoryParams ei_params(Eigen::Index n_e, Eigen::Index n_i, double w_i, double g) {
    ExcitatoryInhibitoryParams p;
    p.n_e = n_e;
    p.n_i = n_i;
    p.p = 0.2;
    p.w_e = 1.0;
    p.w_i = w_i;
    p.g = g;
    p.seed = 5;
    return p;
}

}  // namespace

// Balanced E/I (alpha_E w_E + alpha_I w_I = 0) with tanh: the zero fixed point loses
// stability where g_eff = g sqrt(alpha_E w_E^2 + alpha_I w_I^2) = 1, here g = 1/2.
TEST(MeanFieldExcitatoryInhibitory, BalancedTanhCriticalCoupling) {
    const auto p = ei_params(400, 100, -4.0, 1.0);
    const auto c = excitatory_inhibitory_coupling(p);
    EXPECT_NEAR(c.g, 2.0, 1e-15);
    EXPECT_NEAR(c.mu, 0.0, 1e-14);
    Transfer phi;
    phi.kind = TransferKind::tanh;
    const auto cr = critical_coupling(excitatory_inhibitory_meanfield(p, phi, 0.0));
    ASSERT_EQ(cr.status, CriticalStatus::found) << cr.message;
    EXPECT_NEAR(cr.g_c / c.g, 0.5, 1e-9);
}

// The reduction's two coefficients as statistics of drawn matrices: mu_eff is the
// average row sum of W (N E W_ij), g_eff^2 is N Var(W_ij) within each presynaptic
// population, weighted by the population fractions. (The spectrum is not a clean
// check: the mean part, of order 1/sqrt(N) per entry, is a strongly non-normal rank-one
// matrix that moves eigenvalues out of the circular-law disc, Rajan & Abbott 2006.)
TEST(MeanFieldExcitatoryInhibitory, CoefficientsMatchDrawnMatrices) {
    for (const double w_i : {-3.0, -4.0, -6.0}) {
        const auto p = ei_params(1600, 400, w_i, 0.7);
        const auto c = excitatory_inhibitory_coupling(p);
        const Eigen::MatrixXd W = make_excitatory_inhibitory(p).W;
        const double n = static_cast<double>(W.rows());
        const double row_sum = W.sum() / n;
        // Each row sum has variance ~ g_eff^2; averaged over N rows: error g_eff / sqrt(N).
        EXPECT_NEAR(row_sum, p.g * c.mu, 5.0 * p.g * c.g / std::sqrt(n)) << "w_i = " << w_i;
        const auto E = W.leftCols(p.n_e), I = W.rightCols(p.n_i);
        const double var_e = (E.array() - E.mean()).square().mean(), var_i = (I.array() - I.mean()).square().mean();
        const double g_eff2 = n * (0.8 * var_e + 0.2 * var_i);
        EXPECT_NEAR(std::sqrt(g_eff2), p.g * c.g, 0.02 * p.g * c.g) << "w_i = " << w_i;
    }
}

// Below g_c the network settles on a fixed point whose fields h_i are, across
// neurons, Gaussian with the static mean-field mean m and variance Delta0. The mean
// coupling grows as sqrt(N) (Dale's law with 1/sqrt(N) weights), so a realisation
// shifts the common mean by O(1) amounts that shrink only slowly with N: two
// networks of N = 4000 are averaged (measured deviations there: about 10%).
TEST(MeanFieldExcitatoryInhibitory, StaticSolutionMatchesSimulatedFixedPoints) {
    Transfer phi;
    phi.kind = TransferKind::clipped_linear;
    phi.r_max = 1.0;
    const double b = 0.5;
    double mean_sum = 0, var_sum = 0;
    StaticResult st;
    for (const std::uint64_t seed : {1u, 2u}) {
        auto p = ei_params(3200, 800, -5.0, 0.3);
        p.seed = seed;
        st = solve_static(excitatory_inhibitory_meanfield(p, phi, b));
        ASSERT_EQ(st.status, StaticStatus::converged) << st.message;
        ASSERT_LT(st.stability, 0.8);  // well inside the stable range
        Network net;
        net.W = make_excitatory_inhibitory(p).W;
        net.form = Form::current;
        net.phi = phi;
        const Eigen::Index n = net.W.rows();
        net.tau = Eigen::VectorXd::Ones(n);
        net.input.b = Eigen::VectorXd::Constant(n, b);
        IntegratorOptions o;
        o.t_end = 100.0;
        o.dt_out = 100.0;
        o.steady_tol = 1e-6;
        struct Last : TrajectoryObserver {
            Eigen::VectorXd x;
            void observe(double, const Eigen::VectorXd& v) override { x = v; }
        } last;
        const RunResult r = integrate(net, Eigen::VectorXd::Zero(n), o, last);
        ASSERT_TRUE(r.steady_state) << to_string(r.status);
        const double mean = last.x.mean();
        mean_sum += mean;
        var_sum += (last.x.array() - mean).square().sum() / static_cast<double>(n - 1);
    }
    EXPECT_NEAR(mean_sum / 2, st.m, 0.15 * st.m) << "Delta0 = " << st.delta0;
    EXPECT_NEAR(var_sum / 2, st.delta0, 0.2 * st.delta0) << "m = " << st.m;
}
