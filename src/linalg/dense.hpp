#pragma once
// Dense kernels behind the hot loops: matrix-vector and matrix-matrix products
// and the Householder QR of the Lyapunov engine, multi-threaded with OpenMP.
//
// Every kernel splits its work into blocks that depend on the shapes only,
// never on the number of threads, and each block is computed by one thread
// with a single-threaded kernel (OpenBLAS/LAPACK when the build found it, held
// at one thread of its own; Eigen otherwise). So a result has the same bits
// with 1, 2 or 64 threads, and with OMP_NUM_THREADS unset or set.
//
// Private to the library: no file, no text, no printing.
#include <Eigen/Core>
#include <algorithm>
#include <vector>

namespace ratenet::linalg {

// When a kernel is worth a parallel region (thread start-up costs a few
// microseconds), in one place. The block splits do not depend on them, so
// neither do the bits of a result.
inline constexpr double parallel_work = 2.0e6;          // multiply-adds of a dense product
inline constexpr double gemv_parallel_entries = 2.5e5;  // entries of W in a matrix-vector product
inline constexpr Eigen::Index gemv_parallel_cols = 256; // and at least this many columns
inline constexpr Eigen::Index gemv_panel_cols = 128;    // columns per panel of a parallel product
inline constexpr double gather_parallel_work = 1.0e5;   // entries gathered per panel of active rows

using ConstMatRef = Eigen::Ref<const Eigen::MatrixXd>;
using MatRef = Eigen::Ref<Eigen::MatrixXd>;
using ConstMatRefF = Eigen::Ref<const Eigen::MatrixXf>;  // float32: network.precision, lyapunov.precision
using MatRefF = Eigen::Ref<Eigen::MatrixXf>;

// Holds the calling thread's OpenMP team size at one while it lives, so that code
// which sizes its own work split from it (an OpenMP OpenBLAS outside a parallel
// region, Eigen's products) runs on this thread alone, the same way for every
// thread count. The setting belongs to the calling thread only.
class OneThread {
public:
    OneThread();
    ~OneThread();
    OneThread(const OneThread&) = delete;
    OneThread& operator=(const OneThread&) = delete;

private:
    int saved_ = 1;
};

// The BLAS library linked (OpenBLAS's configuration string when it is OpenBLAS).
const char* backend() noexcept;

// Whether gemv splits an m x n product over threads, and into how many column
// panels (a power of two, so 2 or 4 threads share them evenly).
Eigen::Index gemv_panels(Eigen::Index m, Eigen::Index n) noexcept;

// y = A x. Large products split A into column panels whose partial sums are
// added in a fixed order; partial is scratch (kept between calls).
void gemv(const Eigen::MatrixXd& A, const Eigen::VectorXd& x, Eigen::VectorXd& y, Eigen::MatrixXd& partial);

// y = A v with elementwise work fused in, inside the same parallel region:
// pre(c0, len) fills v.segment(c0, len) before that part of v is used (v must
// already have A.cols() entries); post(r0, len) finishes y.segment(r0, len) once
// its sum is complete. Same bits however many threads run it.
// (Scalar is double, or float for products in float32.)
template <class Scalar, class Vector, class Pre, class Post>
void gemv_fused(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& A, Vector& v,
                Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& y, Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& partial,
                Pre&& pre, Post&& post) {
    const Eigen::Index m = A.rows(), n = A.cols();
    y.resize(m);
    const Eigen::Index panels = gemv_panels(m, n);
    if (panels == 1) {
        pre(Eigen::Index{0}, n);
        y.noalias() = A * v;
        post(Eigen::Index{0}, m);
        return;
    }
    if (partial.rows() != m || partial.cols() != panels) partial.resize(m, panels);
    const Eigen::Index row_chunks = std::min<Eigen::Index>(16, std::max<Eigen::Index>(1, m / 256));
#pragma omp parallel
    {
        // Column panels: each thread streams a contiguous slice of A (row panels
        // of a column-major A are strided and prefetch poorly).
#pragma omp for schedule(static)
        for (Eigen::Index b = 0; b < panels; ++b) {
            const Eigen::Index c0 = (b * n) / panels, c1 = ((b + 1) * n) / panels;
            pre(c0, c1 - c0);
            partial.col(b).noalias() = A.middleCols(c0, c1 - c0) * v.segment(c0, c1 - c0);
        }
        // Sums in a fixed order, elementwise: any row split gives the same bits.
        // (nowait: the end of the region is a barrier already.)
#pragma omp for schedule(static) nowait
        for (Eigen::Index r = 0; r < row_chunks; ++r) {
            const Eigen::Index r0 = (r * m) / row_chunks, r1 = ((r + 1) * m) / row_chunks;
            auto out = y.segment(r0, r1 - r0);
            out = partial.col(0).segment(r0, r1 - r0);
            for (Eigen::Index b = 1; b < panels; ++b) out += partial.col(b).segment(r0, r1 - r0);
            post(r0, r1 - r0);
        }
    }
}

// C = alpha A B + beta C (C already sized m x k; with beta = 0 its contents are
// ignored). Large products split the columns of B and C (or, for few columns,
// the rows of A and C) into fixed blocks.
void gemm(double alpha, const ConstMatRef& A, const ConstMatRef& B, double beta, MatRef C);
// The same in float32 (sgemm), split into the same blocks.
void gemm(float alpha, const ConstMatRefF& A, const ConstMatRefF& B, float beta, MatRefF C);

// C = alpha A B + beta C on the calling thread only: for blocks of work that
// the caller already splits over threads.
void gemm_serial(double alpha, const ConstMatRef& A, const ConstMatRef& B, double beta, MatRef C);
void gemm_serial(float alpha, const ConstMatRefF& A, const ConstMatRefF& B, float beta, MatRefF C);

// Fixed column blocks for a product of `work` multiply-adds whose result has k
// columns: block b is [begin(b), begin(b + 1)); count is 1 when the work is too
// small to share or k too narrow to split.
struct ColumnBlocks {
    Eigen::Index k = 0;
    Eigen::Index count = 1;
    Eigen::Index begin(Eigen::Index b) const noexcept { return (b * k) / count; }
    Eigen::Index width(Eigen::Index b) const noexcept { return begin(b + 1) - begin(b); }
};
ColumnBlocks column_blocks(double work, Eigen::Index k) noexcept;

// f(c0, width) over fixed column blocks of an n x k matrix, in parallel when the
// matrix is large: for elementwise work (same bits however it is split).
template <class F>
void for_column_blocks(Eigen::Index n, Eigen::Index k, F&& f) {
    const Eigen::Index count =
        static_cast<double>(n) * static_cast<double>(k) < 2e5 ? 1 : std::min<Eigen::Index>(16, std::max<Eigen::Index>(1, k / 16));
    if (count == 1) {
        f(Eigen::Index{0}, k);
        return;
    }
#pragma omp parallel for schedule(static)
    for (Eigen::Index b = 0; b < count; ++b) {
        const Eigen::Index c0 = (b * k) / count, c1 = ((b + 1) * k) / count;
        f(c0, c1 - c0);
    }
}

// Scratch for qr_orthonormalise, kept between calls.
struct QrWorkspace {
    Eigen::MatrixXd T;         // triangular factors of the block reflectors, nb x k
    std::vector<double> work;  // per-block workspace of the block-reflector products
    Eigen::MatrixXd out;       // Q being formed
};

// Q (n x k, k <= n) <- the thin Q factor of Q, with signs fixed so that diag R > 0;
// log_r = log|R_ii|. Returns false (Q unspecified) when a diagonal entry of R is
// zero or not finite.
bool qr_orthonormalise(Eigen::MatrixXd& Q, Eigen::VectorXd& log_r, QrWorkspace& ws);

}  // namespace ratenet::linalg
