#pragma once
// Helpers shared by the mean-field sources (quadrature.cpp, meanfield_static.cpp,
// dmft_tanh.cpp): Gaussian densities, root finding, the threshold-linear closed
// forms. Private to the library.
#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"

namespace ratenet::meanfield_detail {

inline constexpr double inv_sqrt2 = 0.70710678118654752440;
inline constexpr double inv_sqrt_2pi = 0.39894228040143267794;
inline constexpr double inf = std::numeric_limits<double>::infinity();

inline double normal_cdf(double a) { return 0.5 * std::erfc(-a * inv_sqrt2); }
inline double normal_pdf(double a) { return inv_sqrt_2pi * std::exp(-0.5 * a * a); }

inline void check_order(int order, const char* key, int max_order) {
    if (order < 1 || order > max_order)
        throw invalid_parameter(key, std::to_string(order), "must be in [1, " + std::to_string(max_order) + "]");
}

// ln cosh u without overflow or loss of relative accuracy near 0 (cosh u - 1 = 2 sinh^2(u/2)).
inline double log_cosh(double u) {
    const double a = std::fabs(u);
    if (a < 20.0) {
        const double s = std::sinh(0.5 * a);
        return std::log1p(2.0 * s * s);
    }
    return a - std::numbers::ln2 + std::log1p(std::exp(-2.0 * a));
}

template <class F>
inline double find_root(F&& f, double lo, double hi, double flo, double fhi, double xtol) {
    std::uintmax_t iters = 300;
    auto tol = [xtol](double a, double b) { return std::fabs(b - a) <= xtol * std::max(1.0, std::fabs(a)); };
    const auto r = boost::math::tools::toms748_solve(f, lo, hi, flo, fhi, tol, iters);
    return 0.5 * (r.first + r.second);
}

// Gauss-Hermite rules are built once per order: the static solver evaluates moments thousands of times.
const QuadratureRule& cached_rule(GaussianRule kind, int order);

inline bool is_threshold_linear(const Transfer& phi) {
    return phi.kind == TransferKind::relu || phi.kind == TransferKind::threshold_linear;
}
inline double tl_gain(const Transfer& phi) { return phi.kind == TransferKind::relu ? 1.0 : phi.gain; }
inline double tl_theta(const Transfer& phi) { return phi.kind == TransferKind::relu ? 0.0 : phi.theta; }

// Kinks of phi' (points where the Gaussian integrand is not smooth); empty for smooth kinds.
// (The threshold-linear kinds have closed forms and never reach the quadrature.)
inline std::vector<double> kinks(const Transfer& phi) {
    const auto k = transfer_spec(phi.kind).kinks;
    return k ? k(phi) : std::vector<double>{};
}

// E[(a + z)_+] and E[(a + z)_+^2].
inline double tl_first(double a) { return a * normal_cdf(a) + normal_pdf(a); }
inline double tl_second(double a) { return (a * a + 1.0) * normal_cdf(a) + a * normal_pdf(a); }

}  // namespace ratenet::meanfield_detail
