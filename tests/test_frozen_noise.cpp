// Frozen noise (input.frozen_noise): the Ornstein-Uhlenbeck and white samples
// against their exact statistics, random access in any order and from any
// thread with the same bits, the two code paths that build a block (the cached
// block and the carried OU state) against each other, the interpolated input
// seen by the integrators against the exact solution of a driven leak, and the
// config, file and error messages through the binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/frozen_noise.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"

using namespace ratenet;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

namespace {

// Sample statistics of rows (neurons) x columns (grid points).
double mean_of(const Eigen::MatrixXd& x) { return x.mean(); }
double var_of(const Eigen::MatrixXd& x) { return (x.array() - x.mean()).square().mean(); }
double lag_corr(const Eigen::MatrixXd& x, Eigen::Index lag) {
    const Eigen::Index k = x.cols() - lag;
    const double m = x.mean(), v = var_of(x);
    return ((x.leftCols(k).array() - m) * (x.rightCols(k).array() - m)).mean() / v;
}

}  // namespace

TEST(FrozenNoise, OrnsteinUhlenbeckHasItsStationaryStatistics) {
    const double sigma = 0.7, tau_c = 0.5, dt = 0.05, a = std::exp(-dt / tau_c);
    const FrozenNoise fn(NoiseKind::ou, 200, sigma, tau_c, dt, 11);
    const Eigen::MatrixXd x = fn.samples(0, 16 * FrozenNoise::block);  // 16 blocks, carries between them
    // Effective independent samples per neuron of an AR(1) series: K (1 - a) / (1 + a).
    const double n_eff = 200.0 * static_cast<double>(x.cols()) * (1 - a) / (1 + a);
    EXPECT_NEAR(mean_of(x), 0.0, 5 * sigma / std::sqrt(n_eff));
    EXPECT_NEAR(var_of(x), sigma * sigma, 5 * sigma * sigma * std::sqrt(2.0 / n_eff));
    for (Eigen::Index lag : {1, 5, 20}) EXPECT_NEAR(lag_corr(x, lag), std::pow(a, lag), 5 * std::sqrt(2.0 / n_eff)) << lag;
    // Stationary from the first sample: the variance of x_0 over neurons is sigma^2.
    const FrozenNoise wide(NoiseKind::ou, 4000, sigma, tau_c, dt, 12);
    EXPECT_NEAR(var_of(wide.samples(0, 1)), sigma * sigma, 5 * sigma * sigma * std::sqrt(2.0 / 4000));
    // Neurons are independent: the correlation of two neurons' series.
    const Eigen::VectorXd u = x.row(0).transpose().array() - x.row(0).mean(), v = x.row(1).transpose().array() - x.row(1).mean();
    EXPECT_LT(std::abs(u.dot(v) / (u.norm() * v.norm())), 5 / std::sqrt(n_eff / 200.0));
}

TEST(FrozenNoise, WhiteNoiseHasTheVarianceOfItsIntensity) {
    const double sigma = 1.3, dt = 0.02;
    const Eigen::Index n = 2000;
    const std::int64_t k = 2 * FrozenNoise::block;
    const FrozenNoise fn(NoiseKind::white, n, sigma, kNaN, dt, 5);
    EXPECT_TRUE(std::isnan(fn.tau_c()));
    const Eigen::MatrixXd x = fn.samples(0, k + 1);
    const double m = static_cast<double>(x.size());
    EXPECT_NEAR(var_of(x), sigma * sigma / dt, 5 * sigma * sigma / dt * std::sqrt(2.0 / m));
    EXPECT_NEAR(lag_corr(x, 1), 0.0, 5 / std::sqrt(m));
    // The integral of the interpolated input over T = k dt (trapezoids, exact for a
    // piecewise-linear function) has variance sigma^2 T (1 - 1/(2k)) over neurons.
    const Eigen::VectorXd integral =
        dt * (x.rowwise().sum() - 0.5 * (x.col(0) + x.col(k)));
    const double T = static_cast<double>(k) * dt;
    const double expected = sigma * sigma * T * (1 - 0.5 / static_cast<double>(k));
    EXPECT_NEAR(integral.squaredNorm() / static_cast<double>(n), expected, 5 * expected * std::sqrt(2.0 / static_cast<double>(n)));
}

