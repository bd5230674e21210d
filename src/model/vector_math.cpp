#include "model/vector_math.hpp"

#include <cmath>
#include <cstring>

#if defined(RATENET_HAVE_MVEC) && defined(__AVX512F__) && defined(__AVX512DQ__)
#define RATENET_MVEC_LANES 8
#elif defined(RATENET_HAVE_MVEC) && defined(__AVX2__) && defined(__FMA__)
#define RATENET_MVEC_LANES 4
#endif

#ifdef RATENET_MVEC_LANES
#include <immintrin.h>
// glibc's vector ABI names (libmvec, glibc >= 2.35): tanh on 8 / 4 doubles.
extern "C" __m512d _ZGVeN8v_tanh(__m512d);
extern "C" __m256d _ZGVdN4v_tanh(__m256d);
#endif

namespace ratenet::vmath {

namespace {

#ifdef RATENET_MVEC_LANES
constexpr Eigen::Index lanes = RATENET_MVEC_LANES;

// tanh of `lanes` values at u into out (unaligned).
inline void tanh_lanes(const double* u, double* out) noexcept {
#if RATENET_MVEC_LANES == 8
    _mm512_storeu_pd(out, _ZGVeN8v_tanh(_mm512_loadu_pd(u)));
#else
    _mm256_storeu_pd(out, _ZGVdN4v_tanh(_mm256_loadu_pd(u)));
#endif
}
#endif

// f(out, n) applied to the tanh of each of u's n values, `lanes` at a time; the
// last n mod lanes through a padded copy, so that they see the same kernel.
template <class Finish>
void tanh_each(const double* u, double* out, Eigen::Index n, Finish finish) noexcept {
#ifdef RATENET_MVEC_LANES
    Eigen::Index i = 0;
    for (; i + lanes <= n; i += lanes) {
        tanh_lanes(u + i, out + i);
        finish(out + i, lanes);
    }
    if (i < n) {
        const auto rest = static_cast<std::size_t>(n - i);
        double in[lanes] = {}, res[lanes];
        std::memcpy(in, u + i, rest * sizeof(double));
        tanh_lanes(in, res);
        finish(res, n - i);
        std::memcpy(out + i, res, rest * sizeof(double));
    }
#else
    for (Eigen::Index i = 0; i < n; ++i) out[i] = std::tanh(u[i]);
    finish(out, n);
#endif
}

}  // namespace

void tanh_values(const double* u, double* out, Eigen::Index n) noexcept {
    tanh_each(u, out, n, [](double*, Eigen::Index) {});
}

void tanh_derivatives(const double* u, double* out, Eigen::Index n) noexcept {
    tanh_each(u, out, n, [](double* t, Eigen::Index m) {
        for (Eigen::Index j = 0; j < m; ++j) t[j] = std::fma(-t[j], t[j], 1.0);  // one rounding, whatever the flags
    });
}

double tanh_value(double u) noexcept {
    double t;
    tanh_values(&u, &t, 1);
    return t;
}

const char* tanh_kernel() noexcept {
#if defined(RATENET_MVEC_LANES) && RATENET_MVEC_LANES == 8
    return "libmvec avx512 (8 lanes)";
#elif defined(RATENET_MVEC_LANES)
    return "libmvec avx2 (4 lanes)";
#else
    return "std::tanh";
#endif
}

}  // namespace ratenet::vmath
