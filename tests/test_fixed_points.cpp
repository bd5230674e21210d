// All fixed points of threshold-linear networks, against an independent brute force
// over every support (Eigen's FullPivLU and EigenSolver per subset) written here, and
// against known results for winner-take-all circuits and CTLNs.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <algorithm>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <map>

#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/network.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {
namespace {

// Dynamic-size vectors only: fixed-size ones trip a GCC false positive (array-bounds)
// under -march=native with AVX-512.
Eigen::VectorXd vec(std::initializer_list<double> v) {
    Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
    Eigen::Index i = 0;
    for (double x : v) out[i++] = x;
    return out;
}

struct BruteFp {
    Eigen::VectorXd x;
    int index = 0;
    int n_unstable = 0;
    double max_re = -INFINITY;
};

// Every support S: x_S = (I - W_SS)^-1 b_S, kept when x_S > tol and (W x + b)_k <= tol off S.
// Also returns the smallest distance of any support from the decision boundary.
std::map<SetMask, BruteFp> brute(const Eigen::MatrixXd& W, const Eigen::VectorXd& b, double* margin = nullptr) {
    const Eigen::Index n = W.rows();
    const double tol = 1e-9 * std::max(1.0, b.cwiseAbs().maxCoeff());
    std::map<SetMask, BruteFp> out;
    double gap = INFINITY;
    for (SetMask s = 0; s < (SetMask{1} << n); ++s) {
        std::vector<Eigen::Index> m;
        for (Eigen::Index i = 0; i < n; ++i)
            if (s >> i & 1U) m.push_back(i);
        const auto k = static_cast<Eigen::Index>(m.size());
        Eigen::MatrixXd A(k, k);
        Eigen::VectorXd bs(k);
        for (Eigen::Index r = 0; r < k; ++r) {
            bs[r] = b[m[static_cast<std::size_t>(r)]];
            for (Eigen::Index c = 0; c < k; ++c)
                A(r, c) = (r == c) - W(m[static_cast<std::size_t>(r)], m[static_cast<std::size_t>(c)]);
        }
        Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
        int index = 1;
        if (k > 0) {
            Eigen::FullPivLU<Eigen::MatrixXd> lu(A);
            if (!lu.isInvertible()) continue;
            const Eigen::VectorXd xs = lu.solve(bs);
            for (Eigen::Index r = 0; r < k; ++r) x[m[static_cast<std::size_t>(r)]] = xs[r];
            index = lu.determinant() > 0 ? 1 : -1;
        }
        const Eigen::VectorXd y = W * x + b;
        bool ok = true;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double v = (s >> i & 1U) ? x[i] : -y[i];
            gap = std::min(gap, std::abs(v));
            ok = ok && ((s >> i & 1U) ? x[i] > tol : y[i] <= tol);
        }
        if (!ok) continue;
        BruteFp fp;
        fp.x = x;
        fp.index = index;
        if (k > 0) {
            Eigen::EigenSolver<Eigen::MatrixXd> es(-A, false);
            for (Eigen::Index r = 0; r < k; ++r) {
                const double re = es.eigenvalues()[r].real();
                fp.max_re = std::max(fp.max_re, re);
                if (re > 1e-9) ++fp.n_unstable;
            }
        }
        out[s] = fp;
    }
    if (margin) *margin = gap;
    return out;
}

void expect_matches(const FixedPointResult& r, const std::map<SetMask, BruteFp>& b, const std::string& what) {
    ASSERT_EQ(r.status, EnumerationStatus::completed) << what;
    std::vector<SetMask> got, want;
    for (const auto& fp : r.fixed_points) got.push_back(fp.support);
    for (const auto& [s, fp] : b) want.push_back(s);
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << what;
    int index_sum = 0;
    for (const auto& fp : r.fixed_points) {
        const BruteFp& e = b.at(fp.support);
        EXPECT_LT((fp.x - e.x).cwiseAbs().maxCoeff(), 1e-9 * std::max(1.0, e.x.cwiseAbs().maxCoeff())) << what;
        EXPECT_EQ(fp.index, e.index) << what;
        EXPECT_EQ(fp.n_unstable, e.n_unstable) << what;
        EXPECT_EQ(fp.stability == FixedPointClass::stable, e.max_re < -1e-9) << what;
        EXPECT_EQ(fp.eig_real.size(), set_size(fp.support));
        if (fp.eig_real.size() > 0) {
            EXPECT_NEAR(fp.eig_real[0], e.max_re, 1e-9) << what;
        }
        // x* = [W x* + b]_+ to tolerance.
        EXPECT_LT(fp.residual, 1e-10) << what;
        EXPECT_GT(fp.min_active, 0.0);
        EXPECT_LE(fp.max_inactive, 1e-9);
        index_sum += fp.index;
    }
    EXPECT_EQ(r.index_sum, index_sum);
    EXPECT_EQ(r.n_stable + r.n_unstable + r.n_marginal, static_cast<int>(r.fixed_points.size()));
}

