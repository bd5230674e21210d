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
#include "ratenet/models.hpp"

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
    for (Eigen::Index k = 0; k < r.C.size(); ++k)
        EXPECT_NEAR(r.C[k], 0.5 * A * A * std::cos(w * r.lag[k]), 2e-4) << "lag " << r.lag[k];
    EXPECT_NEAR(r.variance, 0.5 * A * A, 2e-4);
    // Trapezoid rule: error about L dt^2 w^2 / 12 relative.
    EXPECT_NEAR(r.tau_c, std::sin(w * 2.5) / w, 2e-3);
    EXPECT_NEAR(r.mean, 0.0, 1e-3);
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
    EXPECT_NEAR(r.variance / v, 1.0, 0.04);
    for (double s : {0.5, 1.0, 2.0}) {
        const auto k = static_cast<Eigen::Index>(std::lround(s / o.dt_sample));
        EXPECT_NEAR(r.C[k] / r.variance, std::exp(-s / tau), 0.03) << "lag " << s;
    }
    EXPECT_NEAR(r.tau_c, tau * (1 - std::exp(-5.0)), 0.08);
    EXPECT_NEAR(r.mean, 0.0, 0.01);
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
    o.variable = CorrelatedVariable::rate;
    const auto r = autocorrelation(net, x0, o);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;

    IntegratorOptions io = o.integrator;
    io.t_end = o.t_warmup + o.t_sim;
    io.dt_out = o.dt_sample;
    Recorder rec;
    ASSERT_EQ(integrate(net, x0, io, rec).status, RunStatus::completed);
    std::vector<std::vector<double>> y;  // rates of the window
    for (std::size_t s = 0; s < rec.t.size(); ++s)
        if (rec.t[s] >= o.t_warmup - 1e-9) {
            std::vector<double> row(static_cast<std::size_t>(p.n));
            for (Eigen::Index i = 0; i < p.n; ++i) row[static_cast<std::size_t>(i)] = std::tanh(rec.x[s][i]);
            y.push_back(row);
        }
    const std::size_t T = y.size();
    ASSERT_EQ(static_cast<std::int64_t>(T), o.n_samples());
    ASSERT_GT(r.variance, 0.05);  // chaotic: rates fluctuate
    for (Eigen::Index k = 0; k < r.C.size(); ++k) {
        double total = 0;
        for (std::size_t i = 0; i < static_cast<std::size_t>(p.n); ++i) {
            double m = 0;
            for (std::size_t s = 0; s < T; ++s) m += y[s][i];
            m /= static_cast<double>(T);
            double c = 0;
            const auto kk = static_cast<std::size_t>(k);
            for (std::size_t s = 0; s + kk < T; ++s) c += (y[s][i] - m) * (y[s + kk][i] - m);
            total += c / static_cast<double>(T - kk);
        }
        EXPECT_NEAR(r.C[k], total / static_cast<double>(p.n), 1e-12) << "lag index " << k;
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
    EXPECT_EQ(r.variance, 0.0);
    EXPECT_TRUE(std::isnan(r.tau_c));
    EXPECT_NEAR(r.mean, 3.5 / 3, 1e-12);
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
    EXPECT_TRUE(std::isnan(r.C[0]));
    EXPECT_TRUE(std::isnan(r.tau_c));
}
