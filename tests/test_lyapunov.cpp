// Lyapunov spectra: systems with known spectra (linear, Lorenz-63, fixed points
// and limit cycles of threshold-linear networks, random tanh networks), exact
// identities (sum = mean trace, the Euler map's volume), bitwise resume, the
// active-row product, validation. Tolerances are stated next to each check.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"
#include "support/tangent_systems.hpp"

namespace ratenet {
namespace {

using ratenet_test::LinearTangentSystem;
using ratenet_test::Lorenz63System;

Network make_net(const Connectivity& c, Form form, TransferKind phi, double b = 0.0) {
    Network net;
    net.form = form;
    net.phi.kind = phi;
    net.W = c.W;
    net.tau = Eigen::VectorXd::Ones(c.size());
    net.input.b = c.b ? *c.b : Eigen::VectorXd::Constant(c.size(), b);
    return net;
}

Network tanh_net(Eigen::Index n, double g, std::uint64_t seed) {
    RandomGaussianParams p;
    p.n = n;
    p.g = g;
    p.seed = seed;
    return make_net(make_random_gaussian(p), Form::current, TransferKind::tanh);
}

Network ctln(Eigen::Index n, std::vector<std::pair<Eigen::Index, Eigen::Index>> edges) {
    CtlnParams p;
    p.n = n;
    p.edges = std::move(edges);
    return make_net(make_ctln(p), Form::rate, TransferKind::relu);
}

// A dynamic vector from a list (fixed-size temporaries trip GCC 12's AVX-512 warnings).
Eigen::VectorXd vec(std::initializer_list<double> v) {
    Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
    Eigen::Index i = 0;
    for (double x : v) out[i++] = x;
    return out;
}

// A 4 x 4 matrix from its rows.
Eigen::MatrixXd mat4(std::initializer_list<double> rows) {
    const Eigen::VectorXd v = vec(rows);
    return Eigen::Map<const Eigen::MatrixXd>(v.data(), 4, 4).transpose();
}

void expect_finite(const LyapunovResult& r) {
    EXPECT_TRUE(r.exponents.allFinite());
    EXPECT_EQ(r.exponents.size(), r.errors.size());
}

// Real parts of the eigenvalues, descending.
Eigen::VectorXd real_parts_desc(const Eigen::MatrixXd& A) {
    Eigen::EigenSolver<Eigen::MatrixXd> es(A, false);
    Eigen::VectorXd re = es.eigenvalues().real();
    std::sort(re.data(), re.data() + re.size(), std::greater<>());
    return re;
}

TEST(Lyapunov, LinearSystemGivesRealPartsOfEigenvalues) {
    // A = V diag V^-1 with a non-orthogonal V, and a version with a rotation block.
    const Eigen::MatrixXd V = mat4({1, 0.5, 0.2, 0, 0, 1, 0.3, 0.4, 0.1, 0, 1, 0.5, 0.3, 0.2, 0, 1});
    const Eigen::MatrixXd D = mat4({0.5, 0, 0, 0, 0, 0.1, 0, 0, 0, 0, -0.4, 0, 0, 0, 0, -1.3});
    const Eigen::MatrixXd Dc = mat4({0.3, 2, 0, 0, -2, 0.3, 0, 0, 0, 0, -0.4, 0, 0, 0, 0, -1.3});  // 0.3 +- 2i
    for (const Eigen::MatrixXd& M : {D, Dc}) {
        const Eigen::MatrixXd A = V * M * V.inverse();
        LinearTangentSystem sys(A);
        LyapunovOptions opt;
        opt.dt = 0.01;
        opt.t_warmup = 0;
        opt.t_ons_warmup = 20;
        opt.t_sim = 200;
        opt.x0 = Eigen::VectorXd::Zero(4);  // the state is irrelevant; keep it bounded
        const auto r = lyapunov_spectrum(sys, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        const Eigen::VectorXd expect = real_parts_desc(A);
        // Transients of the non-normal A decay like log(cond V)/T: 0.01 at T = 200.
        for (Eigen::Index i = 0; i < 4; ++i) EXPECT_NEAR(r.exponents[i], expect[i], 0.01) << i;
        // RK4 on a linear system: sum = log det p(dt A) / dt, = tr A up to (dt|mu|)^4/120.
        EXPECT_NEAR(r.sum_exponents, A.trace(), 1e-6 * std::abs(A.trace()) + 1e-9);
        EXPECT_NEAR(r.mean_trace, A.trace(), 1e-12);
    }
}

TEST(Lyapunov, Lorenz63ReferenceSpectrum) {
    Lorenz63System sys;
    LyapunovOptions opt;
    opt.dt = 0.005;
    opt.t_warmup = 20;
    opt.t_ons_warmup = 20;
    opt.t_sim = 2000;
    opt.x0 = vec({1.0, 1.0, 1.0});
    opt.twin = true;
    const auto r = lyapunov_spectrum(sys, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    expect_finite(r);
    EXPECT_NEAR(r.exponents[0], 0.906, 0.03);
    EXPECT_NEAR(r.exponents[1], 0.0, 0.02);
    EXPECT_NEAR(r.exponents[2], -14.572, 0.1);
    // The zero exponent of an autonomous flow, within its error estimate (3 SE + a floor).
    EXPECT_LT(std::abs(r.exponents[1]), 3.0 * r.errors[1] + 0.005);
    // Sum = mean trace = -(sigma + 1 + beta); RK4 at dt = 0.005 leaves ~1e-7.
    EXPECT_NEAR(r.mean_trace, -13.0 - 2.0 / 3.0, 1e-12);
    EXPECT_NEAR(r.sum_exponents / r.mean_trace, 1.0, 1e-6);
    EXPECT_NEAR(r.kaplan_yorke, 2.062, 0.01);
    EXPECT_FALSE(r.kaplan_yorke_lower_bound);
    EXPECT_NEAR(r.entropy_rate, r.exponents[0] + std::max(r.exponents[1], 0.0), 1e-15);
    // Errors are positive and finite, 20 blocks.
    EXPECT_EQ(r.blocks_used, 20);
    EXPECT_TRUE((r.errors.array() > 0.0).all() && r.errors.allFinite());
    // The twin trajectory agrees with the QR estimate of lambda_1.
    ASSERT_TRUE(r.twin_lambda1.has_value());
    EXPECT_NEAR(*r.twin_lambda1, r.exponents[0], 0.05);
    // Convergence trace: at most trace_rows rows, the last one the final estimate (QR order).
    EXPECT_LE(r.trace.values.rows(), 1000);
    EXPECT_GT(r.trace.values.rows(), 100);
    EXPECT_DOUBLE_EQ(r.trace.times[r.trace.times.size() - 1], r.t_final);
    EXPECT_DOUBLE_EQ(r.trace.values.row(r.trace.values.rows() - 1).maxCoeff(), r.exponents[0]);
}

TEST(Lyapunov, TanhNetworkSumEqualsTraceMinusN) {
    // Zero diagonal, tanh, current form: tr J = -N exactly at every point.
    const Eigen::Index n = 100;
    const Network net = tanh_net(n, 3.0, 7);
    LyapunovOptions opt;
    opt.dt = 0.02;
    opt.t_warmup = 10;
    opt.t_ons_warmup = 5;
    opt.t_sim = 20;
    const auto r = lyapunov_spectrum(net, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    EXPECT_EQ(r.exponents.size(), n);
    EXPECT_NEAR(r.mean_trace, -static_cast<double>(n), 1e-11);
    EXPECT_NEAR(r.sum_exponents / -static_cast<double>(n), 1.0, 1e-6);
    EXPECT_GT(r.exponents[0], 0.05);  // chaotic at g = 3
    EXPECT_TRUE(std::is_sorted(r.exponents.data(), r.exponents.data() + n, std::greater<>()));
}

TEST(Lyapunov, CtlnK2StableFixedPoint) {
    // K2: both units active, x = 1/(2 - eps); exponents = eig(-I + W_SS) = -1 -+ 0.75.
    // With a third unit (a source into the clique) that stays inactive: -1 more.
    LyapunovOptions opt;
    opt.dt = 0.01;
    opt.t_warmup = 60;
    opt.t_ons_warmup = 10;
    opt.t_sim = 100;
    {
        const Network net = ctln(2, {{0, 1}, {1, 0}});
        opt.x0 = vec({0.1, 0.3});
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        EXPECT_NEAR(r.exponents[0], -0.25, 1e-6);
        EXPECT_NEAR(r.exponents[1], -1.75, 1e-6);
        EXPECT_EQ(r.kaplan_yorke, 0.0);
        EXPECT_EQ(r.entropy_rate, 0.0);
    }
    {
        const Network net = ctln(3, {{0, 1}, {1, 0}, {2, 0}, {2, 1}});
        opt.x0 = vec({0.1, 0.2, 0.3});
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        EXPECT_NEAR(r.exponents[0], -0.25, 0.01);  // non-normal J: transient ~ 1/T
        EXPECT_NEAR(r.exponents[1], -1.0, 0.01);
        EXPECT_NEAR(r.exponents[2], -1.75, 0.01);
        EXPECT_NEAR(r.sum_exponents, -3.0, 1e-6);
        EXPECT_DOUBLE_EQ(r.mean_active, 2.0);  // only the clique takes part
    }
}

TEST(Lyapunov, Ctln3CycleLimitCycleHasZeroExponent) {
    const Network net = ctln(3, {{0, 1}, {1, 2}, {2, 0}});
    LyapunovOptions opt;
    opt.dt = 0.01;
    opt.t_warmup = 100;
    opt.t_ons_warmup = 20;
    opt.t_sim = 300;
    opt.x0 = vec({0.2, 0.1, 0.05});
    const auto r = lyapunov_spectrum(net, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    EXPECT_LT(std::abs(r.exponents[0]), std::max(3.0 * r.errors[0], 2e-3));
    EXPECT_LT(r.exponents[1], -0.05);
    // tr J = -3 everywhere (W_ii = 0); RK4 across the kinks costs a little accuracy.
    EXPECT_DOUBLE_EQ(r.mean_trace, -3.0);
    EXPECT_NEAR(r.sum_exponents, -3.0, 1e-4);
    EXPECT_GE(r.kaplan_yorke, 1.0);
    EXPECT_LT(r.kaplan_yorke, 1.1);
}

TEST(Lyapunov, DtConvergenceOnLimitCycle) {
    // The 3-cycle's transverse exponents converge as dt shrinks.
    const Network net = ctln(3, {{0, 1}, {1, 2}, {2, 0}});
    LyapunovOptions opt;
    opt.t_warmup = 100;
    opt.t_ons_warmup = 20;
    opt.t_sim = 200;
    opt.x0 = vec({0.2, 0.1, 0.05});
    std::vector<Eigen::VectorXd> l;
    for (double dt : {0.04, 0.02, 0.01}) {
        opt.dt = dt;
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        l.push_back(r.exponents);
    }
    const double d1 = (l[0] - l[2]).tail(2).cwiseAbs().maxCoeff();
    const double d2 = (l[1] - l[2]).tail(2).cwiseAbs().maxCoeff();
    EXPECT_LT(d2, 2e-3);
    EXPECT_LT(d2, d1);
}

TEST(Lyapunov, TOnsIndependence) {
    // diag(R_n ... R_1) = prod diag(R_i): on the same trajectory the QR method gives the
    // same exponents for any t_ons, up to rounding.
    const Network net = tanh_net(60, 2.0, 3);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 20;
    opt.t_warmup = 10;
    opt.t_ons_warmup = 10;
    opt.t_sim = 40;
    std::vector<LyapunovResult> rs;
    for (double t_ons : {0.5, 1.0, 2.0}) {
        opt.t_ons = t_ons;
        rs.push_back(lyapunov_spectrum(net, opt));
        ASSERT_EQ(rs.back().status, RunStatus::completed);
    }
    for (std::size_t i = 1; i < rs.size(); ++i)
        for (Eigen::Index j = 0; j < 20; ++j) EXPECT_NEAR(rs[i].exponents[j], rs[0].exponents[j], 1e-8) << j;
}

TEST(Lyapunov, RandomTanhNetworkBelowAndAboveOnset) {
    {
        // g = 0.5: h -> 0, J = -I + W, lambda_1 = max Re eig(W) - 1, near -1 + g.
        const Network net = tanh_net(100, 0.5, 11);
        LyapunovOptions opt;
        opt.dt = 0.05;
        opt.k = 1;
        opt.t_warmup = 60;
        opt.t_ons_warmup = 20;
        opt.t_sim = 200;
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        const double exact = real_parts_desc(net.W)[0] - 1.0;
        EXPECT_NEAR(r.exponents[0], exact, 0.02);
        EXPECT_NEAR(r.exponents[0], -0.5, 0.1);
    }
    {
        // g = 2, N = 500: chaotic.
        const Network net = tanh_net(500, 2.0, 5);
        LyapunovOptions opt;
        opt.dt = 0.1;
        opt.k = 1;
        opt.t_warmup = 50;
        opt.t_ons_warmup = 20;
        opt.t_sim = 100;
        opt.twin = true;
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        EXPECT_GT(r.exponents[0], 0.05);
        EXPECT_LT(r.exponents[0], 0.5);
        ASSERT_TRUE(r.twin_lambda1);
        EXPECT_NEAR(*r.twin_lambda1, r.exponents[0], 0.05);
    }
}

TEST(Lyapunov, ChaoticNetworkHasOneZeroExponent) {
    const Network net = tanh_net(100, 3.0, 2);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 40;
    opt.t_warmup = 20;
    opt.t_ons_warmup = 10;
    opt.t_sim = 200;
    const auto r = lyapunov_spectrum(net, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    Eigen::Index iz = 0;
    r.exponents.cwiseAbs().minCoeff(&iz);
    EXPECT_GT(iz, 0);
    EXPECT_LT(std::abs(r.exponents[iz]), 3.0 * r.errors[iz] + 0.01);
    // Its neighbours are clearly away from 0.
    EXPECT_GT(r.exponents[iz - 1], 0.02);
    EXPECT_LT(r.exponents[iz + 1], -0.02);
    EXPECT_GT(r.kaplan_yorke, static_cast<double>(iz));
}

Network relu_net(Form form, std::uint64_t seed) {
    RandomGaussianParams p;
    p.n = 200;
    p.g = 2.0;
    p.mu = -1.0;
    p.seed = seed;
    return make_net(make_random_gaussian(p), form, TransferKind::relu, 1.0);
}

TEST(Lyapunov, ActiveRowsGiveTheSameExponents) {
    for (Form form : {Form::rate, Form::current}) {
        const Network net = relu_net(form, 4);
        LyapunovOptions opt;
        opt.dt = 0.05;
        opt.k = 20;
        opt.t_warmup = 20;
        opt.t_ons_warmup = 10;
        opt.t_sim = 50;
        opt.use_active_rows = true;
        const auto a = lyapunov_spectrum(net, opt);
        opt.use_active_rows = false;
        const auto b = lyapunov_spectrum(net, opt);
        ASSERT_EQ(a.status, RunStatus::completed) << a.message;
        ASSERT_EQ(b.status, RunStatus::completed) << b.message;
        EXPECT_LT(a.mean_active, 200.0);
        EXPECT_GT(a.mean_active, 0.0);
        EXPECT_EQ(b.mean_active, 200.0);
        for (Eigen::Index j = 0; j < 20; ++j) EXPECT_NEAR(a.exponents[j], b.exponents[j], 1e-12) << j;
        EXPECT_NEAR(a.mean_trace, b.mean_trace, 1e-12);
    }
}

TEST(Lyapunov, JacobianTimesActivePanels) {
    // More active neurons than one gather panel (512): the panelled product equals the
    // dense one. Rate form: x = 0, u = b; current form: h = b; b alternates +1/-1 with a
    // run of +1 so that 1000 of 1200 are active.
    const Eigen::Index n = 1200;
    Eigen::VectorXd b(n);
    for (Eigen::Index i = 0; i < n; ++i) b[i] = (i < 800 || i % 2 == 0) ? 1.0 : -1.0;
    Eigen::MatrixXd Q = Eigen::MatrixXd::Random(n, 3);
    for (Form form : {Form::rate, Form::current}) {
        RandomGaussianParams p;
        p.n = n;
        p.seed = 6;
        Network net = make_net(make_random_gaussian(p), form, TransferKind::threshold_linear);
        net.phi.gain = 1.5;
        net.input.b = b;
        const Eigen::VectorXd x = form == Form::rate ? Eigen::VectorXd::Zero(n) : b;
        Workspace ws(n);
        Eigen::MatrixXd fast, dense;
        EXPECT_EQ(jacobian_times(net, 0.0, x, Q, fast, ws, true), 1000);
        EXPECT_EQ(jacobian_times(net, 0.0, x, Q, dense, ws, false), n);
        EXPECT_LT((fast - dense).cwiseAbs().maxCoeff(), 1e-12 * dense.cwiseAbs().maxCoeff());
    }
}

TEST(Lyapunov, EulerMapMeanExponent) {
    // Euler map of the zero-diagonal tanh network: the exact identity is
    // sum lambda = <log|det(I + dt J)|>/dt; the mean exponent is ln(1 - dt)/dt up to
    // O(c^2 tr((W D)^2)/(N dt)), c = dt/(1 - dt), about 4e-4 here.
    const Eigen::Index n = 100;
    const Network net = tanh_net(n, 2.0, 9);
    LyapunovOptions opt;
    opt.dynamics = LyapunovDynamics::euler_map;
    opt.dt = 0.1;
    opt.t_warmup = 20;
    opt.t_ons_warmup = 10;
    opt.t_sim = 100;
    opt.volume_check = true;
    const auto r = lyapunov_spectrum(net, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    ASSERT_TRUE(r.volume_rate && r.map_unit_contraction);
    EXPECT_NEAR(r.sum_exponents / *r.volume_rate, 1.0, 1e-10);
    const double mean = r.sum_exponents / static_cast<double>(n);
    EXPECT_NEAR(*r.map_unit_contraction, std::log(0.9) / 0.1, 1e-15);
    EXPECT_NEAR(mean, std::log(0.9) / 0.1, 2e-3);
    EXPECT_GT(std::abs(mean + 1.0), 0.04);  // and clearly not -1
    EXPECT_NEAR(r.mean_trace, -static_cast<double>(n), 1e-11);
}

TEST(Lyapunov, EulerMapFixedPointConvergesToFlow) {
    // At K2's fixed point the map's exponents are log(1 + dt mu)/dt, mu = -0.25, -1.75.
    const Network net = ctln(2, {{0, 1}, {1, 0}});
    LyapunovOptions opt;
    opt.dynamics = LyapunovDynamics::euler_map;
    opt.t_warmup = 60;
    opt.t_ons_warmup = 10;
    opt.t_sim = 50;
    opt.x0 = vec({0.1, 0.3});
    for (double dt : {0.1, 0.01}) {
        opt.dt = dt;
        const auto r = lyapunov_spectrum(net, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        EXPECT_NEAR(r.exponents[0], std::log1p(-0.25 * dt) / dt, 1e-9);
        EXPECT_NEAR(r.exponents[1], std::log1p(-1.75 * dt) / dt, 1e-9);
    }
}

// Stops after a number of steps and/or takes a checkpoint at a given boundary.
class Recorder : public LyapunovObserver {
public:
    std::int64_t stop_after_steps = -1, checkpoint_at_boundary = -1;
    std::int64_t steps = 0, boundaries = 0;
    std::vector<LyapunovCheckpoint> saved;
    bool should_stop() override { return ++steps == stop_after_steps; }
    bool want_checkpoint() override { return ++boundaries == checkpoint_at_boundary; }
    void checkpoint(const LyapunovCheckpoint& cp) override { saved.push_back(cp); }
};

void expect_bitwise_equal(const LyapunovResult& a, const LyapunovResult& b) {
    ASSERT_EQ(a.exponents.size(), b.exponents.size());
    for (Eigen::Index i = 0; i < a.exponents.size(); ++i) {
        EXPECT_TRUE(a.exponents[i] == b.exponents[i]) << i << ": " << a.exponents[i] << " vs " << b.exponents[i];
        EXPECT_TRUE(a.errors[i] == b.errors[i]) << i;
    }
    EXPECT_TRUE(a.mean_trace == b.mean_trace);
    EXPECT_TRUE(a.twin_lambda1 == b.twin_lambda1);
    EXPECT_TRUE(a.trace.times == b.trace.times);
    EXPECT_TRUE(a.trace.values == b.trace.values);
    EXPECT_TRUE(a.participation_ratio == b.participation_ratio);
    EXPECT_TRUE(a.local_exponents == b.local_exponents);
    EXPECT_EQ(a.steps, b.steps);
}

TEST(Lyapunov, ResumeFromCheckpointIsBitwiseIdentical) {
    const Network net = tanh_net(80, 2.0, 13);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 30;
    opt.t_warmup = 10;
    opt.t_ons_warmup = 10;
    opt.t_sim = 40;
    opt.twin = true;
    opt.trace_rows = 25;
    opt.t_local = 3;   // 13 windows; the stops below fall inside one
    const auto full = lyapunov_spectrum(net, opt);
    ASSERT_EQ(full.status, RunStatus::completed);
    ASSERT_EQ(full.local_exponents.rows(), 13);
    // Boundaries 5 (warm-up), 15 (ONS warm-up), 37 (accumulation); and a stop mid-interval.
    for (std::int64_t at : {5, 15, 37}) {
        Recorder rec;
        rec.checkpoint_at_boundary = at;
        const auto first = lyapunov_spectrum(net, opt, rec);
        ASSERT_EQ(rec.saved.size(), 1u);
        expect_bitwise_equal(first, full);  // taking a checkpoint changes nothing
        const LyapunovCheckpoint copy = rec.saved.front();
        const auto resumed = lyapunov_spectrum(net, opt, rec, &copy);
        ASSERT_EQ(resumed.status, RunStatus::completed);
        expect_bitwise_equal(resumed, full);
    }
    Recorder stopper;
    stopper.stop_after_steps = 777;  // inside an accumulation interval (20 steps each)
    const auto part = lyapunov_spectrum(net, opt, stopper);
    EXPECT_EQ(part.status, RunStatus::interrupted);
    EXPECT_FALSE(part.message.empty());
    expect_finite(part);
    ASSERT_EQ(stopper.saved.size(), 1u);
    EXPECT_EQ(stopper.saved.front().step, 777);
    LyapunovCheckpoint copy = stopper.saved.front();
    Recorder none;
    const auto resumed = lyapunov_spectrum(net, opt, none, &copy);
    expect_bitwise_equal(resumed, full);
    // Periodic checkpoints: every 10 intervals, never at the end.
    LyapunovOptions every = opt;
    every.checkpoint_every = 10;
    Recorder rec;
    lyapunov_spectrum(net, every, rec);
    EXPECT_EQ(rec.saved.size(), 5u);
    // A checkpoint of another run is refused.
    LyapunovOptions other = opt;
    other.k = 10;
    EXPECT_THROW(lyapunov_spectrum(net, other, none, &copy), invalid_parameter);
}

TEST(Lyapunov, DivergenceStopsWithoutNaN) {
    // Zero-input ReLU network above g ~ sqrt(2): activity grows without bound.
    RandomGaussianParams p;
    p.n = 100;
    p.g = 4.0;
    p.seed = 1;
    const Network net = make_net(make_random_gaussian(p), Form::current, TransferKind::relu);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 5;
    opt.t_warmup = 0;
    opt.t_ons_warmup = 0;
    opt.t_sim = 500;
    const auto r = lyapunov_spectrum(net, opt);
    EXPECT_EQ(r.status, RunStatus::diverged);
    EXPECT_NE(r.message.find("diverged"), std::string::npos);
    EXPECT_LT(r.t_final, 500.0);
    expect_finite(r);
    EXPECT_FALSE(std::isnan(r.sum_exponents));
    // Diverging inside the warm-up: no exponents at all.
    opt.t_warmup = 1000;
    const auto w = lyapunov_spectrum(net, opt);
    EXPECT_EQ(w.status, RunStatus::diverged);
    EXPECT_EQ(w.exponents.size(), 0);
    EXPECT_EQ(w.phase_reached, LyapunovPhase::warmup);
}

TEST(Lyapunov, InterruptReportsPartialEstimates) {
    Lorenz63System sys;
    LyapunovOptions opt;
    opt.dt = 0.01;
    opt.t_warmup = 1;
    opt.t_ons_warmup = 1;
    opt.t_sim = 100;
    Recorder rec;
    rec.stop_after_steps = 1000;
    const auto r = lyapunov_spectrum(sys, opt, rec);
    EXPECT_EQ(r.status, RunStatus::interrupted);
    EXPECT_EQ(r.steps, 1000);
    EXPECT_EQ(r.exponents.size(), 3);
    EXPECT_DOUBLE_EQ(r.t_accumulated, 8.0);
    expect_finite(r);
    EXPECT_TRUE(std::isinf(r.errors[0]));  // one complete block of 5 intervals: no error estimate
}

TEST(Lyapunov, KaplanYorkeCases) {
    bool lb = true;
    EXPECT_EQ(kaplan_yorke_dimension(vec({-0.1, -0.2, -1.0}), 3, lb), 0.0);
    EXPECT_FALSE(lb);
    EXPECT_NEAR(kaplan_yorke_dimension(vec({0.906, 0.0, -14.572}), 3, lb), 2.0 + 0.906 / 14.572, 1e-15);
    EXPECT_FALSE(lb);
    EXPECT_EQ(kaplan_yorke_dimension(vec({0.5, -0.1}), 10, lb), 2.0);
    EXPECT_TRUE(lb);  // all partial sums >= 0 with k < n: a lower bound
    EXPECT_EQ(kaplan_yorke_dimension(vec({0.5, -0.1}), 2, lb), 2.0);
    EXPECT_FALSE(lb);
    EXPECT_NEAR(kaplan_yorke_dimension(vec({1.0, 0.5, -1.0, -2.0}), 4, lb), 3.25, 1e-15);
}

TEST(Lyapunov, ValidationNamesTheKey) {
    Lorenz63System sys;
    auto key_of = [&](const std::function<void(LyapunovOptions&)>& edit) {
        LyapunovOptions opt;
        opt.t_sim = 10;
        edit(opt);
        try {
            lyapunov_spectrum(sys, opt);
        } catch (const invalid_parameter& e) {
            return e.key();
        }
        return std::string("none");
    };
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.k = 0; }), "k");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.k = 4; }), "k");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.dt = 0.0; }), "dt");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.dt = -1e-3; }), "dt");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.t_ons = 0.0; }), "t_ons");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.t_ons = 0.015; }), "t_ons");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.t_sim = 0.5; }), "t_sim");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.n_blocks = 1; }), "n_blocks");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.x0 = Eigen::VectorXd::Ones(2); }), "x0");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.volume_check = true; }), "volume_check");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.twin_d0 = 0.0; }), "twin_d0");
    EXPECT_EQ(key_of([](LyapunovOptions& o) { o.threads = -1; }), "threads");
    Network net = tanh_net(10, 1.0, 1);
    net.input.noise_sigma = 0.1;
    EXPECT_THROW(NetworkTangentSystem{net}, invalid_parameter);
}