Eigen::MatrixXd ctln_W(Eigen::Index n, const std::vector<std::pair<Eigen::Index, Eigen::Index>>& edges) {
    CtlnParams p;
    p.n = n;
    p.edges = edges;
    return make_ctln(p).W;
}

// A random directed graph, each edge with probability p: (j, i) means j -> i.
std::vector<std::pair<Eigen::Index, Eigen::Index>> random_graph(Eigen::Index n, double p, Rng& rng) {
    std::vector<std::pair<Eigen::Index, Eigen::Index>> e;
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i)
            if (i != j && rng.uniform() < p) e.emplace_back(j, i);
    return e;
}

TEST(FixedPoints, MatchBruteForceOnRandomNetworks) {
    Rng rng(123, Stream::network);
    int checked = 0, with_many = 0;
    for (int trial = 0; trial < 150; ++trial) {
        const Eigen::Index n = 1 + static_cast<Eigen::Index>(rng.below(10));
        const int kind = trial % 5;
        Eigen::MatrixXd W(n, n);
        Eigen::VectorXd b(n);
        const double g = rng.uniform(0.3, 2.5), mu = rng.uniform(-1.5, 0.5);
        for (Eigen::Index i = 0; i < n; ++i) {
            b[i] = rng.uniform(-0.5, 1.0);
            for (Eigen::Index j = 0; j < n; ++j) W(i, j) = mu / static_cast<double>(n) + g * rng.normal() / std::sqrt(static_cast<double>(n));
        }
        if (kind == 1) W = 0.5 * (W + W.transpose()).eval();                  // symmetric
        if (kind == 2) W = W.cwiseMin(0.0).eval();                             // inhibitory: never-active and R2 rules
        if (kind == 3)                                                         // sparse, mixed: R1 and always-active rules
            for (Eigen::Index i = 0; i < n; ++i)
                for (Eigen::Index j = 0; j < n; ++j)
                    if (rng.uniform() < 0.6) W(i, j) = 0.0;
        if (kind == 4) {                                                       // CTLN with random parameters: domination
            CtlnParams p;
            p.n = n;
            p.edges = random_graph(n, rng.uniform(0.2, 0.8), rng);
            p.delta = rng.uniform(0.1, 1.0);
            p.eps = rng.uniform(0.05, 0.95) * p.delta / (p.delta + 1.0);
            p.theta = rng.uniform(0.5, 2.0);
            W = make_ctln(p).W;
            b = Eigen::VectorXd::Constant(n, p.theta);
        }
        double margin = 0.0;
        const auto want = brute(W, b, &margin);
        if (margin < 1e-7) continue;  // a tie within tolerance: skip rather than compare rounding
        ++checked;
        if (want.size() > 2) ++with_many;
        for (bool prune : {true, false}) {
            FixedPointOptions opt;
            opt.prune = prune;
            const FixedPointResult r = fixed_points(W, b, opt);
            expect_matches(r, want, "trial " + std::to_string(trial) + " kind " + std::to_string(kind) +
                                        (prune ? " pruned" : " unpruned"));
            EXPECT_EQ(r.n_supports, std::uint64_t{1} << (n - static_cast<Eigen::Index>(r.never_active.size() + r.always_active.size())));
            EXPECT_EQ(r.n_singular, 0U);
            EXPECT_EQ(r.n_degenerate, 0U);
            if (!prune) {
                EXPECT_EQ(r.n_pruned, 0U);
            }
        }
    }
    EXPECT_GT(checked, 130);
    EXPECT_GT(with_many, 10);
}