TEST(FrozenNoise, InterpolatesLinearlyAndIsContinuousAcrossBlocks) {
    for (NoiseKind kind : {NoiseKind::ou, NoiseKind::white}) {
        const double dt = 0.1;
        const FrozenNoise fn(kind, 7, 0.9, 2.0, dt, 3);
        const std::int64_t b = FrozenNoise::block;
        // Samples b - 1, b, b + 1: the last of block 0, the first of block 1 (built
        // from the carried OU state), the second of block 1.
        const Eigen::MatrixXd s = fn.samples(b - 1, 3);
        auto at = [&](double t) {
            Eigen::VectorXd u = Eigen::VectorXd::Zero(7);
            fn.add(t, u);
            return u;
        };
        // Just before the block edge the input reads block 0's copy of sample b;
        // just after, block 1's: the two paths must agree.
        const double edge = static_cast<double>(b) * dt;
        EXPECT_LT((at(edge - 1e-9) - s.col(1)).norm(), 1e-6);
        EXPECT_LT((at(edge + 1e-9) - s.col(1)).norm(), 1e-6);
        EXPECT_LT((at((static_cast<double>(b) - 0.75) * dt) - (0.75 * s.col(0) + 0.25 * s.col(1))).norm(), 1e-12);
        EXPECT_LT((at((static_cast<double>(b) + 0.5) * dt) - 0.5 * (s.col(1) + s.col(2))).norm(), 1e-12);
        EXPECT_EQ(at(0.0), fn.samples(0, 1).col(0));
        EXPECT_EQ(at(-3.0), at(0.0));  // before the start: the first sample
    }
}

