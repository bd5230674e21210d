#pragma once
// Helpers of the kernel tests (test_linalg, test_precision): seeded Gaussian
// matrices, bitwise comparison, and a call under a given OpenMP team size.
#include <Eigen/Core>
#include <cstdint>
#include <cstring>

#include "ratenet/rng.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ratenet_test {

// r x c entries N(0, 1) from the network stream of seed, column by column.
inline Eigen::MatrixXd gaussian(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
    ratenet::Rng rng(seed, ratenet::Stream::network);
    Eigen::MatrixXd M(r, c);
    for (Eigen::Index j = 0; j < c; ++j)
        for (Eigen::Index i = 0; i < r; ++i) M(i, j) = rng.normal();
    return M;
}

inline bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

// Runs f with the calling thread's OpenMP team size set to `threads`.
template <class F>
auto with_threads(int threads, F&& f) {
#ifdef _OPENMP
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    auto r = f();
    omp_set_num_threads(saved);
    return r;
#else
    (void)threads;
    return f();
#endif
}

}  // namespace ratenet_test
