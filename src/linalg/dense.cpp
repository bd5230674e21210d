#include "linalg/dense.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <limits>
#include <mutex>

#include "ratenet/errors.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

// BLAS and LAPACK through their Fortran interface (32-bit integers, hidden
// string lengths last, as gfortran passes them): any BLAS/LAPACK links.
extern "C" {
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc, std::size_t, std::size_t);
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c,
            const int* ldc, std::size_t, std::size_t);
// Recursive QR of a panel (BLAS-3 inside), with the triangular factor T of its
// block reflector I - V T V^T.
void dgeqrt3_(const int* m, const int* n, double* a, const int* lda, double* t, const int* ldt, int* info);
void dlarfb_(const char* side, const char* trans, const char* direct, const char* storev, const int* m, const int* n,
             const int* k, const double* v, const int* ldv, const double* t, const int* ldt, double* c, const int* ldc,
             double* work, const int* ldwork, std::size_t, std::size_t, std::size_t, std::size_t);
// OpenBLAS only; absent (null) with another BLAS.
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_parallel() __attribute__((weak));  // 0 sequential, 1 pthreads, 2 OpenMP
char* openblas_get_config() __attribute__((weak));
}

namespace ratenet::linalg {

OneThread::OneThread() {
#ifdef _OPENMP
    saved_ = omp_get_max_threads();
    if (saved_ != 1) omp_set_num_threads(1);
#endif
}

OneThread::~OneThread() {
#ifdef _OPENMP
    if (saved_ != 1) omp_set_num_threads(saved_);
#endif
}

namespace {

// One thread inside the BLAS: ratenet splits the work itself (fixed blocks), so
// the library must not split it again, differently for each thread count. A
// pthreads OpenBLAS is set to one thread once; an OpenMP one follows the calling
// thread's OpenMP setting (openblas_set_num_threads would change that setting
// for the caller), which OneThread (dense.hpp) holds at one around every call.
void single_threaded_blas() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (openblas_set_num_threads != nullptr && openblas_get_parallel != nullptr && openblas_get_parallel() == 1)
            openblas_set_num_threads(1);
    });
}

int to_int(Eigen::Index v, const char* what) {
    if (v > std::numeric_limits<int>::max())
        throw invalid_parameter(what, std::to_string(v), "exceeds the BLAS integer range (2^31 - 1)");
    return static_cast<int>(v);
}

void xgemm(const int* m, const int* n, const int* k, const double* alpha, const double* a, const int* lda,
           const double* b, const int* ldb, const double* beta, double* c, const int* ldc) {
    const char no = 'N';
    dgemm_(&no, &no, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1, 1);
}
void xgemm(const int* m, const int* n, const int* k, const float* alpha, const float* a, const int* lda,
           const float* b, const int* ldb, const float* beta, float* c, const int* ldc) {
    const char no = 'N';
    sgemm_(&no, &no, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1, 1);
}

// C = alpha A B + beta C through dgemm (sgemm for float), on one thread.
template <class T>
void gemm_block(T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc, int m, int n, int k) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        // dgemm with k = 0 scales C by beta, and with beta = 0 sets it to zero
        // (whatever C held, NaN included).
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i) {
                T& x = c[i + static_cast<std::ptrdiff_t>(j) * ldc];
                x = beta == T(0) ? T(0) : x * beta;
            }
        return;
    }
    const OneThread one;
    xgemm(&m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}

// Blocks for splitting an extent of n: a power of two, each at least `width` wide.
Eigen::Index split_count(Eigen::Index n, Eigen::Index width = 96) {
    return static_cast<Eigen::Index>(
        std::bit_floor(static_cast<std::size_t>(std::clamp<Eigen::Index>(n / width, 1, 16))));
}

}  // namespace

const char* backend() noexcept {
    if (openblas_get_config != nullptr) return openblas_get_config();
    return "BLAS/LAPACK (Fortran interface)";
}

ColumnBlocks column_blocks(double work, Eigen::Index k) noexcept {
    ColumnBlocks cb;
    cb.k = k;
    cb.count = work < parallel_work ? 1 : split_count(k);
    return cb;
}

Eigen::Index gemv_panels(Eigen::Index m, Eigen::Index n) noexcept {
    if (static_cast<double>(m) * static_cast<double>(n) < gemv_parallel_entries || n < gemv_parallel_cols) return 1;
    return static_cast<Eigen::Index>(
        std::bit_floor(static_cast<std::size_t>(std::clamp<Eigen::Index>(n / gemv_panel_cols, 2, 8))));
}

