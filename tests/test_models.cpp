// Model generators: every entry against the documented equation (written out
// again here, independently), the statistics of the random models within
// explicit statistical tolerances (5 standard errors), refusals of illegal
// parameters, and reproducibility (same seed, same W; golden values).
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <set>
#include <omp.h>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;

namespace {

// Mean and (population) variance of the off-diagonal entries (or all entries).
struct Stats {
    double mean = 0, var = 0;
    double count = 0;
};
Stats entry_stats(const Eigen::MatrixXd& W, bool skip_diagonal) {
    Stats s;
    double s1 = 0, s2 = 0;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index j = 0; j < W.cols(); ++j) {
            if (skip_diagonal && i == j) continue;
            s1 += W(i, j);
            s2 += W(i, j) * W(i, j);
            s.count += 1;
        }
    s.mean = s1 / s.count;
    s.var = s2 / s.count - s.mean * s.mean;
    return s;
}

template <class F>
invalid_parameter refusal(F&& f) {
    try {
        f();
    } catch (const invalid_parameter& e) {
        return e;
    }
    ADD_FAILURE() << "accepted";
    return invalid_parameter("(accepted)", "", "");
}

}  // namespace

// ---------------------------------------------------------------- hahnloser_wta

TEST(HahnloserWta, EntriesFollowTheEquation) {
    for (Eigen::Index n : {1, 2, 3, 7}) {
        HahnloserWtaParams p;
        p.n = n;
        p.alpha = 1.3;
        p.beta = 0.8;
        p.gamma = 0.25;
        const Connectivity c = make_hahnloser_wta(p);
        ASSERT_FALSE(c.sparse);
        ASSERT_EQ(c.W.rows(), n);
        ASSERT_EQ(c.W.cols(), n);
        EXPECT_FALSE(c.b.has_value());
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) {
                // W = alpha I - beta 1 1' + gamma on ring neighbours (i +- 1 mod n), counted once.
                const bool neighbour = n > 1 && i != j && ((i + 1) % n == j || (j + 1) % n == i);
                const double expected = (i == j ? 1.3 : 0.0) - 0.8 + (neighbour ? 0.25 : 0.0);
                EXPECT_DOUBLE_EQ(c.W(i, j), expected) << "n = " << n << ", (" << i << ", " << j << ")";
            }
        EXPECT_EQ(c.W, c.W.transpose());
        EXPECT_EQ(c.info.name, "hahnloser_wta");
    }
}

TEST(HahnloserWta, SpectrumOfPlainCircuit) {
    // Without gamma, W = alpha I - beta 11' has eigenvalues alpha - n beta (once) and
    // alpha (n - 1 times).
    HahnloserWtaParams p;
    p.n = 6;
    const Connectivity c = make_hahnloser_wta(p);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.W);
    const Eigen::VectorXd ev = es.eigenvalues();  // ascending
    EXPECT_NEAR(ev[0], p.alpha - 6 * p.beta, 1e-12);
    for (Eigen::Index i = 1; i < 6; ++i) EXPECT_NEAR(ev[i], p.alpha, 1e-12);
}

TEST(HahnloserWta, RefusesBadParameters) {
    HahnloserWtaParams p;
    p.n = 0;
    EXPECT_EQ(refusal([&] { make_hahnloser_wta(p); }).key(), "n");
    p.n = 3;
    p.beta = NAN;
    EXPECT_EQ(refusal([&] { make_hahnloser_wta(p); }).key(), "beta");
}

// ---------------------------------------------------------------- ctln

TEST(Ctln, EntriesFollowTheEquation) {
    CtlnParams p;
    p.n = 4;
    p.edges = {{0, 1}, {1, 2}, {2, 0}, {3, 0}, {0, 3}};  // (from, to)
    p.eps = 0.2;
    p.delta = 0.6;
    p.theta = 1.5;
    const Connectivity c = make_ctln(p);
    std::set<std::pair<Eigen::Index, Eigen::Index>> edges(p.edges.begin(), p.edges.end());
    for (Eigen::Index i = 0; i < 4; ++i)
        for (Eigen::Index j = 0; j < 4; ++j) {
            double expected = edges.count({j, i}) ? -1.0 + 0.2 : -1.0 - 0.6;
            if (i == j) expected = 0.0;
            EXPECT_DOUBLE_EQ(c.W(i, j), expected) << "(" << i << ", " << j << ")";
        }
    ASSERT_TRUE(c.b.has_value());
    EXPECT_EQ(*c.b, Eigen::VectorXd::Constant(4, 1.5));
    EXPECT_EQ(c.info.name, "ctln");
}