TEST(FrozenNoise, SameBitsInAnyOrderFromAnyThread) {
    const FrozenNoise fn(NoiseKind::ou, 13, 1.0, 0.3, 0.01, 99);
    std::vector<double> times;
    for (int i = 0; i < 400; ++i) times.push_back(0.0371 * i);  // crosses 5 blocks
    auto eval = [&](const FrozenNoise& f, const std::vector<double>& ts) {
        Eigen::MatrixXd out(13, static_cast<Eigen::Index>(ts.size()));
        for (std::size_t i = 0; i < ts.size(); ++i) {
            Eigen::VectorXd u = Eigen::VectorXd::Zero(13);
            f.add(ts[i], u);
            out.col(static_cast<Eigen::Index>(i)) = u;
        }
        return out;
    };
    const Eigen::MatrixXd forward = eval(fn, times);
    // Backwards, on a fresh object whose first request is the last block.
    const FrozenNoise fresh(NoiseKind::ou, 13, 1.0, 0.3, 0.01, 99);
    std::vector<double> rev(times.rbegin(), times.rend());
    Eigen::MatrixXd backward = eval(fresh, rev).rowwise().reverse();
    EXPECT_EQ(forward, backward);
    // Shuffled, from two threads at once on one shared object.
    std::vector<std::size_t> idx(times.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::mt19937 g(1);
    std::shuffle(idx.begin(), idx.end(), g);
    const FrozenNoise shared(NoiseKind::ou, 13, 1.0, 0.3, 0.01, 99);
    Eigen::MatrixXd got[2];
    auto worker = [&](int w) {
        std::vector<double> ts;
        for (std::size_t i : idx) ts.push_back(times[i]);
        if (w == 1) std::reverse(ts.begin(), ts.end());
        got[w] = eval(shared, ts);
    };
    std::thread t0(worker, 0), t1(worker, 1);
    t0.join();
    t1.join();
    for (std::size_t j = 0; j < idx.size(); ++j) {
        EXPECT_EQ(got[0].col(static_cast<Eigen::Index>(j)), forward.col(static_cast<Eigen::Index>(idx[j])));
        EXPECT_EQ(got[1].col(static_cast<Eigen::Index>(idx.size() - 1 - j)), forward.col(static_cast<Eigen::Index>(idx[j])));
    }
    // Another seed, another realisation.
    const FrozenNoise other(NoiseKind::ou, 13, 1.0, 0.3, 0.01, 100);
    EXPECT_GT((eval(other, times) - forward).norm(), 1.0);
}

TEST(FrozenNoise, BadParametersAreRefusedByName) {
    auto key_of = [](auto make) {
        try {
            make();
        } catch (const invalid_parameter& e) {
            return e.key();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(key_of([] { FrozenNoise(NoiseKind::ou, 3, -1.0, 1.0, 0.1, 1); }), "frozen_noise_sigma");
    EXPECT_EQ(key_of([] { FrozenNoise(NoiseKind::ou, 3, 1.0, 0.0, 0.1, 1); }), "frozen_noise_tau");
    EXPECT_EQ(key_of([] { FrozenNoise(NoiseKind::white, 3, 1.0, kNaN, 0.0, 1); }), "frozen_noise_dt");
    EXPECT_EQ(key_of([] { FrozenNoise(NoiseKind::white, 3, 1.0, kNaN, 0.1, 1); }), "accepted");
}

namespace {

// dx/dt = -x + u(t): W = 0, phi = identity, rate form, tau = 1.
Network noisy_leak(NoiseKind kind, double dt_noise) {
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = Eigen::MatrixXd::Zero(3, 3);
    net.tau = Eigen::VectorXd::Ones(3);
    net.input.b = Eigen::VectorXd::Constant(3, 0.25);
    net.input.frozen_noise = std::make_shared<const FrozenNoise>(kind, 3, 0.8, 0.4, dt_noise, 21);
    return net;
}

struct Rec : TrajectoryObserver {
    std::vector<double> t;
    std::vector<Eigen::VectorXd> x;
    void observe(double ti, const Eigen::VectorXd& xi) override {
        t.push_back(ti);
        x.push_back(xi);
    }
};

}  // namespace

// Over a grid cell the input is linear, u0 + (u1 - u0) s / h, and the leak's exact
// solution is x e^-h + u0 E + (u1 - u0)(h - E)/h with E = 1 - e^-h.
TEST(FrozenNoise, IntegratorsFollowTheExactDrivenLeak) {
    for (NoiseKind kind : {NoiseKind::ou, NoiseKind::white}) {
        const double h = 0.02;
        const Network net = noisy_leak(kind, h);
        const std::int64_t cells = 600;  // t = 12: three blocks
        const Eigen::MatrixXd u = net.input.frozen_noise->samples(0, cells + 1).array() + 0.25;
        std::vector<Eigen::VectorXd> exact{Eigen::VectorXd::Constant(3, 0.1)};
        const double E = 1 - std::exp(-h);
        for (std::int64_t c = 0; c < cells; ++c)
            exact.push_back(exact.back() * std::exp(-h) + u.col(c) * E + (u.col(c + 1) - u.col(c)) * (h - E) / h);
        auto rk4_error = [&](int substeps, double* spread) {
            IntegratorOptions o;
            o.t_end = static_cast<double>(cells) * h;
            o.dt_out = 0.5;
            o.method = Method::rk4;
            o.dt = h / substeps;  // steps inside the grid cells: each sees one linear piece
            Rec rec;
            EXPECT_EQ(integrate(net, exact.front(), o, rec).status, RunStatus::completed);
            EXPECT_EQ(rec.t.size(), 25u);
            double e = 0;
            for (std::size_t i = 0; i < rec.t.size(); ++i) {
                const auto c = static_cast<std::size_t>(std::lround(rec.t[i] / h));
                e = std::max(e, (rec.x[i] - exact[c]).cwiseAbs().maxCoeff());
                if (spread) *spread = std::max(*spread, (exact[c].array() - 0.25).abs().maxCoeff());
            }
            return e;
        };
        double spread = 0;
        const double e1 = rk4_error(1, &spread), e2 = rk4_error(2, nullptr);
        // Fourth order: an input frozen over each step (or read between the wrong
        // samples) would make it first order or leave an O(1) error.
        EXPECT_LT(e1, 1e-7) << to_string(kind);
        EXPECT_NEAR(std::log2(e1 / e2), 4.0, 0.3) << to_string(kind) << ": " << e1 << " " << e2;
        IntegratorOptions o;
        o.t_end = static_cast<double>(cells) * h;
        o.dt_out = 0.5;
        o.rtol = 1e-10;
        o.atol = 1e-12;
        Rec dp;
        ASSERT_EQ(integrate(net, exact.front(), o, dp).status, RunStatus::completed);
        double e_dp = 0;
        for (std::size_t i = 0; i < dp.t.size(); ++i)
            e_dp = std::max(e_dp, (dp.x[i] - exact[static_cast<std::size_t>(std::lround(dp.t[i] / h))]).cwiseAbs().maxCoeff());
        // dopri5 steps across the kinks of the input (u' jumps at every sample),
        // where its error estimate assumes a smooth solution: looser than rtol.
        EXPECT_LT(e_dp, 1e-5) << to_string(kind);
        EXPECT_GT(spread, 0.05) << "the noise moved the state";  // not a constant input
    }
}

// A linear network's tangent dynamics do not see an additive input.
TEST(FrozenNoise, LinearTangentDynamicsIgnoreIt) {
    RandomGaussianParams p;
    p.n = 30;
    p.g = 0.8;
    p.seed = 3;
    Network net;
    net.form = Form::current;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = make_random_gaussian(p).W;
    net.tau = Eigen::VectorXd::Ones(30);
    net.input.b = Eigen::VectorXd::Zero(30);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 5;
    opt.t_warmup = 5;
    opt.t_ons_warmup = 5;
    opt.t_sim = 30;
    const auto plain = lyapunov_spectrum(net, opt);
    net.input.frozen_noise = std::make_shared<const FrozenNoise>(NoiseKind::ou, 30, 2.0, 1.0, 0.05, 4);
    const auto driven = lyapunov_spectrum(net, opt);
    EXPECT_EQ(plain.exponents, driven.exponents);
    net.input.frozen_noise = std::make_shared<const FrozenNoise>(NoiseKind::ou, 29, 2.0, 1.0, 0.05, 4);
    try {
        net.validate();
        ADD_FAILURE() << "a noise of the wrong size was accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "frozen_noise");
    }
}

TEST(FrozenNoise, ConfigFileAndErrors) {
    using namespace ratenet_test;
    namespace fs = std::filesystem;
    TempDir d;
    const std::string cfg = R"([model]
name = "random_gaussian"
n = 20
g = 1.5
[network]
form = "current"
[transfer]
name = "tanh"
[input]
frozen_noise = "ou"
frozen_noise_sigma = 0.5
frozen_noise_tau = 2.0
[simulate]
t_end = 10.0
dt_out = 0.5
)";
    write_text(d / "s.toml", cfg);
    ASSERT_EQ(run_ratenet("simulate s.toml -o a.h5 -q", d.path()).code, 0);
    ASSERT_EQ(run_ratenet("simulate s.toml -o b.h5 -q", d.path()).code, 0);
    ASSERT_EQ(run_ratenet("simulate s.toml -o c.h5 -q --set seeds.noise=9", d.path()).code, 0);
    ASSERT_EQ(run_ratenet("simulate s.toml -o z.h5 -q --set input.frozen_noise_sigma=0", d.path()).code, 0);
    EXPECT_EQ(run_ratenet("schema --check a.h5", d.path()).code, 0);
    auto x_of = [&](const std::string& file) {
        ratenet::h5::File f(d / file, ratenet::h5::File::Mode::read_only);
        return f.group("trajectory").read_doubles("x");
    };
    EXPECT_EQ(x_of("a.h5"), x_of("b.h5"));
    EXPECT_NE(x_of("a.h5"), x_of("c.h5"));
    EXPECT_NE(x_of("a.h5"), x_of("z.h5"));
    {
        ratenet::h5::File f(d / "a.h5", ratenet::h5::File::Mode::read_only);
        auto g = f.group("network");
        EXPECT_EQ(g.attr_string("frozen_noise"), "ou");
        EXPECT_EQ(g.attr_double("frozen_noise_sigma"), 0.5);
        EXPECT_EQ(g.attr_double("frozen_noise_tau"), 2.0);
        EXPECT_EQ(g.attr_double("frozen_noise_dt"), 0.01);
    }
    for (const auto& [args, key] : std::vector<std::pair<std::string, std::string>>{
             {"--set input.frozen_noise='\"pink\"'", "input.frozen_noise"},
             {"--set input.frozen_noise_sigma=-1", "input.frozen_noise_sigma"},
             {"--set input.frozen_noise_tau=0", "input.frozen_noise_tau"},
             {"--set input.frozen_noise_dt=0", "input.frozen_noise_dt"},
             {"--set input.frozen_noise='\"white\"'", "input.frozen_noise_tau"},
             {"--set input.frozen_noise='\"none\"'", "input.frozen_noise_sigma"}}) {
        EXPECT_TRUE(refused(run_ratenet("simulate s.toml -o bad.h5 " + args, d.path()), key, d / "bad.h5")) << args;
    }
    write_text(d / "nos.toml", cfg.substr(0, cfg.find("frozen_noise_sigma")) + "[simulate]\nt_end = 2.0\n");
    const auto r = run_ratenet("simulate nos.toml -o bad.h5", d.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("input.frozen_noise_sigma"), std::string::npos) << r.err;
}
