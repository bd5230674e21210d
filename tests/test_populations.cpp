// The populations model (cell-type-specific coupling, Kadmon & Sompolinsky 2015):
// the block statistics of drawn matrices against their definition, the
// population sizes, the eigenvalue bulk radius of drawn matrices against
// Aljadeff, Stern & Sharpee (2015), simulated fixed points per population against
// the P-population mean field, and the model and `ratenet chaos` through the binary.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/meanfield_populations.hpp"
#include "ratenet/models.hpp"

using namespace ratenet;

namespace {

// Mean and variance of the entries of block (k, l) of W, off the diagonal.
struct BlockStats {
    double mean = 0, var = 0, count = 0;
};
BlockStats block_stats(const Eigen::MatrixXd& W, const PopulationLayout& L, Eigen::Index k, Eigen::Index l) {
    BlockStats s;
    double sum = 0, sum2 = 0;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index j = 0; j < W.cols(); ++j)
            if (i != j && L.population[static_cast<std::size_t>(i)] == k && L.population[static_cast<std::size_t>(j)] == l) {
                sum += W(i, j);
                sum2 += W(i, j) * W(i, j);
                s.count += 1;
            }
    s.mean = sum / s.count;
    s.var = sum2 / s.count - s.mean * s.mean;
    return s;
}

double perron(const Eigen::MatrixXd& A) { return A.eigenvalues().cwiseAbs().maxCoeff(); }

// The populations network of p with transfer phi (current form, tau = 1), run from
// h = 0 to its fixed point; returns each population's (mean, variance) of h as the
// columns of a 2 x P matrix, or an empty matrix when it did not settle.
Eigen::MatrixXd fixed_point_fields(const PopulationsParams& p, const Transfer& phi) {
    const PopulationLayout L = populations_layout(p);
    Connectivity c = make_populations(p);
    Network net;
    net.form = Form::current;
    net.phi = phi;
    if (phi.kind == TransferKind::by_population) net.phi.part_start = c.population_start;
    net.W = std::move(c.W);
    net.tau = Eigen::VectorXd::Ones(p.n);
    net.input.b = *c.b;
    IntegratorOptions o;
    o.t_end = 200;
    o.dt_out = 1.0;
    o.steady_tol = 1e-8;  // the networks below settle by t = 40 (rho(M) <= 0.9)
    struct Last : TrajectoryObserver {
        Eigen::VectorXd x;
        void observe(double, const Eigen::VectorXd& xi) override { x = xi; }
    } last;
    if (!integrate(net, Eigen::VectorXd::Zero(p.n), o, last).steady_state) return {};
    Eigen::MatrixXd out(2, L.alpha.size());
    Eigen::Index i0 = 0;
    for (Eigen::Index k = 0; k < out.cols(); ++k) {
        const auto nk = L.sizes[static_cast<std::size_t>(k)];
        const Eigen::ArrayXd h = last.x.segment(i0, nk).array();
        out(0, k) = h.mean();
        out(1, k) = (h - h.mean()).square().mean();
        i0 += nk;
    }
    return out;
}

}  // namespace

TEST(Populations, SizesAreLargestRemaindersInContiguousRanges) {
    PopulationsParams p;
    p.n = 10;
    p.fractions = {0.55, 0.25, 0.2};  // 5.5, 2.5, 2: the first two remainders tie, the lower index wins
    p.gains = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
    const PopulationLayout L = populations_layout(p);
    EXPECT_EQ(L.sizes, (std::vector<Eigen::Index>{6, 2, 2}));
    EXPECT_EQ(L.population, (std::vector<Eigen::Index>{0, 0, 0, 0, 0, 0, 1, 1, 2, 2}));
    EXPECT_DOUBLE_EQ(L.alpha.sum(), 1.0);
    p.n = 1001;
    p.fractions = {0.8, 0.2};
    p.gains = {{1, 1}, {1, 1}};
    const PopulationLayout M = populations_layout(p);
    EXPECT_EQ(M.sizes[0] + M.sizes[1], 1001);
    EXPECT_EQ(M.sizes[0], 801);  // 800.8 -> 801, 200.2 -> 200
}

