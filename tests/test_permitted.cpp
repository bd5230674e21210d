// Permitted and forbidden sets, copositivity and the simulation check, against an
// independent brute force (every subset, Eigen's eigen solvers) written here.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <bit>
#include <cmath>
#include <set>

#include "ratenet/errors.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {
namespace {

using Masks = std::vector<SetMask>;

Eigen::MatrixXd sub(const Eigen::MatrixXd& M, SetMask s) {
    std::vector<Eigen::Index> m;
    for (Eigen::Index i = 0; i < M.rows(); ++i)
        if (s >> i & 1U) m.push_back(i);
    const auto k = static_cast<Eigen::Index>(m.size());
    Eigen::MatrixXd B(k, k);
    for (Eigen::Index r = 0; r < k; ++r)
        for (Eigen::Index c = 0; c < k; ++c) B(r, c) = M(m[static_cast<std::size_t>(r)], m[static_cast<std::size_t>(c)]);
    return B;
}

// Random symmetric W = c (G + G') / sqrt(2N) + d I: complexes from nearly everything to
// nearly nothing permitted.
Eigen::MatrixXd random_symmetric(Eigen::Index n, Rng& rng) {
    const double c = rng.uniform(0.3, 1.6), d = rng.uniform(-0.6, 0.6);
    Eigen::MatrixXd G(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) G(i, j) = rng.normal();
    Eigen::MatrixXd W = c * (G + G.transpose()) / std::sqrt(2.0 * static_cast<double>(n));
    W.diagonal().array() += d;
    return W;
}

struct Brute {
    std::vector<char> ok;  // indexed by mask
    Masks permitted, maximal, minimal_forbidden;
    std::vector<std::uint64_t> by_size;
};

// ok(S) decided by an eigenvalue test per subset; maximal and minimal forbidden by
// their inclusion definitions over all subsets.
template <class Test>
Brute brute(Eigen::Index n, Test test) {
    const SetMask total = SetMask{1} << n;
    Brute b;
    b.ok.assign(total, 0);
    b.ok[0] = 1;
    b.by_size.assign(static_cast<std::size_t>(n + 1), 0);
    b.by_size[0] = 1;
    for (SetMask s = 1; s < total; ++s)
        if (test(s)) {
            b.ok[s] = 1;
            b.permitted.push_back(s);
            ++b.by_size[static_cast<std::size_t>(std::popcount(s))];
        }
    for (SetMask s = 0; s < total; ++s) {
        bool sup = false, sub_forbidden = false;
        for (SetMask t = 0; t < total; ++t) {
            if (t == s) continue;
            if ((t & s) == s && b.ok[t]) sup = true;
            if ((t & s) == t && !b.ok[t]) sub_forbidden = true;
        }
        if (b.ok[s] && !sup) b.maximal.push_back(s);
        if (!b.ok[s] && !sub_forbidden) b.minimal_forbidden.push_back(s);
    }
    return b;
}

Brute brute_symmetric(const Eigen::MatrixXd& W) {
    const Eigen::Index n = W.rows();
    const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n) - W;
    return brute(n, [&](SetMask s) {
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sub(A, s), Eigen::EigenvaluesOnly);
        return es.eigenvalues()[0] > 0.0;
    });
}

Brute brute_general(const Eigen::MatrixXd& W) {
    const Eigen::Index n = W.rows();
    const Eigen::MatrixXd J = W - Eigen::MatrixXd::Identity(n, n);
    return brute(n, [&](SetMask s) {
        Eigen::EigenSolver<Eigen::MatrixXd> es(sub(J, s), false);
        return es.eigenvalues().real().maxCoeff() < 0.0;
    });
}

Masks sorted(Masks m) {
    std::sort(m.begin(), m.end());
    return m;
}

