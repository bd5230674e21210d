// The transition-to-chaos statistics: means and standard errors against direct
// formulas, the crossing against a line with a known root, the bootstrap
// uncertainty against error propagation for a linear curve.
#include <gtest/gtest.h>

#include <cmath>

#include "ratenet/chaos.hpp"
#include "ratenet/errors.hpp"

using namespace ratenet;
using U8 = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

TEST(Chaos, CurveStatistics) {
    Eigen::MatrixXd l(2, 3);
    l << -0.2, -0.1, NAN, 0.1, 0.3, 0.2;
    U8 d = U8::Zero(2, 3);
    d(0, 2) = 1;
    const auto c = chaos_curve({1.0, 2.0}, l, d);
    EXPECT_DOUBLE_EQ(c.mean[0], -0.15);
    EXPECT_NEAR(c.sem[0], std::sqrt(0.005 / 2), 1e-15);  // var of {-0.2,-0.1} is 0.005
    EXPECT_EQ(c.n_finite[0], 2);
    EXPECT_EQ(c.n_divergent[0], 1);
    EXPECT_NEAR(c.mean[1], 0.2, 1e-15);
    EXPECT_NEAR(c.sem[1], 0.1 / std::sqrt(3.0), 1e-15);
}

TEST(Chaos, CrossingOfALine) {
    // lambda = 0.5 (g - 1.3): root 1.3, exact on every grid.
    std::vector<double> g{0.5, 0.9, 1.2, 1.5, 2.0};
    Eigen::MatrixXd l(5, 1);
    for (int i = 0; i < 5; ++i) l(i, 0) = 0.5 * (g[static_cast<std::size_t>(i)] - 1.3);
    const auto c = chaos_curve(g, l, U8::Zero(5, 1));
    const auto x = find_crossing(c);
    ASSERT_TRUE(x.found);
    EXPECT_NEAR(x.g_c, 1.3, 1e-14);
    EXPECT_EQ(x.g_low, 1.2);
    EXPECT_EQ(x.g_high, 1.5);
    EXPECT_EQ(x.g_c_err, 0.0);  // one seed: no standard error, no spread
}

TEST(Chaos, BootstrapMatchesErrorPropagation) {
    // Means on a line with equal standard errors s at the two bracketing points:
    // g_c = g0 - m0 (g1 - g0)/(m1 - m0); to first order its standard deviation is
    // (g1 - g0) s sqrt(m0^2 + m1^2) / (m1 - m0)^2.
    ChaosCurve c;
    c.g = {1.0, 2.0};
    c.mean = {-0.1, 0.1};
    c.sem = {0.005, 0.005};
    c.n_finite = {10, 10};
    c.n_divergent = {0, 0};
    CrossingOptions o;
    o.bootstrap = 20000;
    const auto x = find_crossing(c, o);
    ASSERT_TRUE(x.found);
    EXPECT_NEAR(x.g_c, 1.5, 1e-15);
    const double expect = 1.0 * 0.005 * std::sqrt(0.02) / 0.04;
    EXPECT_NEAR(x.g_c_err, expect, 0.05 * expect);
}

TEST(Chaos, NoCrossingIsReported) {
    ChaosCurve c;
    c.g = {1.0, 2.0, 3.0};
    c.mean = {-0.3, -0.2, NAN};
    c.sem = {0.01, 0.01, NAN};
    c.n_finite = {3, 3, 0};
    c.n_divergent = {0, 0, 3};
    const auto x = find_crossing(c);
    EXPECT_FALSE(x.found);
    EXPECT_NE(x.message.find("does not cross"), std::string::npos);
}

