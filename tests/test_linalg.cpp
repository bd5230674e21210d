// The dense kernels (src/linalg): products against a compensated naive sum,
// QR against its defining properties and Eigen's R, and the same bits for any
// number of threads (the blocks depend on the shapes only).
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <cmath>
#include <cstring>

#include "linalg/dense.hpp"
#include "linalg/sparse.hpp"
#include "support/kernel_checks.hpp"
#include "ratenet/dynamics.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

using ratenet::Rng;
using ratenet_test::gaussian;
using ratenet_test::same_bits;
using ratenet_test::with_threads;

// alpha A B + beta C with long double accumulation, written out loop by loop.
Eigen::MatrixXd naive_gemm(double alpha, const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double beta,
                           const Eigen::MatrixXd& C) {
    Eigen::MatrixXd out(A.rows(), B.cols());
    for (Eigen::Index i = 0; i < A.rows(); ++i)
        for (Eigen::Index j = 0; j < B.cols(); ++j) {
            long double s = 0.0L;
            for (Eigen::Index l = 0; l < A.cols(); ++l)
                s += static_cast<long double>(A(i, l)) * static_cast<long double>(B(l, j));
            out(i, j) = static_cast<double>(static_cast<long double>(alpha) * s +
                                            static_cast<long double>(beta) * static_cast<long double>(C(i, j)));
        }
    return out;
}

struct Shape {
    Eigen::Index m, n, k;
};

class GemmShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(GemmShapes, MatchesNaiveSumAndIsThreadCountInvariant) {
    const auto [m, n, k] = GetParam();
    const Eigen::MatrixXd A = gaussian(m, n, 1), B = gaussian(n, k, 2), C0 = gaussian(m, k, 3);
    const double alpha = 0.75, beta = -0.5;
    const Eigen::MatrixXd ref = naive_gemm(alpha, A, B, beta, C0);
    auto run = [&] {
        Eigen::MatrixXd C = C0;
        ratenet::linalg::gemm(alpha, A, B, beta, C);
        return C;
    };
    const Eigen::MatrixXd c1 = with_threads(1, run), c2 = with_threads(2, run), c3 = with_threads(3, run);
    // Each entry is a sum of n products of unit Gaussians: error ~ eps sqrt(n) |terms|.
    const double tol = 1e-14 * static_cast<double>(n) * 4.0;
    EXPECT_LT((c1 - ref).cwiseAbs().maxCoeff(), tol);
    EXPECT_TRUE(same_bits(c1, c2));
    EXPECT_TRUE(same_bits(c1, c3));
    // gemm_serial: the same product on one thread, same tolerance.
    Eigen::MatrixXd s = C0;
    ratenet::linalg::gemm_serial(alpha, A, B, beta, s);
    EXPECT_LT((s - ref).cwiseAbs().maxCoeff(), tol);
}

// Small (one call), wide (column blocks), narrow (row blocks), odd sizes.
INSTANTIATE_TEST_SUITE_P(Linalg, GemmShapes,
                         ::testing::Values(Shape{7, 5, 3}, Shape{120, 130, 140}, Shape{300, 257, 301},
                                           Shape{1031, 400, 9}, Shape{515, 515, 64}));

TEST(Gemm, BlocksOfLargerMatricesAndBetaZeroIgnoresGarbage) {
    const Eigen::MatrixXd big = gaussian(400, 500, 4);
    const Eigen::MatrixXd Bbig = gaussian(450, 300, 5);
    auto A = big.block(10, 20, 333, 350);  // strided views
    auto B = Bbig.block(5, 7, 350, 200);
    Eigen::MatrixXd Cbig = Eigen::MatrixXd::Constant(340, 210, std::nan(""));
    auto C = Cbig.block(3, 4, 333, 200);
    ratenet::linalg::gemm(1.0, A, B, 0.0, C);
    const Eigen::MatrixXd ref = naive_gemm(1.0, A, B, 0.0, Eigen::MatrixXd::Zero(333, 200));
    EXPECT_LT((Eigen::MatrixXd(C) - ref).cwiseAbs().maxCoeff(), 1e-11);
    // Outside the block C is untouched.
    EXPECT_TRUE(std::isnan(Cbig(0, 0)));
    EXPECT_TRUE(std::isnan(Cbig(339, 209)));
}