// Smallest |eigenvalue| of (I - W)_SS over all subsets: the test's distance from a tie.
double min_gap(const Eigen::MatrixXd& W) {
    const Eigen::Index n = W.rows();
    const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n) - W;
    double gap = INFINITY;
    for (SetMask s = 1; s < (SetMask{1} << n); ++s) {
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sub(A, s), Eigen::EigenvaluesOnly);
        gap = std::min(gap, es.eigenvalues().cwiseAbs().minCoeff());
    }
    return gap;
}

TEST(Permitted, MatchesBruteForceOnRandomSymmetricNetworks) {
    Rng rng(2024, Stream::network);
    int nontrivial = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const Eigen::Index n = 1 + static_cast<Eigen::Index>(rng.below(12));
        const Eigen::MatrixXd W = random_symmetric(n, rng);
        ASSERT_GT(min_gap(W), 1e-8) << "a tie would make the comparison ambiguous; trial " << trial;
        const PermittedResult r = permitted_sets(W);
        const Brute b = brute_symmetric(W);
        ASSERT_EQ(r.status, EnumerationStatus::completed);
        EXPECT_EQ(r.criterion, PermittedCriterion::symmetric_pd);
        EXPECT_EQ(r.permitted, b.permitted) << "trial " << trial << " n " << n;  // ascending by construction
        EXPECT_EQ(r.maximal, b.maximal) << "trial " << trial;
        EXPECT_EQ(sorted(r.minimal_forbidden), b.minimal_forbidden) << "trial " << trial;
        EXPECT_EQ(r.count_by_size, b.by_size);
        EXPECT_EQ(r.n_permitted, b.permitted.size());
        EXPECT_TRUE(r.down_closed);
        if (!b.minimal_forbidden.empty() && b.permitted.size() > static_cast<std::size_t>(n)) ++nontrivial;
    }
    EXPECT_GT(nontrivial, 20);  // the family does exercise non-trivial complexes
}

TEST(Permitted, ComplexIsDownClosedAndForbiddenSetsAreUpClosed) {
    Rng rng(77, Stream::network);
    for (int trial = 0; trial < 10; ++trial) {
        const Eigen::MatrixXd W = random_symmetric(10, rng);
        const PermittedResult r = permitted_sets(W);
        const std::set<SetMask> ok(r.permitted.begin(), r.permitted.end());
        for (SetMask s : r.permitted)
            for (SetMask t = s; t; t &= t - 1) {
                const SetMask smaller = s & ~(t & (~t + 1));
                EXPECT_TRUE(smaller == 0 || ok.count(smaller)) << format_set(s);
            }
        // S is forbidden iff it contains a minimal forbidden set.
        for (SetMask s = 1; s < (SetMask{1} << 10); ++s) {
            bool contains = false;
            for (SetMask f : r.minimal_forbidden) contains = contains || (f & s) == f;
            EXPECT_EQ(contains, ok.count(s) == 0) << format_set(s);
        }
    }
}

TEST(Permitted, GeneralCriterionMatchesBruteForce) {
    Rng rng(99, Stream::network);
    int not_closed = 0;
    for (int trial = 0; trial < 30; ++trial) {
        const Eigen::Index n = 2 + static_cast<Eigen::Index>(rng.below(8));
        Eigen::MatrixXd W(n, n);
        const double g = rng.uniform(0.5, 2.0);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) W(i, j) = g * rng.normal() / std::sqrt(static_cast<double>(n));
        W.diagonal().array() += rng.uniform(-0.5, 0.8);
        W(0, n - 1) += 0.5;  // surely non-symmetric
        PermittedOptions opt;
        EXPECT_THROW(permitted_sets(W, opt), invalid_parameter);
        opt.general = true;
        const PermittedResult r = permitted_sets(W, opt);
        const Brute b = brute_general(W);
        ASSERT_EQ(r.status, EnumerationStatus::completed);
        EXPECT_EQ(r.criterion, PermittedCriterion::general_hurwitz);
        EXPECT_EQ(r.permitted, b.permitted) << "trial " << trial;
        EXPECT_EQ(sorted(r.maximal), b.maximal) << "trial " << trial;
        EXPECT_EQ(sorted(r.minimal_forbidden), b.minimal_forbidden) << "trial " << trial;
        EXPECT_EQ(r.count_by_size, b.by_size);
        bool closed = true;
        for (SetMask s : b.permitted)
            for (Eigen::Index i = 0; i < n; ++i)
                if ((s >> i & 1U) && (s & ~(SetMask{1} << i)) && !b.ok[s & ~(SetMask{1} << i)]) closed = false;
        EXPECT_EQ(r.down_closed, closed);
        not_closed += closed ? 0 : 1;
    }
    EXPECT_GT(not_closed, 0);  // non-symmetric families need not be down-closed
}

