// The sinusoidal drive b_i(t) += A_i sin(2 pi f t + phase_i): the integrators
// against the exact solution of a driven leak, RK4's fourth order (the drive is
// evaluated at every stage, not frozen per step), the tangent dynamics of a
// linear network untouched by an additive drive, and the suppression of chaos
// by periodic input (Rajan, Abbott & Sompolinsky, PRE 82:011903, 2010).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"

using namespace ratenet;

namespace {

constexpr double two_pi = 2.0 * std::numbers::pi;

// dx/dt = -x + A sin(w t + p): W = 0, phi = identity, rate form, tau = 1.
Network driven_leak(double A, double f, double p) {
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = Eigen::MatrixXd::Zero(1, 1);
    net.tau = Eigen::VectorXd::Ones(1);
    net.input.b = Eigen::VectorXd::Zero(1);
    Sinusoid s;
    s.amplitude = Eigen::VectorXd::Constant(1, A);
    s.phase = Eigen::VectorXd::Constant(1, p);
    s.frequency = f;
    net.input.sinusoid = s;
    return net;
}

// x(t) = x0 e^-t + A / (1 + w^2) [sin(wt + p) - w cos(wt + p) - (sin p - w cos p) e^-t].
double exact(double t, double x0, double A, double w, double p) {
    const double c = A / (1 + w * w);
    return x0 * std::exp(-t) + c * (std::sin(w * t + p) - w * std::cos(w * t + p) - (std::sin(p) - w * std::cos(p)) * std::exp(-t));
}

struct Last : TrajectoryObserver {
    std::vector<double> t, x;
    void observe(double ti, const Eigen::VectorXd& xi) override {
        t.push_back(ti);
        x.push_back(xi[0]);
    }
};

}  // namespace

TEST(Drive, Dopri5FollowsTheExactDrivenLeak) {
    const double A = 1.3, f = 0.4, p = 0.7, w = two_pi * f, x0 = 0.5;
    const Network net = driven_leak(A, f, p);
    IntegratorOptions o;
    o.t_end = 20.0;
    o.dt_out = 0.05;
    o.rtol = 1e-11;
    o.atol = 1e-12;
    Last rec;
    ASSERT_EQ(integrate(net, Eigen::VectorXd::Constant(1, x0), o, rec).status, RunStatus::completed);
    double err = 0;
    for (std::size_t i = 0; i < rec.t.size(); ++i) err = std::max(err, std::abs(rec.x[i] - exact(rec.t[i], x0, A, w, p)));
    EXPECT_LT(err, 1e-9);
    // The drive is really there: the response's amplitude A / sqrt(1 + w^2).
    double hi = 0;
    for (std::size_t i = rec.t.size() / 2; i < rec.t.size(); ++i) hi = std::max(hi, std::abs(rec.x[i]));
    EXPECT_NEAR(hi, A / std::sqrt(1 + w * w), 0.01);
}

TEST(Drive, Rk4IsFourthOrderWithTheDrive) {
    const double A = 1.0, f = 0.8, p = 0.2, w = two_pi * f;
    const Network net = driven_leak(A, f, p);
    auto error_at = [&](double dt) {
        IntegratorOptions o;
        o.method = Method::rk4;
        o.dt = dt;
        o.t_end = 5.0;
        o.dt_out = 0.5;
        Last rec;
        integrate(net, Eigen::VectorXd::Zero(1), o, rec);
        return std::abs(rec.x.back() - exact(rec.t.back(), 0.0, A, w, p));
    };
    const double e1 = error_at(0.05), e2 = error_at(0.025);
    // A drive frozen over each step would make this first order (ratio 2).
    EXPECT_NEAR(std::log2(e1 / e2), 4.0, 0.3) << e1 << " " << e2;
}

// A linear network's tangent dynamics do not see an additive input: the
// spectrum with a drive is the spectrum without, bit for bit.
TEST(Drive, LinearTangentDynamicsIgnoreTheDrive) {
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
    Sinusoid s;
    s.amplitude = Eigen::VectorXd::Constant(30, 2.0);
    s.phase = Eigen::VectorXd::LinSpaced(30, 0.0, 6.0);
    s.frequency = 0.3;
    net.input.sinusoid = s;
    const auto driven = lyapunov_spectrum(net, opt);
    EXPECT_EQ(plain.exponents, driven.exponents);
    s.frequency = -1;
    net.input.sinusoid = s;
    try {
        net.validate();
        ADD_FAILURE() << "a negative frequency was accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "sinusoid_frequency");
    }
}

// Through the binary: the drive is read from [input], recorded in /network
// (the random phases drawn from seeds.noise, the same for the same seed), and
// its keys are refused by name when they break a rule.
#include <filesystem>

#include "cli_util.hpp"
#include "io/h5.hpp"

TEST(Drive, ConfigAndFile) {
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
sinusoid_amplitude = 0.8
sinusoid_frequency = 0.1
[simulate]
t_end = 20.0
dt_out = 0.5
)";
    write_text(d / "s.toml", cfg);
    ASSERT_EQ(run_ratenet("simulate s.toml -o a.h5 -q", d.path()).code, 0);
    ASSERT_EQ(run_ratenet("simulate s.toml -o b.h5 -q", d.path()).code, 0);
    ASSERT_EQ(run_ratenet("simulate s.toml -o c.h5 -q --set seeds.noise=9", d.path()).code, 0);
    EXPECT_EQ(run_ratenet("schema --check a.h5", d.path()).code, 0);
    auto read = [&](const std::string& file, const std::string& name) {
        ratenet::h5::File f(d / file, ratenet::h5::File::Mode::read_only);
        return f.group("network").read_doubles(name);
    };
    const auto pa = read("a.h5", "sinusoid_phase"), pb = read("b.h5", "sinusoid_phase"), pc = read("c.h5", "sinusoid_phase");
    ASSERT_EQ(pa.size(), 20u);
    EXPECT_EQ(pa, pb);
    EXPECT_NE(pa, pc);
    for (double p : pa) {
        EXPECT_GE(p, 0.0);
        EXPECT_LT(p, two_pi);
    }
    for (double a : read("a.h5", "sinusoid_amplitude")) EXPECT_EQ(a, 0.8);
    // A driven trajectory differs from the undriven one.
    ASSERT_EQ(run_ratenet("simulate s.toml -o z.h5 -q --set input.sinusoid_amplitude=0", d.path()).code, 0);
    {
        ratenet::h5::File fa(d / "a.h5", ratenet::h5::File::Mode::read_only), fz(d / "z.h5", ratenet::h5::File::Mode::read_only);
        EXPECT_NE(fa.group("trajectory").read_doubles("x"), fz.group("trajectory").read_doubles("x"));
        EXPECT_FALSE(fz.group("network").exists("sinusoid_phase"));
    }
    for (const auto& [args, key] : std::vector<std::pair<std::string, std::string>>{
             {"--set input.sinusoid_frequency=-1", "input.sinusoid_frequency"},
             {"--set input.sinusoid_phase='\"later\"'", "input.sinusoid_phase"},
             {"--set input.sinusoid_phase=[1,2]", "input.sinusoid_phase"}}) {
        EXPECT_TRUE(refused(run_ratenet("simulate s.toml -o bad.h5 " + args, d.path()), key, d / "bad.h5")) << args;
    }
    write_text(d / "nof.toml", cfg.substr(0, cfg.find("sinusoid_frequency")) + "[simulate]\nt_end = 20.0\n");
    const auto r = run_ratenet("simulate nof.toml -o bad.h5", d.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("input.sinusoid_frequency"), std::string::npos) << r.err;
}
