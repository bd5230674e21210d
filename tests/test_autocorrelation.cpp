// The autocovariance estimator against an analytic rotation, the
// Ornstein-Uhlenbeck theorem, and a brute-force estimate written separately
// from a recorded trajectory.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "ratenet/autocorrelation.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;

namespace {

// The identity transfer function (leaky_relu with slope 1).
Transfer identity() {
    Transfer t;
    t.kind = TransferKind::leaky_relu;
    t.slope = 1.0;
    return t;
}

Eigen::VectorXd vec(std::initializer_list<double> v) {
    Eigen::VectorXd x(static_cast<Eigen::Index>(v.size()));
    Eigen::Index i = 0;
    for (double a : v) x[i++] = a;
    return x;
}

std::string key_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const invalid_parameter& e) {
        return e.key();
    }
    return "";
}

}  // namespace

// Current form, phi = identity, W = [[1, -w], [w, 1]]: dh/dt = [[0, -w], [w, 0]] h,
// h(t) = A (cos wt, sin wt). At every t, h1(t) h1(t+s) + h2(t) h2(t+s) = A^2 cos(ws),
// so C(s) = A^2 / 2 cos(ws) and, over a quarter period, tau_c = sin(w L) / w.
TEST(Autocorrelation, RotationGivesTheCosine) {
    const double w = 2 * std::numbers::pi / 10.0, A = 1.5;
    Network net;
    net.form = Form::current;
    net.phi = identity();
    net.W.resize(2, 2);
    net.W << 1.0, -w, w, 1.0;
    net.tau = Eigen::VectorXd::Ones(2);
    net.input.b = Eigen::VectorXd::Zero(2);
    AutocorrelationOptions o;
    o.integrator.rtol = 1e-11;
    o.integrator.atol = 1e-12;
    o.t_warmup = 3.0;
    o.t_sim = 200.0;  // 20 periods
    o.dt_sample = 0.1;
    o.max_lag = 2.5;  // a quarter period
    const auto r = autocorrelation(net, vec({A, 0.0}), o);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    ASSERT_EQ(r.lag.size(), 26);
    EXPECT_NEAR(r.lag[25], 2.5, 1e-12);
    for (Eigen::Index k = 0; k < r.state.C.size(); ++k)
        EXPECT_NEAR(r.state.C[k], 0.5 * A * A * std::cos(w * r.lag[k]), 2e-4) << "lag " << r.lag[k];
    EXPECT_NEAR(r.state.variance, 0.5 * A * A, 2e-4);
    // Trapezoid rule: error about L dt^2 w^2 / 12 relative.
    EXPECT_NEAR(r.state.tau_c, std::sin(w * 2.5) / w, 2e-3);
    EXPECT_NEAR(r.state.mean, 0.0, 1e-3);
    // phi is the identity: the rate is the state, bit for bit.
    EXPECT_EQ(r.rate.C, r.state.C);
    // Two neurons a quarter period apart: C_1 and C_2 agree to the window's end
    // effects, so the error over neurons is tiny against C.
    EXPECT_LT(r.state.C_error.maxCoeff(), 0.02 * r.state.variance);
}

// Rate form, W = 0, phi = identity, white noise: dx = -x / tau dt + sigma dW, an
// Ornstein-Uhlenbeck process: C(s) = sigma^2 tau / 2 exp(-s / tau). 400
// independent units over 200 correlation times: about 4e4 independent samples,
// so the variance is known to about 0.7 %; Euler-Maruyama's bias is dt / (2 tau) = 0.5 %.
TEST(Autocorrelation, OrnsteinUhlenbeckTheorem) {
    const Eigen::Index n = 400;
    const double sigma = 0.8, tau = 1.0;
    Network net;
    net.form = Form::rate;
    net.phi = identity();
    net.W = Eigen::MatrixXd::Zero(n, n);
    net.tau = Eigen::VectorXd::Constant(n, tau);
    net.input.b = Eigen::VectorXd::Zero(n);
    net.input.noise_sigma = sigma;
    AutocorrelationOptions o;
    o.integrator.method = Method::euler;
    o.integrator.dt = 0.01;
    o.integrator.noise_seed = 17;
    o.t_warmup = 10.0;
    o.t_sim = 200.0;
    o.dt_sample = 0.1;
    o.max_lag = 5.0;
    const auto r = autocorrelation(net, Eigen::VectorXd::Zero(n), o);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    const double v = sigma * sigma * tau / 2;
    EXPECT_NEAR(r.state.variance / v, 1.0, 0.04);
    for (double s : {0.5, 1.0, 2.0}) {
        const auto k = static_cast<Eigen::Index>(std::lround(s / o.dt_sample));
        EXPECT_NEAR(r.state.C[k] / r.state.variance, std::exp(-s / tau), 0.03) << "lag " << s;
    }
    EXPECT_NEAR(r.state.tau_c, tau * (1 - std::exp(-5.0)), 0.08);
    EXPECT_NEAR(r.state.mean, 0.0, 0.01);
    // Independent units: the spread of C_i(0) over neurons is that of a variance
    // estimated from ~T / (2 tau) = 100 independent samples, sd ~ v sqrt(2 / 100),
    // so the standard error over 400 neurons is ~ v 0.14 / 20 = 0.007 v.
    EXPECT_NEAR(r.state.C_error[0] / v, 0.007, 0.003);
}