TEST(FixedPoints, PruningRulesDoPrune) {
    // A random CTLN: domination removes supports without solving them.
    Rng rng(7, Stream::network);
    const Eigen::Index n = 12;
    const Eigen::MatrixXd W = ctln_W(n, random_graph(n, 0.4, rng));
    const Eigen::VectorXd b = Eigen::VectorXd::Ones(n);
    FixedPointOptions opt;
    const FixedPointResult pruned = fixed_points(W, b, opt);
    opt.prune = false;
    const FixedPointResult plain = fixed_points(W, b, opt);
    EXPECT_GT(pruned.n_pruned, pruned.n_supports / 4);
    EXPECT_LT(pruned.n_solved, plain.n_solved);
    ASSERT_EQ(pruned.fixed_points.size(), plain.fixed_points.size());
    for (std::size_t i = 0; i < plain.fixed_points.size(); ++i)
        EXPECT_EQ(pruned.fixed_points[i].support, plain.fixed_points[i].support);
    // Never / always active neurons.
    Eigen::MatrixXd W3(3, 3);
    W3 << 0, -1, 0.5, -0.5, 0, -0.2, 0.3, 0.2, 0;  // neuron 1: inhibited only, b < 0; neuron 2: excited only, b > 0
    const FixedPointResult r = fixed_points(W3, vec({1.0, -0.5, 0.2}));
    EXPECT_EQ(r.never_active, std::vector<Eigen::Index>{1});
    EXPECT_EQ(r.always_active, std::vector<Eigen::Index>{2});
    expect_matches(r, brute(W3, vec({1.0, -0.5, 0.2})), "3 neurons");
}

TEST(FixedPoints, WinnerTakeAll) {
    // alpha > 1, beta > alpha - 1: only single winners; x_i = b_i / (1 - alpha + beta).
    const Eigen::Index n = 10;
    for (auto [alpha, beta] : {std::pair{1.5, 1.0}, std::pair{1.2, 2.0}}) {
        HahnloserWtaParams p;
        p.n = n;
        p.alpha = alpha;
        p.beta = beta;
        const Eigen::MatrixXd W = make_hahnloser_wta(p).W;
        Eigen::VectorXd b(n);
        for (Eigen::Index i = 0; i < n; ++i) b[i] = 1.0 + 0.05 * static_cast<double>(i);
        const FixedPointResult r = fixed_points(W, b);
        expect_matches(r, brute(W, b), "wta");
        const double gain = 1.0 / (1.0 - alpha + beta);
        int stable = 0;
        for (const auto& fp : r.fixed_points) {
            if (fp.stability != FixedPointClass::stable) continue;
            ++stable;
            ASSERT_EQ(set_size(fp.support), 1);
            const Eigen::Index i = set_members(fp.support)[0];
            EXPECT_NEAR(fp.x[i], b[i] * gain, 1e-12);
            // Winner i is a fixed point iff every other b_k <= beta x_i.
            EXPECT_LE(b.maxCoeff(), beta * fp.x[i] + 1e-12);
        }
        int expected = 0;
        for (Eigen::Index i = 0; i < n; ++i) expected += b.maxCoeff() <= beta * b[i] * gain ? 1 : 0;
        EXPECT_EQ(stable, expected);
        EXPECT_GE(stable, 1);
    }
    // alpha < 1: a unique fixed point, stable (I - W positive definite).
    HahnloserWtaParams p;
    p.n = 6;
    p.alpha = 0.5;
    p.beta = 0.3;
    const FixedPointResult r = fixed_points(make_hahnloser_wta(p).W, Eigen::VectorXd::LinSpaced(6, 0.5, 1.0));
    ASSERT_EQ(r.fixed_points.size(), 1U);
    EXPECT_EQ(r.fixed_points[0].stability, FixedPointClass::stable);
}

