#pragma once
// Sparse (CSR) times dense kernels for the right-hand side and the tangent
// products of a sparse network: y = A x and C = A B.
//
// Each row of A is read once and produces one entry of y (one row of C), in
// the order of its nonzeros, on whichever thread runs it: the bits do not depend
// on the thread count. For C = A B, B is first transposed into a row-major
// scratch so that a nonzero a_ij updates k contiguous entries (B's row j) rather
// than k entries a column apart: W is streamed once per product, not once per
// column of B as a column-by-column product would.
//
// Private to the library: no file, no text, no printing.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>

namespace ratenet::linalg {

template <class Scalar>
using Csr = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t>;

// Rows per task: large enough to amortise scheduling, small enough to balance.
inline constexpr Eigen::Index sparse_rows_per_task = 512;
// Nonzeros (times columns of B) below which one thread does it all.
inline constexpr double sparse_parallel_nnz = 2.0e5;

// y = A x.
template <class Scalar>
void spmv(const Csr<Scalar>& A, const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& x,
          Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& y) {
    const Eigen::Index n = A.rows();
    y.resize(n);
    const std::int64_t* ptr = A.outerIndexPtr();
    const std::int64_t* idx = A.innerIndexPtr();
    const Scalar* val = A.valuePtr();
    const Scalar* xv = x.data();
    Scalar* yv = y.data();
    const bool threaded = static_cast<double>(A.nonZeros()) >= sparse_parallel_nnz;
#pragma omp parallel for schedule(dynamic, sparse_rows_per_task) if (threaded)
    for (Eigen::Index i = 0; i < n; ++i) {
        Scalar s = 0;
        for (std::int64_t p = ptr[i]; p < ptr[i + 1]; ++p) s += val[p] * xv[idx[p]];
        yv[i] = s;
    }
}

// Ct = (A B)^T, given Bt = B^T (k x m, column j = row j of B). Only the rows
// listed in `rows` (all when rows is null, count = A.rows()) are computed; the
// other columns of Ct are left as they were. Scaled by alpha.
template <class Scalar>
void spmm_transposed(const Csr<Scalar>& A, const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& Bt,
                     Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& Ct, Scalar alpha = 1,
                     const Eigen::Index* rows = nullptr, Eigen::Index count = -1) {
    const Eigen::Index k = Bt.rows();
    if (Ct.rows() != k || Ct.cols() != A.rows()) Ct.resize(k, A.rows());
    if (count < 0) count = A.rows();
    const std::int64_t* ptr = A.outerIndexPtr();
    const std::int64_t* idx = A.innerIndexPtr();
    const Scalar* val = A.valuePtr();
    const Scalar* b = Bt.data();
    Scalar* c = Ct.data();
    const bool threaded = static_cast<double>(A.nonZeros()) * static_cast<double>(k) >= sparse_parallel_nnz;
#pragma omp parallel for schedule(dynamic, 64) if (threaded)
    for (Eigen::Index a = 0; a < count; ++a) {
        const Eigen::Index i = rows ? rows[a] : a;
        Scalar* ci = c + i * k;
        for (Eigen::Index q = 0; q < k; ++q) ci[q] = 0;
        for (std::int64_t p = ptr[i]; p < ptr[i + 1]; ++p) {
            const Scalar w = alpha * val[p];
            const Scalar* bj = b + idx[p] * k;
            for (Eigen::Index q = 0; q < k; ++q) ci[q] += w * bj[q];
        }
    }
}

}  // namespace ratenet::linalg
