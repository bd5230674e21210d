// Dynamics: right-hand side, Jacobians and the integrator, each checked against
// an independent reference: central finite differences of rhs for the Jacobians,
// explicit products and traces for jacobian_times / jacobian_trace, the matrix
// exponential for linear networks (convergence orders, dopri5 tolerances, input
// schedules), Hahnloser's winner-take-all steady state, the CTLN 3-cycle's limit
// cycle, and the stationary variance of an Ornstein-Uhlenbeck process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "ratenet/dynamics.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/network.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;

namespace {

// Records every sample.
class Recorder : public TrajectoryObserver {
public:
    std::vector<double> t;
    std::vector<Eigen::VectorXd> x;
    void observe(double time, const Eigen::VectorXd& state) override {
        t.push_back(time);
        x.push_back(state);
    }
};

Eigen::MatrixXd random_matrix(Eigen::Index n, double scale, std::uint64_t seed) {
    Rng rng(seed, 99);
    Eigen::MatrixXd W(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) W(i, j) = scale * rng.normal();
    return W;
}

Eigen::VectorXd random_vector(Eigen::Index n, double lo, double hi, std::uint64_t seed) {
    Rng rng(seed, 98);
    Eigen::VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i) v[i] = rng.uniform(lo, hi);
    return v;
}

Transfer make_transfer(TransferKind kind, Eigen::Index n) {
    Transfer t;
    t.kind = kind;
    t.gain = 1.7;
    t.theta = 0.2;
    t.r_max = 1.5;
    t.slope = 0.1;
    t.slopes = random_vector(n, 0.05, 0.5, 17);
    t.alpha = 0.8;
    t.beta = 2.5;
    t.k = 0.9;
    t.n = 2.5;
    return t;
}

// A dense network with non-unit, non-uniform tau and a nonzero diagonal of W.
Network make_net(Eigen::Index n, Form form, TransferKind kind, std::uint64_t seed = 5) {
    Network net;
    net.form = form;
    net.phi = make_transfer(kind, n);
    net.W = random_matrix(n, 1.0 / std::sqrt(static_cast<double>(n)) * 1.3, seed);
    net.tau = random_vector(n, 0.4, 2.5, seed + 1);
    net.input.b = random_vector(n, -0.5, 0.8, seed + 2);
    return net;
}

void make_sparse(Network& net, double drop_fraction, std::uint64_t seed) {
    Rng rng(seed, 97);
    Eigen::MatrixXd W = net.W;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index j = 0; j < W.cols(); ++j)
            if (i != j && rng.uniform() < drop_fraction) W(i, j) = 0.0;
    net.W_sparse = W.sparseView();
    net.W_sparse.makeCompressed();
    net.W.resize(0, 0);  // the sparse code paths must not touch the dense W
    net.sparse = true;
}

// Central finite differences of rhs, written independently of jacobian().
Eigen::MatrixXd fd_jacobian(const Network& net, double t, const Eigen::VectorXd& x, double h = 1e-6) {
    const Eigen::Index n = x.size();
    Eigen::MatrixXd J(n, n);
    Workspace ws(n);
    Eigen::VectorXd fp, fm, xp, xm;
    for (Eigen::Index j = 0; j < n; ++j) {
        xp = x;
        xm = x;
        xp[j] += h;
        xm[j] -= h;
        rhs(net, t, xp, fp, ws);
        rhs(net, t, xm, fm, ws);
        J.col(j) = (fp - fm) / (2 * h);
    }
    return J;
}

// The argument of phi for each neuron (rate: W x + b(t); current: h).
Eigen::VectorXd phi_argument(const Network& net, double t, const Eigen::VectorXd& x) {
    if (net.form == Form::current) return x;
    return net.dense_W() * x + net.input.at(t);
}

// Distance of the arguments from every kink of the piecewise transfer functions.
double kink_distance(const Network& net, const Eigen::VectorXd& u) {
    const double kinks[] = {0.0, net.phi.theta, net.phi.theta + net.phi.r_max / net.phi.gain};
    double d = INFINITY;
    for (Eigen::Index i = 0; i < u.size(); ++i)
        for (double k : kinks) d = std::min(d, std::abs(u[i] - k));
    return d;
}

// A random state whose phi arguments stay at least 1e-3 from every kink (so
// that finite differences are meaningful), with at least two neurons where
// phi' != 0 (so that the coupling enters the Jacobian).
Eigen::VectorXd state_off_kinks(const Network& net, double t, std::uint64_t seed) {
    for (std::uint64_t s = seed; s < seed + 1000; ++s) {
        Eigen::VectorXd x = random_vector(net.size(), -1.0, 1.5, s);
        const Eigen::VectorXd u = phi_argument(net, t, x);
        int sloped = 0;
        for (Eigen::Index i = 0; i < u.size(); ++i) sloped += net.phi.derivative(u[i], i) != 0.0 ? 1 : 0;
        if (kink_distance(net, u) > 1e-3 && sloped >= 2) return x;
    }
    ADD_FAILURE() << "no state away from the kinks found";
    return Eigen::VectorXd::Zero(net.size());
}