// Regression: an OpenMP OpenBLAS told to use one thread sets the caller's OpenMP
// team size to one, which silently serialised every later parallel region.
TEST(Kernels, LeaveTheCallersThreadSettingAlone) {
#ifdef _OPENMP
    const int before = omp_get_max_threads();
    Eigen::MatrixXd Q = gaussian(200, 150, 1);
    Eigen::VectorXd logs;
    ratenet::linalg::QrWorkspace ws;
    ASSERT_TRUE(ratenet::linalg::qr_orthonormalise(Q, logs, ws));
    Eigen::MatrixXd C(200, 150);
    ratenet::linalg::gemm(1.0, gaussian(200, 200, 2), Q, 0.0, C);
    ratenet::linalg::gemm_serial(1.0, gaussian(200, 200, 2), Q, 0.0, C);
    EXPECT_EQ(omp_get_max_threads(), before);
    omp_set_num_threads(3);
    ratenet::linalg::gemm(1.0, gaussian(200, 200, 2), Q, 0.0, C);
    EXPECT_EQ(omp_get_max_threads(), 3);
    omp_set_num_threads(before);
#else
    GTEST_SKIP() << "built without OpenMP";
#endif
}

TEST(Gemm, RefusesMismatchedShapes) {
    const Eigen::MatrixXd A = gaussian(4, 5, 1), B = gaussian(6, 3, 2);
    Eigen::MatrixXd C(4, 3);
    EXPECT_THROW(ratenet::linalg::gemm(1.0, A, B, 0.0, C), ratenet::numerical_error);
}

TEST(Gemv, MatchesNaiveSumAndIsThreadCountInvariant) {
    for (const Eigen::Index n : {50, 300, 1000, 1537}) {
        const Eigen::MatrixXd A = gaussian(n + 3, n, 6);
        const Eigen::VectorXd x = gaussian(n, 1, 7);
        const Eigen::MatrixXd ref = naive_gemm(1.0, A, x, 0.0, Eigen::MatrixXd::Zero(n + 3, 1));
        auto run = [&] {
            Eigen::VectorXd y;
            Eigen::MatrixXd partial;
            ratenet::linalg::gemv(A, x, y, partial);
            return Eigen::MatrixXd(y);
        };
        const Eigen::MatrixXd y1 = with_threads(1, run), y2 = with_threads(2, run), y3 = with_threads(3, run);
        EXPECT_LT((y1 - ref).cwiseAbs().maxCoeff(), 4e-14 * static_cast<double>(n)) << "n = " << n;
        EXPECT_TRUE(same_bits(y1, y2)) << "n = " << n;
        EXPECT_TRUE(same_bits(y1, y3)) << "n = " << n;
    }
}

class QrShapes : public ::testing::TestWithParam<std::pair<Eigen::Index, Eigen::Index>> {};

