// Compiled with -ffp-contract=off (see CMakeLists.txt) so no fused multiply-add
// changes the bits of portable_log and normal() between machines.
#include "ratenet/rng.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace ratenet {

namespace {
constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ULL;
inline std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
}  // namespace

std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t derive_seed(std::uint64_t base, std::uint64_t index) noexcept {
    return mix64(base ^ mix64(index + golden));
}

double portable_log(double x) noexcept {
    if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(x)) return x;
    int e = 0;
    double m = std::frexp(x, &e);  // x = m 2^e, m in [0.5, 1): exact
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    // log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716; the series to s^41 is
    // below 1e-33 relative.
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    double term = s, sum = 0.0;
    for (int k = 1; k <= 41; k += 2) {
        sum += term / k;
        term *= s2;
    }
    // ln 2 split in a high part exact in 32 bits and a low correction.
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    const double de = static_cast<double>(e);
    return (de * ln2_hi + 2.0 * sum) + de * ln2_lo;
}

double fast_log(double x) noexcept {
    if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(x)) return x;
    if (x < std::numeric_limits<double>::min()) return portable_log(x);  // subnormal: never in normal_fast
    const auto bits = std::bit_cast<std::uint64_t>(x);
    int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
    if (m > 1.41421356237309504880) {
        m *= 0.5;  // exact
        e += 1;
    }
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s;
    // sum_{k=0}^{11} s2^k / (2k + 1), by Horner (the coefficients rounded once, at compile time).
    double p = 1.0 / 23.0;
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    const double de = static_cast<double>(e);
    return (de * ln2_hi + 2.0 * s * p) + de * ln2_lo;
}

Rng::Rng(std::uint64_t seed, std::uint64_t stream) noexcept {
    std::uint64_t x = seed ^ mix64(stream + golden);
    for (auto& w : st_.s) {
        x += golden;
        w = mix64(x);
    }
}

std::uint64_t Rng::next() noexcept {
    auto& s = st_.s;
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double Rng::uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

double Rng::normal() noexcept {
    if (st_.has_spare) {
        st_.has_spare = false;
        return st_.spare;
    }
    double u, v, s;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is IEEE-exact
    st_.spare = v * f;
    st_.has_spare = true;
    return u * f;
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    // Rejection from the largest multiple of n below 2^64: unbiased.
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t x;
    do x = next();
    while (x >= limit);
    return x % n;
}

double Rng::normal_fast() noexcept {
    if (st_.has_spare) {
        st_.has_spare = false;
        return st_.spare;
    }
    double u = 0.0, v = 0.0, s = 0.0;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * fast_log(s) / s);
    st_.spare = v * f;
    st_.has_spare = true;
    return u * f;
}

}  // namespace ratenet
