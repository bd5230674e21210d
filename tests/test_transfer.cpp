// Transfer functions: values against independent formulas, derivatives against
// central finite differences, and the vectorised forms against the scalar ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "ratenet/errors.hpp"
#include "ratenet/transfer.hpp"

using namespace ratenet;

namespace {

std::vector<Transfer> all_transfers() {
    std::vector<Transfer> out;
    for (const auto& name : transfer_names()) {
        Transfer t;
        EXPECT_TRUE(parse_transfer_kind(name, t.kind));
        t.gain = 1.7;
        t.theta = 0.3;
        t.r_max = 2.0;
        t.slope = 0.1;
        t.slopes = Eigen::VectorXd::Constant(4, 0.2);
        t.alpha = 0.8;
        t.beta = 2.5;
        t.k = 0.9;
        t.n = 2.5;
        out.push_back(t);
    }
    return out;
}

// Points away from every kink (0, theta, and the clip point theta + r_max/gain).
const double points[] = {-3.1, -1.2, -0.45, -0.07, 0.11, 0.52, 0.97, 1.4, 2.2, 3.3};

}  // namespace

TEST(Transfer, ReferenceValues) {
    const double u = 0.7;
    Transfer t;
    t.kind = TransferKind::relu;
    EXPECT_DOUBLE_EQ(t.value(u), 0.7);
    EXPECT_DOUBLE_EQ(t.value(-u), 0.0);
    t.kind = TransferKind::threshold_linear;
    t.gain = 2.0;
    t.theta = 0.5;
    EXPECT_DOUBLE_EQ(t.value(u), 2.0 * 0.2);
    t.kind = TransferKind::clipped_linear;
    t.r_max = 0.3;
    EXPECT_DOUBLE_EQ(t.value(u), 0.3);
    EXPECT_DOUBLE_EQ(t.value(0.6), 2.0 * 0.1);
    t.kind = TransferKind::tanh;
    EXPECT_DOUBLE_EQ(t.value(u), std::tanh(u));
    t.kind = TransferKind::sigmoid;
    EXPECT_NEAR(t.value(u), 1.0 / (1.0 + std::exp(-u)), 1e-15);
    t.kind = TransferKind::softplus;
    t.beta = 3.0;
    EXPECT_NEAR(t.value(u), std::log(1.0 + std::exp(3.0 * u)) / 3.0, 1e-15);
    EXPECT_NEAR(t.value(800.0), 800.0, 1e-12);  // no overflow
    t.kind = TransferKind::gelu;
    // GELU(1) = Phi(1) = 0.8413447460685429 (standard normal CDF).
    EXPECT_NEAR(t.value(1.0), 0.8413447460685429, 1e-15);
    t.kind = TransferKind::silu;
    EXPECT_NEAR(t.value(u), u / (1.0 + std::exp(-u)), 1e-15);
    t.kind = TransferKind::elu;
    t.alpha = 1.3;
    EXPECT_NEAR(t.value(-u), 1.3 * (std::exp(-u) - 1.0), 1e-15);
    t.kind = TransferKind::power_law;
    t.k = 0.5;
    t.n = 3.0;
    t.theta = 0.2;
    EXPECT_NEAR(t.value(u), 0.5 * std::pow(0.5, 3.0), 1e-15);
    t.kind = TransferKind::leaky_relu;
    t.slope = 0.05;
    EXPECT_DOUBLE_EQ(t.value(-2.0), -0.1);
}

TEST(Transfer, DerivativesMatchFiniteDifferences) {
    const double h = 1e-6;
    for (const auto& t : all_transfers()) {
        for (double u : points) {
            const double fd = (t.value(u + h, 1) - t.value(u - h, 1)) / (2 * h);
            EXPECT_NEAR(t.derivative(u, 1), fd, 1e-7 * std::max(1.0, std::abs(fd))) << t.name() << " at u = " << u;
        }
    }
}

TEST(Transfer, VectorFormsMatchScalar) {
    Eigen::VectorXd u(10);
    for (int i = 0; i < 10; ++i) u[i] = points[i];
    for (auto t : all_transfers()) {
        t.slopes = Eigen::VectorXd::LinSpaced(10, 0.0, 0.9);
        Eigen::VectorXd v(10), d(10);
        t.apply(u, v);
        t.apply_derivative(u, d);
        for (Eigen::Index i = 0; i < 10; ++i) {
            EXPECT_NEAR(v[i], t.value(u[i], i), 1e-15 * std::max(1.0, std::abs(v[i]))) << t.name();
            EXPECT_NEAR(d[i], t.derivative(u[i], i), 1e-15) << t.name();
        }
    }
}