// ---------------------------------------------------------------- Lyapunov vectors

namespace {
// A symmetric matrix with the given eigenvalues and eigenvectors the columns of
// the normalised Sylvester-Hadamard matrix of order n (a power of two): every
// entry +-1/sqrt(n), the most delocalised orthonormal basis there is.
Eigen::MatrixXd hadamard_symmetric(const Eigen::VectorXd& eig) {
    const Eigen::Index n = eig.size();
    Eigen::MatrixXd H = Eigen::MatrixXd::Ones(1, 1);
    while (H.rows() < n) {
        Eigen::MatrixXd H2(2 * H.rows(), 2 * H.rows());
        H2 << H, H, H, -H;
        H = H2;
    }
    H /= std::sqrt(static_cast<double>(n));
    return H * eig.asDiagonal() * H.transpose();
}
}  // namespace

// The Lyapunov vectors of a symmetric linear flow are its eigenvectors: with a
// diagonal A each is one coordinate axis (participation ratio 1); with A's
// eigenvectors the Hadamard columns each spreads evenly over all n (ratio n).
// The finite-time exponents of a constant flow are its eigenvalues in every window.
TEST(LyapunovVectors, ParticipationRatioOfLinearFlows) {
    Eigen::VectorXd eig(8);
    eig << 0.5, 0.2, -0.1, -0.3, -0.6, -0.9, -1.3, -2.0;
    LyapunovOptions opt;
    opt.dt = 0.01;
    opt.t_ons = 0.5;
    opt.t_warmup = 0;
    opt.t_ons_warmup = 80;   // the smallest gap, 0.2, aligns the vectors to e^-16 by the end of the warm-up
    opt.t_sim = 20;
    opt.t_local = 5;
    opt.x0 = Eigen::VectorXd::Zero(8);
    for (const bool spread : {false, true}) {
        ratenet_test::LinearTangentSystem sys(spread ? hadamard_symmetric(eig) : Eigen::MatrixXd(eig.asDiagonal()));
        const auto r = lyapunov_spectrum(sys, opt);
        ASSERT_EQ(r.status, RunStatus::completed) << r.message;
        ASSERT_EQ(r.participation_ratio.size(), 8);
        for (Eigen::Index i = 0; i < 8; ++i) {
            EXPECT_NEAR(r.exponents[i], eig[i], 1e-6) << i;
            EXPECT_NEAR(r.participation_ratio[i], spread ? 8.0 : 1.0, 1e-6) << i << (spread ? " (Hadamard)" : " (diagonal)");
        }
        ASSERT_EQ(r.local_exponents.rows(), 4);
        EXPECT_EQ(r.t_local, 5.0);
        for (Eigen::Index w = 0; w < 4; ++w)
            for (Eigen::Index i = 0; i < 8; ++i) EXPECT_NEAR(r.local_exponents(w, i), eig[i], 1e-6) << w << ", " << i;
    }
}