// Gaussian blocks: E W_ij = m_kl / N and Var W_ij = g^2 G_kl^2 / N, with and without
// sparsity; Dale blocks: one sign per column, the same variance, the derived mean.
TEST(Populations, BlockStatisticsMatchTheDefinition) {
    PopulationsParams p;
    p.n = 1500;
    p.fractions = {0.5, 0.3, 0.2};
    p.g = 1.3;
    p.gains = {{1.0, 2.0, 0.5}, {0.7, 1.5, 1.0}, {2.0, 0.3, 1.2}};
    p.means = {{3.0, -4.0, 0.0}, {1.0, -2.0, 5.0}, {0.0, 0.0, -1.0}};
    p.connectivity = {{1.0, 0.3, 0.5}, {0.2, 1.0, 0.8}, {0.5, 0.5, 0.1}};
    p.seed = 7;
    const PopulationLayout L = populations_layout(p);
    const Connectivity c = make_populations(p);
    const double N = static_cast<double>(p.n);
    for (Eigen::Index k = 0; k < 3; ++k)
        for (Eigen::Index l = 0; l < 3; ++l) {
            const BlockStats s = block_stats(c.W, L, k, l);
            const double var = p.g * p.g * L.gains(k, l) * L.gains(k, l) / N;
            // Standard errors of a mean and a variance over s.count entries; the variance
            // of a sparse block's entries has kurtosis up to 3 / p, hence the factor.
            const double q = L.connectivity(k, l);
            EXPECT_NEAR(s.mean * N, L.means(k, l), 5 * std::sqrt(var / s.count) * N) << k << l;
            EXPECT_NEAR(s.var / var, 1.0, 5 * std::sqrt((3.0 / q - 1.0) / s.count)) << k << l;
        }
    // The model's input: b_k on population k's neurons.
    p.b = {0.5, -1.0, 2.0};
    const Connectivity cb = make_populations(p);
    ASSERT_TRUE(cb.b.has_value());
    for (Eigen::Index i = 0; i < p.n; ++i) EXPECT_EQ((*cb.b)[i], p.b[static_cast<std::size_t>(L.population[static_cast<std::size_t>(i)])]);

    PopulationsParams d = p;
    d.means = {};
    d.b = {};
    d.dale = {1, -1, -1};
    d.connectivity = {{0.4, 0.3, 0.5}, {0.2, 0.6, 0.8}, {0.5, 0.5, 0.1}};
    const PopulationLayout D = populations_layout(d);
    const Connectivity cd = make_populations(d);
    for (Eigen::Index j = 0; j < d.n; ++j) {
        const double sign = d.dale[static_cast<std::size_t>(D.population[static_cast<std::size_t>(j)])];
        EXPECT_TRUE(((cd.W.col(j).array() * sign) >= 0).all()) << j;
    }
    for (Eigen::Index k = 0; k < 3; ++k)
        for (Eigen::Index l = 0; l < 3; ++l) {
            const BlockStats s = block_stats(cd.W, D, k, l);
            const double var = d.g * d.g * D.gains(k, l) * D.gains(k, l) / N, q = D.connectivity(k, l);
            EXPECT_NEAR(s.mean * N / d.g, D.means(k, l), 5 * std::sqrt(var / s.count) * N / d.g) << k << l;
            EXPECT_NEAR(s.var / var, 1.0, 5 * std::sqrt((1.0 / (q * (1 - q)) - 3.0 + 2.0) / s.count)) << k << l;
        }
}