TEST(FixedPoints, CtlnThreeCycle) {
    const Eigen::MatrixXd W = ctln_W(3, {{0, 1}, {1, 2}, {2, 0}});
    const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(3));
    ASSERT_EQ(r.fixed_points.size(), 1U);
    const FixedPoint& fp = r.fixed_points[0];
    EXPECT_EQ(fp.support, 7U);
    for (Eigen::Index i = 0; i < 3; ++i) EXPECT_NEAR(fp.x[i], 1.0 / (3.0 + 0.5 - 0.25), 1e-14);
    EXPECT_EQ(fp.stability, FixedPointClass::unstable);
    EXPECT_EQ(fp.n_unstable, 2);
    EXPECT_NEAR(fp.eig_real[0], 0.125, 1e-12);
    EXPECT_NEAR(fp.eig_real[1], 0.125, 1e-12);
    EXPECT_NEAR(std::abs(fp.eig_imag[0]), 0.75 * std::sqrt(3.0) / 2.0, 1e-12);  // 0.6495
    EXPECT_NEAR(std::abs(fp.eig_imag[0]), 0.6495, 1e-4);
    EXPECT_NEAR(fp.eig_imag[0], -fp.eig_imag[1], 1e-12);
    EXPECT_NEAR(fp.eig_real[2], -3.25, 1e-12);
    EXPECT_EQ(fp.index, 1);
    EXPECT_EQ(r.index_sum, 1);
    // Full Jacobian spectrum: nothing to add for a full support; for K2 inside 3 neurons, -1.
    const auto [re, im] = full_spectrum(fp);
    EXPECT_EQ(re.size(), 3);
}

TEST(FixedPoints, CtlnK2AndTimeConstants) {
    const Eigen::MatrixXd W = ctln_W(2, {{0, 1}, {1, 0}});
    const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(2));
    ASSERT_EQ(r.fixed_points.size(), 1U);
    const FixedPoint& fp = r.fixed_points[0];
    EXPECT_EQ(fp.support, 3U);
    EXPECT_NEAR(fp.x[0], 1.0 / (2.0 - 0.25), 1e-14);
    EXPECT_NEAR(fp.x[1], 1.0 / (2.0 - 0.25), 1e-14);
    EXPECT_EQ(fp.stability, FixedPointClass::stable);
    EXPECT_NEAR(fp.eig_real[0], -0.25, 1e-12);
    EXPECT_NEAR(fp.eig_real[1], -1.75, 1e-12);
    // With tau = 2 everywhere the spectrum halves; the fixed point does not move.
    FixedPointOptions opt;
    opt.tau = vec({2.0, 2.0});
    const FixedPointResult slow = fixed_points(W, Eigen::VectorXd::Ones(2), opt);
    EXPECT_NEAR(slow.fixed_points[0].eig_real[0], -0.125, 1e-12);
    EXPECT_EQ(slow.fixed_points[0].x, fp.x);
    // K2 plus a third neuron receiving nothing: {01} stays a fixed point (2 gets 0 <= 1
    // edges from it) and the full spectrum appends -1/tau_2 for the inactive neuron.
    const Eigen::MatrixXd W3 = ctln_W(3, {{0, 1}, {1, 0}});
    const FixedPointResult r3 = fixed_points(W3, Eigen::VectorXd::Ones(3));
    bool found = false;
    for (const auto& f : r3.fixed_points)
        if (f.support == 3U) {
            found = true;
            const auto [re, im] = full_spectrum(f, vec({1.0, 1.0, 4.0}));
            ASSERT_EQ(re.size(), 3);
            EXPECT_NEAR(re[0], -0.25, 1e-12);
            EXPECT_EQ(re[2], -0.25);
            EXPECT_EQ(im[2], 0.0);
        }
    EXPECT_TRUE(found);
}

// Sum of sgn det(I - W_S) over FP(G) is +1 for CTLNs (Curto & Morrison: parity).
TEST(FixedPoints, CtlnParity) {
    Rng rng(2, Stream::network);
    for (int trial = 0; trial < 60; ++trial) {
        const Eigen::Index n = 2 + static_cast<Eigen::Index>(rng.below(7));
        const Eigen::MatrixXd W = ctln_W(n, random_graph(n, rng.uniform(0.1, 0.9), rng));
        const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(n));
        ASSERT_EQ(r.status, EnumerationStatus::completed);
        EXPECT_EQ(r.index_sum, 1) << "trial " << trial;
        EXPECT_EQ(r.fixed_points.size() % 2, 1U);
        EXPECT_EQ(r.n_degenerate, 0U);
        EXPECT_EQ(r.n_singular, 0U);
    }
}