namespace {
// Every sample of a run, for the brute-force estimate.
struct Recorder : TrajectoryObserver {
    std::vector<double> t;
    std::vector<Eigen::VectorXd> x;
    void observe(double ti, const Eigen::VectorXd& xi) override {
        t.push_back(ti);
        x.push_back(xi);
    }
};
}  // namespace

// A chaotic random tanh network, rates: the estimator against the textbook double
// sum over neurons and sample pairs, from the same trajectory recorded by integrate().
TEST(Autocorrelation, MatchesBruteForceOnAChaoticNetwork) {
    RandomGaussianParams p;
    p.n = 40;
    p.g = 2.5;
    p.seed = 5;
    Network net;
    net.form = Form::current;
    net.phi.kind = TransferKind::tanh;
    net.W = make_random_gaussian(p).W;
    net.tau = Eigen::VectorXd::Ones(p.n);
    net.input.b = Eigen::VectorXd::Zero(p.n);
    Eigen::VectorXd x0 = Eigen::VectorXd::LinSpaced(p.n, -1.0, 1.0);
    AutocorrelationOptions o;
    o.t_warmup = 20.0;
    o.t_sim = 60.0;
    o.dt_sample = 0.2;
    o.max_lag = 10.0;
    const auto r = autocorrelation(net, x0, o);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;

    IntegratorOptions io = o.integrator;
    io.t_end = o.t_warmup + o.t_sim;
    io.dt_out = o.dt_sample;
    Recorder rec;
    ASSERT_EQ(integrate(net, x0, io, rec).status, RunStatus::completed);
    for (const bool rate : {false, true}) {
        std::vector<std::vector<double>> y;  // states or rates of the window
        for (std::size_t s = 0; s < rec.t.size(); ++s)
            if (rec.t[s] >= o.t_warmup - 1e-9) {
                std::vector<double> row(static_cast<std::size_t>(p.n));
                for (Eigen::Index i = 0; i < p.n; ++i)
                    row[static_cast<std::size_t>(i)] = rate ? std::tanh(rec.x[s][i]) : rec.x[s][i];
                y.push_back(row);
            }
        const AutocovarianceEstimate& e = rate ? r.rate : r.state;
        const std::size_t T = y.size();
        ASSERT_EQ(static_cast<std::int64_t>(T), o.n_samples());
        ASSERT_GT(e.variance, 0.05);  // chaotic: rates fluctuate
        for (Eigen::Index k = 0; k < e.C.size(); ++k) {
            double total = 0, total2 = 0;
            for (std::size_t i = 0; i < static_cast<std::size_t>(p.n); ++i) {
                double m = 0;
                for (std::size_t s = 0; s < T; ++s) m += y[s][i];
                m /= static_cast<double>(T);
                double c = 0;
                const auto kk = static_cast<std::size_t>(k);
                for (std::size_t s = 0; s + kk < T; ++s) c += (y[s][i] - m) * (y[s + kk][i] - m);
                c /= static_cast<double>(T - kk);
                total += c;
                total2 += c * c;
            }
            const double n = static_cast<double>(p.n), mean = total / n;
            const double se = std::sqrt((total2 - n * mean * mean) / (n - 1) / n);
            EXPECT_NEAR(e.C[k], mean, 1e-12) << "lag index " << k << (rate ? " (rate)" : " (state)");
            EXPECT_NEAR(e.C_error[k], se, 1e-9 * se + 1e-13) << "lag index " << k << (rate ? " (rate)" : " (state)");
        }
    }
    // The neurons are independent work: any thread count gives the same bits.
    for (int threads : {1, 2, 3}) {
        AutocorrelationOptions ot = o;
        ot.threads = threads;
        const auto rt = autocorrelation(net, x0, ot);
        EXPECT_EQ(rt.state.C, r.state.C) << threads;
        EXPECT_EQ(rt.rate.C_error, r.rate.C_error) << threads;
    }
}