// Aljadeff, Stern & Sharpee: with zero block means the eigenvalues of W fill a disc
// of radius g sqrt(rho(A)), A_kl = alpha_l G_kl^2, here 1.556 g; the averaged
// variance would give g sqrt(sum alpha_k alpha_l G_kl^2) = 1.130 g.
TEST(Populations, EigenvalueBulkRadiusOfDrawnMatrices) {
    PopulationsParams p;
    p.n = 1000;
    p.fractions = {0.5, 0.3, 0.2};
    p.g = 1.0;
    p.gains = {{2.2, 0.3, 0.3}, {0.3, 0.3, 0.3}, {0.3, 0.3, 0.3}};
    const PopulationLayout L = populations_layout(p);
    Eigen::MatrixXd A(3, 3);
    for (Eigen::Index k = 0; k < 3; ++k)
        for (Eigen::Index l = 0; l < 3; ++l) A(k, l) = L.alpha[l] * L.gains(k, l) * L.gains(k, l);
    const double r = std::sqrt(perron(A));
    EXPECT_NEAR(bulk_radius(L.alpha, L.gains, 1.0), r, 1e-12);
    double naive = 0;
    for (Eigen::Index k = 0; k < 3; ++k)
        for (Eigen::Index l = 0; l < 3; ++l) naive += L.alpha[k] * A(k, l);
    ASSERT_GT(r / std::sqrt(naive), 1.3);  // the test tells the two apart
    for (std::uint64_t seed : {1u, 2u}) {
        p.seed = seed;
        const Eigen::MatrixXd W = make_populations(p).W;
        const double rmax = W.eigenvalues().cwiseAbs().maxCoeff();
        // The edge of a circular law at N = 1000 fluctuates by a few percent (N^-1/2
        // tails of the largest modulus); 6% leaves room and excludes the naive 27% gap.
        EXPECT_NEAR(rmax / r, 1.0, 0.06) << seed;
    }
}

// A tanh network below g_c with block means and population inputs settles on a
// fixed point whose fields in population k are N(mu_k, Delta_k) of the P-population
// mean field. Finite size: the sample mean over N_k neurons scatters by
// sqrt(Delta_k / N_k) and the quenched mean input by about as much again; the sample
// variance by Delta_k sqrt(2 / N_k) plus O(1 / N) corrections (the zero diagonal);
// over 3 networks of N = 2000 the tolerance is 4 such units on the average.
TEST(Populations, SimulatedFixedPointsMatchTheMeanField) {
    PopulationsParams p;
    p.n = 2000;
    p.fractions = {0.6, 0.4};
    p.g = 1.0;
    p.gains = {{0.6, 0.9}, {0.4, 0.5}};
    p.means = {{0.5, -1.0}, {1.0, -0.8}};
    p.b = {0.5, -0.3};
    const PopulationLayout L = populations_layout(p);
    PopulationMeanFieldOptions mo;
    Transfer tanh_phi;
    tanh_phi.kind = TransferKind::tanh;
    mo.phi = {tanh_phi};
    mo.alpha = L.alpha;
    mo.gains = L.gains;
    mo.means = L.means;
    mo.b = L.b;
    mo.g = p.g;
    const PopulationStaticResult mf = populations_solve_static(mo);
    ASSERT_EQ(mf.status, StaticStatus::converged) << mf.message;
    ASSERT_LT(mf.stability, 0.9);  // well below g_c: one stable fixed point
    Eigen::Vector2d mean_sum = Eigen::Vector2d::Zero(), var_sum = Eigen::Vector2d::Zero();
    const int networks = 3;
    for (int s = 1; s <= networks; ++s) {
        p.seed = static_cast<std::uint64_t>(s);
        const Eigen::MatrixXd f = fixed_point_fields(p, tanh_phi);
        ASSERT_EQ(f.cols(), 2) << "network " << s << " did not settle";
        mean_sum += f.row(0).transpose();
        var_sum += f.row(1).transpose();
    }
    for (Eigen::Index k = 0; k < 2; ++k) {
        const double nk = static_cast<double>(L.sizes[static_cast<std::size_t>(k)]);
        const double mean = mean_sum[k] / networks, var = var_sum[k] / networks;
        const double se_mean = 2 * std::sqrt(mf.delta[k] / nk) / std::sqrt(static_cast<double>(networks));
        const double se_var = mf.delta[k] * std::sqrt(2 / nk) / std::sqrt(static_cast<double>(networks));
        EXPECT_NEAR(mean, mf.mu[k], 4 * se_mean + 1.0 / static_cast<double>(p.n)) << "population " << k;
        EXPECT_NEAR(var, mf.delta[k], 4 * se_var + 2.0 / static_cast<double>(p.n)) << "population " << k;
        // The populations differ: the check would notice a swapped index.
        EXPECT_GT(std::abs(mf.mu[0] - mf.mu[1]), 0.2);
    }
}