// If G|_S has uniform in-degree d, S is in FP(G) iff no k outside S receives more than
// d edges from S.
TEST(FixedPoints, CtlnUniformInDegreeRule) {
    Rng rng(17, Stream::network);
    int cases = 0;
    for (int trial = 0; trial < 25; ++trial) {
        const Eigen::Index n = 3 + static_cast<Eigen::Index>(rng.below(5));
        const auto edges = random_graph(n, rng.uniform(0.2, 0.8), rng);
        std::vector<std::vector<int>> adj(static_cast<std::size_t>(n), std::vector<int>(static_cast<std::size_t>(n), 0));
        for (auto [j, i] : edges) adj[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] = 1;
        const FixedPointResult r = fixed_points(ctln_W(n, edges), Eigen::VectorXd::Ones(n));
        std::vector<SetMask> fp;
        for (const auto& f : r.fixed_points) fp.push_back(f.support);
        for (SetMask s = 1; s < (SetMask{1} << n); ++s) {
            auto from_s = [&](Eigen::Index i) {
                int c = 0;
                for (Eigen::Index j : set_members(s)) c += adj[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
                return c;
            };
            const auto m = set_members(s);
            const int d = from_s(m[0]);
            bool uniform = true;
            for (Eigen::Index i : m) uniform = uniform && from_s(i) == d;
            if (!uniform) continue;
            bool survives = true;
            for (Eigen::Index k = 0; k < n; ++k)
                if (!(s >> k & 1U) && from_s(k) > d) survives = false;
            ++cases;
            EXPECT_EQ(std::find(fp.begin(), fp.end(), s) != fp.end(), survives) << format_set(s) << " trial " << trial;
        }
    }
    EXPECT_GT(cases, 200);
}

TEST(FixedPoints, PermutingNeuronsPermutesTheFixedPoints) {
    Rng rng(55, Stream::network);
    const Eigen::Index n = 9;
    Eigen::MatrixXd W(n, n);
    Eigen::VectorXd b(n);
    // A noisy winner-take-all circuit: several winners, each a fixed point.
    for (Eigen::Index i = 0; i < n; ++i) {
        b[i] = rng.uniform(0.8, 1.2);
        for (Eigen::Index j = 0; j < n; ++j) W(i, j) = (i == j ? 1.5 : 0.0) - 1.0 + 0.05 * rng.normal();
    }
    std::vector<Eigen::Index> p{3, 7, 0, 8, 1, 5, 2, 6, 4};
    Eigen::MatrixXd Wp(n, n);
    Eigen::VectorXd bp(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        bp[p[static_cast<std::size_t>(i)]] = b[i];
        for (Eigen::Index j = 0; j < n; ++j) Wp(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]) = W(i, j);
    }
    const FixedPointResult a = fixed_points(W, b), c = fixed_points(Wp, bp);
    ASSERT_EQ(a.fixed_points.size(), c.fixed_points.size());
    ASSERT_GT(a.fixed_points.size(), 1U);
    std::map<SetMask, const FixedPoint*> by_support;
    for (const auto& f : c.fixed_points) by_support[f.support] = &f;
    for (const auto& f : a.fixed_points) {
        SetMask t = 0;
        for (Eigen::Index i : set_members(f.support)) t |= SetMask{1} << p[static_cast<std::size_t>(i)];
        ASSERT_TRUE(by_support.count(t));
        const FixedPoint& g = *by_support[t];
        for (Eigen::Index i = 0; i < n; ++i) EXPECT_NEAR(g.x[p[static_cast<std::size_t>(i)]], f.x[i], 1e-12);
        EXPECT_EQ(g.index, f.index);
        EXPECT_EQ(g.stability, f.stability);
    }
}

TEST(FixedPoints, SingularAndDegenerateSupportsAreCounted) {
    // alpha = 1, beta = 1: I - W = 11' is singular on every support of size >= 2.
    HahnloserWtaParams p;
    p.n = 4;
    p.alpha = 1.0;
    p.beta = 1.0;
    const FixedPointResult r = fixed_points(make_hahnloser_wta(p).W, vec({1.0, 1.0, 1.0, 1.0}));
    EXPECT_EQ(r.n_singular, 11U);  // 16 supports - 4 singletons - the empty one
    EXPECT_EQ(r.fixed_points.size(), 4U);
    for (const auto& f : r.fixed_points) EXPECT_TRUE(f.boundary);  // (W x + b)_k = 0 exactly
    // W = 0, b = (1, 0): x = (1, 0) sits on the boundary; support {0,1} fails only by x_1 = 0.
    FixedPointOptions opt;
    opt.prune = false;
    const FixedPointResult d = fixed_points(Eigen::MatrixXd::Zero(2, 2), vec({1.0, 0.0}), opt);
    ASSERT_EQ(d.fixed_points.size(), 1U);
    EXPECT_EQ(d.fixed_points[0].support, 1U);
    EXPECT_TRUE(d.fixed_points[0].boundary);
    EXPECT_EQ(d.n_degenerate, 1U);
    // The empty support: b <= 0 everywhere.
    const FixedPointResult z = fixed_points(Eigen::MatrixXd::Zero(2, 2), vec({-1.0, -2.0}));
    ASSERT_EQ(z.fixed_points.size(), 1U);
    EXPECT_EQ(z.fixed_points[0].support, 0U);
    EXPECT_EQ(z.fixed_points[0].stability, FixedPointClass::stable);
    EXPECT_EQ(z.never_active.size(), 2U);
}