// On a chaotic network: the finite-time exponents average to the exponents
// (the windows tile the accumulation), a window of 20 is the mean of the four
// windows of 5 it covers, and the participation ratios lie in [1, n].
TEST(LyapunovVectors, FiniteTimeExponentsOfAChaoticNetwork) {
    const Network net = tanh_net(60, 3.0, 21);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 6;
    opt.t_warmup = 50;
    opt.t_ons_warmup = 20;
    opt.t_sim = 800;
    opt.t_local = 5;
    const auto a = lyapunov_spectrum(net, opt);
    ASSERT_EQ(a.status, RunStatus::completed) << a.message;
    ASSERT_EQ(a.local_exponents.rows(), 160);
    for (Eigen::Index i = 0; i < 6; ++i) {
        EXPECT_NEAR(a.local_exponents.col(i).mean(), a.exponents[i], 1e-12 * (1 + std::abs(a.exponents[i]))) << i;
        EXPECT_GE(a.participation_ratio[i], 1.0);
        EXPECT_LE(a.participation_ratio[i], 60.0);
    }
    opt.t_local = 20;
    const auto b = lyapunov_spectrum(net, opt);
    ASSERT_EQ(b.local_exponents.rows(), 40);
    for (Eigen::Index w = 0; w < 40; ++w)
        for (Eigen::Index i = 0; i < 6; ++i)
            EXPECT_NEAR(b.local_exponents(w, i), a.local_exponents.block(4 * w, i, 4, 1).mean(), 1e-12) << w << ", " << i;
    // The window does not change the spectrum, only how it is cut.
    EXPECT_EQ(a.exponents, b.exponents);
    EXPECT_EQ(a.participation_ratio, b.participation_ratio);
    // Bad windows are refused by name.
    opt.t_local = 0.5;
    EXPECT_THROW(
        try { opt.validate(); } catch (const invalid_parameter& e) {
            EXPECT_EQ(e.key(), "t_local");
            throw;
        },
        invalid_parameter);
    opt.t_local = 900;
    EXPECT_THROW(opt.validate(), invalid_parameter);
}