TEST(Permitted, GeneralCriterionOnSymmetricWIsTheSymmetricOne) {
    Rng rng(5, Stream::network);
    const Eigen::MatrixXd W = random_symmetric(9, rng);
    PermittedOptions opt;
    opt.general = true;
    const PermittedResult r = permitted_sets(W, opt);
    EXPECT_EQ(r.criterion, PermittedCriterion::symmetric_pd);
    EXPECT_FALSE(r.message.empty());
    EXPECT_EQ(r.permitted, brute_general(W).permitted);
}

TEST(Permitted, NonSymmetricIsRefusedWithAClearMessage) {
    Eigen::MatrixXd W = Eigen::MatrixXd::Zero(3, 3);
    W(0, 1) = 0.5;
    try {
        permitted_sets(W);
        FAIL() << "no exception";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "W");
        EXPECT_NE(e.rule().find("must be symmetric for permitted sets (|W - W'| max = 0.5"), std::string::npos) << e.rule();
        EXPECT_NE(e.rule().find("use fixed points for non-symmetric networks"), std::string::npos);
    }
    // Within the symmetry tolerance it is accepted (and symmetrised).
    W(1, 0) = 0.5 + 1e-13;
    EXPECT_NO_THROW(permitted_sets(W));
    PermittedOptions strict;
    strict.symmetry_tol = 0.0;
    EXPECT_THROW(permitted_sets(W, strict), invalid_parameter);
    EXPECT_THROW(permitted_sets(Eigen::MatrixXd::Zero(65, 65)), invalid_parameter);
    EXPECT_THROW(permitted_sets(Eigen::MatrixXd::Zero(2, 3)), invalid_parameter);
    PermittedOptions bad;
    bad.max_sets = 0;
    EXPECT_THROW(permitted_sets(Eigen::MatrixXd::Zero(2, 2), bad), invalid_parameter);
}

Eigen::MatrixXd wta(Eigen::Index n, double alpha, double beta) {
    HahnloserWtaParams p;
    p.n = n;
    p.alpha = alpha;
    p.beta = beta;
    return make_hahnloser_wta(p).W;
}

TEST(Permitted, WinnerTakeAllCircuit) {
    // alpha < 1: every set is permitted.
    for (double beta : {0.1, 0.5, 2.0}) {
        const PermittedResult r = permitted_sets(wta(12, 0.9, beta));
        EXPECT_EQ(r.n_permitted, (1U << 12) - 1);
        EXPECT_EQ(r.maximal, Masks{(SetMask{1} << 12) - 1});
        EXPECT_TRUE(r.minimal_forbidden.empty());
    }
    // alpha > 1, alpha - beta < 1: the singletons only; every pair is minimal forbidden.
    for (auto [alpha, beta] : {std::pair{1.1, 0.5}, std::pair{1.5, 1.0}, std::pair{3.0, 2.5}}) {
        const Eigen::Index n = 20;
        const PermittedResult r = permitted_sets(wta(n, alpha, beta));
        ASSERT_EQ(r.status, EnumerationStatus::completed);
        EXPECT_EQ(r.n_permitted, static_cast<std::uint64_t>(n));
        EXPECT_EQ(r.count_by_size[1], static_cast<std::uint64_t>(n));
        EXPECT_EQ(r.maximal.size(), static_cast<std::size_t>(n));
        EXPECT_EQ(r.minimal_forbidden.size(), static_cast<std::size_t>(n * (n - 1) / 2));
        for (SetMask s : r.minimal_forbidden) EXPECT_EQ(set_size(s), 2);
    }
    // alpha > 1 and alpha - beta > 1: nothing is permitted; the empty set is the facet.
    const PermittedResult none = permitted_sets(wta(5, 2.0, 0.5));
    EXPECT_EQ(none.n_permitted, 0U);
    EXPECT_EQ(none.maximal, Masks{0});
    EXPECT_EQ(none.minimal_forbidden.size(), 5U);
}

