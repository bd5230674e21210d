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
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif
#include <algorithm>
#include <cmath>
#include <Eigen/SparseCore>
#include <cstddef>
#include <cstdint>

namespace ratenet::linalg {

template <class Scalar>
using Csr = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, std::int64_t>;

// Rows per task: large enough to amortise scheduling, small enough to balance.
inline constexpr Eigen::Index sparse_rows_per_task = 512;
// How far ahead (in nonzeros) spmm_transposed asks for the rows of B it will gather.
inline constexpr std::int64_t prefetch_distance = 16;
// And spmv, the entries of x.
inline constexpr std::int64_t prefetch_distance_x = 32;
// How far ahead (in nonzeros) spmv asks for A's own indices and values, as
// non-temporal loads: A is streamed once per product, and loads that spare the
// caches leave x there for the gathers (about a quarter off a product at
// N = 10^5, K = 100; bench/sparse_vs_scipy.py).
inline constexpr std::int64_t prefetch_distance_a = 256;
// Nonzeros (times columns of B) below which one thread does it all.
inline constexpr double sparse_parallel_nnz = 2.0e5;

// One row of A times x: four interleaved partial sums (a single running sum
// would wait on each addition's latency), s_r taking the terms r, r + 4, ... of
// the row by fused multiply-adds, the last (count mod 4) terms into s_0, then
// (s_0 + s_1) + (s_2 + s_3). Where the CPU has AVX2, the four sums are the four
// lanes of one vector and the four x_j one gather: the same arithmetic, so the
// same bits, as the portable form below (tested).
template <class Scalar>
inline Scalar row_dot_portable(const std::int64_t* __restrict idx, const Scalar* __restrict val, std::int64_t begin,
                               std::int64_t end, const Scalar* __restrict x) {
    Scalar s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::int64_t p = begin;
    for (; p + 4 <= end; p += 4) {
        if (p + 4 + prefetch_distance_x <= end)  // x is gathered at random: ask ahead (a hint only)
            for (int a = 0; a < 4; ++a) __builtin_prefetch(x + idx[p + prefetch_distance_x + a]);
        s0 = std::fma(val[p], x[idx[p]], s0);
        s1 = std::fma(val[p + 1], x[idx[p + 1]], s1);
        s2 = std::fma(val[p + 2], x[idx[p + 2]], s2);
        s3 = std::fma(val[p + 3], x[idx[p + 3]], s3);
    }
    for (; p < end; ++p) s0 = std::fma(val[p], x[idx[p]], s0);
    return (s0 + s1) + (s2 + s3);
}

#if defined(__AVX2__) && defined(__FMA__)
// A's indices and values prefetch_distance_a nonzeros ahead, non-temporal, while
// they lie inside A (nnz: A's nonzero count). A hint: no effect on the sums.
template <class Scalar>
inline void prefetch_nta(const std::int64_t* idx, const Scalar* val, std::int64_t p, std::int64_t nnz) {
    if (p + prefetch_distance_a < nnz) {
        _mm_prefetch(reinterpret_cast<const char*>(idx + p + prefetch_distance_a), _MM_HINT_NTA);
        _mm_prefetch(reinterpret_cast<const char*>(val + p + prefetch_distance_a), _MM_HINT_NTA);
    }
}

inline double row_dot(const std::int64_t* __restrict idx, const double* __restrict val, std::int64_t begin,
                      std::int64_t end, const double* __restrict x, std::int64_t nnz) {
    __m256d s = _mm256_setzero_pd();
    std::int64_t p = begin;
    for (; p + 4 <= end; p += 4) {
        prefetch_nta(idx, val, p, nnz);
        const __m256i i = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + p));
        s = _mm256_fmadd_pd(_mm256_loadu_pd(val + p), _mm256_i64gather_pd(x, i, 8), s);
    }
    alignas(32) double l[4];
    _mm256_store_pd(l, s);
    for (; p < end; ++p) l[0] = std::fma(val[p], x[idx[p]], l[0]);
    return (l[0] + l[1]) + (l[2] + l[3]);
}
inline float row_dot(const std::int64_t* __restrict idx, const float* __restrict val, std::int64_t begin,
                     std::int64_t end, const float* __restrict x, std::int64_t nnz) {
    __m128 s = _mm_setzero_ps();
    std::int64_t p = begin;
    for (; p + 4 <= end; p += 4) {
        prefetch_nta(idx, val, p, nnz);
        const __m256i i = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + p));
        s = _mm_fmadd_ps(_mm_loadu_ps(val + p), _mm256_i64gather_ps(x, i, 4), s);
    }
    alignas(16) float l[4];
    _mm_store_ps(l, s);
    for (; p < end; ++p) l[0] = std::fma(val[p], x[idx[p]], l[0]);
    return (l[0] + l[1]) + (l[2] + l[3]);
}
#else
template <class Scalar>
inline Scalar row_dot(const std::int64_t* idx, const Scalar* val, std::int64_t begin, std::int64_t end,
                      const Scalar* x, std::int64_t /*nnz*/) {
    return row_dot_portable(idx, val, begin, end, x);
}
#endif

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
    const std::int64_t nnz = ptr[n];