// ---------------------------------------------------------------- covariant Lyapunov vectors

namespace {
double abs_cos(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return std::abs(a.dot(b)) / (a.norm() * b.norm()); }
}  // namespace

// A linear flow with a non-normal A: the covariant vectors are A's
// eigenvectors (not orthogonal), while the Gram-Schmidt vectors are not; the
// growth rates of the covariant vectors are the eigenvalues.
TEST(CovariantVectors, AreTheEigenvectorsOfALinearFlow) {
    Eigen::MatrixXd A(4, 4);
    A << 0.3, 1.0, 0.5, -0.2,
         0.0, -0.2, 0.8, 0.4,
         0.0, 0.0, -0.7, 1.1,
         0.0, 0.0, 0.0, -1.5;
    const Eigen::MatrixXd B = [] {   // a fixed change of basis, so that A is not triangular
        Eigen::MatrixXd M(4, 4);
        M << 1.0, 0.2, -0.3, 0.1, 0.4, 1.0, 0.2, -0.5, -0.1, 0.3, 1.0, 0.6, 0.2, -0.4, 0.1, 1.0;
        return M;
    }();
    const Eigen::MatrixXd Ab = B * A * B.inverse();
    ratenet_test::LinearTangentSystem sys(Ab);
    LyapunovOptions opt;
    opt.dt = 0.01;
    opt.t_ons = 0.5;
    opt.t_warmup = 0;
    opt.t_ons_warmup = 60;
    opt.t_sim = 100;
    opt.clv_window = 20;
    opt.clv_backward = 60;
    opt.x0 = Eigen::VectorXd::Zero(4);
    const auto r = lyapunov_spectrum(sys, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    ASSERT_TRUE(r.covariant);
    const CovariantVectors& cv = *r.covariant;
    ASSERT_EQ(cv.vectors.size(), 40u);
    const Eigen::Vector4d eig(0.3, -0.2, -0.7, -1.5);
    // Eigenvectors of B A B^-1: B times those of the triangular A.
    const Eigen::MatrixXd E = B * Eigen::EigenSolver<Eigen::MatrixXd>(A).eigenvectors().real();
    const Eigen::VectorXd lam = Eigen::EigenSolver<Eigen::MatrixXd>(A).eigenvalues().real();
    for (Eigen::Index i = 0; i < 4; ++i) {
        Eigen::Index col = 0;
        (lam.array() - eig[i]).abs().minCoeff(&col);
        for (const auto& V : cv.vectors) ASSERT_GT(abs_cos(V.col(i), E.col(col)), 1 - 1e-9) << "vector " << i;
        EXPECT_NEAR(cv.exponents[i], eig[i], 1e-6) << i;
        EXPECT_NEAR(r.exponents[i], eig[i], 1e-6) << i;
    }
    // The Gram-Schmidt vectors are orthogonal; the eigenvectors are not: the
    // covariant vectors really are another basis.
    EXPECT_LT(abs_cos(cv.vectors[0].col(0), cv.vectors[0].col(1)), 0.999);
    EXPECT_GT(abs_cos(cv.vectors[0].col(0), cv.vectors[0].col(1)), 0.05);
    // One unstable direction and three stable ones: the angle between them is
    // the smallest principal angle between e_1 and span(e_2, e_3, e_4), constant.
    EXPECT_EQ(cv.n_unstable, 1);
    EXPECT_EQ(cv.n_stable, 3);
    const Eigen::MatrixXd Es = E(Eigen::all, std::vector<Eigen::Index>{1, 2, 3});
    Eigen::Index c1 = 0;
    (lam.array() - 0.3).abs().minCoeff(&c1);
    const Eigen::VectorXd e1 = E.col(c1);
    std::vector<Eigen::Index> rest;
    for (Eigen::Index j = 0; j < 4; ++j)
        if (j != c1) rest.push_back(j);
    // Projection of e1 on span(rest): the angle is asin(|residual| / |e1|).
    const Eigen::MatrixXd S = E(Eigen::all, rest);
    const Eigen::VectorXd res = e1 - S * S.colPivHouseholderQr().solve(e1);
    const double expected = std::asin(res.norm() / e1.norm());
    for (Eigen::Index t = 0; t < cv.angle_unstable_stable.size(); ++t)
        EXPECT_NEAR(cv.angle_unstable_stable[t], expected, 1e-8) << t;
}

// Lorenz-63: the covariant vector of the zero exponent is the flow direction
// f(x) at every point (Ginelli et al. 2007), the growth rates of the covariant
// vectors are the exponents (0.906, 0, -14.57), and the stable vector keeps
// away from the centre-unstable plane span(v1, v2) (the attractor is singular
// hyperbolic: a dominated splitting E^s + E^cu, Tucker 2002), while v1 and v2
// come close to each other.
TEST(CovariantVectors, Lorenz63NeutralVectorIsTheFlow) {
    ratenet_test::Lorenz63System sys;
    LyapunovOptions opt;
    opt.dt = 0.005;
    opt.t_ons = 0.05;
    opt.t_warmup = 20;
    opt.t_ons_warmup = 20;
    opt.t_sim = 400;
    opt.clv_window = 200;
    opt.clv_backward = 40;
    opt.x0 = Eigen::Vector3d(1.0, 1.0, 20.0);
    const auto r = lyapunov_spectrum(sys, opt);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    ASSERT_TRUE(r.covariant);
    const CovariantVectors& cv = *r.covariant;
    ASSERT_EQ(cv.vectors.size(), 4000u);
    double worst_flow = 1.0, min_s_cu = 10.0, min_12 = 10.0;
    Eigen::VectorXd f(3);
    for (std::size_t t = 0; t < cv.vectors.size(); ++t) {
        const Eigen::MatrixXd& V = cv.vectors[t];
        sys.rhs(0.0, cv.states.col(static_cast<Eigen::Index>(t)), f);
        worst_flow = std::min(worst_flow, abs_cos(V.col(1), f));
        // Angle between v3 and the plane of v1, v2: asin of |v3 . n|, n the plane's normal.
        const Eigen::Vector3d nrm = Eigen::Vector3d(V.col(0)).cross(Eigen::Vector3d(V.col(1))).normalized();
        min_s_cu = std::min(min_s_cu, std::asin(std::min(1.0, std::abs(nrm.dot(V.col(2))))));
        min_12 = std::min(min_12, std::acos(std::min(1.0, abs_cos(V.col(0), V.col(1)))));
    }
    std::printf("Lorenz-63 CLVs over %zu points: min |cos(v2, f)| %.10f; min angle(v3, span(v1, v2)) %.4f rad; "
                "min angle(v1, v2) %.2e rad; growth rates %.4f %.4f %.4f\n",
                cv.vectors.size(), worst_flow, min_s_cu, min_12, cv.exponents[0], cv.exponents[1], cv.exponents[2]);
    EXPECT_GT(worst_flow, 1 - 1e-6);
    EXPECT_GT(min_s_cu, 0.05);
    EXPECT_LT(min_12, 0.05);
    EXPECT_NEAR(cv.exponents[0], 0.906, 0.1);
    EXPECT_NEAR(cv.exponents[1], 0.0, 0.02);
    EXPECT_NEAR(cv.exponents[2], -14.572, 0.2);
    EXPECT_EQ(cv.n_unstable, 1);
    EXPECT_EQ(cv.n_stable, 1);
}

// The covariant vectors do not depend on the initial tangent vectors: two
// runs from different Q0 (and different random starts of the backward
// iteration) give the same vectors, up to sign. Both the forward and the
// backward alignment converge like exp(-gap t); on Lorenz-63 the gaps are 0.9
// and 14.6, so 20 time units of each leave nothing measurable. (A chaotic
// system, robustly so: a weakly chaotic network may fall on a periodic orbit
// under another compiler's rounding.)
TEST(CovariantVectors, IndependentOfTheInitialTangentVectors) {
    ratenet_test::Lorenz63System sys;
    LyapunovOptions opt;
    opt.dt = 0.005;
    opt.t_ons = 0.05;
    opt.t_warmup = 10;
    opt.t_ons_warmup = 20;
    opt.t_sim = 60;
    opt.clv_window = 20;
    opt.clv_backward = 20;
    opt.x0 = Eigen::Vector3d(1.0, 1.0, 20.0);
    opt.seed_tangent = 1;
    const auto a = lyapunov_spectrum(sys, opt);
    opt.seed_tangent = 2;
    const auto b = lyapunov_spectrum(sys, opt);
    ASSERT_TRUE(a.covariant && b.covariant);
    ASSERT_EQ(a.covariant->vectors.size(), 400u);
    EXPECT_GT(a.exponents[0], 0.5);   // chaotic
    for (Eigen::Index i = 0; i < 3; ++i) {
        double worst = 1.0;
        for (std::size_t t = 0; t < 400; ++t)
            worst = std::min(worst, abs_cos(a.covariant->vectors[t].col(i), b.covariant->vectors[t].col(i)));
        EXPECT_GT(worst, 1 - 1e-8) << "vector " << i;
    }
    // Bad options by name.
    opt.clv_window = 100;   // + clv_backward > t_sim
    try {
        opt.validate();
        ADD_FAILURE() << "clv_window + clv_backward > t_sim was accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "clv_window");
    }
    opt.clv_window = 10;
    opt.clv_max_bytes = 1000;
    try {
        opt.validate(3);
        ADD_FAILURE() << "a window beyond clv_max_bytes was accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "clv_window");
    }
}

// A checkpoint before the covariant-vector window resumes to the same bits,
// vectors included; one inside it cannot (the stored vectors are not in it)
// and is refused by name.
TEST(CovariantVectors, ResumeBeforeTheWindowOnly) {
    const Network net = tanh_net(30, 3.0, 13);
    LyapunovOptions opt;
    opt.dt = 0.05;
    opt.k = 4;
    opt.t_warmup = 10;
    opt.t_ons_warmup = 10;
    opt.t_sim = 40;
    opt.clv_window = 10;
    opt.clv_backward = 10;   // recording starts at accumulated interval 20, boundary 40
    const auto full = lyapunov_spectrum(net, opt);
    ASSERT_TRUE(full.covariant);
    Recorder before;
    before.checkpoint_at_boundary = 37;
    lyapunov_spectrum(net, opt, before);
    ASSERT_EQ(before.saved.size(), 1u);
    Recorder none;
    const auto resumed = lyapunov_spectrum(net, opt, none, &before.saved.front());
    expect_bitwise_equal(resumed, full);
    ASSERT_TRUE(resumed.covariant);
    ASSERT_EQ(resumed.covariant->vectors.size(), full.covariant->vectors.size());
    for (std::size_t t = 0; t < full.covariant->vectors.size(); ++t)
        EXPECT_TRUE(resumed.covariant->vectors[t] == full.covariant->vectors[t]) << t;
    Recorder inside;
    inside.checkpoint_at_boundary = 45;
    lyapunov_spectrum(net, opt, inside);
    ASSERT_EQ(inside.saved.size(), 1u);
    try {
        lyapunov_spectrum(net, opt, none, &inside.saved.front());
        ADD_FAILURE() << "a checkpoint inside the window was resumed";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "checkpoint");
    }
}
}  // namespace
}  // namespace ratenet