TEST(Populations, BadParametersAreRefusedByName) {
    auto key_of = [](PopulationsParams p) {
        try {
            make_populations(p);
        } catch (const invalid_parameter& e) {
            return e.key();
        }
        return std::string("accepted");
    };
    PopulationsParams ok;
    ok.n = 20;
    EXPECT_EQ(key_of(ok), "accepted");
    auto p = ok;
    p.fractions = {0.5, 0.4};
    EXPECT_EQ(key_of(p), "fractions");
    p = ok;
    p.gains = {{1, 1}};
    EXPECT_EQ(key_of(p), "gains");
    p = ok;
    p.gains = {{1, -1}, {1, 1}};
    EXPECT_EQ(key_of(p), "gains");
    p = ok;
    p.connectivity = {{1, 0}, {1, 1}};
    EXPECT_EQ(key_of(p), "connectivity");
    p = ok;
    p.dale = {1, -1};
    EXPECT_EQ(key_of(p), "connectivity");  // dale needs sparse blocks
    p.connectivity = {{0.5, 0.5}, {0.5, 0.5}};
    p.means = {{1, 1}, {1, 1}};
    EXPECT_EQ(key_of(p), "means");
    p.means = {};
    p.dale = {1, 2};
    EXPECT_EQ(key_of(p), "dale");
    p = ok;
    p.b = {1, 2, 3};
    EXPECT_EQ(key_of(p), "b");
    p = ok;
    p.connectivity = {{0.01, 1}, {1, 1}};
    p.means = {{20, 0}, {0, 0}};  // the Bernoulli mask alone would exceed the block's variance
    EXPECT_EQ(key_of(p), "means");
    p = ok;
    p.n = 1;
    EXPECT_EQ(key_of(p), "n");
}