TEST(Ctln, EpsilonLegalRange) {
    // Legal range: 0 < eps < delta / (delta + 1); delta = 0.5 gives 1/3.
    CtlnParams p;
    p.edges = {{0, 1}};
    p.delta = 0.5;
    p.eps = 1.0 / 3.0;
    const auto e = refusal([&] { make_ctln(p); });
    EXPECT_EQ(e.key(), "eps");
    EXPECT_NE(e.rule().find("delta/(delta+1)"), std::string::npos) << e.what();
    p.eps = 0.4;
    EXPECT_EQ(refusal([&] { make_ctln(p); }).key(), "eps");
    p.eps = 0.333;
    EXPECT_NO_THROW(make_ctln(p));
    p.eps = 0.0;
    EXPECT_EQ(refusal([&] { make_ctln(p); }).key(), "eps");
    p.eps = 0.25;
    p.delta = 0.0;
    EXPECT_EQ(refusal([&] { make_ctln(p); }).key(), "delta");
    p.delta = 0.5;
    p.theta = 0.0;
    EXPECT_EQ(refusal([&] { make_ctln(p); }).key(), "theta");
}

TEST(Ctln, RefusesBadEdges) {
    CtlnParams p;
    p.n = 3;
    p.edges = {{0, 1}, {1, 1}};
    auto e = refusal([&] { make_ctln(p); });
    EXPECT_EQ(e.key(), "edges[1]");
    EXPECT_EQ(e.value(), "[1, 1]");
    EXPECT_NE(e.rule().find("self-loop"), std::string::npos);
    p.edges = {{0, 3}};
    e = refusal([&] { make_ctln(p); });
    EXPECT_EQ(e.key(), "edges[0]");
    EXPECT_NE(e.rule().find("out of range"), std::string::npos);
    p.edges = {{-1, 0}};
    EXPECT_EQ(refusal([&] { make_ctln(p); }).key(), "edges[0]");
    p.edges = {{0, 1}, {1, 2}, {0, 1}};
    e = refusal([&] { make_ctln(p); });
    EXPECT_EQ(e.key(), "edges[2]");
    EXPECT_NE(e.rule().find("duplicate"), std::string::npos);
    // Both directions are two different edges, not duplicates.
    p.edges = {{0, 1}, {1, 0}};
    EXPECT_NO_THROW(make_ctln(p));
}

// ---------------------------------------------------------------- random_gaussian

TEST(RandomGaussian, DenseEntryStatistics) {
    RandomGaussianParams p;
    p.n = 400;
    p.g = 1.5;
    p.mu = 0.8;
    p.seed = 7;
    const Connectivity c = make_random_gaussian(p);
    ASSERT_FALSE(c.sparse);
    ASSERT_EQ(c.W.rows(), 400);
    EXPECT_EQ(c.W.diagonal(), Eigen::VectorXd::Zero(400));
    const Stats s = entry_stats(c.W, true);
    const double n = 400, mean = p.mu / n, var = p.g * p.g / n;
    // Standard errors: of the mean sqrt(var / M), of the variance var sqrt(2 / M).
    EXPECT_NEAR(s.mean, mean, 5 * std::sqrt(var / s.count));
    EXPECT_NEAR(s.var, var, 5 * var * std::sqrt(2.0 / s.count));
    // Not symmetric by default.
    EXPECT_GT((c.W - c.W.transpose()).cwiseAbs().maxCoeff(), 0.1);
    // Row sums: mean mu, standard deviation g (N - 1 entries of variance g^2/N).
    const Eigen::VectorXd rows = c.W.rowwise().sum();
    EXPECT_NEAR(rows.mean(), p.mu * (n - 1) / n, 5 * p.g / std::sqrt(n));
}