// The linear system dx/dt = A x + c of a network with phi(u) = u (leaky_relu, slope 1),
// solved exactly through the matrix exponential of the augmented matrix [[A, c], [0, 0]].
struct LinearExact {
    Eigen::MatrixXd M;
    Eigen::VectorXd z0;
    LinearExact(const Network& net, const Eigen::VectorXd& x0, const Eigen::VectorXd& b) {
        const Eigen::Index n = net.size();
        const Eigen::MatrixXd W = net.dense_W();
        const Eigen::VectorXd inv_tau = net.tau.cwiseInverse();
        M = Eigen::MatrixXd::Zero(n + 1, n + 1);
        // With phi(u) = u both forms read tau dx/dt = (W - I) x + b.
        M.topLeftCorner(n, n) = inv_tau.asDiagonal() * (W - Eigen::MatrixXd::Identity(n, n));
        M.topRightCorner(n, 1) = inv_tau.cwiseProduct(b);
        z0.resize(n + 1);
        z0.head(n) = x0;
        z0[n] = 1.0;
    }
    Eigen::VectorXd at(double t) const {
        const Eigen::MatrixXd E = (M * t).exp();
        return (E * z0).head(M.rows() - 1);
    }
};

Network linear_net(Eigen::Index n, std::uint64_t seed) {
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;  // phi(u) = u everywhere
    net.W = random_matrix(n, 0.5 / std::sqrt(static_cast<double>(n)), seed);
    net.tau = random_vector(n, 0.5, 2.0, seed + 1);
    net.input.b = random_vector(n, -1.0, 1.0, seed + 2);
    return net;
}

double final_error(const Network& net, const Eigen::VectorXd& x0, IntegratorOptions opt) {
    Recorder rec;
    const RunResult r = integrate(net, x0, opt, rec);
    EXPECT_EQ(r.status, RunStatus::completed);
    EXPECT_DOUBLE_EQ(rec.t.back(), opt.t_end);
    const LinearExact ex(net, x0, net.input.b);
    return (rec.x.back() - ex.at(opt.t_end)).lpNorm<Eigen::Infinity>();
}