void gemv(const Eigen::MatrixXd& A, const Eigen::VectorXd& x, Eigen::VectorXd& y, Eigen::MatrixXd& partial) {
    gemv_fused(A, x, y, partial, [](Eigen::Index, Eigen::Index) {}, [](Eigen::Index, Eigen::Index) {});
}

namespace {

struct GemmArgs {
    int m, n, k, lda, ldb, ldc;
};

template <class CRef, class Ref>
GemmArgs check_gemm(const CRef& A, const CRef& B, const Ref& C) {
    const Eigen::Index m = A.rows(), n = A.cols(), k = B.cols();
    if (B.rows() != n || C.rows() != m || C.cols() != k)
        throw numerical_error("gemm: shapes " + std::to_string(m) + "x" + std::to_string(n) + " * " +
                              std::to_string(B.rows()) + "x" + std::to_string(k) + " -> " + std::to_string(C.rows()) +
                              "x" + std::to_string(C.cols()));
    GemmArgs g{};
    g.m = to_int(m, "rows");
    g.n = to_int(k, "columns");
    g.k = to_int(n, "columns");
    g.lda = to_int(std::max<Eigen::Index>(1, A.outerStride()), "rows");
    g.ldb = to_int(std::max<Eigen::Index>(1, B.outerStride()), "rows");
    g.ldc = to_int(std::max<Eigen::Index>(1, C.outerStride()), "rows");
    return g;
}

template <class T, class CRef, class Ref>
void gemm_serial_impl(T alpha, const CRef& A, const CRef& B, T beta, Ref& C) {
    single_threaded_blas();
    const GemmArgs g = check_gemm(A, B, C);
    gemm_block(alpha, A.data(), g.lda, B.data(), g.ldb, beta, C.data(), g.ldc, g.m, g.n, g.k);
}

template <class T, class CRef, class Ref>
void gemm_impl(T alpha, const CRef& A, const CRef& B, T beta, Ref& C) {
    single_threaded_blas();
    const GemmArgs g = check_gemm(A, B, C);
    const int lda = g.lda, ldb = g.ldb, ldc = g.ldc, mi = g.m, ni = g.k, ki = g.n;
    const Eigen::Index m = A.rows(), n = A.cols(), k = B.cols();
    const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    if (work < parallel_work) {
        gemm_block(alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, mi, ki, ni);
        return;
    }
    // Blocks at least ~96 wide (each call packs its whole left operand, so narrow
    // blocks repack it often) and a power of two in number (2 or 4 threads share
    // them evenly): columns of B and C, or for few columns, rows of A and C.
    const Eigen::Index cblocks = split_count(k);
    if (cblocks >= 2) {
#pragma omp parallel for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < cblocks; ++b) {
            const Eigen::Index c0 = (b * k) / cblocks, c1 = ((b + 1) * k) / cblocks;
            gemm_block(alpha, A.data(), lda, B.data() + c0 * B.outerStride(), ldb, beta, C.data() + c0 * C.outerStride(),
                        ldc, mi, static_cast<int>(c1 - c0), ni);
        }
        return;
    }
    // Row blocks each pack all of B: wider ones (measured: 2 - 4 blocks of a
    // 1000 x 1000 x 16 product beat 8).
    const Eigen::Index rblocks = split_count(m, 192);
    if (rblocks < 2) {
        gemm_block(alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, mi, ki, ni);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (Eigen::Index b = 0; b < rblocks; ++b) {
        const Eigen::Index r0 = (b * m) / rblocks, r1 = ((b + 1) * m) / rblocks;
        gemm_block(alpha, A.data() + r0, lda, B.data(), ldb, beta, C.data() + r0, ldc, static_cast<int>(r1 - r0), ki, ni);
    }
}

}  // namespace

void gemm_serial(double alpha, const ConstMatRef& A, const ConstMatRef& B, double beta, MatRef C) {
    gemm_serial_impl(alpha, A, B, beta, C);
}
void gemm_serial(float alpha, const ConstMatRefF& A, const ConstMatRefF& B, float beta, MatRefF C) {
    gemm_serial_impl(alpha, A, B, beta, C);
}
void gemm(double alpha, const ConstMatRef& A, const ConstMatRef& B, double beta, MatRef C) { gemm_impl(alpha, A, B, beta, C); }
void gemm(float alpha, const ConstMatRefF& A, const ConstMatRefF& B, float beta, MatRefF C) { gemm_impl(alpha, A, B, beta, C); }