TEST(Transfer, KinksTakeTheLeftDerivative) {
    Transfer t;
    EXPECT_EQ(t.derivative(0.0), 0.0);
    t.kind = TransferKind::threshold_linear;
    t.theta = 0.4;
    t.gain = 3.0;
    EXPECT_EQ(t.derivative(0.4), 0.0);
    EXPECT_EQ(t.derivative(0.4 + 1e-12), 3.0);
    EXPECT_TRUE(t.derivative_is_indicator());
    t.kind = TransferKind::tanh;
    EXPECT_FALSE(t.derivative_is_indicator());
}

TEST(Transfer, ValidateNamesTheParameter) {
    Transfer t;
    t.kind = TransferKind::clipped_linear;
    t.r_max = -1.0;
    try {
        t.validate(3);
        FAIL() << "expected invalid_parameter";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "r_max");
        EXPECT_EQ(e.value(), "-1");
    }
    t.kind = TransferKind::prelu;
    t.slopes = Eigen::VectorXd::Zero(2);
    EXPECT_THROW(t.validate(3), invalid_parameter);
    t.kind = TransferKind::power_law;
    t.n = 0.5;
    EXPECT_THROW(t.validate(3), invalid_parameter);
}

TEST(Transfer, NamesRoundTrip) {
    for (const auto& name : transfer_names()) {
        TransferKind k;
        ASSERT_TRUE(parse_transfer_kind(name, k));
        EXPECT_EQ(to_string(k), name);
    }
    TransferKind k;
    EXPECT_FALSE(parse_transfer_kind("relu6", k));
    EXPECT_EQ(transfer_names().size(), 12u);
}

// The declarations (transfer_specs) agree with the functions they declare:
// with parameters that make it jump, phi' jumps at each declared kink and nowhere else among sample points; a
// bounded phi stays bounded far out and an unbounded one grows; an indicator
// derivative takes only 0 and one value; every kind has a declaration.
TEST(TransferSpecs, DeclarationsMatchTheFunctions) {
    using namespace ratenet;
    ASSERT_EQ(transfer_specs().size(), transfer_names().size());
    for (const auto& s : transfer_specs()) {
        Transfer phi;
        phi.kind = s.kind;
        phi.gain = 1.5;
        phi.theta = 0.3;
        phi.r_max = 2.0;
        phi.slope = 0.1;
        phi.slopes = Eigen::VectorXd::Constant(1, 0.2);
        phi.n = 1.0;      // phi' jumps at theta (n > 1 leaves the jump to phi'')
        phi.alpha = 0.5;  // likewise for elu at 0
        EXPECT_EQ(transfer_spec(s.kind).name, s.name);
        EXPECT_EQ(std::string(to_string(s.kind)), s.name);
        const std::vector<double> kinks = s.kinks ? s.kinks(phi) : std::vector<double>{};
        const double h = 1e-7;
        for (double x : kinks) {
            const double jump = std::fabs(phi.derivative(x + h) - phi.derivative(x - h));
            EXPECT_GT(jump, 1e-3) << s.name << " at " << x;
        }
        // Away from the kinks phi' is continuous (checked on a grid).
        for (double x = -4.05; x < 4.0; x += 0.1) {
            bool near = false;
            for (double k : kinks) near = near || std::fabs(x - k) < 1e-3;
            if (near) continue;
            EXPECT_LT(std::fabs(phi.derivative(x + h) - phi.derivative(x - h)), 1e-4) << s.name << " at " << x;
        }
        const double far = std::max(std::fabs(phi.value(1e6)), std::fabs(phi.value(-1e6)));
        if (s.bounded)
            EXPECT_LE(far, 10.0) << s.name;
        else
            EXPECT_GT(far, 1e3) << s.name;
        if (s.indicator) {
            std::set<double> values;
            for (double x = -4.05; x < 4.0; x += 0.1) values.insert(phi.derivative(x));
            EXPECT_EQ(values.size(), 2u) << s.name;
            EXPECT_TRUE(values.count(0.0)) << s.name;
        }
        EXPECT_EQ(phi.derivative_is_indicator(), s.indicator) << s.name;
        // parameters() lists exactly the declared ones.
        const auto params = phi.parameters();
        ASSERT_EQ(params.size(), s.params.size()) << s.name;
        for (std::size_t i = 0; i < params.size(); ++i) EXPECT_EQ(params[i].first, s.params[i].name);
    }
}