TEST_P(QrShapes, OrthonormalFactorWithPositiveDiagonalAndEigensR) {
    const auto [n, k] = GetParam();
    // Columns of very different lengths, as tangent vectors after an interval.
    Eigen::MatrixXd A = gaussian(n, k, 8);
    for (Eigen::Index j = 0; j < k; ++j) A.col(j) *= std::exp(-0.02 * static_cast<double>(j));
    auto run = [&] {
        Eigen::MatrixXd Q = A;
        Eigen::VectorXd logs;
        ratenet::linalg::QrWorkspace ws;
        EXPECT_TRUE(ratenet::linalg::qr_orthonormalise(Q, logs, ws));
        Eigen::MatrixXd both(n, k + 1);
        both.leftCols(k) = Q;
        both.col(k).head(k) = logs;
        both.col(k).tail(n - k).setZero();
        return both;
    };
    const Eigen::MatrixXd r1 = with_threads(1, run), r2 = with_threads(2, run), r3 = with_threads(3, run);
    EXPECT_TRUE(same_bits(r1, r2));
    EXPECT_TRUE(same_bits(r1, r3));
    const Eigen::MatrixXd Q = r1.leftCols(k);
    const Eigen::VectorXd logs = r1.col(k).head(k);
    const double eps = 1e-15 * static_cast<double>(n);
    EXPECT_LT((Q.transpose() * Q - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff(), 20 * eps);
    // R = Q^T A is upper triangular with diagonal exp(logs) > 0, and Q R = A.
    const Eigen::MatrixXd R = Q.transpose() * A;
    const double scale = A.cwiseAbs().maxCoeff();
    for (Eigen::Index j = 0; j < k; ++j) {
        for (Eigen::Index i = j + 1; i < k; ++i) ASSERT_LT(std::abs(R(i, j)), 50 * eps * scale) << i << "," << j;
        EXPECT_NEAR(R(j, j), std::exp(logs[j]), 50 * eps * scale);
    }
    EXPECT_LT((Q * R.triangularView<Eigen::Upper>() - A).cwiseAbs().maxCoeff(), 50 * eps * scale);
    // |R_ii| agree with Eigen's Householder QR, written independently.
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(A);
    const Eigen::VectorXd ref = qr.matrixQR().diagonal().head(k).cwiseAbs().array().log().matrix();
    EXPECT_LT((logs - ref).cwiseAbs().maxCoeff(), 1e-11);
}

// One panel, several panels with a partial last one, square, thin, large.
INSTANTIATE_TEST_SUITE_P(Linalg, QrShapes,
                         ::testing::Values(std::pair<Eigen::Index, Eigen::Index>{5, 5},
                                           std::pair<Eigen::Index, Eigen::Index>{40, 7},
                                           std::pair<Eigen::Index, Eigen::Index>{100, 100},
                                           std::pair<Eigen::Index, Eigen::Index>{333, 97},
                                           std::pair<Eigen::Index, Eigen::Index>{401, 401}));

TEST(Qr, ZeroColumnIsReportedNotHidden) {
    Eigen::MatrixXd A = gaussian(50, 10, 9);
    A.col(4).setZero();
    Eigen::VectorXd logs;
    ratenet::linalg::QrWorkspace ws;
    EXPECT_FALSE(ratenet::linalg::qr_orthonormalise(A, logs, ws));
    Eigen::MatrixXd B = gaussian(50, 10, 9);
    B(3, 2) = std::nan("");
    EXPECT_FALSE(ratenet::linalg::qr_orthonormalise(B, logs, ws));
}

// The tangent product of a network against the dense Jacobian times Q, on sizes
// that take the threaded, fused path; same bits for 1 and 2 threads.
TEST(JacobianTimes, ThreadedPathMatchesDenseJacobian) {
    for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
        for (const bool unit_tau : {true, false}) {
            ratenet::RandomGaussianParams p;
            p.n = 260;
            p.g = 1.5;
            p.seed = 11;
            ratenet::Network net;
            net.W = ratenet::make_random_gaussian(p).W;
            net.form = form;
            net.phi.kind = ratenet::TransferKind::tanh;
            net.input.b = Eigen::VectorXd::Constant(p.n, 0.1);
            net.tau = unit_tau ? Eigen::VectorXd(Eigen::VectorXd::Ones(p.n)) : Eigen::VectorXd(Eigen::VectorXd::LinSpaced(p.n, 0.5, 2.0));
            const Eigen::VectorXd x = gaussian(p.n, 1, 12);
            const Eigen::MatrixXd Q = gaussian(p.n, 200, 13);
            ratenet::Workspace ws(p.n);
            Eigen::MatrixXd J;
            ratenet::jacobian(net, 0.0, x, J, ws);
            const Eigen::MatrixXd ref = naive_gemm(1.0, J, Q, 0.0, Eigen::MatrixXd::Zero(p.n, 200));
            auto run = [&] {
                ratenet::Workspace w(p.n);
                Eigen::MatrixXd out;
                ratenet::jacobian_times(net, 0.0, x, Q, out, w, true);
                return out;
            };
            const Eigen::MatrixXd o1 = with_threads(1, run), o2 = with_threads(2, run);
            EXPECT_LT((o1 - ref).cwiseAbs().maxCoeff(), 1e-12) << "form " << static_cast<int>(form);
            EXPECT_TRUE(same_bits(o1, o2));
        }
    }
}

}  // namespace