std::vector<TransferKind> all_kinds() {
    std::vector<TransferKind> out;
    for (const auto& name : transfer_names()) {
        TransferKind k{};
        EXPECT_TRUE(parse_transfer_kind(name, k));
        out.push_back(k);
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------- Jacobians

TEST(Jacobian, DenseMatchesFiniteDifferencesEveryTransferBothForms) {
    const Eigen::Index n = 7;
    for (Form form : {Form::rate, Form::current})
        for (TransferKind kind : all_kinds()) {
            SCOPED_TRACE(std::string(to_string(form)) + " " + std::string(to_string(kind)));
            const Network net = make_net(n, form, kind);
            ASSERT_NO_THROW(net.validate());
            for (std::uint64_t s : {11u, 23u}) {
                const Eigen::VectorXd x = state_off_kinks(net, 0.0, s);
                Workspace ws(n);
                Eigen::MatrixXd J;
                jacobian(net, 0.0, x, J, ws);
                const Eigen::MatrixXd Jfd = fd_jacobian(net, 0.0, x);
                ASSERT_EQ(J.rows(), n);
                ASSERT_EQ(J.cols(), n);
                EXPECT_LT((J - Jfd).cwiseAbs().maxCoeff(), 1e-6 * (1.0 + Jfd.cwiseAbs().maxCoeff()));
                // The Jacobian is not trivially -diag(1/tau): the coupling shows up.
                EXPECT_GT((J + Eigen::MatrixXd(net.tau.cwiseInverse().asDiagonal())).cwiseAbs().maxCoeff(), 1e-3);
            }
        }
}

TEST(Jacobian, SparseMatchesFiniteDifferencesAndDense) {
    const Eigen::Index n = 9;
    for (Form form : {Form::rate, Form::current})
        for (TransferKind kind : {TransferKind::relu, TransferKind::threshold_linear, TransferKind::clipped_linear,
                                  TransferKind::prelu, TransferKind::softplus, TransferKind::tanh}) {
            SCOPED_TRACE(std::string(to_string(form)) + " " + std::string(to_string(kind)));
            Network net = make_net(n, form, kind, 31);
            make_sparse(net, 0.6, 3);
            ASSERT_NO_THROW(net.validate());
            ASSERT_LT(net.W_sparse.nonZeros(), n * n);
            const Eigen::VectorXd x = state_off_kinks(net, 0.0, 7);
            const Eigen::MatrixXd Jfd = fd_jacobian(net, 0.0, x);
            Workspace ws(n);
            const SparseMatrix Js = jacobian_sparse(net, 0.0, x, ws);
            const Eigen::MatrixXd Jsd = Eigen::MatrixXd(Js);
            EXPECT_LT((Jsd - Jfd).cwiseAbs().maxCoeff(), 1e-6 * (1.0 + Jfd.cwiseAbs().maxCoeff()));
            Eigen::MatrixXd J;
            jacobian(net, 0.0, x, J, ws);
            EXPECT_LT((J - Jsd).cwiseAbs().maxCoeff(), 1e-14);
        }
}

TEST(Jacobian, FollowsTheInputSchedule) {
    // The rate-form Jacobian depends on b(t) through phi'(W x + b(t)).
    const Eigen::Index n = 6;
    Network net = make_net(n, Form::rate, TransferKind::softplus, 41);
    net.input.schedule.push_back({1.0, 2.0, random_vector(n, 1.0, 2.0, 77)});
    const Eigen::VectorXd x = random_vector(n, -0.5, 0.5, 8);
    Workspace ws(n);
    Eigen::MatrixXd J_in, J_out;
    jacobian(net, 1.5, x, J_in, ws);
    jacobian(net, 2.5, x, J_out, ws);
    EXPECT_LT((J_in - fd_jacobian(net, 1.5, x)).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_LT((J_out - fd_jacobian(net, 2.5, x)).cwiseAbs().maxCoeff(), 1e-6);
    EXPECT_GT((J_in - J_out).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Jacobian, TimesMatchesExplicitProduct) {
    const Eigen::Index n = 12;
    for (Form form : {Form::rate, Form::current})
        for (TransferKind kind : {TransferKind::relu, TransferKind::threshold_linear, TransferKind::tanh,
                                  TransferKind::softplus})
            for (bool unit_tau : {true, false})
                for (bool sparse : {false, true}) {
                    SCOPED_TRACE(std::string(to_string(form)) + " " + std::string(to_string(kind)) +
                                 (unit_tau ? " tau=1" : " tau varied") + (sparse ? " sparse" : " dense"));
                    Network net = make_net(n, form, kind, 51);
                    net.phi.gain = 1.7;  // threshold_linear: gain != 1
                    if (unit_tau) net.tau.setOnes();
                    if (sparse) make_sparse(net, 0.5, 9);
                    Workspace ws(n);
                    // Several states and widths through one workspace: buffers are reused.
                    int call = 0;
                    for (Eigen::Index k : {3, 5, 1, 12, 3}) {
                        const Eigen::VectorXd x = random_vector(n, -1.0, 1.0, static_cast<std::uint64_t>(100 + call));
                        const Eigen::MatrixXd Q = random_matrix(n, 1.0, static_cast<std::uint64_t>(200 + call)).leftCols(k);
                        ++call;
                        Eigen::MatrixXd J;
                        jacobian(net, 0.0, x, J, ws);
                        const Eigen::MatrixXd ref = J * Q;
                        // Active neurons, counted independently from phi'.
                        const Eigen::VectorXd u = phi_argument(net, 0.0, x);
                        Eigen::Index active = 0;
                        for (Eigen::Index i = 0; i < n; ++i) active += net.phi.derivative(u[i], i) != 0.0 ? 1 : 0;
                        for (bool use_active : {true, false}) {
                            Eigen::MatrixXd out;
                            const Eigen::Index na = jacobian_times(net, 0.0, x, Q, out, ws, use_active);
                            ASSERT_EQ(out.rows(), n);
                            ASSERT_EQ(out.cols(), k);
                            EXPECT_LT((out - ref).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + ref.cwiseAbs().maxCoeff()))
                                << "use_active_rows = " << use_active << ", k = " << k;
                            if (use_active && net.phi.derivative_is_indicator()) {
                                EXPECT_EQ(na, active);
                            } else {
                                EXPECT_EQ(na, n);
                            }
                        }
                        if (net.phi.derivative_is_indicator()) {
                            // The states are chosen so that the active-row path is really exercised.
                            EXPECT_GT(active, 0);
                            EXPECT_LT(active, n);
                        }
                    }
                }
}

TEST(Jacobian, TraceEqualsTraceOfJacobian) {
    const Eigen::Index n = 10;
    for (Form form : {Form::rate, Form::current})
        for (TransferKind kind : all_kinds())
            for (bool sparse : {false, true}) {
                SCOPED_TRACE(std::string(to_string(form)) + " " + std::string(to_string(kind)) + (sparse ? " sparse" : ""));
                Network net = make_net(n, form, kind, 61);
                if (sparse) make_sparse(net, 0.5, 4);
                const Eigen::VectorXd x = random_vector(n, -1.0, 1.5, 3);
                Workspace ws(n);
                Eigen::MatrixXd J;
                jacobian(net, 0.0, x, J, ws);
                const double tr = jacobian_trace(net, 0.0, x, ws);
                EXPECT_NEAR(tr, J.trace(), 1e-12 * (1.0 + std::abs(J.trace())));
            }
}

TEST(Jacobian, ThresholdLinearTraceFormula) {
    // science.md: for a threshold-linear network the trace is
    // sum_i (W_ii [u_i > 0] - 1) / tau_i (rate form, relu), checked by hand here.
    const Eigen::Index n = 8;
    const Network net = make_net(n, Form::rate, TransferKind::relu, 71);
    const Eigen::VectorXd x = random_vector(n, -1.0, 1.0, 5);
    const Eigen::VectorXd u = net.W * x + net.input.b;
    double expected = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) expected += ((u[i] > 0 ? net.W(i, i) : 0.0) - 1.0) / net.tau[i];
    Workspace ws(n);
    EXPECT_NEAR(jacobian_trace(net, 0.0, x, ws), expected, 1e-12);
}

// ---------------------------------------------------------------- integrators

TEST(Integrate, LinearExactSolutionSanity) {
    // The reference itself: the exponential solution satisfies dx/dt = A x + c.
    const Network net = linear_net(4, 3);
    const Eigen::VectorXd x0 = random_vector(4, -1, 1, 4);
    const LinearExact ex(net, x0, net.input.b);
    const double t = 0.7, h = 1e-5;
    Workspace ws(4);
    Eigen::VectorXd f;
    rhs(net, t, ex.at(t), f, ws);
    EXPECT_LT(((ex.at(t + h) - ex.at(t - h)) / (2 * h) - f).lpNorm<Eigen::Infinity>(), 1e-8);
    EXPECT_LT((ex.at(0.0) - x0).lpNorm<Eigen::Infinity>(), 1e-14);
}

TEST(Integrate, EulerIsFirstOrder) {
    const Network net = linear_net(5, 10);
    const Eigen::VectorXd x0 = random_vector(5, -1, 1, 11);
    IntegratorOptions opt;
    opt.method = Method::euler;
    opt.t_end = 2.0;
    opt.dt_out = 0.4;
    std::vector<double> err;
    for (double dt : {0.02, 0.01, 0.005}) {
        opt.dt = dt;
        err.push_back(final_error(net, x0, opt));
    }
    const double p1 = std::log2(err[0] / err[1]), p2 = std::log2(err[1] / err[2]);
    EXPECT_NEAR(p1, 1.0, 0.15) << err[0] << " " << err[1];
    EXPECT_NEAR(p2, 1.0, 0.15) << err[1] << " " << err[2];
    EXPECT_GT(err[2], 1e-6);  // far from round-off: the order is meaningful
}

TEST(Integrate, Rk4IsFourthOrder) {
    const Network net = linear_net(5, 20);
    const Eigen::VectorXd x0 = random_vector(5, -1, 1, 21);
    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.t_end = 2.0;
    opt.dt_out = 0.4;
    std::vector<double> err;
    for (double dt : {0.2, 0.1, 0.05}) {
        opt.dt = dt;
        err.push_back(final_error(net, x0, opt));
    }
    const double p1 = std::log2(err[0] / err[1]), p2 = std::log2(err[1] / err[2]);
    EXPECT_NEAR(p1, 4.0, 0.3) << err[0] << " " << err[1];
    EXPECT_NEAR(p2, 4.0, 0.3) << err[1] << " " << err[2];
    EXPECT_GT(err[2], 1e-12);
}

TEST(Integrate, Dopri5MeetsItsTolerance) {
    const Network net = linear_net(6, 30);
    const Eigen::VectorXd x0 = random_vector(6, -1, 1, 31);
    const LinearExact ex(net, x0, net.input.b);
    IntegratorOptions opt;
    opt.method = Method::dopri5;
    opt.t_end = 5.0;
    opt.dt_out = 0.25;
    std::vector<double> errs;
    for (double tol : {1e-4, 1e-6, 1e-8, 1e-10}) {
        SCOPED_TRACE(tol);
        opt.atol = tol;
        opt.rtol = tol;
        Recorder rec;
        const RunResult r = integrate(net, x0, opt, rec);
        ASSERT_EQ(r.status, RunStatus::completed);
        ASSERT_EQ(static_cast<std::int64_t>(rec.t.size()), opt.n_samples());
        double err = 0;
        for (std::size_t k = 0; k < rec.t.size(); ++k)
            err = std::max(err, (rec.x[k] - ex.at(rec.t[k])).lpNorm<Eigen::Infinity>());
        EXPECT_LT(err, 100 * tol);
        errs.push_back(err);
    }
    for (std::size_t i = 1; i < errs.size(); ++i) EXPECT_LT(errs[i], errs[i - 1]);
    EXPECT_LT(errs.back(), 1e-3 * errs.front());
}

TEST(Integrate, SamplesFallExactlyOnTheOutputGrid) {
    const Network net = linear_net(3, 40);
    const Eigen::VectorXd x0 = random_vector(3, -1, 1, 41);
    for (Method m : {Method::euler, Method::rk4, Method::dopri5})
        for (double dt : {0.013, 0.05, 0.1}) {
            SCOPED_TRACE(std::string(to_string(m)) + " dt=" + std::to_string(dt));
            IntegratorOptions opt;
            opt.method = m;
            opt.t_start = 0.3;
            opt.t_end = 7.3;
            opt.dt_out = 0.1;
            opt.dt = dt;
            Recorder rec;
            const RunResult r = integrate(net, x0, opt, rec);
            ASSERT_EQ(r.status, RunStatus::completed);
            ASSERT_EQ(rec.t.size(), 71u);  // 0.3, 0.4, ..., 7.3
            EXPECT_EQ(r.samples, 71);
            for (std::size_t k = 0; k < rec.t.size(); ++k)
                ASSERT_EQ(rec.t[k], 0.3 + static_cast<double>(k) * 0.1) << "sample " << k;  // bit-exact
            EXPECT_DOUBLE_EQ(r.t_final, rec.t.back());
            EXPECT_EQ(rec.x.front(), x0);
            // The state at each grid time is the solution at that time (not at a nearby step).
            const LinearExact ex(net, x0, net.input.b);
            const double tol = m == Method::euler ? 0.05 : 1e-5;
            for (std::size_t k = 0; k < rec.t.size(); k += 7)
                EXPECT_LT((rec.x[k] - ex.at(rec.t[k] - 0.3)).lpNorm<Eigen::Infinity>(), tol) << "sample " << k;
        }
}

TEST(Integrate, HahnloserWtaConvergesToAnalyticSteadyState) {
    // W = alpha I - beta 1 1' with alpha > 1, beta > alpha - 1 (science.md): only
    // singletons are permitted; winner i has x_i = b_i / (1 - alpha + beta). With
    // beta = 3 the singleton {i} is stable iff b_k <= beta b_i / (1 - alpha + beta)
    // for every k, which for this b holds only for i = 2: every start must end there.
    const Eigen::Index n = 6;
    const double alpha = 1.5, beta = 3.0;
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::relu;
    net.W = Eigen::MatrixXd::Constant(n, n, -beta);
    net.W.diagonal().array() += alpha;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b.resize(n);
    net.input.b << 0.3, 0.5, 1.0, 0.4, 0.6, 0.7;
    const double x_win = 1.0 / (1.0 - alpha + beta);
    IntegratorOptions opt;
    opt.t_end = 80.0;
    opt.dt_out = 1.0;
    opt.atol = 1e-12;
    opt.rtol = 1e-10;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        SCOPED_TRACE(seed);
        const Eigen::VectorXd x0 = random_vector(n, -0.5, 2.0, seed * 13);
        Recorder rec;
        ASSERT_EQ(integrate(net, x0, opt, rec).status, RunStatus::completed);
        const Eigen::VectorXd& x = rec.x.back();
        for (Eigen::Index i = 0; i < n; ++i) {
            if (i == 2)
                EXPECT_NEAR(x[i], x_win, 1e-8);
            else
                EXPECT_NEAR(x[i], 0.0, 1e-8);
        }
    }
    // And the other stable winners when beta is small (hysteresis): from x0 = 0 the
    // largest input wins; starting next to another singleton keeps that one.
    net.W = Eigen::MatrixXd::Constant(n, n, -1.0);
    net.W.diagonal().array() += alpha;  // beta = 1: 1 - alpha + beta = 0.5
    Recorder rec0;
    ASSERT_EQ(integrate(net, Eigen::VectorXd::Zero(n), opt, rec0).status, RunStatus::completed);
    Eigen::VectorXd expect0 = Eigen::VectorXd::Zero(n);
    expect0[2] = 1.0 / 0.5;
    EXPECT_LT((rec0.x.back() - expect0).lpNorm<Eigen::Infinity>(), 1e-8);
    Eigen::VectorXd x0 = Eigen::VectorXd::Zero(n);
    x0[5] = 1.3;  // near winner 5: x_5 = 0.7 / 0.5 = 1.4; 1.0 <= 1.0 * 1.4 keeps it stable
    Recorder rec5;
    ASSERT_EQ(integrate(net, x0, opt, rec5).status, RunStatus::completed);
    Eigen::VectorXd expect5 = Eigen::VectorXd::Zero(n);
    expect5[5] = 0.7 / 0.5;
    EXPECT_LT((rec5.x.back() - expect5).lpNorm<Eigen::Infinity>(), 1e-8);
}

TEST(Integrate, CtlnThreeCycleOscillatesInCyclicOrder) {
    // 0 -> 1 -> 2 -> 0 (Curto, Geneson & Morrison 2019): the unique fixed point
    // x* = theta / (3 + delta - eps) is unstable and the trajectory approaches a
    // limit cycle visiting the neurons in the order of the cycle.
    const double eps = 0.25, delta = 0.5, theta = 1.0;
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::relu;
    net.W = Eigen::MatrixXd::Constant(3, 3, -1.0 - delta);
    net.W.diagonal().setZero();
    net.W(1, 0) = net.W(2, 1) = net.W(0, 2) = -1.0 + eps;  // W(i, j) for the edge j -> i
    net.tau = Eigen::VectorXd::Ones(3);
    net.input.b = Eigen::VectorXd::Constant(3, theta);
    const double xstar = theta / (3.0 + delta - eps);
    IntegratorOptions opt;
    opt.t_end = 150.0;
    opt.dt_out = 0.01;
    opt.atol = 1e-10;
    opt.rtol = 1e-9;
    Eigen::VectorXd x0(3);
    x0 << 0.2, 0.0, 0.1;
    Recorder rec;
    ASSERT_EQ(integrate(net, x0, opt, rec).status, RunStatus::completed);
    const std::size_t start = 5000;  // t = 50: past the transient
    for (std::size_t k = start; k < rec.t.size(); ++k) {
        ASSERT_GE(rec.x[k].minCoeff(), -1e-9) << "t = " << rec.t[k];
        ASSERT_LE(rec.x[k].maxCoeff(), theta + 1e-9) << "t = " << rec.t[k];
        ASSERT_GT((rec.x[k] - Eigen::VectorXd::Constant(3, xstar)).norm(), 0.05) << "t = " << rec.t[k];
    }
    // Peaks (strict local maxima above x*) of every neuron, in time order.
    std::vector<std::pair<double, int>> peaks;
    for (std::size_t k = start + 1; k + 1 < rec.t.size(); ++k)
        for (int i = 0; i < 3; ++i) {
            const double v = rec.x[k][i];
            if (v > rec.x[k - 1][i] && v >= rec.x[k + 1][i] && v > xstar) peaks.emplace_back(rec.t[k], i);
        }
    ASSERT_GE(peaks.size(), 9u);
    for (std::size_t p = 1; p < peaks.size(); ++p)
        EXPECT_EQ(peaks[p].second, (peaks[p - 1].second + 1) % 3) << "peak at t = " << peaks[p].first;
    // Period-like recurrence: successive peaks of neuron 0 are equally spaced, and the
    // peak heights repeat.
    std::vector<double> t0;
    for (const auto& [t, i] : peaks)
        if (i == 0) t0.push_back(t);
    ASSERT_GE(t0.size(), 3u);
    std::vector<double> periods;
    for (std::size_t i = 1; i < t0.size(); ++i) periods.push_back(t0[i] - t0[i - 1]);
    const auto [pmin, pmax] = std::minmax_element(periods.begin(), periods.end());
    EXPECT_LT(*pmax - *pmin, 0.01 * *pmin + 0.02);
    EXPECT_GT(*pmin, 1.0);
}

TEST(Integrate, DeterministicBits) {
    // A chaotic network: any nondeterminism would be amplified.
    RandomGaussianParams p;
    p.n = 60;
    p.g = 2.0;
    p.seed = 4;
    Network net;
    net.form = Form::current;
    net.phi.kind = TransferKind::tanh;
    net.W = make_random_gaussian(p).W;
    net.tau = Eigen::VectorXd::Ones(p.n);
    net.input.b = Eigen::VectorXd::Zero(p.n);
    const Eigen::VectorXd x0 = random_vector(p.n, -1, 1, 9);
    IntegratorOptions opt;
    opt.t_end = 30.0;
    auto run = [&](const Network& nw, const IntegratorOptions& o) {
        Recorder r;
        EXPECT_EQ(integrate(nw, x0, o, r).status, RunStatus::completed);
        return r;
    };
    auto same_bits = [](const Recorder& a, const Recorder& b) {
        if (a.t.size() != b.t.size()) return false;
        for (std::size_t k = 0; k < a.x.size(); ++k)
            if (std::memcmp(a.x[k].data(), b.x[k].data(), sizeof(double) * static_cast<std::size_t>(a.x[k].size())) != 0)
                return false;
        return true;
    };
    EXPECT_TRUE(same_bits(run(net, opt), run(net, opt)));
    // With noise: Euler-Maruyama with the same noise seed gives the same bits; another seed differs.
    Network noisy = net;
    noisy.input.noise_sigma = 0.1;
    IntegratorOptions eo = opt;
    eo.method = Method::euler;
    eo.dt = 0.01;
    const Recorder a = run(noisy, eo), b = run(noisy, eo);
    EXPECT_TRUE(same_bits(a, b));
    eo.noise_seed = 4;
    EXPECT_FALSE(same_bits(a, run(noisy, eo)));
    // The noise does something (compared with the deterministic Euler run).
    Network quiet = net;
    eo.noise_seed = 3;
    EXPECT_FALSE(same_bits(a, run(quiet, eo)));
}

TEST(Integrate, NoiseNeedsEuler) {
    Network net = linear_net(2, 3);
    net.input.noise_sigma = 0.1;
    Recorder rec;
    IntegratorOptions opt;
    opt.method = Method::rk4;
    try {
        integrate(net, Eigen::VectorXd::Zero(2), opt, rec);
        FAIL() << "noise with rk4 accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "method");
    }
}

TEST(Integrate, DivergenceOfRandomReluNetworkIsReported) {
    // science.md: dh/dt = -h + J [h]_+ with zero input is scale invariant and grows
    // exponentially for g above about sqrt(2).
    RandomGaussianParams p;
    p.n = 100;
    p.g = 3.0;
    p.seed = 2;
    Network net;
    net.form = Form::current;
    net.phi.kind = TransferKind::relu;
    net.W = make_random_gaussian(p).W;
    net.tau = Eigen::VectorXd::Ones(p.n);
    net.input.b = Eigen::VectorXd::Zero(p.n);
    const Eigen::VectorXd x0 = random_vector(p.n, -1, 1, 3);
    for (Method m : {Method::dopri5, Method::rk4, Method::euler}) {
        SCOPED_TRACE(std::string(to_string(m)));
        IntegratorOptions opt;
        opt.method = m;
        opt.t_end = 500.0;
        opt.dt = 0.01;
        opt.dt_out = 0.1;
        Recorder rec;
        const RunResult r = integrate(net, x0, opt, rec);
        ASSERT_EQ(r.status, RunStatus::diverged);
        EXPECT_GE(r.bad_neuron, 0);
        EXPECT_LT(r.bad_neuron, p.n);
        EXPECT_GT(r.t_bad, 0.0);
        EXPECT_LT(r.t_bad, 500.0);
        EXPECT_NE(r.message.find("diverged"), std::string::npos) << r.message;
        ASSERT_FALSE(rec.t.empty());
        EXPECT_EQ(r.samples, static_cast<std::int64_t>(rec.t.size()));
        EXPECT_LE(rec.t.back(), r.t_bad);
        for (const auto& x : rec.x) {
            ASSERT_TRUE(x.allFinite());
            ASSERT_LE(x.cwiseAbs().maxCoeff(), opt.bound);
        }
        // It really grew: the last sample is far above the start.
        EXPECT_GT(rec.x.back().cwiseAbs().maxCoeff(), 1e3);
    }
}

TEST(Integrate, DivergenceTimeOfLinearUnstableUnit) {
    // dx/dt = -x + 2x = x: x = e^t crosses the bound 1e6 at t = ln 1e6.
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = Eigen::MatrixXd::Constant(1, 1, 2.0);
    net.tau = Eigen::VectorXd::Ones(1);
    net.input.b = Eigen::VectorXd::Zero(1);
    const double t_cross = std::log(1e6);
    for (Method m : {Method::rk4, Method::dopri5}) {
        SCOPED_TRACE(std::string(to_string(m)));
        IntegratorOptions opt;
        opt.method = m;
        opt.t_end = 100.0;
        opt.dt = 0.01;
        opt.dt_out = 0.5;
        Recorder rec;
        const RunResult r = integrate(net, Eigen::VectorXd::Ones(1), opt, rec);
        ASSERT_EQ(r.status, RunStatus::diverged);
        EXPECT_EQ(r.bad_neuron, 0);
        EXPECT_GE(r.t_bad, t_cross - 1e-3);
        EXPECT_LE(r.t_bad, m == Method::rk4 ? t_cross + 0.01 + 1e-9 : t_cross + 2.0);
        // rk4 delivers every sample before ln 1e6 = 13.8 (0, 0.5, ..., 13.5); dopri5 may
        // lose the samples inside its last (rejected) step.
        if (m == Method::rk4)
            EXPECT_EQ(rec.t.size(), 28u);
        else
            EXPECT_GE(rec.t.size(), 20u);
        EXPECT_LE(rec.t.size(), 28u);
        for (std::size_t k = 0; k < rec.t.size(); ++k)
            EXPECT_NEAR(rec.x[k][0], std::exp(rec.t[k]), 1e-5 * std::exp(rec.t[k]));
    }
}

TEST(Integrate, SteadyStateStop) {
    const Eigen::Index n = 5;
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::relu;
    net.W = Eigen::MatrixXd::Constant(n, n, -1.0);
    net.W.diagonal().array() += 1.5;
    net.tau = Eigen::VectorXd::Constant(n, 0.7);
    net.input.b = random_vector(n, 0.3, 1.0, 5);
    IntegratorOptions opt;
    opt.t_end = 1000.0;
    opt.dt_out = 0.1;
    opt.steady_tol = 1e-6;
    Recorder rec;
    const RunResult r = integrate(net, Eigen::VectorXd::Zero(n), opt, rec);
    EXPECT_EQ(r.status, RunStatus::completed);
    EXPECT_TRUE(r.steady_state);
    EXPECT_LT(r.t_final, 100.0);
    EXPECT_EQ(r.t_final, rec.t.back());
    // Stopped at the first sample with ||dx/dt||_inf < steady_tol, computed here.
    Workspace ws(n);
    Eigen::VectorXd f;
    for (std::size_t k = 0; k < rec.t.size(); ++k) {
        rhs(net, rec.t[k], rec.x[k], f, ws);
        if (k + 1 < rec.t.size())
            EXPECT_GE(f.lpNorm<Eigen::Infinity>(), 1e-6) << "t = " << rec.t[k];
        else
            EXPECT_LT(f.lpNorm<Eigen::Infinity>(), 1e-6);
    }
    // Without the check the run goes to t_end.
    opt.steady_tol = 0.0;
    opt.t_end = 50.0;
    Recorder all;
    const RunResult r2 = integrate(net, Eigen::VectorXd::Zero(n), opt, all);
    EXPECT_FALSE(r2.steady_state);
    EXPECT_DOUBLE_EQ(r2.t_final, 50.0);
}

TEST(Integrate, InputScheduleIsExactAcrossBreakpoints) {
    // One linear unit tau dx/dt = -x + b(t): x relaxes exponentially towards the
    // current b. The breakpoints lie off the step and sample grids.
    const double tau = 0.7;
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = Eigen::MatrixXd::Zero(1, 1);
    net.tau = Eigen::VectorXd::Constant(1, tau);
    net.input.b = Eigen::VectorXd::Constant(1, 0.2);
    net.input.schedule.push_back({2.013, 5.0371, Eigen::VectorXd::Constant(1, 1.0)});
    net.input.schedule.push_back({5.0371, 7.21, Eigen::VectorXd::Constant(1, -0.5)});
    net.input.schedule.push_back({8.333, 9.0, Eigen::VectorXd::Constant(1, 2.0)});
    const double x_init = -0.3;
    auto exact = [&](double t) {
        const double edges[] = {0.0, 2.013, 5.0371, 7.21, 8.333, 9.0, 1e9};
        const double bs[] = {0.2, 1.0, -0.5, 0.2, 2.0, 0.2};
        double x = x_init;
        for (int s = 0; s < 6; ++s) {
            const double a = edges[s], e = std::min(edges[s + 1], t);
            if (e <= a) break;
            x = bs[s] + (x - bs[s]) * std::exp(-(e - a) / tau);
        }
        return x;
    };
    for (Method m : {Method::dopri5, Method::rk4}) {
        SCOPED_TRACE(std::string(to_string(m)));
        IntegratorOptions opt;
        opt.method = m;
        opt.t_end = 12.0;
        opt.dt_out = 0.1;
        opt.dt = 0.02;
        opt.atol = 1e-12;
        opt.rtol = 1e-10;
        Recorder rec;
        ASSERT_EQ(integrate(net, Eigen::VectorXd::Constant(1, x_init), opt, rec).status, RunStatus::completed);
        ASSERT_EQ(rec.t.size(), 121u);
        double err = 0;
        for (std::size_t k = 0; k < rec.t.size(); ++k) err = std::max(err, std::abs(rec.x[k][0] - exact(rec.t[k])));
        // Stepping across a jump of b without restarting there would cost about
        // dt |jump| / tau ~ 1e-2; restarted, the error is the method's own.
        EXPECT_LT(err, m == Method::dopri5 ? 1e-8 : 1e-7);
    }
}

TEST(Integrate, OrnsteinUhlenbeckStationaryVariance) {
    // dx = -x/tau dt + sigma dW: stationary variance sigma^2 tau / 2, correlation
    // time tau. Euler-Maruyama with step h has variance sigma^2 tau / (2 - h/tau),
    // 0.5 % above the continuum value at h/tau = 0.01.
    const double tau = 0.5, sigma = 0.4, h = 0.005;
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::leaky_relu;
    net.phi.slope = 1.0;
    net.W = Eigen::MatrixXd::Zero(1, 1);
    net.tau = Eigen::VectorXd::Constant(1, tau);
    net.input.b = Eigen::VectorXd::Zero(1);
    net.input.noise_sigma = sigma;
    IntegratorOptions opt;
    opt.method = Method::euler;
    opt.dt = h;
    opt.dt_out = 0.05;
    opt.t_end = 5000.0;
    opt.noise_seed = 12345;
    struct Moments : TrajectoryObserver {
        double burn = 5.0, n = 0, s1 = 0, s2 = 0, lag_sum = 0, lag_n = 0;
        std::vector<double> buf;  // the last tau / dt_out + 1 samples for the lag-tau correlation
        void observe(double t, const Eigen::VectorXd& x) override {
            if (t < burn) return;
            const double v = x[0];
            n += 1;
            s1 += v;
            s2 += v * v;
            buf.push_back(v);
            if (buf.size() > 11) {
                lag_sum += buf.front() * v;  // x(t - 0.5) x(t)
                lag_n += 1;
                buf.erase(buf.begin());
            }
        }
    } mom;
    Eigen::VectorXd x0 = Eigen::VectorXd::Zero(1);
    ASSERT_EQ(integrate(net, x0, opt, mom).status, RunStatus::completed);
    const double T = opt.t_end - mom.burn;
    const double mean = mom.s1 / mom.n;
    const double var = mom.s2 / mom.n - mean * mean;
    const double var_exact = sigma * sigma * tau / 2;
    // Standard errors of time averages of an OU process over T: mean sqrt(var 2 tau / T),
    // variance var sqrt(2 tau / T) (Gaussian: the autocorrelation of x^2 is 2 var^2 e^{-2|s|/tau}).
    const double se_mean = std::sqrt(var_exact * 2 * tau / T);
    const double se_var = var_exact * std::sqrt(2 * tau / T);
    EXPECT_NEAR(mean, 0.0, 5 * se_mean);
    EXPECT_NEAR(var, var_exact, 5 * se_var + 0.006 * var_exact) << "sigma^2 tau / 2 = " << var_exact;
    // The other conventions would be far off: sigma^2/(2 tau) is 4x this value here.
    EXPECT_GT(5 * se_var, 0.0);
    EXPECT_LT(5 * se_var, 0.2 * var_exact);
    // Correlation at lag tau: e^{-1}.
    const double corr = (mom.lag_sum / mom.lag_n) / var_exact;
    EXPECT_NEAR(corr, std::exp(-1.0), 0.07);
}

TEST(Integrate, RejectsBadOptionsAndStates) {
    const Network net = linear_net(3, 1);
    Recorder rec;
    auto key_of = [&](IntegratorOptions o, Eigen::VectorXd x0) -> std::string {
        try {
            integrate(net, x0, o, rec);
        } catch (const invalid_parameter& e) {
            return e.key();
        }
        return "(accepted)";
    };
    IntegratorOptions o;
    const Eigen::VectorXd ok = Eigen::VectorXd::Zero(3);
    o.t_end = -1;
    EXPECT_EQ(key_of(o, ok), "t_end");
    o = {};
    o.dt = 0;
    EXPECT_EQ(key_of(o, ok), "dt");
    o = {};
    o.method = Method::rk4;
    o.dt = 0.5;
    o.dt_out = 0.1;
    EXPECT_EQ(key_of(o, ok), "dt");
    o = {};
    o.atol = -1;
    EXPECT_EQ(key_of(o, ok), "atol");
    o = {};
    EXPECT_EQ(key_of(o, Eigen::VectorXd::Zero(2)), "x0");
    Eigen::VectorXd bad = ok;
    bad[1] = NAN;
    EXPECT_EQ(key_of(o, bad), "x0[1]");
    o.t_end = 1.0;
    EXPECT_EQ(key_of(o, ok), "(accepted)");
}