TEST(FixedPoints, BudgetsAndLimits) {
    Rng rng(9, Stream::network);
    const Eigen::Index n = 16;
    const Eigen::MatrixXd W = ctln_W(n, random_graph(n, 0.5, rng));
    FixedPointOptions opt;
    opt.max_supports = 1000;
    const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(n), opt);
    EXPECT_EQ(r.status, EnumerationStatus::truncated);
    EXPECT_NE(r.message.find("max_supports"), std::string::npos);
    EXPECT_GE(r.n_supports, 1000U);
    EXPECT_LT(r.n_supports, 1U << 16);
    opt.max_supports = 0;
    opt.max_n = 12;
    EXPECT_THROW(fixed_points(W, Eigen::VectorXd::Ones(n), opt), invalid_parameter);
    opt.max_n = 30;
    opt.tau = Eigen::VectorXd::Ones(3);
    EXPECT_THROW(fixed_points(W, Eigen::VectorXd::Ones(n), opt), invalid_parameter);
    EXPECT_THROW(fixed_points(W, Eigen::VectorXd::Ones(n - 1)), invalid_parameter);
    EXPECT_THROW(fixed_points(Eigen::MatrixXd::Zero(65, 65), Eigen::VectorXd::Ones(65)), invalid_parameter);
}

TEST(FixedPoints, FastOnLargerCtln) {
    // 2^20 supports: the bordered factorisation keeps this well under a second in Release.
    Rng rng(21, Stream::network);
    const Eigen::Index n = 20;
    const Eigen::MatrixXd W = ctln_W(n, random_graph(n, 0.3, rng));
    const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(n));
    ASSERT_EQ(r.status, EnumerationStatus::completed);
    EXPECT_EQ(r.n_supports, 1U << 20);
    EXPECT_EQ(r.index_sum, 1);
    for (const auto& fp : r.fixed_points) EXPECT_LT(fp.residual, 1e-10);
}

class LastSample : public TrajectoryObserver {
public:
    void observe(double, const Eigen::VectorXd& x) override { last = x; }
    Eigen::VectorXd last;
};

TEST(FixedPoints, StableFixedPointsAttractNearbyTrajectories) {
    Rng rng(41, Stream::network);
    const Eigen::Index n = 7;
    const Eigen::MatrixXd W = ctln_W(n, random_graph(n, 0.5, rng));
    const FixedPointResult r = fixed_points(W, Eigen::VectorXd::Ones(n));
    Network net;
    net.W = W;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::Ones(n);
    IntegratorOptions io;
    io.t_end = 300;
    io.dt_out = 1.0;
    io.steady_tol = 1e-11;
    io.atol = 1e-12;
    io.rtol = 1e-10;
    int stable = 0;
    for (const auto& fp : r.fixed_points) {
        Eigen::VectorXd x0 = fp.x;
        for (Eigen::Index i = 0; i < n; ++i) x0[i] = std::max(0.0, x0[i] + 1e-3 * rng.uniform(-1, 1));
        LastSample obs;
        integrate(net, x0, io, obs);
        const double err = (obs.last - fp.x).cwiseAbs().maxCoeff();
        if (fp.stability == FixedPointClass::stable) {
            ++stable;
            EXPECT_LT(err, 1e-8) << format_set(fp.support);
        } else {
            EXPECT_GT(err, 1e-3) << format_set(fp.support);
        }
    }
    EXPECT_FALSE(r.fixed_points.empty());
}

}  // namespace
}  // namespace ratenet
