// The autocorrelation of a finite random tanh network against dynamic
// mean-field theory (Sompolinsky, Crisanti & Sommers, PRL 61:259, 1988): at
// N = 2000 and g = 2, the variance Delta(0) and the half-decay time of the
// simulated autocovariance of h agree with the theory's.
//
// What separates them, and the tolerance it implies:
//  * the finite window. Subtracting each neuron's window mean biases the
//    estimate by about -2 tau_c Delta0 / t_sim (-4 % here). The theory is
//    compared as the estimator sees it, Delta + window_bias, but the bias is
//    computed from the theory's own tail, and a finite network decorrelates
//    more slowly at long lags (collective fluctuations of the population
//    average), which makes its true bias larger. Half the bias is allowed for
//    that.
//  * a finite network. Its order parameters differ from N = infinity by
//    O(N^-1/2) from network to network (quenched disorder) and by O(1/N) on
//    average (0.05 %, negligible). The mean over S independent networks then
//    scatters by sd / sqrt(S), with sd measured here; 3 such standard errors
//    are allowed. The test also checks that the measured spread of Delta(0)
//    is O(N^-1/2) (below 3 / sqrt(N)), and that the decay time's spread, set
//    by the window (about 50 correlation times), is below sqrt(tau_c / t_sim).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "ratenet/autocorrelation.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;

namespace {

// The first lag where c falls to half of c[0], by linear interpolation.
double half_time(const Eigen::VectorXd& c, double dt) {
    for (Eigen::Index k = 1; k < c.size(); ++k)
        if (c[k] <= 0.5 * c[0]) return dt * (static_cast<double>(k - 1) + (c[k - 1] - 0.5 * c[0]) / (c[k - 1] - c[k]));
    return std::nan("");
}

}  // namespace

TEST(AutocorrelationDmft, TanhNetworkAtN2000MatchesTheTheory) {
    const Eigen::Index n = 2000;
    const double g = 2.0;
    const int S = 4;
    AutocorrelationOptions o;
    o.integrator.method = Method::rk4;
    o.integrator.dt = 0.05;
    o.t_warmup = 50.0;
    o.t_sim = 300.0;
    o.dt_sample = 0.1;
    o.max_lag = 15.0;
    const DmftAutocovariance d = tanh_dmft_autocovariance(g, o);
    ASSERT_TRUE(d.ok) << d.message;
    const Eigen::VectorXd seen = d.state + d.state_bias, seen_rate = d.rate + d.rate_bias;
    const double th_var = seen[0], th_half = half_time(seen, o.dt_sample), th_rate = seen_rate[0];

    Eigen::VectorXd var(S), half(S), rate(S);
    for (int s = 0; s < S; ++s) {
        RandomGaussianParams p;
        p.n = n;
        p.g = g;
        p.seed = 100 + static_cast<std::uint64_t>(s);
        Network net;
        net.form = Form::current;
        net.phi.kind = TransferKind::tanh;
        net.W = make_random_gaussian(p).W;
        net.tau = Eigen::VectorXd::Ones(n);
        net.input.b = Eigen::VectorXd::Zero(n);
        Rng rng(200 + static_cast<std::uint64_t>(s), Stream::initial);
        Eigen::VectorXd x0(n);
        for (Eigen::Index i = 0; i < n; ++i) x0[i] = rng.normal();
        const auto r = autocorrelation(net, x0, o);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        var[s] = r.state.variance;
        half[s] = half_time(r.state.C, o.dt_sample);
        rate[s] = r.rate.variance;
    }
    auto mean = [](const Eigen::VectorXd& v) { return v.mean(); };
    auto sd = [](const Eigen::VectorXd& v) { return std::sqrt((v.array() - v.mean()).square().sum() / (static_cast<double>(v.size()) - 1.0)); };
    std::printf("N %ld g %.1f, %d networks: Delta(0) %.4f (sd %.4f) theory %.4f (Delta0 %.4f, window bias %.4f)\n",
                static_cast<long>(n), g, S, mean(var), sd(var), th_var, d.delta0, d.state_bias[0]);
    std::printf("  half-decay time %.4f (sd %.4f) theory %.4f; rate variance %.4f (sd %.4f) theory %.4f\n", mean(half),
                sd(half), th_half, mean(rate), sd(rate), th_rate);
    const double root_s = std::sqrt(static_cast<double>(S));
    EXPECT_LT(sd(var) / th_var, 3 / std::sqrt(static_cast<double>(n)));
    EXPECT_LT(sd(half) / th_half, std::sqrt(d.tau_c / o.t_sim));
    EXPECT_NEAR(mean(var), th_var, 3 * sd(var) / root_s + 0.5 * std::abs(d.state_bias[0]));
    EXPECT_NEAR(mean(rate), th_rate, 3 * sd(rate) / root_s + 0.5 * std::abs(d.rate_bias[0]));
    EXPECT_NEAR(mean(half), th_half, 3 * sd(half) / root_s);
}