namespace {

// The dense right-hand side takes the fused, threaded path above a few hundred
// neurons: against the definition, neuron by neuron, for every transfer function
// (prelu checks that segments keep their neurons' slopes), and 1 vs 2 threads.
TEST(Rhs, FusedDensePathMatchesDefinitionEveryTransferBothForms) {
    const Eigen::Index n = 700;
    ASSERT_GT(ratenet::linalg::gemv_panels(n, n), 1);
    for (const auto& name : ratenet::transfer_names()) {
        for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
            ratenet::Network net;
            ASSERT_TRUE(ratenet::parse_transfer_kind(name, net.phi.kind));
            net.phi.slopes = Eigen::VectorXd::LinSpaced(n, -0.5, 0.5);
            net.form = form;
            net.W = gaussian(n, n, 21) / std::sqrt(static_cast<double>(n));
            net.tau = Eigen::VectorXd::LinSpaced(n, 0.5, 2.0);
            net.input.b = 0.3 * gaussian(n, 1, 22);
            const Eigen::VectorXd x = gaussian(n, 1, 23);
            Eigen::VectorXd ref(n);
            for (Eigen::Index i = 0; i < n; ++i) {
                long double s = 0.0L;
                for (Eigen::Index j = 0; j < n; ++j) {
                    const double v = form == ratenet::Form::rate ? x[j] : net.phi.value(x[j], j);
                    s += static_cast<long double>(net.W(i, j)) * static_cast<long double>(v);
                }
                const double sum = static_cast<double>(s);
                ref[i] = form == ratenet::Form::rate ? (net.phi.value(sum + net.input.b[i], i) - x[i]) / net.tau[i]
                                                     : (sum - x[i] + net.input.b[i]) / net.tau[i];
            }
            auto run = [&] {
                ratenet::Workspace ws(n);
                Eigen::VectorXd f;
                ratenet::rhs(net, 0.0, x, f, ws);
                return Eigen::MatrixXd(f);
            };
            const Eigen::MatrixXd f1 = with_threads(1, run), f2 = with_threads(2, run);
            // The library's tanh (model/vector_math.hpp) differs from std::tanh by a few ulp.
            EXPECT_LT((f1 - ref).cwiseAbs().maxCoeff(), 1e-12) << name << " form " << static_cast<int>(form);
            EXPECT_TRUE(same_bits(f1, f2)) << name;
        }
    }
}

}  // namespace

namespace {

// Sparse W with a threshold-linear phi: only active rows (rate form) or the
// nonzeros of active columns (current form) take part. Against the dense
// Jacobian times Q, against the full sparse product, and 1 vs 2 threads.
TEST(JacobianTimes, SparseActiveRowsMatchDenseJacobian) {
    ratenet::RandomGaussianParams p;
    p.n = 400;
    p.k = 40;  // sparse: 40 partners per neuron
    p.g = 1.5;
    p.mu = -1.0;
    p.seed = 31;
    for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
        ratenet::Network net;
        const auto c = ratenet::make_random_gaussian(p);
        ASSERT_TRUE(c.sparse);
        net.sparse = true;
        net.W_sparse = c.W_sparse;
        net.form = form;
        net.phi.kind = ratenet::TransferKind::threshold_linear;
        net.phi.gain = 1.5;
        net.phi.theta = 0.1;
        net.tau = Eigen::VectorXd::LinSpaced(p.n, 0.5, 2.0);
        net.input.b = Eigen::VectorXd::Constant(p.n, 0.2);
        const Eigen::VectorXd x = gaussian(p.n, 1, 32);
        const Eigen::MatrixXd Q = gaussian(p.n, 300, 33);
        ratenet::Workspace ws(p.n);
        Eigen::MatrixXd J;
        ratenet::jacobian(net, 0.0, x, J, ws);
        const Eigen::MatrixXd ref = naive_gemm(1.0, J, Q, 0.0, Eigen::MatrixXd::Zero(p.n, 300));
        auto run = [&](bool active) {
            return [&net, &x, &Q, active, n = p.n] {
                ratenet::Workspace w(n);
                Eigen::MatrixXd out;
                const Eigen::Index a = ratenet::jacobian_times(net, 0.0, x, Q, out, w, active);
                EXPECT_EQ(a, active ? (w.d.array() != 0.0).count() : n);
                return out;
            };
        };
        const Eigen::MatrixXd o1 = with_threads(1, run(true)), o2 = with_threads(2, run(true));
        const Eigen::MatrixXd full = with_threads(2, run(false));
        const Eigen::Index active = (ws.d.array() != 0.0).count();
        EXPECT_GT(active, 50);
        EXPECT_LT(active, p.n - 50);  // a real mix of active and inactive neurons
        EXPECT_LT((o1 - ref).cwiseAbs().maxCoeff(), 1e-12) << "form " << static_cast<int>(form);
        EXPECT_LT((full - ref).cwiseAbs().maxCoeff(), 1e-12);
        EXPECT_TRUE(same_bits(o1, o2));
    }
}

}  // namespace