TEST(RandomGaussian, DiagonalKeptWhenAsked) {
    RandomGaussianParams p;
    p.n = 300;
    p.zero_diagonal = false;
    const Connectivity c = make_random_gaussian(p);
    int zeros = 0;
    for (Eigen::Index i = 0; i < 300; ++i) zeros += c.W(i, i) == 0.0 ? 1 : 0;
    EXPECT_EQ(zeros, 0);
    // The diagonal has the same distribution as the rest: variance g^2/N.
    const double var = c.W.diagonal().squaredNorm() / 300.0;
    EXPECT_NEAR(var, p.g * p.g / 300.0, 5 * (p.g * p.g / 300.0) * std::sqrt(2.0 / 300.0));
    // The off-diagonal entries do not depend on zero_diagonal (documented draw order).
    p.zero_diagonal = true;
    const Connectivity z = make_random_gaussian(p);
    Eigen::MatrixXd d = c.W;
    d.diagonal().setZero();
    EXPECT_EQ(d, z.W);
}

TEST(RandomGaussian, SymmetricOption) {
    RandomGaussianParams p;
    p.n = 300;
    p.g = 1.2;
    p.symmetric = true;
    const Connectivity c = make_random_gaussian(p);
    EXPECT_EQ(c.W, c.W.transpose());
    EXPECT_EQ(c.W.diagonal(), Eigen::VectorXd::Zero(300));
    // Independent entries are those above the diagonal.
    Eigen::MatrixXd upper(300 * 299 / 2, 1);
    Eigen::Index k = 0;
    for (Eigen::Index i = 0; i < 300; ++i)
        for (Eigen::Index j = i + 1; j < 300; ++j) upper(k++, 0) = c.W(i, j);
    const Stats s = entry_stats(upper, false);
    const double var = 1.44 / 300.0;
    EXPECT_NEAR(s.mean, 0.0, 5 * std::sqrt(var / s.count));
    EXPECT_NEAR(s.var, var, 5 * var * std::sqrt(2.0 / s.count));
    // Wigner: the spectrum of a symmetric W is real with edge near 2 g.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.W);
    EXPECT_NEAR(es.eigenvalues().maxCoeff(), 2 * p.g, 0.15 * p.g);
}

TEST(RandomGaussian, SparseKPartnersPerRow) {
    RandomGaussianParams p;
    p.n = 300;
    p.k = 20;
    p.g = 1.3;
    p.mu = -2.0;
    p.seed = 5;
    const Connectivity c = make_random_gaussian(p);
    ASSERT_TRUE(c.sparse);
    const SparseMatrix& S = c.W_sparse;
    ASSERT_EQ(S.rows(), 300);
    ASSERT_EQ(S.cols(), 300);
    std::vector<int> in_degree(300, 0);
    std::vector<double> vals;
    for (Eigen::Index i = 0; i < 300; ++i) {
        std::set<Eigen::Index> partners;
        Eigen::Index count = 0;
        for (SparseMatrix::InnerIterator it(S, i); it; ++it) {
            ++count;
            EXPECT_NE(it.col(), i) << "self-coupling in row " << i;
            EXPECT_NE(it.value(), 0.0);
            partners.insert(it.col());
            ++in_degree[static_cast<std::size_t>(it.col())];
            vals.push_back(it.value());
        }
        // Exactly k stored entries, all in distinct columns (a repeated partner would
        // have been summed into fewer entries).
        EXPECT_EQ(count, 20) << "row " << i;
        EXPECT_EQ(partners.size(), 20u) << "row " << i;
    }
    // Weights N(mu/k, g^2/k).
    const Eigen::Map<const Eigen::MatrixXd> v(vals.data(), static_cast<Eigen::Index>(vals.size()), 1);
    const Stats s = entry_stats(v, false);
    const double mean = -2.0 / 20, var = 1.69 / 20;
    EXPECT_NEAR(s.mean, mean, 5 * std::sqrt(var / s.count));
    EXPECT_NEAR(s.var, var, 5 * var * std::sqrt(2.0 / s.count));
    // Partners uniform over columns: chi-square of the in-degrees against k per column
    // (299 degrees of freedom, standard deviation about sqrt(2 * 299) = 24.5).
    double chi2 = 0;
    for (int d : in_degree) chi2 += (d - 20.0) * (d - 20.0) / 20.0;
    EXPECT_LT(chi2, 299 + 6 * 24.5);
    EXPECT_GT(chi2, 299 - 6 * 24.5);
}

TEST(RandomGaussian, SparseWithDiagonalAndFullRows) {
    // k = N with the diagonal allowed: every entry present.
    RandomGaussianParams p;
    p.n = 12;
    p.k = 12;
    p.zero_diagonal = false;
    const Connectivity c = make_random_gaussian(p);
    EXPECT_EQ(c.W_sparse.nonZeros(), 144);
    p.zero_diagonal = true;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "k");
    p.k = 11;
    EXPECT_EQ(make_random_gaussian(p).W_sparse.nonZeros(), 132);
}

