// Products in float32: network.precision = "float32" (the right-hand side) and
// lyapunov.precision = "mixed" (the tangent products). The float32 kernels are
// checked against the float64 definition with the a-priori bound of a rounded
// dot product, |fl32(sum w v) - sum w v| <= (n + 2) u sum |w| |v| with u = 2^-24
// (W and v rounded once each, then n float32 additions); against 1 vs 2 threads
// (same bits); and the mixed spectra against float64 within its standard errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>

#include "cli_util.hpp"
#include "support/kernel_checks.hpp"
#include "io/h5.hpp"
#include "ratenet/dynamics.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;

namespace {

constexpr double unit_roundoff32 = 0x1p-24;

ratenet::Network tanh_network(Eigen::Index n, ratenet::Form form, bool sparse, std::uint64_t seed) {
    ratenet::RandomGaussianParams p;
    p.n = n;
    p.g = 2.0;
    p.seed = seed;
    if (sparse) p.k = 50;
    auto c = ratenet::make_random_gaussian(p);
    ratenet::Network net;
    net.sparse = c.sparse;
    net.W = std::move(c.W);
    net.W_sparse.swap(c.W_sparse);
    net.form = form;
    net.phi.kind = ratenet::TransferKind::tanh;
    net.tau = Eigen::VectorXd::LinSpaced(n, 0.5, 2.0);
    net.input.b = 0.1 * gaussian(n, 1, seed + 1);
    return net;
}

// The float32 right-hand side against float64, entry by entry, within the bound
// of its one rounded product (phi and the leak are 1-Lipschitz, divided by tau).
TEST(Float32, RhsWithinTheRoundingBoundOfItsProductDenseAndSparseBothForms) {
    const Eigen::Index n = 700;  // the dense product splits into parallel panels
    for (const bool sparse : {false, true}) {
        for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
            ratenet::Network net = tanh_network(n, form, sparse, 5);
            const Eigen::VectorXd x = gaussian(n, 1, 9);
            ratenet::Workspace ws(n);
            Eigen::VectorXd f64, f32;
            ratenet::rhs(net, 0.0, x, f64, ws);
            const Eigen::MatrixXd Wd = net.dense_W();
            const Eigen::VectorXd v = form == ratenet::Form::rate ? x : Eigen::VectorXd(x.array().tanh());
            const Eigen::VectorXd bound =
                (static_cast<double>(n) + 2.0) * unit_roundoff32 * (Wd.cwiseAbs() * v.cwiseAbs()).cwiseQuotient(net.tau);
            net.W32 = ratenet::float32_coupling(net);
            auto run = [&] {
                ratenet::Workspace w(n);
                Eigen::VectorXd f;
                ratenet::rhs(net, 0.0, x, f, w);
                return Eigen::MatrixXd(f);
            };
            const Eigen::MatrixXd a = with_threads(1, run), b = with_threads(2, run);
            const Eigen::VectorXd err = (a.col(0) - f64).cwiseAbs();
            const std::string what = std::string(sparse ? "sparse" : "dense") + (form == ratenet::Form::rate ? " rate" : " current");
            for (Eigen::Index i = 0; i < n; ++i) ASSERT_LE(err[i], bound[i] * 1.0001 + 1e-300) << what << " neuron " << i;
            // The float32 path ran: its rounding shows, far above float64's.
            EXPECT_GT(err.maxCoeff(), 1e-9) << what;
            EXPECT_TRUE(same_bits(a, b)) << what;
        }
    }
}

