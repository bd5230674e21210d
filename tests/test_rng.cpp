// ratenet's random streams: fixed reference outputs (the stream is part of the
// file format's reproducibility promise), statistics, independence of streams.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "ratenet/rng.hpp"

using namespace ratenet;

TEST(Rng, SplitMix64MatchesReference) {
    // SplitMix64 with state 0 advanced by the golden gamma gives 0xE220A8397B1DCDAF
    // as its first output (Vigna's reference implementation).
    EXPECT_EQ(mix64(0x9E3779B97F4A7C15ULL), 0xE220A8397B1DCDAFULL);
}

TEST(Rng, SameSeedSameBits) {
    Rng a(42, Stream::network), b(42, Stream::network);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next(), b.next());
    Rng c(42, Stream::network), d(42, Stream::network);
    for (int i = 0; i < 1001; ++i) ASSERT_EQ(c.normal(), d.normal());  // odd count: the spare is used
}

TEST(Rng, StreamsAndSeedsDiffer) {
    Rng a(42, Stream::network), b(42, Stream::initial), c(43, Stream::network);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto x = a.next(), y = b.next(), z = c.next();
        same_ab += x == y;
        same_ac += x == z;
    }
    EXPECT_EQ(same_ab, 0);
    EXPECT_EQ(same_ac, 0);
}

TEST(Rng, PortableLogMatchesLibm) {
    for (double x : {1e-300, 1e-10, 0.001, 0.5, 0.70710678, 0.9999999, 1.0, 1.0000001, 2.0, 3.14159, 1e10, 1e300}) {
        EXPECT_NEAR(portable_log(x), std::log(x), 4e-16 * std::max(1.0, std::abs(std::log(x)))) << x;
    }
    EXPECT_EQ(portable_log(1.0), 0.0);
}

// fast_log against libm: within 4 ulp of log over the whole normal range (a dense
// geometric sweep, the points around its switch at sqrt 2, exact powers of 2).
TEST(Rng, FastLogWithinFourUlpOfLibm) {
    double worst = 0.0;
    auto check = [&](double x) {
        const double l = std::log(x);
        const double ulp = std::nextafter(std::abs(l), INFINITY) - std::abs(l);
        const double err = std::abs(fast_log(x) - l);
        if (l != 0.0) worst = std::max(worst, err / ulp);
        else EXPECT_EQ(fast_log(x), 0.0);
    };
    for (double x = 1e-307; x < 1e307; x *= 1.00037) check(x);
    for (double x = 0.99; x < 1.01; x += 1e-6) check(x);
    for (double m : {1.41421356237309492, 1.41421356237309515, 0.70710678118654746, 0.70710678118654757}) check(m);
    for (int e = -1000; e <= 1000; e += 7) check(std::ldexp(1.0, e));
    EXPECT_LE(worst, 4.0);
    EXPECT_EQ(fast_log(1.0), 0.0);
    EXPECT_EQ(fast_log(0.0), -INFINITY);
    EXPECT_TRUE(std::isnan(fast_log(-1.0)));
}

// normal_fast: the same engine draws and acceptance as normal(), so the two agree
// to the rounding of their logarithms, pair by pair.
TEST(Rng, NormalFastIsThePolarMethodWithFastLog) {
    Rng a(9, Stream::network), b(9, Stream::network);
    for (int i = 0; i < 100000; ++i) {
        const double x = a.normal(), y = b.normal_fast();
        ASSERT_NEAR(x, y, 1e-14 * std::max(1.0, std::abs(x))) << i;
    }
    Rng r(7, Stream::noise);
    const int n = 400000;
    double sn = 0, sn2 = 0, sn4 = 0;
    for (int i = 0; i < n; ++i) {
        const double z = r.normal_fast();
        sn += z;
        sn2 += z * z;
        sn4 += z * z * z * z;
    }
    EXPECT_NEAR(sn / n, 0.0, 5 / std::sqrt(n));
    EXPECT_NEAR(sn2 / n, 1.0, 5 * std::sqrt(2.0 / n));
    EXPECT_NEAR(sn4 / n, 3.0, 5 * std::sqrt(96.0 / n));
}

TEST(Rng, UniformAndNormalMoments) {
    Rng r(7, Stream::noise);
    const int n = 400000;
    double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        su += u;
        su2 += u * u;
        const double z = r.normal();
        sn += z;
        sn2 += z * z;
        sn4 += z * z * z * z;
    }
    // Tolerances are about 5 standard errors.
    EXPECT_NEAR(su / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
    EXPECT_NEAR(su2 / n, 1.0 / 3, 5 * std::sqrt(4.0 / 45 / n));
    EXPECT_NEAR(sn / n, 0.0, 5 / std::sqrt(n));
    EXPECT_NEAR(sn2 / n, 1.0, 5 * std::sqrt(2.0 / n));
    EXPECT_NEAR(sn4 / n, 3.0, 5 * std::sqrt(96.0 / n));
}

TEST(Rng, BelowIsUniformAndInRange) {
    Rng r(9, Stream::network);
    std::vector<int> counts(7, 0);
    const int n = 70000;
    for (int i = 0; i < n; ++i) {
        const auto v = r.below(7);
        ASSERT_LT(v, 7u);
        ++counts[v];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
    EXPECT_LT(chi2, 22.5);  // chi-square, 6 degrees of freedom, p = 0.001
}

TEST(Rng, DerivedSeedsAreDistinct) {
    std::set<std::uint64_t> seen;
    for (std::uint64_t i = 0; i < 10000; ++i) seen.insert(derive_seed(12345, i));
    EXPECT_EQ(seen.size(), 10000u);
    EXPECT_EQ(derive_seed(1, 5), derive_seed(1, 5));
}

TEST(Rng, StateRoundTrip) {
    Rng a(3, Stream::tangent);
    a.normal();  // leaves a spare
    const auto st = a.state();
    Rng b(0, Stream::network);
    b.set_state(st);
    for (int i = 0; i < 100; ++i) ASSERT_EQ(a.normal(), b.normal());
}