TEST(RandomGaussian, RefusesBadParameters) {
    RandomGaussianParams p;
    p.n = 10;
    p.g = -1;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "g");
    p.g = 1;
    p.k = -1;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "k");
    p.k = 3;
    p.symmetric = true;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "symmetric");
    p.symmetric = false;
    p.mu = INFINITY;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "mu");
    p.mu = 0;
    p.n = 0;
    EXPECT_EQ(refusal([&] { make_random_gaussian(p); }).key(), "n");
}

TEST(RandomGaussian, ReproducibleFromSeed) {
    RandomGaussianParams p;
    p.n = 50;
    p.seed = 42;
    const Eigen::MatrixXd a = make_random_gaussian(p).W, b = make_random_gaussian(p).W;
    EXPECT_EQ(a, b);
    p.seed = 43;
    EXPECT_GT((make_random_gaussian(p).W - a).cwiseAbs().maxCoeff(), 0.1);
    p.seed = 42;
    p.k = 5;
    const Eigen::MatrixXd s1 = Eigen::MatrixXd(make_random_gaussian(p).W_sparse);
    const Eigen::MatrixXd s2 = Eigen::MatrixXd(make_random_gaussian(p).W_sparse);
    EXPECT_EQ(s1, s2);
}

TEST(RandomGaussian, GoldenValuesSeed1) {
    // Pinned when written. Changing these values breaks the reproducibility of every
    // user's config file (the same seed must give the same network on every machine
    // and every ratenet version): do not update them to make a change pass.
    RandomGaussianParams p;
    p.n = 4;
    p.g = 1.0;
    p.seed = 1;
    p.zero_diagonal = false;
    p.streams = 1;  // the serial layout of ratenet 0.1
    const Eigen::MatrixXd W = make_random_gaussian(p).W;
    const double golden[4][4] = {{-0.018436125119902565, -0.02327348655501988, 0.15752806648018589, 0.37267386966210381},
                                 {0.28518840878553814, -0.75316686858630355, -0.50689755049600937, 0.51087078495949267},
                                 {0.73643236840679027, -0.22490705669926339, 0.76161147575061428, -0.030093238473019191},
                                 {-0.31178412644712428, 0.14656885517499485, 0.32392211687127909, -0.01904291687562085}};
    for (Eigen::Index i = 0; i < 4; ++i)
        for (Eigen::Index j = 0; j < 4; ++j)
            EXPECT_EQ(W(i, j), golden[i][j]) << "(" << i << ", " << j << ")";
    // Sparse: partners and weights of row 0 for n = 10, k = 3.
    p.n = 10;
    p.k = 3;
    p.zero_diagonal = true;
    const SparseMatrix S = make_random_gaussian(p).W_sparse;
    std::vector<std::pair<Eigen::Index, double>> row0;
    for (SparseMatrix::InnerIterator it(S, 0); it; ++it) row0.emplace_back(it.col(), it.value());
    const std::vector<std::pair<Eigen::Index, double>> golden_sparse = {
        {3, 0.18096488531563898}, {5, 0.84697815861780812}, {6, -0.42875820699743539}};
    EXPECT_EQ(row0, golden_sparse);
}

namespace {
// Row i of a sparse random_gaussian W as ratenet 0.1 drew it from rng: a
// partial Fisher-Yates shuffle of the whole candidate list (O(N)), each
// partner's weight right after it; sorted by column, as CSR stores a row.
std::vector<std::pair<Eigen::Index, double>> full_shuffle_row(const RandomGaussianParams& p, Rng& rng, Eigen::Index i) {
    const double mean = p.mu / static_cast<double>(p.k), sd = p.g / std::sqrt(static_cast<double>(p.k));
    std::vector<Eigen::Index> pool;
    for (Eigen::Index j = 0; j < p.n; ++j)
        if (!(p.zero_diagonal && j == i)) pool.push_back(j);
    std::vector<std::pair<Eigen::Index, double>> row;
    for (std::uint64_t s = 0; s < static_cast<std::uint64_t>(p.k); ++s) {
        const std::uint64_t r = s + rng.below(pool.size() - s);
        std::swap(pool[s], pool[r]);
        row.emplace_back(pool[s], mean + sd * (p.streams == 3 ? rng.normal_fast() : rng.normal()));
    }
    std::sort(row.begin(), row.end());
    return row;
}

std::vector<std::pair<Eigen::Index, double>> row_entries(const SparseMatrix& S, Eigen::Index i) {
    std::vector<std::pair<Eigen::Index, double>> row;
    for (SparseMatrix::InnerIterator it(S, i); it; ++it) row.emplace_back(it.col(), it.value());
    return row;
}
}  // namespace