// J Q with float32 products (tanh path and threshold-linear active-row path,
// both forms, dense W and CSR) within the bound of rounded products, and 1 vs 2
// threads.
TEST(Float32, TangentProductsWithinTheRoundingBound) {
    // Large enough that the gathers, the rounding of Q and the passes around the
    // products run on several threads (linalg::gather_parallel_work, for_column_blocks).
    const Eigen::Index n = 520, k = 400;
    // theta: NaN = tanh; 0.1 = threshold-linear, part of the neurons active;
    // -100 = threshold-linear, all 520 active (more than one 512-neuron panel).
    for (const bool sparse : {false, true})
    for (const double theta : {std::nan(""), 0.1, -100.0}) {
        const bool tln = !std::isnan(theta);
        for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
            ratenet::Network net = tanh_network(n, form, sparse, 17);
            if (tln) {
                net.phi.kind = ratenet::TransferKind::threshold_linear;
                net.phi.gain = 1.5;
                net.phi.theta = theta;
            }
            const Eigen::VectorXd x = gaussian(n, 1, 18);
            const Eigen::MatrixXd Q = gaussian(n, k, 19);
            ratenet::Workspace ws(n);
            Eigen::MatrixXd J, ref;
            ratenet::jacobian(net, 0.0, x, J, ws);
            ratenet::jacobian_times(net, 0.0, x, Q, ref, ws, true);
            // J + diag(1/tau) = diag(1/tau) (diag(d) W or W diag(d)): the part multiplied in float32.
            const Eigen::MatrixXd coupling = J + Eigen::MatrixXd(net.tau.cwiseInverse().asDiagonal());
            const Eigen::MatrixXd bound =
                (static_cast<double>(n) + 2.0) * unit_roundoff32 * coupling.cwiseAbs() * Q.cwiseAbs();
            const auto f32 = ratenet::float32_coupling(net);
            auto run = [&] {
                ratenet::Workspace w(n);
                Eigen::MatrixXd out;
                const Eigen::Index active = ratenet::jacobian_times(net, 0.0, x, Q, out, w, true, f32.get());
                EXPECT_EQ(active, tln ? (w.d.array() != 0.0).count() : n);
                return out;
            };
            const Eigen::MatrixXd a = with_threads(1, run), b = with_threads(2, run);
            const Eigen::MatrixXd err = (a - ref).cwiseAbs();
            const std::string what = std::string(sparse ? "sparse " : "dense ") + (tln ? "threshold-linear theta " + std::to_string(theta) : "tanh") +
                                     (form == ratenet::Form::rate ? " rate" : " current");
            EXPECT_TRUE(((err.array() <= bound.array() * 1.0001 + 1e-300)).all())
                << what << ": worst excess " << (err - bound).maxCoeff();
            EXPECT_GT(err.maxCoeff(), 1e-9) << what;
            EXPECT_TRUE(same_bits(a, b)) << what;
        }
    }
}

TEST(Float32, RefusesValuesBeyondTheFloat32Range) {
    ratenet::Network net = tanh_network(40, ratenet::Form::rate, false, 3);
    net.W(1, 2) = 1e39;
    try {
        (void)ratenet::float32_coupling(net);
        FAIL() << "accepted 1e39";
    } catch (const ratenet::invalid_parameter& e) {
        EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
    }
    ratenet::Network sp = tanh_network(100, ratenet::Form::rate, true, 3);
    sp.W_sparse.valuePtr()[7] = -1e40;
    EXPECT_THROW((void)ratenet::float32_coupling(sp), ratenet::invalid_parameter);
}

// lyapunov.precision = "mixed" against float64 on a chaotic tanh network and a
// chaotic threshold-linear one: the exponents agree within the float64
// standard errors (in fact within the measured float32 error rate times a few),
// and the check finds nothing to warn about.
TEST(MixedPrecision, LyapunovExponentsAgreeWithFloat64WithinTheirErrors) {
    // tanh (dense), threshold-linear (dense, active rows), tanh (CSR, 40 partners)
    for (const int which : {0, 1, 2}) {
        const bool tln = which == 1, sparse = which == 2;
        ratenet::RandomGaussianParams p;
        p.n = 200;
        p.g = tln ? 2.2 : 2.5;
        p.seed = 1;
        if (sparse) p.k = 40;
        ratenet::Network net;
        net.tau = Eigen::VectorXd::Ones(p.n);
        if (tln) {
            p.mu = -2.0;  // Engelken's rectified network: mean inhibition, b = 1
            net.form = ratenet::Form::rate;
            net.phi.kind = ratenet::TransferKind::threshold_linear;
            net.input.b = Eigen::VectorXd::Ones(p.n);
        } else {
            net.form = ratenet::Form::current;
            net.phi.kind = ratenet::TransferKind::tanh;
            net.input.b = Eigen::VectorXd::Zero(p.n);
        }
        ratenet::Connectivity c = ratenet::make_random_gaussian(p);
        net.sparse = c.sparse;
        ASSERT_EQ(net.sparse, sparse);
        net.W = std::move(c.W);
        net.W_sparse.swap(c.W_sparse);
        ratenet::LyapunovOptions opt;
        opt.dynamics = ratenet::LyapunovDynamics::euler_map;
        opt.dt = 0.1;
        opt.k = 12;
        opt.t_warmup = 20;
        opt.t_ons_warmup = 10;
        opt.t_sim = 200;
        const auto r64 = ratenet::lyapunov_spectrum(net, opt);
        opt.mixed_precision = true;
        const auto rm = ratenet::lyapunov_spectrum(net, opt);
        const char* what = tln ? "threshold-linear" : sparse ? "sparse tanh" : "tanh";
        ASSERT_EQ(r64.status, ratenet::RunStatus::completed) << what;
        ASSERT_EQ(rm.status, ratenet::RunStatus::completed) << what;
        EXPECT_GT(r64.exponents[0], 0.01) << what << ": the network is meant to be chaotic";
        ASSERT_TRUE(rm.mixed_error_rate.has_value());
        EXPECT_GT(*rm.mixed_error_rate, 0.0) << what << ": the float32 products were not used";
        EXPECT_LT(*rm.mixed_error_rate, 1e-4) << what;
        EXPECT_FALSE(r64.mixed_error_rate.has_value());
        for (Eigen::Index i = 0; i < 12; ++i)
            EXPECT_LE(std::abs(rm.exponents[i] - r64.exponents[i]), r64.errors[i])
                << what << " exponent " << i + 1 << ": " << rm.exponents[i] << " vs " << r64.exponents[i];
        EXPECT_EQ(rm.precision_warning, "") << what;
    }
}