#pragma omp parallel for schedule(dynamic, sparse_rows_per_task) if (threaded)
    for (Eigen::Index i = 0; i < n; ++i) yv[i] = row_dot(idx, val, ptr[i], ptr[i + 1], xv, nnz);
}

// One row of A times the rows of B it selects, columns [q0, q0 + W) of them: the
// W sums in registers (W fixed at compile time), each the sum over the row's
// nonzeros in their order. W = 0: the last m < 8 columns, the same sums in a
// local array.
template <int W, class Scalar>
inline void row_times_rows(const std::int64_t* __restrict idx, const Scalar* __restrict val, std::int64_t begin,
                           std::int64_t end, const Scalar* __restrict b, Eigen::Index k, Eigen::Index q0,
                           Scalar alpha, Scalar* __restrict out, Eigen::Index m = 0) {
    constexpr std::size_t cap = W > 0 ? static_cast<std::size_t>(W) : 8;
    const Eigen::Index width = W > 0 ? W : m;
    Scalar acc[cap];
    for (std::size_t q = 0; q < cap; ++q) acc[q] = 0;
    for (std::int64_t p = begin; p < end; ++p) {
        // The rows of B are gathered at random: ask for them a few nonzeros ahead
        // (hints only; no effect on the arithmetic).
        if (p + prefetch_distance < end) {
            const Scalar* ahead = b + idx[p + prefetch_distance] * k + q0;
            for (Eigen::Index q = 0; q < width; q += 64 / static_cast<Eigen::Index>(sizeof(Scalar)))
                __builtin_prefetch(ahead + q);
        }
        const Scalar v = alpha * val[p];
        const Scalar* __restrict bj = b + idx[p] * k + q0;
        for (Eigen::Index q = 0; q < width; ++q) acc[q] = std::fma(v, bj[q], acc[q]);
    }
    for (Eigen::Index q = 0; q < width; ++q) out[q] = acc[q];
}

// Ct = (A B)^T, given Bt = B^T (k x m, column j = row j of B). Only the rows
// listed in `rows` (all when rows is null, count = A.rows()) are computed; the
// other columns of Ct are left as they were. Scaled by alpha.
//
// Each row of A is taken with B's columns in chunks of 32, 16 or 8 whose sums
// stay in registers (a sum kept in memory would wait on a store and a load for
// every nonzero), the last k mod 8 columns in one more pass; a chunk re-reads
// the row of A from L1. Each entry of Ct is one sum over the row's nonzeros in
// their order, whatever the chunks.
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
        const std::int64_t begin = ptr[i], end = ptr[i + 1];
        Eigen::Index q0 = 0;
        for (; q0 + 32 <= k; q0 += 32) row_times_rows<32>(idx, val, begin, end, b, k, q0, alpha, ci + q0);
        if (q0 + 16 <= k) {
            row_times_rows<16>(idx, val, begin, end, b, k, q0, alpha, ci + q0);
            q0 += 16;
        }
        if (q0 + 8 <= k) {
            row_times_rows<8>(idx, val, begin, end, b, k, q0, alpha, ci + q0);
            q0 += 8;
        }
        if (q0 < k) row_times_rows<0>(idx, val, begin, end, b, k, q0, alpha, ci + q0, k - q0);
    }
}

// out = diag(scale) Ct^T (scale null: out = Ct^T) for a short, wide Ct (k x n,
// k small): blocks of rows of out, each reading its block of Ct once and
// writing k sequential streams. Eigen's own assignment walks out column by
// column and so reads all of Ct once per column (a 64-byte line for each
// 8-byte entry). Copies and one product per entry: no sum, the same bits.
template <class Scalar>
void transpose_wide(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& Ct,
                    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& out, const double* scale = nullptr) {
    const Eigen::Index k = Ct.rows(), n = Ct.cols();
    if (out.rows() != n || out.cols() != k) out.resize(n, k);
    constexpr Eigen::Index block = 256;
    const Eigen::Index blocks = (n + block - 1) / block;
    const Scalar* c = Ct.data();
    Scalar* o = out.data();
    const bool threaded = static_cast<double>(n) * static_cast<double>(k) >= sparse_parallel_nnz;
#pragma omp parallel for schedule(static) if (threaded)
    for (Eigen::Index g = 0; g < blocks; ++g) {
        const Eigen::Index i0 = g * block, i1 = std::min(n, i0 + block);
        for (Eigen::Index q = 0; q < k; ++q) {
            Scalar* __restrict oq = o + q * n;
            const Scalar* __restrict cq = c + q;
            if (scale != nullptr)
                for (Eigen::Index i = i0; i < i1; ++i) oq[i] = static_cast<Scalar>(scale[i]) * cq[i * k];
            else
                for (Eigen::Index i = i0; i < i1; ++i) oq[i] = cq[i * k];
        }
    }
}

}  // namespace ratenet::linalg