TEST(Permitted, PermutingNeuronsPermutesTheAnswer) {
    Rng rng(31, Stream::network);
    for (int trial = 0; trial < 5; ++trial) {
        const Eigen::Index n = 11;
        const Eigen::MatrixXd W = random_symmetric(n, rng);
        std::vector<Eigen::Index> p(static_cast<std::size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
        for (std::size_t i = p.size() - 1; i > 0; --i) std::swap(p[i], p[static_cast<std::size_t>(rng.below(i + 1))]);
        Eigen::MatrixXd Wp(n, n);  // neuron i of W is neuron p[i] of Wp
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) Wp(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]) = W(i, j);
        auto map = [&](const Masks& m) {
            Masks out;
            for (SetMask s : m) {
                SetMask t = 0;
                for (Eigen::Index i : set_members(s)) t |= SetMask{1} << p[static_cast<std::size_t>(i)];
                out.push_back(t);
            }
            return sorted(out);
        };
        const PermittedResult a = permitted_sets(W), b = permitted_sets(Wp);
        EXPECT_EQ(map(a.permitted), sorted(b.permitted));
        EXPECT_EQ(map(a.maximal), sorted(b.maximal));
        EXPECT_EQ(map(a.minimal_forbidden), sorted(b.minimal_forbidden));
        EXPECT_EQ(a.count_by_size, b.count_by_size);
    }
}

TEST(Permitted, BudgetsTruncateWithCountsSoFar) {
    Rng rng(8, Stream::network);
    const Eigen::MatrixXd W = random_symmetric(12, rng);
    const PermittedResult full = permitted_sets(W);
    ASSERT_GT(full.n_permitted, 20U);
    PermittedOptions opt;
    opt.max_sets = 20;
    const PermittedResult part = permitted_sets(W, opt);
    EXPECT_EQ(part.status, EnumerationStatus::truncated);
    EXPECT_NE(part.message.find("max_sets"), std::string::npos);
    EXPECT_EQ(part.n_permitted, 20U);
    EXPECT_TRUE(part.maximal.empty());
    // Sets come in ascending order: the truncated list is a prefix of the full one, and
    // the minimal forbidden sets found are genuine.
    EXPECT_TRUE(std::equal(part.permitted.begin(), part.permitted.end(), full.permitted.begin()));
    const std::set<SetMask> mf(full.minimal_forbidden.begin(), full.minimal_forbidden.end());
    for (SetMask s : part.minimal_forbidden) EXPECT_TRUE(mf.count(s)) << format_set(s);
    // A time budget on a complex of 2^40 sets.
    PermittedOptions quick;
    quick.max_seconds = 0.05;
    quick.store_permitted = false;
    quick.max_sets = std::uint64_t{1} << 40;
    const PermittedResult t = permitted_sets(wta(40, 0.5, 1.0), quick);
    EXPECT_EQ(t.status, EnumerationStatus::truncated);
    EXPECT_NE(t.message.find("time budget"), std::string::npos);
    EXPECT_GT(t.n_permitted, 1000U);
    EXPECT_TRUE(t.permitted.empty());
}

// ---------------------------------------------------------------- copositivity