// Through the binary: the model's keys, its file record, a rebuild from the file,
// errors by name, and `ratenet chaos` with the P-population mean field.
TEST(Populations, ConfigChaosAndErrors) {
    using namespace ratenet_test;
    namespace fs = std::filesystem;
    TempDir d;
    const std::string model = R"([model]
name = "populations"
n = 120
fractions = [0.5, 0.3, 0.2]
gains = [[2.2, 0.3, 0.3], [0.3, 0.3, 0.3], [0.3, 0.3, 0.3]]
g = 0.5
[network]
form = "current"
[transfer]
name = "tanh"
)";
    write_text(d / "s.toml", model + "[simulate]\nt_end = 5.0\n");
    ASSERT_EQ(run_ratenet("simulate s.toml -o a.h5 -q", d.path()).code, 0);
    EXPECT_EQ(run_ratenet("schema --check a.h5", d.path()).code, 0);
    // The recorded parameters rebuild the same W.
    ASSERT_EQ(run_ratenet("network a.h5 -o w.h5 -q", d.path()).code, 0) << run_ratenet("network a.h5 -o w2.h5", d.path()).err;
    {
        h5::File fa(d / "a.h5", h5::File::Mode::read_only), fw(d / "w.h5", h5::File::Mode::read_only);
        EXPECT_EQ(fa.group("network").read_doubles("W"), fw.group("network").read_doubles("W"));
        EXPECT_EQ(fa.group("network").attr_string("model_gains"), "[[2.2, 0.3, 0.3], [0.3, 0.3, 0.3], [0.3, 0.3, 0.3]]");
    }
    for (const auto& [args, key] : std::vector<std::pair<std::string, std::string>>{
             {"--set model.fractions=[0.5,0.5]", "model.gains"},
             {"--set model.fractions=[0.5,0.3,0.3]", "model.fractions"},
             {"--set model.gains=[[1,2],[3]]", "model.gains[1]"},
             {"--set model.gains=[[1,2],[3,true]]", "model.gains[1][1]"},
             {"--set model.dale=[1,-1,1]", "model.connectivity"}}) {
        EXPECT_TRUE(refused(run_ratenet("simulate s.toml -o bad.h5 " + args, d.path()), key, d / "bad.h5")) << args;
    }
    write_text(d / "c.toml", model + R"([lyapunov]
k = 1
dt = 0.1
t_warmup = 10.0
t_ons_warmup = 5.0
t_sim = 10.0
[chaos]
g = [0.4, 0.8]
seeds = 1
)");
    const auto r = run_ratenet("chaos c.toml -o c.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("populations at the mean-field g_c"), std::string::npos) << r.out;
    EXPECT_EQ(run_ratenet("schema --check c.h5", d.path()).code, 0);
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    const auto alpha = f.group("chaos/populations").read_doubles("alpha");
    ASSERT_EQ(alpha.size(), 3u);
    // Zero means, zero input: h = 0 below g_c, <phi'^2> = 1, so g_c = 1 / sqrt(rho(A)).
    Eigen::MatrixXd A(3, 3);
    const double G[3][3] = {{2.2, 0.3, 0.3}, {0.3, 0.3, 0.3}, {0.3, 0.3, 0.3}};
    for (int k = 0; k < 3; ++k)
        for (int l = 0; l < 3; ++l) A(k, l) = alpha[static_cast<std::size_t>(l)] * G[k][l] * G[k][l];
    const double g_c = 1.0 / std::sqrt(perron(A));
    EXPECT_NEAR(f.group("chaos").attr_double("g_c_meanfield"), g_c, 1e-8);
    EXPECT_EQ(f.group("chaos").attr_string("transition_meanfield"), "chaos");
    EXPECT_NEAR(f.group("chaos/populations").attr_double("bulk_radius_per_g"), 1.0 / g_c, 1e-8);
    for (double v : f.group("chaos/populations").read_doubles("delta")) EXPECT_LT(std::abs(v), 1e-8);
}