// The construction shuffles virtually (O(k) per row); the reference shuffles the
// whole candidate list (O(N) per row), as ratenet 0.1 did. Same draws, same
// matrix, bit for bit: with streams = 1, seeds written before keep their networks.
TEST(RandomGaussian, SparseRowsEqualAFullShuffleBitForBit) {
    for (const bool zero_diagonal : {true, false})
        for (const auto& [n, k] : std::vector<std::pair<Eigen::Index, Eigen::Index>>{
                 {1, 1}, {2, 1}, {7, 3}, {50, 49}, {64, 64}, {300, 20}, {1000, 7}}) {
            if (zero_diagonal && k > n - 1) continue;
            for (const std::uint64_t seed : {1ULL, 99ULL}) {
                RandomGaussianParams p;
                p.n = n;
                p.k = k;
                p.g = 1.7;
                p.mu = 0.3;
                p.zero_diagonal = zero_diagonal;
                p.seed = seed;
                p.streams = 1;
                SCOPED_TRACE("n " + std::to_string(n) + ", k " + std::to_string(k) + ", zero_diagonal " +
                             std::to_string(zero_diagonal) + ", seed " + std::to_string(seed));
                const SparseMatrix S = make_random_gaussian(p).W_sparse;
                Rng rng(seed, Stream::network);
                for (Eigen::Index i = 0; i < n; ++i) ASSERT_EQ(row_entries(S, i), full_shuffle_row(p, rng, i)) << "row " << i;
            }
        }
}

// streams = 2, written out independently: dense column block b holds the draws
// of Rng(derive_seed(seed, b)) in memory order; sparse row block b the rows a
// serial (streams = 1) construction draws from that substream.
TEST(RandomGaussian, Streams2And3BlocksAreTheirSubstreams) {
  for (const Eigen::Index layout : {2, 3}) {
    RandomGaussianParams p;
    p.n = 2 * dense_block_cols + 5;  // two full column blocks and a partial one
    p.g = 1.1;
    p.mu = 0.4;
    p.seed = 17;
    p.streams = layout;
    const Eigen::MatrixXd W = make_random_gaussian(p).W;
    const double mean = p.mu / static_cast<double>(p.n), sd = p.g / std::sqrt(static_cast<double>(p.n));
    for (Eigen::Index b = 0; b * dense_block_cols < p.n; ++b) {
        Rng rng(derive_seed(p.seed, static_cast<std::uint64_t>(b)), Stream::network);
        for (Eigen::Index j = b * dense_block_cols; j < std::min(p.n, (b + 1) * dense_block_cols); ++j)
            for (Eigen::Index i = 0; i < p.n; ++i) {
                const double w = mean + sd * (layout == 3 ? rng.normal_fast() : rng.normal());
                ASSERT_EQ(W(i, j), i == j ? 0.0 : w) << "(" << i << ", " << j << ")";
            }
    }
    p.n = 2 * sparse_block_rows + 300;
    p.k = 9;
    const SparseMatrix S = make_random_gaussian(p).W_sparse;
    for (Eigen::Index b = 0; b * sparse_block_rows < p.n; ++b) {
        Rng rng(derive_seed(p.seed, static_cast<std::uint64_t>(b)), Stream::network);
        for (Eigen::Index i = b * sparse_block_rows; i < std::min(p.n, (b + 1) * sparse_block_rows); ++i)
            ASSERT_EQ(row_entries(S, i), full_shuffle_row(p, rng, i)) << "row " << i;
    }
  }
}