double sampled_min(const Eigen::MatrixXd& M, Rng& rng, int samples) {
    const Eigen::Index n = M.rows();
    double best = INFINITY;
    for (int s = 0; s < samples; ++s) {
        Eigen::VectorXd x(n);
        const auto support = rng.next();
        for (Eigen::Index i = 0; i < n; ++i) x[i] = (support >> i & 1U) ? rng.uniform() : 0.0;
        if (x.sum() <= 0) continue;
        x /= x.norm();
        best = std::min(best, x.dot(M * x));
    }
    return best;
}

TEST(Copositivity, AgreesWithSamplingAndWitnessesAreValid) {
    Rng rng(4242, Stream::network);
    int counts[2] = {0, 0};
    for (int trial = 0; trial < 60; ++trial) {
        const Eigen::Index n = 2 + static_cast<Eigen::Index>(rng.below(7));
        Eigen::MatrixXd W = random_symmetric(n, rng);
        W.array() += rng.uniform(-0.5, 0.1);  // shift towards inhibition: many copositive cases
        if (trial % 3 == 0) W(0, 1) += 0.3;   // and some non-symmetric ones
        const Eigen::MatrixXd M = Eigen::MatrixXd::Identity(n, n) - 0.5 * (W + W.transpose());
        const CopositivityResult r = copositivity(W);
        const double smin = sampled_min(M, rng, 4000);
        const double lmin = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(M).eigenvalues()[0];
        EXPECT_EQ(r.positive_definite, lmin > 1e-9);
        EXPECT_NEAR(r.min_eigenvalue, lmin, 1e-10);
        EXPECT_EQ(r.symmetric, trial % 3 != 0);
        if (r.positive_definite) {
            EXPECT_EQ(r.status, Copositivity::copositive);
        }
        ASSERT_NE(r.status, Copositivity::unknown);
        if (r.status == Copositivity::not_copositive) {
            ++counts[1];
            ASSERT_EQ(r.witness.size(), n);
            EXPECT_GE(r.witness.minCoeff(), 0.0);
            EXPECT_NEAR(r.witness.sum(), 1.0, 1e-12);
            EXPECT_NEAR(r.witness_value, r.witness.dot(M * r.witness), 1e-12);
            EXPECT_LE(r.witness_value, 1e-9) << r.method;
        } else {
            ++counts[0];
            EXPECT_GT(smin, -1e-12) << "sampling found x >= 0 with x'Mx < 0; trial " << trial;
        }
        // Sampling that finds a clearly negative value must be matched by the exact test.
        if (smin < -1e-6) {
            EXPECT_EQ(r.status, Copositivity::not_copositive);
        }
    }
    EXPECT_GT(counts[0], 5);
    EXPECT_GT(counts[1], 5);
}

TEST(Copositivity, KaplanFindsWitnessesTheCheapTestsMiss) {
    // Positive diagonal, every 2 x 2 block strictly copositive, a negative entry, yet
    // x = (1,1,1)/3 gives x'Mx < 0: only a 3 x 3 submatrix reveals it.
    Eigen::MatrixXd M(3, 3);
    M << 1, -0.9, -0.9, -0.9, 1, -0.9, -0.9, -0.9, 1;
    const Eigen::MatrixXd W = Eigen::MatrixXd::Identity(3, 3) - M;
    const CopositivityResult r = copositivity(W);
    EXPECT_EQ(r.status, Copositivity::not_copositive);
    EXPECT_NE(r.method.find("kaplan"), std::string::npos) << r.method;
    EXPECT_EQ(r.witness_support, 7U);
    EXPECT_NEAR(r.witness_value, (3.0 - 6 * 0.9) / 9.0, 1e-12);
    // The same with -0.4 off the diagonal is copositive (indeed positive definite).
    M << 1, -0.4, -0.4, -0.4, 1, -0.4, -0.4, -0.4, 1;
    EXPECT_EQ(copositivity(Eigen::MatrixXd::Identity(3, 3) - M).status, Copositivity::copositive);
}