TEST(Chaos, SkipsDivergentPointsAndRejectsBadInput) {
    ChaosCurve c;
    c.g = {1.0, 2.0, 3.0};
    c.mean = {-0.2, NAN, 0.2};
    c.sem = {0.0, NAN, 0.0};
    c.n_finite = {1, 0, 1};
    c.n_divergent = {0, 1, 0};
    const auto x = find_crossing(c);
    ASSERT_TRUE(x.found);
    EXPECT_NEAR(x.g_c, 2.0, 1e-15);
    Eigen::MatrixXd l(2, 1);
    l << 0, 0;
    EXPECT_THROW(chaos_curve({2.0, 1.0}, l, U8::Zero(2, 1)), invalid_parameter);
    EXPECT_THROW(chaos_curve({1.0}, l, U8::Zero(2, 1)), invalid_parameter);
}

// A curve shaped like the tanh transition: g - 1 on the stable side, then a flat
// stretch of non-chaotic attractors (slightly negative) and a quadratic rise. The
// stable-branch edge recovers 1 exactly; the zero crossing lies well above it.
TEST(Chaos, StableBranchEdgeOfAFixedPointBranch) {
    ChaosCurve c;
    c.g = {0.6, 0.8, 1.0, 1.2, 1.4, 1.6};
    c.mean = {-0.4, -0.2, -0.02, -0.005, 0.01, 0.05};
    c.sem = {0.001, 0.001, 0.005, 0.004, 0.002, 0.005};
    c.n_finite = {3, 3, 3, 3, 3, 3};
    c.n_divergent = {0, 0, 0, 0, 0, 0};
    StableBranchOptions o;
    o.bootstrap = 0;
    const auto sb = stable_branch_edge(c, o);
    ASSERT_TRUE(sb.found) << sb.message;
    EXPECT_EQ(sb.g_1, 0.6);
    EXPECT_EQ(sb.g_2, 0.8);  // g = 1.0 is within the margin of zero
    EXPECT_NEAR(sb.g_c, 1.0, 1e-12);
    const auto x = find_crossing(c);
    ASSERT_TRUE(x.found);
    EXPECT_GT(x.g_c, 1.25);
}

TEST(Chaos, StableBranchBootstrapMatchesErrorPropagation) {
    // Zero of the line through (g1, m1), (g2, m2): r = g2 - m2 (g2 - g1)/(m2 - m1).
    // dr/dm1 = -m2 (g2-g1)/(m2-m1)^2, dr/dm2 = m1 (g2-g1)/(m2-m1)^2.
    ChaosCurve c;
    c.g = {0.5, 0.75};
    c.mean = {-0.5, -0.25};
    c.sem = {0.004, 0.004};
    c.n_finite = {10, 10};
    c.n_divergent = {0, 0};
    StableBranchOptions o;
    o.bootstrap = 20000;
    const auto sb = stable_branch_edge(c, o);
    ASSERT_TRUE(sb.found);
    EXPECT_NEAR(sb.g_c, 1.0, 1e-14);
    const double d = 0.25 / (0.25 * 0.25);
    const double expect = 0.004 * d * std::sqrt(0.25 * 0.25 + 0.5 * 0.5);
    EXPECT_NEAR(sb.g_c_err, expect, 0.05 * expect);
}

TEST(Chaos, StableBranchNeedsTwoClearlyNegativeRisingPoints) {
    ChaosCurve c;
    c.g = {0.8, 1.0, 1.2};
    c.mean = {-0.2, -0.01, 0.05};
    c.sem = {0.001, 0.001, 0.001};
    c.n_finite = {3, 3, 3};
    c.n_divergent = {0, 0, 0};
    EXPECT_FALSE(stable_branch_edge(c).found);  // only g = 0.8 is clearly negative
    c.mean = {-0.2, -0.3, 0.05};                // falling: no forward zero
    const auto sb = stable_branch_edge(c);
    EXPECT_FALSE(sb.found);
    EXPECT_NE(sb.message.find("does not rise"), std::string::npos) << sb.message;
    StableBranchOptions bad;
    bad.margin = -1.0;
    EXPECT_THROW(stable_branch_edge(c, bad), invalid_parameter);
}