// The check: a spectrum resolved far below the float32 error (a stable fixed
// point, whose exponents every block measures alike) is flagged, as are nearly
// degenerate exponents; a spectrum with statistical errors far above the float32
// error, or an exact float32 product (eps = 0), is not.
TEST(MixedPrecision, CheckFlagsSpectraFinerThanFloat32) {
    // h = 0 is a stable fixed point of dh/dt = -h + W tanh(h) with diagonal W:
    // the Euler map's exponents are log|1 + dt (w_i - 1)| / dt, the same in every
    // interval once Q is aligned, so float64 resolves them to rounding.
    const Eigen::Index n = 8;
    ratenet::Network net;
    net.form = ratenet::Form::current;
    net.phi.kind = ratenet::TransferKind::tanh;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::Zero(n);
    const Eigen::VectorXd w = Eigen::VectorXd::LinSpaced(n, 0.8, -1.3);
    net.W = w.asDiagonal();
    ratenet::LyapunovOptions opt;
    opt.dynamics = ratenet::LyapunovDynamics::euler_map;
    opt.dt = 0.1;
    opt.k = 4;
    opt.t_warmup = 50;
    opt.t_ons_warmup = 200;
    opt.t_sim = 100;
    opt.mixed_precision = true;
    const auto r = ratenet::lyapunov_spectrum(net, opt);
    ASSERT_EQ(r.status, ratenet::RunStatus::completed);
    for (Eigen::Index i = 0; i < 4; ++i)
        EXPECT_NEAR(r.exponents[i], std::log(1.0 + opt.dt * (w[i] - 1.0)) / opt.dt, 1e-6) << i;
    EXPECT_NE(r.precision_warning.find("float32 tangent error rate"), std::string::npos)
        << "exponents " << r.exponents.transpose() << " errors " << r.errors.transpose() << " eps "
        << r.mixed_error_rate.value_or(-1);

    const Eigen::VectorXd lam = (Eigen::VectorXd(3) << 0.5, 0.1, -1.0).finished();
    const Eigen::VectorXd se = Eigen::VectorXd::Constant(3, 0.01);
    EXPECT_EQ(ratenet::mixed_precision_check(lam, se, 1e-6), "");
    EXPECT_NE(ratenet::mixed_precision_check(lam, se, 2e-3).find("standard error"), std::string::npos);
    const Eigen::VectorXd close = (Eigen::VectorXd(3) << 0.5, 0.5 + 1e-6, -1.0).finished();
    Eigen::VectorXd sorted = close;
    std::sort(sorted.data(), sorted.data() + 3, std::greater<>());
    EXPECT_NE(ratenet::mixed_precision_check(sorted, se, 1e-6).find("between exponents 1 and 2"), std::string::npos);
    EXPECT_EQ(ratenet::mixed_precision_check(lam, Eigen::VectorXd::Zero(3), 0.0), "");
}