namespace {

// The CSR kernels against a dense product (long double), in both precisions,
// with 1 and 2 threads giving the same bits; spmm_transposed with a row list
// leaves the other rows alone.
TEST(SparseKernels, MatchDenseProductAndAreThreadCountInvariant) {
    ratenet::RandomGaussianParams p;
    p.n = 4000;
    p.k = 80;  // 320000 nonzeros: above the threading threshold
    p.seed = 41;
    const ratenet::SparseMatrix A = ratenet::make_random_gaussian(p).W_sparse;
    const Eigen::MatrixXd Ad = Eigen::MatrixXd(A);
    const Eigen::VectorXd x = gaussian(p.n, 1, 42);
    const Eigen::MatrixXd B = gaussian(p.n, 16, 43);
    const Eigen::MatrixXd ref_y = naive_gemm(1.0, Ad, x, 0.0, Eigen::MatrixXd::Zero(p.n, 1));
    const Eigen::MatrixXd ref_C = naive_gemm(1.0, Ad, B, 0.0, Eigen::MatrixXd::Zero(p.n, 16));
    auto spmv = [&] {
        Eigen::VectorXd y;
        ratenet::linalg::spmv(A, x, y);
        return Eigen::MatrixXd(y);
    };
    auto spmm = [&] {
        const Eigen::MatrixXd Bt = B.transpose();
        Eigen::MatrixXd Ct;
        ratenet::linalg::spmm_transposed(A, Bt, Ct);
        return Eigen::MatrixXd(Ct.transpose());
    };
    const Eigen::MatrixXd y1 = with_threads(1, spmv), y2 = with_threads(2, spmv);
    const Eigen::MatrixXd C1 = with_threads(1, spmm), C2 = with_threads(2, spmm);
    EXPECT_LT((y1 - ref_y).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((C1 - ref_C).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_TRUE(same_bits(y1, y2));
    EXPECT_TRUE(same_bits(C1, C2));

    // float32: within the rounding bound of each dot product (80 terms).
    const ratenet::linalg::Csr<float> Af = A.cast<float>();
    const Eigen::VectorXf xf = x.cast<float>();
    Eigen::VectorXf yf;
    ratenet::linalg::spmv(Af, xf, yf);
    const Eigen::VectorXd bound = 82.0 * 0x1p-24 * (Ad.cwiseAbs() * x.cwiseAbs());
    EXPECT_TRUE(((yf.cast<double>() - ref_y.col(0)).cwiseAbs().array() <= bound.array() * 1.0001).all());

    // A row subset, scaled: only those columns of Ct change.
    const Eigen::MatrixXd Bt = B.transpose();
    Eigen::MatrixXd Ct = Eigen::MatrixXd::Constant(16, p.n, 7.0);
    const std::vector<Eigen::Index> rows{3, 17, 3999};
    ratenet::linalg::spmm_transposed(A, Bt, Ct, 2.0, rows.data(), 3);
    for (Eigen::Index i = 0; i < p.n; ++i) {
        const bool listed = i == 3 || i == 17 || i == 3999;
        for (Eigen::Index q = 0; q < 16; ++q) {
            if (listed) ASSERT_NEAR(Ct(q, i), 2.0 * ref_C(i, q), 1e-12) << i;
            else ASSERT_EQ(Ct(q, i), 7.0) << i;
        }
    }
}

// spmm_transposed takes B's columns in register chunks of 32, 16 and 8 and a
// remainder: every width from 1 to 75 against a sum written out here, term by
// term in the row's order with std::fma (the kernel's arithmetic), bit for bit,
// and against the long double product; 1 and 2 threads alike.
TEST(SparseKernels, EveryColumnWidthIsTheSumInTheRowsOrder) {
    ratenet::RandomGaussianParams p;
    p.n = 600;
    p.k = 37;
    p.seed = 48;
    const ratenet::SparseMatrix A = ratenet::make_random_gaussian(p).W_sparse;
    const Eigen::MatrixXd Ad = Eigen::MatrixXd(A);
    for (Eigen::Index k = 1; k <= 75; ++k) {
        const Eigen::MatrixXd B = gaussian(p.n, k, 49 + static_cast<std::uint64_t>(k));
        const Eigen::MatrixXd Bt = B.transpose();
        const double alpha = -0.75;
        Eigen::MatrixXd expect(k, p.n);
        for (Eigen::Index i = 0; i < p.n; ++i)
            for (Eigen::Index q = 0; q < k; ++q) {
                double s = 0.0;
                for (ratenet::SparseMatrix::InnerIterator it(A, i); it; ++it)
                    s = std::fma(alpha * it.value(), B(it.col(), q), s);
                expect(q, i) = s;
            }
        auto run = [&] {
            Eigen::MatrixXd Ct;
            ratenet::linalg::spmm_transposed(A, Bt, Ct, alpha);
            return Ct;
        };
        const Eigen::MatrixXd C1 = with_threads(1, run), C2 = with_threads(2, run);
        ASSERT_TRUE(same_bits(C1, expect)) << "k = " << k;
        ASSERT_TRUE(same_bits(C1, C2)) << "k = " << k;
        const Eigen::MatrixXd ref = naive_gemm(alpha, Ad, B, 0.0, Eigen::MatrixXd::Zero(p.n, k));
        ASSERT_LT((C1.transpose() - ref).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
    }
}

// The row products spmv uses (vector gathers where the CPU has AVX2) against
// the portable form, bit for bit, for every row length from 0 to 40 and two
// rows longer than the distance at which A is prefetched, in both precisions;
// and against sums written out here.
TEST(SparseKernels, RowDotIsThePortableSumBitForBit) {
    ratenet::Rng rng(50, ratenet::Stream::network);
    const std::int64_t n = 5000;
    Eigen::VectorXd x(n);
    for (std::int64_t j = 0; j < n; ++j) x[j] = rng.normal();
    const Eigen::VectorXf xf = x.cast<float>();
    std::vector<std::int64_t> lengths;
    for (std::int64_t len = 0; len <= 40; ++len) lengths.push_back(len);
    lengths.push_back(ratenet::linalg::prefetch_distance_a + 45);
    lengths.push_back(4 * ratenet::linalg::prefetch_distance_a + 3);
    for (const std::int64_t len : lengths) {
        std::vector<std::int64_t> idx(static_cast<std::size_t>(len) + 3);
        const auto nnz = static_cast<std::int64_t>(idx.size());
        std::vector<double> val(idx.size());
        for (std::size_t a = 0; a < idx.size(); ++a) {
            idx[a] = static_cast<std::int64_t>(rng.uniform() * static_cast<double>(n)) % n;
            val[a] = rng.normal();
        }
        std::vector<float> valf(val.begin(), val.end());
        // Rows start at offset 3: the vector loads need no alignment.
        const double d = ratenet::linalg::row_dot(idx.data(), val.data(), 3, len + 3, x.data(), nnz);
        const double dp = ratenet::linalg::row_dot_portable(idx.data(), val.data(), 3, len + 3, x.data());
        ASSERT_EQ(std::memcmp(&d, &dp, sizeof d), 0) << len;
        const float f = ratenet::linalg::row_dot(idx.data(), valf.data(), 3, len + 3, xf.data(), nnz);
        const float fp = ratenet::linalg::row_dot_portable(idx.data(), valf.data(), 3, len + 3, xf.data());
        ASSERT_EQ(std::memcmp(&f, &fp, sizeof f), 0) << len;
        double s[4] = {0, 0, 0, 0};
        const std::int64_t full = len - len % 4;
        for (std::int64_t a = 0; a < full; ++a)
            s[a % 4] = std::fma(val[static_cast<std::size_t>(a + 3)], x[idx[static_cast<std::size_t>(a + 3)]], s[a % 4]);
        for (std::int64_t a = full; a < len; ++a)
            s[0] = std::fma(val[static_cast<std::size_t>(a + 3)], x[idx[static_cast<std::size_t>(a + 3)]], s[0]);
        const double expect = (s[0] + s[1]) + (s[2] + s[3]);
        ASSERT_EQ(std::memcmp(&d, &expect, sizeof d), 0) << len;
        if (len >= 4) {
            EXPECT_NE(d, 0.0);
        }
    }
}

// A sparse network's right-hand side and phi' with phi applied in parallel
// segments: the same bits as phi over the whole vector, then the product, with 1
// and 2 threads; rate and current form. Above the segment threshold (4 x 4096).
TEST(SparseKernels, RhsWithPhiInSegmentsIsTheWholeVectorFormula) {
    ratenet::RandomGaussianParams p;
    p.n = 50000;
    p.k = 20;
    p.seed = 51;
    ratenet::Network net;
    net.sparse = true;
    net.W_sparse = ratenet::make_random_gaussian(p).W_sparse;
    net.phi.kind = ratenet::TransferKind::tanh;
    net.tau = Eigen::VectorXd::Constant(p.n, 2.0);
    net.input.b = gaussian(p.n, 1, 52).col(0);
    const Eigen::VectorXd x = gaussian(p.n, 1, 53).col(0);
    for (const auto form : {ratenet::Form::rate, ratenet::Form::current}) {
        net.form = form;
        Eigen::VectorXd u(p.n), f(p.n), d(p.n), Wv;
        if (form == ratenet::Form::rate) {
            ratenet::linalg::spmv(net.W_sparse, x, Wv);
            u = Wv + net.input.b;
            net.phi.apply(u, f);
            f = (f - x).cwiseQuotient(net.tau);
            net.phi.apply_derivative(u, d);
        } else {
            net.phi.apply(x, u);
            ratenet::linalg::spmv(net.W_sparse, u, Wv);
            f = (Wv - x + net.input.b).cwiseQuotient(net.tau);
            net.phi.apply_derivative(x, d);
        }
        auto run = [&] {
            ratenet::Workspace ws(p.n);
            Eigen::VectorXd out;
            ratenet::rhs(net, 0.0, x, out, ws);
            return Eigen::MatrixXd(out);
        };
        const Eigen::MatrixXd f1 = with_threads(1, run), f2 = with_threads(2, run);
        EXPECT_TRUE(same_bits(f1, Eigen::MatrixXd(f)));
        EXPECT_TRUE(same_bits(f1, f2));
        // phi' through the tangent product of a single column e_j: column j of
        // the Jacobian, whose diagonal entry carries d_j.
        ratenet::Workspace ws(p.n);
        Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(p.n, 1), out;
        const Eigen::Index j = 12345;
        Q(j, 0) = 1.0;
        ratenet::jacobian_times(net, 0.0, x, Q, out, ws, false, nullptr);
        const double wjj = net.W_sparse.coeff(j, j);
        const double expect = form == ratenet::Form::rate ? (d[j] * wjj - 1.0) / 2.0 : (wjj * d[j] - 1.0) / 2.0;
        EXPECT_EQ(out(j, 0), expect);
        EXPECT_TRUE(same_bits(Eigen::MatrixXd(ws.d), Eigen::MatrixXd(d)));
    }
}

// transpose_wide against Eigen's transpose, with and without the row scaling,
// in both precisions, above and below the threading threshold.
TEST(SparseKernels, TransposeWideIsTheTranspose) {
    for (const Eigen::Index n : {Eigen::Index{1}, Eigen::Index{300}, Eigen::Index{40001}}) {
        const Eigen::MatrixXd Ct = gaussian(7, n, 60);
        const Eigen::VectorXd d = gaussian(n, 1, 61).col(0);
        Eigen::MatrixXd out;
        ratenet::linalg::transpose_wide(Ct, out);
        ASSERT_TRUE(same_bits(out, Ct.transpose())) << n;
        ratenet::linalg::transpose_wide(Ct, out, d.data());
        ASSERT_TRUE(same_bits(out, Eigen::MatrixXd(d.asDiagonal() * Ct.transpose()))) << n;
        const Eigen::MatrixXf Cf = Ct.cast<float>();
        Eigen::MatrixXf of;
        ratenet::linalg::transpose_wide(Cf, of);
        ASSERT_TRUE((of.array() == Cf.transpose().array()).all()) << n;
    }
}

}  // namespace