// A fixed point: nothing fluctuates, the correlation time is undefined.
TEST(Autocorrelation, FixedPointHasNoCorrelationTime) {
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::relu;
    net.W = Eigen::MatrixXd::Zero(3, 3);
    net.tau = Eigen::VectorXd::Ones(3);
    net.input.b = vec({0.5, 1.0, 2.0});
    AutocorrelationOptions o;
    o.t_warmup = 0.0;
    o.t_sim = 10.0;
    o.max_lag = 2.0;
    const auto r = autocorrelation(net, vec({0.5, 1.0, 2.0}), o);
    ASSERT_EQ(r.status, RunStatus::completed);
    EXPECT_EQ(r.state.variance, 0.0);
    EXPECT_TRUE(std::isnan(r.state.tau_c));
    EXPECT_NEAR(r.state.mean, 3.5 / 3, 1e-12);
    EXPECT_EQ(r.rate.variance, 0.0);
    EXPECT_NEAR(r.rate.mean, 3.5 / 3, 1e-12);
}

TEST(Autocorrelation, OptionsNameTheKey) {
    AutocorrelationOptions o;
    o.max_lag = 600;  // > t_sim / 2
    EXPECT_EQ(key_of([&] { o.validate(10); }), "max_lag");
    o = {};
    o.dt_sample = 0;
    EXPECT_EQ(key_of([&] { o.validate(10); }), "dt_sample");
    o = {};
    o.t_sim = -1;
    EXPECT_EQ(key_of([&] { o.validate(10); }), "t_sim");
    o = {};
    o.t_warmup = std::nan("");
    EXPECT_EQ(key_of([&] { o.validate(10); }), "t_warmup");
    // The samples would need 10^6 x 10^4 doubles = 80 GB: refused before anything runs.
    o = {};
    EXPECT_EQ(key_of([&] { o.validate(1000000); }), "t_sim");
    o = {};
    o.threads = -1;
    EXPECT_EQ(key_of([&] { o.validate(10); }), "threads");
    o = {};
    EXPECT_EQ(key_of([&] { o.validate(10); }), "");
}

// Diverging runs keep no estimate.
TEST(Autocorrelation, DivergenceIsReported) {
    Network net;
    net.form = Form::rate;
    net.phi = identity();
    net.W = Eigen::MatrixXd::Identity(2, 2) * 3.0;  // dx/dt = 2x
    net.tau = Eigen::VectorXd::Ones(2);
    net.input.b = Eigen::VectorXd::Zero(2);
    AutocorrelationOptions o;
    o.t_warmup = 0;
    o.t_sim = 100;
    o.max_lag = 1;
    const auto r = autocorrelation(net, vec({1.0, 1.0}), o);
    EXPECT_EQ(r.status, RunStatus::diverged);
    EXPECT_TRUE(std::isnan(r.state.C[0]));
    EXPECT_TRUE(std::isnan(r.state.tau_c));
    EXPECT_TRUE(std::isnan(r.rate.C_error[0]));
}

// The FFT estimate of one series against the direct double sum, for lengths
// with awkward factors (FFT sizes 2^a 3^b 5^c) and the largest lag T - 1.
TEST(Autocorrelation, SeriesFftMatchesTheDirectSum) {
    Rng rng(11, static_cast<std::uint64_t>(Stream::initial));
    for (Eigen::Index T : {1, 2, 7, 97, 250, 1031}) {
        Eigen::VectorXd y(T);
        for (Eigen::Index t = 0; t < T; ++t) y[t] = rng.normal() + 0.3 * std::sin(0.1 * static_cast<double>(t)) + 2.0;
        const Eigen::VectorXd c = series_autocovariance(y, T);
        const double m = y.mean();
        for (Eigen::Index k = 0; k < T; ++k) {
            double d = 0;
            for (Eigen::Index t = 0; t + k < T; ++t) d += (y[t] - m) * (y[t + k] - m);
            d /= static_cast<double>(T - k);
            ASSERT_NEAR(c[k], d, 1e-12 * (1 + std::abs(d))) << "T " << T << " lag " << k;
        }
    }
    EXPECT_THROW(series_autocovariance(Eigen::VectorXd::Ones(5), 6), invalid_parameter);
}