TEST(Copositivity, WinnerTakeAllIsBoundedIffOneMinusAlphaPlusBetaPositive) {
    for (double alpha : {0.5, 1.5, 3.0})
        for (double beta : {0.2, 1.0, 2.5}) {
            const CopositivityResult r = copositivity(wta(10, alpha, beta));
            EXPECT_EQ(r.status == Copositivity::copositive, 1 - alpha + beta > 0) << alpha << " " << beta;
            EXPECT_EQ(r.positive_definite, alpha < 1);
        }
}

TEST(Copositivity, AboveTheExactLimit) {
    CopositivityOptions opt;
    opt.exact_max_n = 8;
    // Positive definite: decided at any size.
    EXPECT_EQ(copositivity(wta(100, 0.5, 1.0), opt).status, Copositivity::copositive);
    // The 3 x 3 counterexample hidden in a larger matrix: found by the search.
    Eigen::MatrixXd M = Eigen::MatrixXd::Identity(30, 30);
    M.topLeftCorner(3, 3) << 1, -0.9, -0.9, -0.9, 1, -0.9, -0.9, -0.9, 1;
    const CopositivityResult r = copositivity(Eigen::MatrixXd::Identity(30, 30) - M, opt);
    EXPECT_EQ(r.status, Copositivity::not_copositive);
    EXPECT_LT(r.witness_value, 0.0);
    // Copositive, not positive definite, with a negative entry: only the exact test decides.
    Eigen::MatrixXd C(3, 3);
    C << 1, -0.5, 1.5, -0.5, 1, 1.5, 1.5, 1.5, 1;
    opt.exact_max_n = 2;
    const CopositivityResult u = copositivity(Eigen::MatrixXd::Identity(3, 3) - C, opt);
    EXPECT_EQ(u.status, Copositivity::unknown);
    EXPECT_FALSE(u.positive_definite);
    opt.exact_max_n = 3;
    EXPECT_EQ(copositivity(Eigen::MatrixXd::Identity(3, 3) - C, opt).status, Copositivity::copositive);
}

// ---------------------------------------------------------------- simulation

TEST(Permitted, SimulationConfirmsPermittedAndForbiddenSets) {
    Rng rng(12, Stream::network);
    Eigen::MatrixXd W = random_symmetric(8, rng);
    PermittedResult r = permitted_sets(W);
    ASSERT_FALSE(r.minimal_forbidden.empty());
    ASSERT_FALSE(r.maximal.empty());
    SimulationCheckOptions opt;
    opt.n_permitted = 4;
    opt.n_forbidden = 4;
    opt.n_initial = 2;
    opt.seed = 3;
    const SimulationCheckResult ok = verify_permitted_by_simulation(W, r, opt);
    EXPECT_EQ(ok.sets.size(), 8U);
    EXPECT_TRUE(ok.all_agree());
    for (const SetCheck& c : ok.sets) {
        EXPECT_EQ(c.n_runs, 2);
        EXPECT_EQ(c.growth_rate < 0, c.permitted) << format_set(c.set);
        if (c.permitted) {
            EXPECT_LE(c.max_error, 1e-6 * 1.5) << format_set(c.set);
        } else {
            EXPECT_GT(c.min_error, 1e-6) << format_set(c.set);
        }
    }
    // A wrong claim is caught: forbidden sets passed off as permitted, and the reverse.
    PermittedResult wrong = r;
    std::swap(wrong.maximal, wrong.minimal_forbidden);
    wrong.permitted.clear();
    const SimulationCheckResult bad = verify_permitted_by_simulation(W, wrong, opt);
    EXPECT_EQ(bad.n_agree, 0U);
    EXPECT_EQ(bad.n_disagree, bad.sets.size());
    // Same seed, same answer.
    const SimulationCheckResult again = verify_permitted_by_simulation(W, r, opt);
    for (std::size_t i = 0; i < ok.sets.size(); ++i) EXPECT_EQ(ok.sets[i].max_error, again.sets[i].max_error);
}

}  // namespace
}  // namespace ratenet