bool qr_orthonormalise(Eigen::MatrixXd& Q, Eigen::VectorXd& log_r, QrWorkspace& ws) {
    single_threaded_blas();
    const Eigen::Index n = Q.rows(), k = Q.cols();
    log_r.resize(k);
    if (k == 0) return true;
    if (k > n) throw numerical_error("qr_orthonormalise: more columns than rows");
    const int ni = to_int(n, "rows");
    const int ld = ni;
    // Panel width: each panel is factorised on one thread (recursive, dgeqrt3, which
    // also gives the block reflector's T); the trailing updates and the formation
    // of Q run over fixed column blocks on all threads.
    constexpr Eigen::Index nb = 32;
    constexpr Eigen::Index col_block = 48;
    const Eigen::Index panels = (k + nb - 1) / nb;
    if (ws.T.rows() != nb || ws.T.cols() != k) ws.T.resize(nb, k);
    ws.work.resize(static_cast<std::size_t>(std::max<Eigen::Index>(k, col_block) * nb + nb));
    double* a = Q.data();
    const int ldt = static_cast<int>(nb);
    const char F = 'F', C = 'C', L = 'L', Tr = 'T', No = 'N';
    const bool threaded = static_cast<double>(n) * static_cast<double>(k) * static_cast<double>(k) >= parallel_work;

    // Factorisation: Q = H_1 ... H_k R, reflectors below the diagonal of Q.
    for (Eigen::Index p = 0; p < panels; ++p) {
        const Eigen::Index j = p * nb, jb = std::min(nb, k - j);
        const int mrows = static_cast<int>(n - j), jbi = static_cast<int>(jb);
        double* panel = a + j + j * n;
        int info = 0;
        double* t = ws.T.data() + j * nb;
        {
            const OneThread one;
            dgeqrt3_(&mrows, &jbi, panel, &ld, t, &ldt, &info);
        }
        const Eigen::Index c_begin = j + jb;
        if (c_begin >= k) continue;
        // Trailing columns [c_begin, k) in blocks aligned to a fixed grid.
        const Eigen::Index first = c_begin / col_block, last = (k - 1) / col_block;
#pragma omp parallel for schedule(dynamic, 1) if (threaded)
        for (Eigen::Index g = first; g <= last; ++g) {
            const Eigen::Index c0 = std::max(c_begin, g * col_block), c1 = std::min(k, (g + 1) * col_block);
            const int nc = static_cast<int>(c1 - c0);
            double* w = ws.work.data() + c0 * nb;
            const OneThread one;
            dlarfb_(&L, &Tr, &F, &C, &mrows, &nc, &jbi, panel, &ld, t, &ldt, a + j + c0 * n, &ld, w, &nc, 1, 1, 1, 1);
        }
    }

    // log|R_ii| and the signs that make diag R positive.
    Eigen::VectorXd sign(k);
    bool ok = true;
    for (Eigen::Index i = 0; i < k; ++i) {
        const double r = Q(i, i);
        if (!(std::isfinite(r) && r != 0.0)) ok = false;
        log_r[i] = std::log(std::abs(r));
        sign[i] = r < 0.0 ? -1.0 : 1.0;
    }
    if (!ok) return false;

    // Thin Q = H_1 ... H_k I(:, 0:k), built into ws.out column block by column
    // block. Column c is touched only by reflectors i <= c, so block [c0, c1)
    // applies the panels that start before c1, the last one first.
    Eigen::MatrixXd& out = ws.out;
    out.resize(n, k);
    const Eigen::Index groups = (k + col_block - 1) / col_block;
#pragma omp parallel for schedule(dynamic, 1) if (threaded)
    for (Eigen::Index g = groups - 1; g >= 0; --g) {
        const Eigen::Index c0 = g * col_block, c1 = std::min(k, (g + 1) * col_block);
        const int nc = static_cast<int>(c1 - c0);
        auto blk = out.middleCols(c0, nc);
        blk.setZero();
        for (Eigen::Index c = c0; c < c1; ++c) blk(c, c - c0) = 1.0;
        double* w = ws.work.data() + c0 * nb;
        const OneThread one;
        for (Eigen::Index p = (c1 - 1) / nb; p >= 0; --p) {
            const Eigen::Index j = p * nb, jb = std::min(nb, k - j);
            const int mrows = static_cast<int>(n - j), jbi = static_cast<int>(jb);
            dlarfb_(&L, &No, &F, &C, &mrows, &nc, &jbi, a + j + j * n, &ld, ws.T.data() + j * nb, &ldt,
                    out.data() + j + c0 * n, &ld, w, &nc, 1, 1, 1, 1);
        }
        for (Eigen::Index c = c0; c < c1; ++c)
            if (sign[c] < 0.0) blk.col(c - c0) = -blk.col(c - c0);
    }
    Q.swap(out);  // out keeps the old storage for the next call
    return true;
}

}  // namespace ratenet::linalg
