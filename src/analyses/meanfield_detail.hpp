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

// The common part of critical_coupling and populations_critical_coupling: from the
// stable solution at g = 0, follow the branch towards g_max (a step to each grid value
// of g, halved where a solve from the last solution fails, until it falls below
// g_tol: the branch ends there), then locate g_c where the stability factor crosses
// 1 by a bracketing root finder, each solve seeded from the last stable solution.
// solve_at(g, seed) returns a result with status and stability. Sets res.status,
// message, g_c, at_g_c, g_static_divergence (and transition on a static divergence);
// true when g_c was found.
template <class Res, class State, class Solve>
bool follow_branch_to_critical(const CriticalOptions& copt, State stable, Solve&& solve_at, Res& res) {
    double g_stable = 0.0, g_unstable = -1.0;
    State unstable;
    const auto n_steps = static_cast<long>(std::ceil(copt.g_max / copt.g_step - 1e-9));
    for (long k = 1; k <= n_steps && g_unstable < 0; ++k) {
        const double target = std::min(static_cast<double>(k) * copt.g_step, copt.g_max);
        double h = target - g_stable;
        while (g_stable < target && g_unstable < 0) {
            const double g = std::min(g_stable + h, target);
            State s = solve_at(g, stable);
            if (s.status == StaticStatus::converged && s.stability < 1.0) {
                stable = std::move(s);
                g_stable = g;
            } else if (s.status == StaticStatus::converged) {
                unstable = std::move(s);
                g_unstable = g;
            } else {
                h *= 0.5;
                if (h < copt.g_tol * std::max(1.0, g_stable)) {
                    res.at_g_c = stable;
                    res.g_static_divergence = g_stable;
                    if (s.status == StaticStatus::diverged) {
                        res.status = CriticalStatus::static_divergence;
                        res.transition = Transition::divergence;
                        res.message = "the static solution runs away at g = " + format_value(g_stable) +
                                      " while still stable";
                    } else {
                        res.message = "static solve failed beyond g = " + format_value(g_stable) + ": " + s.message;
                    }
                    return false;
                }
            }
        }
    }
    if (g_unstable < 0) {
        res.status = CriticalStatus::none_below_g_max;
        res.at_g_c = stable;
        res.message = "stable up to g_max = " + format_value(copt.g_max);
        return false;
    }
    bool failed = false;
    const auto f = [&](double gg) {
        const State s = solve_at(gg, stable);
        if (s.status != StaticStatus::converged || !std::isfinite(s.stability)) failed = true;
        return s.stability - 1.0;
    };
    double gc = g_unstable;
    if (unstable.stability > 1.0)
        gc = find_root(f, g_stable, g_unstable, stable.stability - 1.0, unstable.stability - 1.0, copt.g_tol);
    if (failed) {
        res.message = "static solve failed while locating g_c in [" + format_value(g_stable) + ", " +
                      format_value(g_unstable) + "]";
        return false;
    }
    res.status = CriticalStatus::found;
    res.g_c = gc;
    res.at_g_c = solve_at(gc, stable);
    return true;
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