// streams = 2 draws blocks in parallel: the same bits with 1, 2 or 3 threads.
TEST(RandomGaussian, Streams2And3BitsIndependentOfThreadCount) {
  for (const Eigen::Index layout : {2, 3}) {
    RandomGaussianParams dense, sparse;
    dense.streams = sparse.streams = layout;
    dense.n = 5 * dense_block_cols + 7;
    sparse.n = 6 * sparse_block_rows + 11;
    sparse.k = 13;
    std::vector<Eigen::MatrixXd> Ws;
    std::vector<SparseMatrix> Ss;
    const int saved = omp_get_max_threads();
    for (const int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        Ws.push_back(make_random_gaussian(dense).W);
        Ss.push_back(make_random_gaussian(sparse).W_sparse);
    }
    omp_set_num_threads(saved);
    for (std::size_t t = 1; t < Ws.size(); ++t) {
        EXPECT_EQ(std::memcmp(Ws[0].data(), Ws[t].data(), sizeof(double) * static_cast<std::size_t>(Ws[0].size())), 0);
        ASSERT_EQ(Ss[0].nonZeros(), Ss[t].nonZeros());
        EXPECT_EQ(std::memcmp(Ss[0].valuePtr(), Ss[t].valuePtr(), sizeof(double) * static_cast<std::size_t>(Ss[0].nonZeros())), 0);
        EXPECT_EQ(std::memcmp(Ss[0].innerIndexPtr(), Ss[t].innerIndexPtr(),
                              sizeof(std::int64_t) * static_cast<std::size_t>(Ss[0].nonZeros())), 0);
    }
  }
}

namespace {
// Row 0 of a dense 4 x 4 (g = 1, diagonal kept) and of a sparse 10-neuron k = 3
// network, seed 1, drawn with the given layout.
void expect_golden(Eigen::Index streams, const std::array<double, 4>& dense_row0,
                   const std::vector<std::pair<Eigen::Index, double>>& sparse_row0) {
    RandomGaussianParams p;
    p.n = 4;
    p.g = 1.0;
    p.seed = 1;
    p.zero_diagonal = false;
    p.streams = streams;
    const Eigen::MatrixXd W = make_random_gaussian(p).W;
    for (Eigen::Index j = 0; j < 4; ++j) EXPECT_EQ(W(0, j), dense_row0[static_cast<std::size_t>(j)]) << "(0, " << j << ")";
    p.n = 10;
    p.k = 3;
    p.zero_diagonal = true;
    const SparseMatrix S = make_random_gaussian(p).W_sparse;
    std::vector<std::pair<Eigen::Index, double>> got;
    for (SparseMatrix::InnerIterator it(S, 0); it; ++it) got.emplace_back(it.col(), it.value());
    EXPECT_EQ(got, sparse_row0);
}
}  // namespace

// Pinned when written, like GoldenValuesSeed1: layouts 2 and 3 must not drift (a
// change of layout is a new value of `streams`, not an update here).
TEST(RandomGaussian, GoldenValuesStreams2) {
    expect_golden(2, {0.61772272467659872, -0.17203139367201614, 0.020947137055136147, 0.11664019984222182},
                  {{3, -0.65861812560357114}, {4, -0.948305213178815}, {6, 1.1665940843254887}});
}

TEST(RandomGaussian, GoldenValuesStreams3) {
    expect_golden(3, {0.61772272467659872, -0.17203139367201614, 0.02094713705513614, 0.11664019984222182},
                  {{3, -0.65861812560357114}, {4, -0.948305213178815}, {6, 1.1665940843254887}});
}

// ---------------------------------------------------------------- excitatory_inhibitory

TEST(ExcitatoryInhibitory, DaleSignsAndConnectionFraction) {
    ExcitatoryInhibitoryParams p;
    p.n_e = 320;
    p.n_i = 80;
    p.p = 0.2;
    p.g = 1.3;
    p.w_e = 1.0;
    p.w_i = -4.0;
    const Connectivity c = make_excitatory_inhibitory(p);
    const Eigen::Index n = 400;
    ASSERT_EQ(c.W.rows(), n);
    const double scale = p.g / std::sqrt(p.p * (1 - p.p) * static_cast<double>(n));
    double connected = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
        const double w = scale * (j < p.n_e ? p.w_e : p.w_i);
        for (Eigen::Index i = 0; i < n; ++i) {
            const double v = c.W(i, j);
            if (i == j) {
                EXPECT_EQ(v, 0.0);
                continue;
            }
            // Dale's law: each column (presynaptic neuron) has one sign; the value is exactly
            // g w_pop(j) / sqrt(p (1 - p) N) or 0.
            ASSERT_TRUE(v == 0.0 || v == w) << "(" << i << ", " << j << ") = " << v << ", expected 0 or " << w;
            connected += v != 0.0 ? 1 : 0;
        }
    }
    const double m = static_cast<double>(n * (n - 1));
    EXPECT_NEAR(connected / m, p.p, 5 * std::sqrt(p.p * (1 - p.p) / m));
    // Inhibitory columns are negative, excitatory positive, and both kinds occur.
    EXPECT_GT(c.W.leftCols(p.n_e).maxCoeff(), 0.0);
    EXPECT_EQ(c.W.leftCols(p.n_e).minCoeff(), 0.0);
    EXPECT_LT(c.W.rightCols(p.n_i).minCoeff(), 0.0);
    EXPECT_EQ(c.W.rightCols(p.n_i).maxCoeff(), 0.0);
}

