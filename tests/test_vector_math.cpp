// tanh over arrays (src/model/vector_math.hpp): accuracy against long double,
// special values, and bits that depend on the value alone (not on the array's
// length or the value's place in it; thread-count invariance of the right-hand
// side that applies it in segments: test_linalg).
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "model/vector_math.hpp"
#include "ratenet/transfer.hpp"

namespace {

using ratenet::vmath::tanh_derivatives;
using ratenet::vmath::tanh_value;
using ratenet::vmath::tanh_values;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// |y - exact| in units of the spacing of doubles at the rounded exact value.
double ulps(double y, long double exact) {
    const double r = std::fabs(static_cast<double>(exact));
    const double spacing = std::nextafter(r, INFINITY) - r;
    return static_cast<double>(std::fabs(static_cast<long double>(y) - exact) / spacing);
}

// Values of every scale: |u| log-uniform on [1e-300, 40] with both signs, and
// N(0, 4) draws (the range a chaotic network's currents live in).
std::vector<double> sample(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> e(-300.0, std::log10(40.0));
    std::normal_distribution<double> z(0.0, 2.0);
    std::vector<double> u(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double m = i % 3 == 0 ? z(g) : std::pow(10.0, e(g));
        u[i] = (g() & 1) != 0 ? m : -m;
    }
    return u;
}

TEST(VectorTanh, WithinThreeUlpOfLongDouble) {
    const std::vector<double> u = sample(300000, 11);
    std::vector<double> t(u.size()), d(u.size());
    tanh_values(u.data(), t.data(), static_cast<Eigen::Index>(u.size()));
    tanh_derivatives(u.data(), d.data(), static_cast<Eigen::Index>(u.size()));
    double worst = 0.0, worst_d = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        const long double exact = std::tanh(static_cast<long double>(u[i]));
        worst = std::max(worst, ulps(t[i], exact));
        // 1 - t^2 from the rounded t: its error is the tanh error times 2 |t| / (1 - t^2)
        // ulps of the result, so judge it against 1 - t^2 with t exact, relatively.
        const long double d_exact = 1.0L - exact * exact;
        if (d_exact > 1e-3L) worst_d = std::max(worst_d, static_cast<double>(std::fabs(d[i] - d_exact) / d_exact));
    }
    RecordProperty("kernel", ratenet::vmath::tanh_kernel());
    EXPECT_LE(worst, 3.0) << ratenet::vmath::tanh_kernel();
    // |t| < 1 and the derivative above 1e-3: the relative error is at most about
    // 3 ulp * 2 / 1e-3, a few 1e-12.
    EXPECT_LT(worst_d, 1e-11) << ratenet::vmath::tanh_kernel();
}

TEST(VectorTanh, SpecialValues) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double denormal = std::numeric_limits<double>::denorm_min() * 7;
    EXPECT_TRUE(same_bits(tanh_value(0.0), 0.0));
    EXPECT_TRUE(same_bits(tanh_value(-0.0), -0.0));
    EXPECT_EQ(tanh_value(denormal), denormal);
    EXPECT_EQ(tanh_value(-denormal), -denormal);
    for (double big : {20.0, 40.0, 710.0, 1e300, inf}) {
        EXPECT_EQ(tanh_value(big), 1.0) << big;
        EXPECT_EQ(tanh_value(-big), -1.0) << big;
    }
    EXPECT_TRUE(std::isnan(tanh_value(nan)));
    // NaN stays NaN through the transfer function and its derivative, so that
    // the integrators' finiteness checks see it.
    ratenet::Transfer phi;
    phi.kind = ratenet::TransferKind::tanh;
    EXPECT_TRUE(std::isnan(phi.value(nan)));
    EXPECT_TRUE(std::isnan(phi.derivative(nan)));
    EXPECT_EQ(phi.derivative(0.0), 1.0);
    EXPECT_EQ(phi.derivative(50.0), 0.0);
}

TEST(VectorTanh, OddAndMonotone) {
    std::vector<double> u = sample(100000, 12);
    for (double& v : u) v = std::fabs(v);
    std::sort(u.begin(), u.end());
    std::vector<double> t(u.size()), m(u.size());
    std::vector<double> neg(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) neg[i] = -u[i];
    tanh_values(u.data(), t.data(), static_cast<Eigen::Index>(u.size()));
    tanh_values(neg.data(), m.data(), static_cast<Eigen::Index>(u.size()));
    for (std::size_t i = 0; i < u.size(); ++i) {
        ASSERT_TRUE(same_bits(m[i], -t[i])) << u[i];
        if (i > 0) {
            ASSERT_LE(t[i - 1], t[i]) << u[i - 1] << " " << u[i];
        }
    }
}

// The bits of tanh(u_i) are the same whether u_i comes alone, in the body or in
// the tail of an array of any length, at any alignment, and equal to what
// Transfer::value and Transfer::apply give.
TEST(VectorTanh, BitsDependOnTheValueAlone) {
    const std::vector<double> pool = sample(64, 13);
    std::vector<double> alone(pool.size()), alone_d(pool.size());
    for (std::size_t i = 0; i < pool.size(); ++i) {
        alone[i] = tanh_value(pool[i]);
        tanh_derivatives(&pool[i], &alone_d[i], 1);
        ASSERT_TRUE(same_bits(alone_d[i], std::fma(-alone[i], alone[i], 1.0))) << pool[i];
    }
    for (std::size_t offset = 0; offset < 9; ++offset)
        for (std::size_t n = 1; offset + n <= pool.size(); n += 3) {
            std::vector<double> t(n), d(n);
            tanh_values(pool.data() + offset, t.data(), static_cast<Eigen::Index>(n));
            tanh_derivatives(pool.data() + offset, d.data(), static_cast<Eigen::Index>(n));
            for (std::size_t i = 0; i < n; ++i) {
                ASSERT_TRUE(same_bits(t[i], alone[offset + i])) << "offset " << offset << " n " << n << " i " << i;
                ASSERT_TRUE(same_bits(d[i], alone_d[offset + i])) << "offset " << offset << " n " << n << " i " << i;
            }
        }
    // In place.
    std::vector<double> v(pool.begin(), pool.begin() + 29);
    tanh_values(v.data(), v.data(), 29);
    for (std::size_t i = 0; i < v.size(); ++i) ASSERT_TRUE(same_bits(v[i], alone[i]));
    // Through the transfer function, one value and a vector.
    ratenet::Transfer phi;
    phi.kind = ratenet::TransferKind::tanh;
    const Eigen::Map<const Eigen::VectorXd> u(pool.data(), static_cast<Eigen::Index>(pool.size()));
    Eigen::VectorXd out(u.size()), dout(u.size());
    phi.apply(u, out);
    phi.apply_derivative(u, dout);
    for (Eigen::Index i = 0; i < u.size(); ++i) {
        const auto s = static_cast<std::size_t>(i);
        ASSERT_TRUE(same_bits(phi.value(u[i]), alone[s]));
        ASSERT_TRUE(same_bits(out[i], alone[s]));
        ASSERT_TRUE(same_bits(phi.derivative(u[i]), alone_d[s]));
        ASSERT_TRUE(same_bits(dout[i], alone_d[s]));
    }
}

}  // namespace