// window_bias against the exact expectation written separately: the estimate
// at lag k is a quadratic form y' A_k y of the window, so its expectation is
// tr(A_k Sigma) with Sigma_st = c(|s - t|).
TEST(Autocorrelation, WindowBiasIsTheExactExpectation) {
    const std::int64_t T = 40;
    for (const double rho : {0.0, 0.5, 0.9, -0.7}) {
        Eigen::VectorXd c(T);
        for (std::int64_t k = 0; k < T; ++k) c[k] = std::pow(rho, static_cast<double>(k)) * (k < 25 ? 1.0 : 0.5);
        const Eigen::VectorXd bias = window_bias(c, T, T);
        Eigen::MatrixXd Sigma(T, T);
        for (std::int64_t s = 0; s < T; ++s)
            for (std::int64_t t = 0; t < T; ++t) Sigma(s, t) = c[std::abs(s - t)];
        // Centring: y - m = P y with P = I - 11'/T.
        const Eigen::MatrixXd P = Eigen::MatrixXd::Identity(T, T) - Eigen::MatrixXd::Constant(T, T, 1.0 / static_cast<double>(T));
        for (std::int64_t k = 0; k < T; ++k) {
            Eigen::MatrixXd S = Eigen::MatrixXd::Zero(T, T);  // sum_t e_t e_{t+k}'
            for (std::int64_t t = 0; t + k < T; ++t) S(t, t + k) = 1.0 / static_cast<double>(T - k);
            const Eigen::MatrixXd A = P.transpose() * S * P;
            const double expected = (A * Sigma).trace();
            ASSERT_NEAR(bias[k], expected - c[k], 1e-13) << "rho " << rho << " lag " << k;
        }
    }
    // A shorter c is zero beyond its end.
    Eigen::VectorXd c(T);
    c.setZero();
    c.head(3) << 1.0, 0.5, 0.25;
    EXPECT_EQ(window_bias(c, T, 5), window_bias(c.head(3), T, 5));
}

// The theory on the grid: Delta(0) is the energy condition's Delta0, the rate's
// variance is <tanh^2> at that variance, both curves decrease, and nothing
// fluctuates for g <= 1.
TEST(Autocorrelation, DmftCurvesOnTheGrid) {
    AutocorrelationOptions o;
    o.t_sim = 200.0;
    o.dt_sample = 0.1;
    o.max_lag = 20.0;
    const DmftAutocovariance d = tanh_dmft_autocovariance(2.0, o);
    ASSERT_TRUE(d.ok) << d.message;
    const QuadratureRule rule = gaussian_trapezoid(121);
    EXPECT_NEAR(d.delta0, tanh_delta0(2.0, rule), 1e-10);
    EXPECT_EQ(d.state[0], d.delta0);
    const double tanh2 = gaussian_expectation(rule, [](double h) { return std::tanh(h) * std::tanh(h); }, 0.0,
                                              std::sqrt(d.delta0));
    EXPECT_NEAR(d.rate_variance, tanh2, 1e-10);
    EXPECT_NEAR(d.rate[0], tanh2, 1e-10);
    for (Eigen::Index k = 1; k < d.state.size(); ++k) {
        ASSERT_LT(d.state[k], d.state[k - 1]) << k;
        ASSERT_LT(d.rate[k], d.rate[k - 1]) << k;
    }
    // The grid values are the fine solution's (tanh_autocorrelation at step 0.01).
    const TanhAutocorrelation a = tanh_autocorrelation(2.0, 20.0, 0.01);
    for (Eigen::Index k = 0; k < d.state.size(); k += 37) EXPECT_NEAR(d.state[k], a.delta[static_cast<std::size_t>(10 * k)], 1e-12);
    // The window bias: negative, near -2 tau_c Delta0 / t_sim (tau_c over the whole decay).
    EXPECT_LT(d.state_bias.maxCoeff(), 0.0);
    EXPECT_NEAR(d.state_bias[0] / (-2.0 * d.tau_c * d.delta0 / o.t_sim), 1.0, 0.1);
    const DmftAutocovariance below = tanh_dmft_autocovariance(0.9, o);
    ASSERT_TRUE(below.ok);
    EXPECT_EQ(below.state.cwiseAbs().maxCoeff(), 0.0);
    EXPECT_EQ(below.rate_bias.cwiseAbs().maxCoeff(), 0.0);
    EXPECT_TRUE(std::isnan(below.tau_c));
}