// --- through the CLI ---

std::string args(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += sh_quote(w) + " ";
    return s;
}

const char* const tanh_toml = R"(
[model]
name = "random_gaussian"
n = 300
g = 2.0
[network]
form = "current"
precision = "float32"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[seeds]
network = 3
initial = 4
[simulate]
method = "rk4"
dt = 0.05
t_end = 20
dt_out = 0.5
precision_check_time = 5
)";

TEST(Float32Cli, SimulateStoresTheErrorAgainstFloat64) {
    TempDir dir;
    write_text(dir / "f32.toml", tanh_toml);
    const RunResult r = run_ratenet(args({"simulate", "f32.toml", "-o", "out.h5"}), dir.path().string());
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("float32 products: largest difference from float64 over t <= 5"), std::string::npos) << r.out;
    h5::File f(dir / "out.h5", h5::File::Mode::read_only);
    auto g = f.group("network");
    EXPECT_EQ(g.attr_string("precision"), "float32");
    EXPECT_EQ(g.attr_double("float32_check_time"), 5.0);
    const double abs_err = g.attr_double("float32_max_abs_error"), rel = g.attr_double("float32_max_rel_error");
    // Chaotic (lambda_max ~ 0.2 at g = 2): rounding of 1e-7 grows by e^(0.2 * 5) ~ 3
    // over the horizon; well above float64's 1e-15 and well below O(1).
    EXPECT_GT(abs_err, 1e-9);
    EXPECT_LT(abs_err, 1e-4);
    EXPECT_GT(rel, 0.0);
    EXPECT_LE(rel, abs_err);

    // The default stays float64, with no check.
    std::string f64 = tanh_toml;
    f64.replace(f64.find("precision = \"float32\""), 21, "precision = \"float64\"");
    write_text(dir / "f64.toml", f64);
    const RunResult r64 = run_ratenet(args({"simulate", "f64.toml", "-o", "out64.h5"}), dir.path().string());
    ASSERT_EQ(r64.code, 0) << r64.err;
    h5::File f2(dir / "out64.h5", h5::File::Mode::read_only);
    EXPECT_EQ(f2.group("network").attr_string("precision"), "float64");
    EXPECT_FALSE(f2.group("network").has_attr("float32_max_abs_error"));
}

TEST(Float32Cli, BadPrecisionsAreRefusedByName) {
    TempDir dir;
    std::string bad = tanh_toml;
    bad.replace(bad.find("precision = \"float32\""), 21, "precision = \"half\"");
    write_text(dir / "bad.toml", bad);
    const RunResult r = run_ratenet(args({"simulate", "bad.toml", "-o", "out.h5"}), dir.path().string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bad.toml"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("network.precision"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\"half\""), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
}

// Dense W, and a CSR W (40 partners), alike.
TEST(MixedPrecisionCli, LyapunovRecordsPrecisionAndErrorRate) {
    for (const bool sparse : {false, true}) {
        TempDir dir;
        const std::string toml = std::string(R"(
[model]
name = "random_gaussian"
n = 120
g = 2.5
)") + (sparse ? "k = 40\n" : "") + R"(
[network]
form = "current"
[transfer]
name = "tanh"
[lyapunov]
precision = "mixed"
k = 5
dt = 0.05
t_warmup = 10
t_ons_warmup = 5
t_sim = 40
)";
        write_text(dir / "m.toml", toml);
        const RunResult r = run_ratenet(args({"lyapunov", "m.toml", "-o", "m.h5"}), dir.path().string());
        ASSERT_EQ(r.code, 0) << r.err << r.out;
        EXPECT_NE(r.out.find("mixed precision: float32 tangent error rate"), std::string::npos) << r.out;
        h5::File f(dir / "m.h5", h5::File::Mode::read_only);
        EXPECT_EQ(f.group("network").attr_string("W_format"), sparse ? "csr" : "dense");
        auto g = f.group("lyapunov");
        EXPECT_EQ(g.attr_string("precision"), "mixed");
        EXPECT_GT(g.attr_double("mixed_error_rate"), 0.0);
        EXPECT_LT(g.attr_double("mixed_error_rate"), 1e-4);
        EXPECT_EQ(g.attr_string("precision_warning"), "");
    }
}

}  // namespace