TEST(ExcitatoryInhibitory, RefusesBadParametersAndReproduces) {
    ExcitatoryInhibitoryParams p;
    p.n_e = 40;
    p.n_i = 10;
    EXPECT_EQ(make_excitatory_inhibitory(p).W, make_excitatory_inhibitory(p).W);
    ExcitatoryInhibitoryParams q = p;
    q.seed = 2;
    EXPECT_NE(make_excitatory_inhibitory(q).W, make_excitatory_inhibitory(p).W);
    q = p;
    q.p = 1.0;
    EXPECT_EQ(refusal([&] { make_excitatory_inhibitory(q); }).key(), "p");
    q = p;
    q.w_e = -1.0;
    EXPECT_EQ(refusal([&] { make_excitatory_inhibitory(q); }).key(), "w_e");
    q = p;
    q.w_i = 0.5;
    EXPECT_EQ(refusal([&] { make_excitatory_inhibitory(q); }).key(), "w_i");
    q = p;
    q.n_i = 0;
    EXPECT_EQ(refusal([&] { make_excitatory_inhibitory(q); }).key(), "n_i");
}

// ---------------------------------------------------------------- ring

TEST(Ring, EntriesAndSpectrum) {
    RingParams p;
    p.n = 16;
    p.j0 = -2.0;
    p.j1 = 6.0;
    const Connectivity c = make_ring(p);
    ASSERT_EQ(c.W.rows(), 16);
    for (Eigen::Index i = 0; i < 16; ++i)
        for (Eigen::Index j = 0; j < 16; ++j) {
            const double th_i = 2 * std::numbers::pi * static_cast<double>(i) / 16;
            const double th_j = 2 * std::numbers::pi * static_cast<double>(j) / 16;
            EXPECT_NEAR(c.W(i, j), (-2.0 + 6.0 * std::cos(th_i - th_j)) / 16, 1e-15);
        }
    // Circulant and symmetric: eigenvalues J0 (uniform mode), J1/2 twice (cos, sin), 0 otherwise;
    // every row sums to J0.
    EXPECT_LT((c.W - c.W.transpose()).cwiseAbs().maxCoeff(), 1e-15);
    for (Eigen::Index i = 0; i < 16; ++i) EXPECT_NEAR(c.W.row(i).sum(), -2.0, 1e-13);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c.W);
    const Eigen::VectorXd ev = es.eigenvalues();  // ascending
    EXPECT_NEAR(ev[0], -2.0, 1e-12);
    for (Eigen::Index i = 1; i < 14; ++i) EXPECT_NEAR(ev[i], 0.0, 1e-12);
    EXPECT_NEAR(ev[14], 3.0, 1e-12);
    EXPECT_NEAR(ev[15], 3.0, 1e-12);
}

TEST(Models, DocsListEveryGenerator) {
    std::set<std::string> names;
    for (const auto& d : model_specs()) {
        names.insert(d.name);
        EXPECT_FALSE(d.equation.empty()) << d.name;
        EXPECT_FALSE(d.source.empty()) << d.name;
        EXPECT_EQ(find_model(d.name), &d);
    }
    for (const char* n : {"hahnloser_wta", "random_gaussian", "excitatory_inhibitory", "ctln", "ring", "matrix"})
        EXPECT_TRUE(names.count(n)) << n;
    EXPECT_EQ(find_model("no_such_model"), nullptr);
    // make_matrix keeps W as given.
    const Eigen::MatrixXd W = Eigen::MatrixXd::Random(3, 3);
    const Connectivity c = make_matrix(W, "x.npy");
    EXPECT_EQ(c.W, W);
    EXPECT_EQ(c.info.name, "matrix");
}