// One transfer function per population: every entry point (scalar, vector with an
// offset that straddles population edges, derivative) applies the part of its neuron.
TEST(Populations, TransferByPopulationAppliesEachPartToItsNeurons) {
    Transfer t0, t1, t2;
    t0.kind = TransferKind::tanh;
    t1.kind = TransferKind::threshold_linear;
    t1.gain = 1.5;
    t1.theta = 0.2;
    t2.kind = TransferKind::softplus;
    t2.beta = 2.0;
    Transfer phi;
    phi.kind = TransferKind::by_population;
    phi.parts = {t0, t1, t2};
    phi.part_start = {0, 4, 7};
    const Eigen::Index n = 10;
    phi.validate(n);
    const Eigen::VectorXd u = Eigen::VectorXd::LinSpaced(n, -1.3, 1.7);
    auto part = [&](Eigen::Index i) -> const Transfer& { return i < 4 ? t0 : (i < 7 ? t1 : t2); };
    Eigen::VectorXd f(n), d(n);
    phi.apply(u, f);
    phi.apply_derivative(u, d);
    // The vector and scalar forms of a kind may differ in the last bits (vectorised
    // code, contraction into fused multiply-adds); the parts differ by far more.
    const double tol = 1e-14;
    for (Eigen::Index i = 0; i < n; ++i) {
        EXPECT_NEAR(f[i], part(i).value(u[i]), tol) << i;
        EXPECT_NEAR(d[i], part(i).derivative(u[i]), tol) << i;
        EXPECT_EQ(phi.value(u[i], i), part(i).value(u[i])) << i;
        EXPECT_EQ(phi.derivative(u[i], i), part(i).derivative(u[i])) << i;
    }
    for (Eigen::Index i : {3, 4, 6, 7})  // next to the edges the parts really differ
        EXPECT_GT(std::abs(part(i).value(u[i]) - part(i + (i == 3 || i == 6 ? 1 : -1)).value(u[i])), 1e-3) << i;
    // A segment 3 .. 8 (as the threaded right-hand side passes it).
    Eigen::VectorXd g(6);
    phi.apply(u.segment(3, 6), g, 3);
    EXPECT_LT((g - f.segment(3, 6)).cwiseAbs().maxCoeff(), tol);
    phi.apply_derivative(u.segment(3, 6), g, 3);
    EXPECT_LT((g - d.segment(3, 6)).cwiseAbs().maxCoeff(), tol);
    EXPECT_FALSE(phi.derivative_is_indicator());  // the tangent dynamics take the general path
    EXPECT_EQ(phi.describe(), "tanh; threshold_linear(gain=1.5, theta=0.2); softplus(beta=2)");
    Transfer bad = phi;
    bad.parts[1].gain = -1;
    try {
        bad.validate(n);
        ADD_FAILURE() << "a negative gain in a part was accepted";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "populations[1].gain");
    }
    bad = phi;
    bad.part_start = {0, 4, 12};
    EXPECT_THROW(bad.validate(n), invalid_parameter);
}

// Mixed transfer functions: simulated fixed points against the mean field with each
// population's own function, and `ratenet chaos` through [[transfer.populations]].
TEST(Populations, MixedTransferFunctionsMatchTheMeanField) {
    PopulationsParams p;
    p.n = 2000;
    p.fractions = {0.6, 0.4};
    p.g = 1.0;
    p.gains = {{0.6, 0.5}, {0.5, 0.4}};
    p.means = {{0.5, -1.0}, {1.0, -0.8}};
    p.b = {0.5, 0.4};
    const PopulationLayout L = populations_layout(p);
    Transfer t0, t1;
    t0.kind = TransferKind::tanh;
    t1.kind = TransferKind::threshold_linear;
    t1.gain = 0.5;  // far from tanh near the fields' range (h ~ 0.4: 0.05 against 0.38)
    t1.theta = 0.3;
    PopulationMeanFieldOptions mo;
    mo.phi = {t0, t1};
    mo.alpha = L.alpha;
    mo.gains = L.gains;
    mo.means = L.means;
    mo.b = L.b;
    mo.g = p.g;
    const PopulationStaticResult mf = populations_solve_static(mo);
    ASSERT_EQ(mf.status, StaticStatus::converged) << mf.message;
    ASSERT_LT(mf.stability, 0.9);
    // The populations' functions matter: with tanh everywhere the fields differ.
    PopulationMeanFieldOptions same = mo;
    same.phi = {t0};
    const PopulationStaticResult mf_same = populations_solve_static(same);
    ASSERT_GT(std::abs(mf_same.mu[0] - mf.mu[0]) + std::abs(mf_same.delta[1] - mf.delta[1]), 0.05);
    Transfer phi;
    phi.kind = TransferKind::by_population;
    phi.parts = {t0, t1};
    phi.part_start = make_populations(p).population_start;
    ASSERT_EQ(phi.part_start, (std::vector<Eigen::Index>{0, L.sizes[0]}));
    const Eigen::MatrixXd f = fixed_point_fields(p, phi);
    ASSERT_EQ(f.cols(), 2) << "the network did not settle";
    for (Eigen::Index k = 0; k < 2; ++k) {
        const double dk = mf.delta[k], nk = static_cast<double>(L.sizes[static_cast<std::size_t>(k)]);
        // One network: the tolerances of SimulatedFixedPointsMatchTheMeanField times sqrt(3).
        EXPECT_NEAR(f(0, k), mf.mu[k], 4 * 2 * std::sqrt(dk / nk) + 1.0 / 2000) << k;
        EXPECT_NEAR(f(1, k), dk, 4 * dk * std::sqrt(2 / nk) + 2.0 / 2000) << k;
    }
}

