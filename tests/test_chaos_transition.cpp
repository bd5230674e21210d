// The transition to chaos of a random tanh network through `ratenet chaos`: the
// measured critical coupling, the circular-law edge below it, the mean-field curve.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_util.hpp"
#include "io/h5.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;

// The transition to chaos of a random tanh network at N = 500. Mean-field theory
// puts g_c at 1. The fixed point h = 0 loses stability there: its exponent g - 1,
// extrapolated from the stable side, reaches zero within 0.1 of 1. The zero
// crossing of the mean exponent of finite networks lies above (just past g = 1
// many settle on other fixed points or limit cycles, exponent <= 0): measured
// 1.2 - 1.35 at N = 500. Labelled slow.
TEST(ChaosCli, TanhCriticalCouplingNearOne) {
    TempDir d;
    const std::string cfg = std::string(RATENET_SOURCE_DIR) + "/configs/chaos_tanh.toml";
    const auto r = run_ratenet("chaos " + sh_quote(cfg) +
                                   " -o c.h5 -q --set 'chaos.g=[0.6, 0.8, 1.0, 1.2, 1.4, 1.6]' --set chaos.seeds=3"
                                   " --set chaos.meanfield_points=5",
                               d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    auto g = f.group("chaos");
    ASSERT_EQ(g.attr_int("g_c_stable_branch_found"), 1) << g.attr_string("stable_branch_message");
    EXPECT_NEAR(g.attr_double("g_c_stable_branch"), 1.0, 0.1);
    EXPECT_LT(g.attr_double("g_c_stable_branch_err"), 0.05);
    ASSERT_EQ(g.attr_int("g_c_found"), 1) << g.attr_string("message");
    const double gc = g.attr_double("g_c");
    EXPECT_GT(gc, 1.0);
    EXPECT_LT(gc, 1.5);
    EXPECT_NEAR(g.attr_double("g_c_meanfield"), 1.0, 1e-9);
    // Below the transition the largest exponent of the stable fixed point h = 0 is
    // the edge of the circular law, g - 1 (within finite-size and finite-time error).
    const auto mean = g.read_doubles("lambda_mean");
    EXPECT_NEAR(mean[0], -0.4, 0.05);
    EXPECT_NEAR(mean[1], -0.2, 0.05);
    // The mean-field curve: 0 at and below g = 1 ... positive and increasing above.
    const auto mg = g.read_doubles("meanfield/g");
    const auto ml = g.read_doubles("meanfield/lambda_max");
    for (std::size_t i = 1; i < mg.size(); ++i)
        if (mg[i] > 1.0) {
            EXPECT_GT(ml[i], ml[i - 1]);
        }
}