TEST(Populations, TransferPerPopulationThroughTheBinary) {
    using namespace ratenet_test;
    namespace fs = std::filesystem;
    TempDir d;
    const std::string cfg = R"([model]
name = "populations"
n = 100
fractions = [0.6, 0.4]
gains = [[0.6, 0.5], [0.5, 0.4]]
means = [[0.5, -1.0], [1.0, -0.8]]
b = [0.5, 0.4]
[network]
form = "current"
[[transfer.populations]]
name = "tanh"
[[transfer.populations]]
name = "threshold_linear"
gain = 1.5
theta = 0.2
)";
    write_text(d / "s.toml", cfg + "[simulate]\nt_end = 5.0\n");
    ASSERT_EQ(run_ratenet("simulate s.toml -o a.h5 -q", d.path()).code, 0);
    EXPECT_EQ(run_ratenet("schema --check a.h5", d.path()).code, 0);
    {
        h5::File f(d / "a.h5", h5::File::Mode::read_only);
        EXPECT_EQ(f.group("network").attr_string("transfer"), "by_population");
        EXPECT_EQ(f.group("network").attr_string("transfer_populations"), "tanh; threshold_linear(gain=1.5, theta=0.2)");
    }
    // The same network with tanh everywhere moves differently.
    write_text(d / "t.toml", cfg.substr(0, cfg.find("[[transfer.populations]]")) + "[transfer]\nname = \"tanh\"\n[simulate]\nt_end = 5.0\n");
    ASSERT_EQ(run_ratenet("simulate t.toml -o t.h5 -q", d.path()).code, 0);
    {
        h5::File fa(d / "a.h5", h5::File::Mode::read_only), ft(d / "t.h5", h5::File::Mode::read_only);
        EXPECT_NE(fa.group("trajectory").read_doubles("x"), ft.group("trajectory").read_doubles("x"));
    }
    const std::string two = cfg.substr(cfg.find("[[transfer.populations]]"));
    for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
             {cfg + "[[transfer.populations]]\nname = \"tanh\"\n", "transfer.populations"},
             {cfg.substr(0, cfg.find("gain = 1.5")) + "slope = 2.0\n", "transfer.populations[1].slope"},
             {cfg.substr(0, cfg.find("gain = 1.5")) + "gain = -1.0\n", "transfer.populations[1].gain"},
             {cfg.substr(0, cfg.rfind("name = \"threshold_linear\"")) + "name = \"prelu\"\n", "transfer.populations[1].name"},
             {"[model]\nname = \"random_gaussian\"\nn = 10\n" + two, "transfer.populations"}}) {
        write_text(d / "bad.toml", text + "[simulate]\nt_end = 1.0\n");
        EXPECT_TRUE(refused(run_ratenet("simulate bad.toml -o bad.h5", d.path()), key, d / "bad.h5")) << key;
    }
    // ratenet chaos: the mean field with each population's function.
    write_text(d / "c.toml", cfg + R"([lyapunov]
k = 1
dt = 0.1
t_warmup = 10.0
t_ons_warmup = 5.0
t_sim = 10.0
[chaos]
g = [0.5, 1.0]
seeds = 1
)");
    const auto r = run_ratenet("chaos c.toml -o c.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    EXPECT_TRUE(std::isfinite(f.group("chaos").attr_double("g_c_meanfield")));
    EXPECT_EQ(f.group("chaos").attr_string("transition_meanfield"), "unknown");  // a bounded and an unbounded part
}
