#include "ratenet/meanfield.hpp"

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <numbers>
#include <utility>

#include "ratenet/errors.hpp"

namespace ratenet {

namespace {

constexpr double inv_sqrt2 = 0.70710678118654752440;
constexpr double inv_sqrt_2pi = 0.39894228040143267794;
constexpr double inf = std::numeric_limits<double>::infinity();

double normal_cdf(double a) { return 0.5 * std::erfc(-a * inv_sqrt2); }
double normal_pdf(double a) { return inv_sqrt_2pi * std::exp(-0.5 * a * a); }

// Golub-Welsch: eigenvalues of the Jacobi matrix (zero diagonal, off-diagonal beta[k])
// are the nodes; mu0 * (first eigenvector component)^2 the weights.
QuadratureRule golub_welsch(int n, const std::vector<double>& beta, double mu0) {
    const auto N = static_cast<Eigen::Index>(n);
    Eigen::MatrixXd T = Eigen::MatrixXd::Zero(N, N);
    for (Eigen::Index k = 0; k + 1 < N; ++k) T(k, k + 1) = T(k + 1, k) = beta[static_cast<std::size_t>(k)];
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T);
    QuadratureRule r;
    r.nodes.resize(static_cast<std::size_t>(n));
    r.weights.resize(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < N; ++i) {
        r.nodes[static_cast<std::size_t>(i)] = es.eigenvalues()(i);
        const double v = es.eigenvectors()(0, i);
        r.weights[static_cast<std::size_t>(i)] = mu0 * v * v;
    }
    // The rules are symmetric: enforce it exactly (odd integrands then vanish to rounding).
    for (std::size_t i = 0, j = r.nodes.size() - 1; i < j; ++i, --j) {
        const double x = 0.5 * (r.nodes[j] - r.nodes[i]);
        const double w = 0.5 * (r.weights[i] + r.weights[j]);
        r.nodes[i] = -x;
        r.nodes[j] = x;
        r.weights[i] = r.weights[j] = w;
    }
    if (n % 2 == 1) r.nodes[static_cast<std::size_t>(n / 2)] = 0.0;
    return r;
}

void check_order(int order, const char* key, int max_order) {
    if (order < 1 || order > max_order)
        throw invalid_parameter(key, std::to_string(order), "must be in [1, " + std::to_string(max_order) + "]");
}

// ln cosh u without overflow or loss of relative accuracy near 0 (cosh u - 1 = 2 sinh^2(u/2)).
double log_cosh(double u) {
    const double a = std::fabs(u);
    if (a < 20.0) {
        const double s = std::sinh(0.5 * a);
        return std::log1p(2.0 * s * s);
    }
    return a - std::numbers::ln2 + std::log1p(std::exp(-2.0 * a));
}

template <class F>
double find_root(F&& f, double lo, double hi, double flo, double fhi, double xtol) {
    std::uintmax_t iters = 300;
    auto tol = [xtol](double a, double b) { return std::fabs(b - a) <= xtol * std::max(1.0, std::fabs(a)); };
    const auto r = boost::math::tools::toms748_solve(f, lo, hi, flo, fhi, tol, iters);
    return 0.5 * (r.first + r.second);
}

// Gauss-Hermite rules are built once per order: the static solver evaluates moments thousands of times.
const QuadratureRule& cached_rule(GaussianRule kind, int order) {
    static std::mutex mutex;
    static std::map<std::pair<int, int>, QuadratureRule> cache;
    const std::lock_guard<std::mutex> lock(mutex);
    const std::pair<int, int> key{static_cast<int>(kind), order};
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, gaussian_rule(kind, order)).first;
    return it->second;
}

bool is_threshold_linear(const Transfer& phi) {
    return phi.kind == TransferKind::relu || phi.kind == TransferKind::threshold_linear;
}
double tl_gain(const Transfer& phi) { return phi.kind == TransferKind::relu ? 1.0 : phi.gain; }
double tl_theta(const Transfer& phi) { return phi.kind == TransferKind::relu ? 0.0 : phi.theta; }

// Kinks of phi' (points where the Gaussian integrand is not smooth); empty for smooth kinds.
std::vector<double> kinks(const Transfer& phi) {
    switch (phi.kind) {
        case TransferKind::clipped_linear: return {phi.theta, phi.theta + phi.r_max / phi.gain};
        case TransferKind::leaky_relu: return {0.0};
        case TransferKind::elu: return {0.0};
        case TransferKind::power_law: return {phi.theta};
        default: return {};
    }
}

// E[(a + z)_+] and E[(a + z)_+^2].
double tl_first(double a) { return a * normal_cdf(a) + normal_pdf(a); }
double tl_second(double a) { return (a * a + 1.0) * normal_cdf(a) + a * normal_pdf(a); }

}  // namespace

// ---------------------------------------------------------------- quadrature

QuadratureRule gauss_hermite(int order) {
    // The Christoffel sum below grows like exp(x^2 / 2) at the outermost node (~ 2 sqrt(order)).
    check_order(order, "quadrature_order", 200);
    std::vector<double> beta(static_cast<std::size_t>(order));
    for (int k = 1; k < order; ++k) beta[static_cast<std::size_t>(k - 1)] = std::sqrt(static_cast<double>(k));
    QuadratureRule r = golub_welsch(order, beta, 1.0);
    // Newton on the orthonormal Hermite polynomial p_n (p_n' = sqrt(n) p_{n-1}) polishes the
    // nodes; w = 1 / sum_k p_k(x)^2 gives weights with relative accuracy even where they are
    // 1e-80 (eigenvector components there carry only absolute accuracy).
    const auto eval = [order](double x, double& pn, double& pn1, double& sum_sq) {
        double p0 = 1.0, p1 = x;
        sum_sq = 1.0;
        if (order == 1) {
            pn = p1;
            pn1 = p0;
            return;
        }
        sum_sq += x * x;
        for (int k = 1; k < order; ++k) {
            const double p2 = (x * p1 - std::sqrt(static_cast<double>(k)) * p0) / std::sqrt(static_cast<double>(k + 1));
            p0 = p1;
            p1 = p2;
            if (k + 1 < order) sum_sq += p1 * p1;
        }
        pn = p1;
        pn1 = p0;
    };
    const double sn = std::sqrt(static_cast<double>(order));
    for (std::size_t i = 0; i < r.nodes.size(); ++i) {
        double x = r.nodes[i], pn = 0, pn1 = 0, s = 0;
        for (int it = 0; it < 3; ++it) {
            eval(x, pn, pn1, s);
            if (pn1 == 0.0) break;
            x -= pn / (sn * pn1);
        }
        eval(x, pn, pn1, s);
        r.nodes[i] = x;
        r.weights[i] = 1.0 / s;
    }
    if (order % 2 == 1) r.nodes[static_cast<std::size_t>(order / 2)] = 0.0;
    return r;
}

QuadratureRule gaussian_trapezoid(int points, double zmax) {
    check_order(points, "quadrature_order", 2001);
    if (points < 3) throw invalid_parameter("quadrature_order", std::to_string(points), "must be >= 3 for the trapezoid rule");
    if (!std::isfinite(zmax) || zmax < 4 || zmax > 30) throw invalid_parameter("zmax", format_value(zmax), "must be in [4, 30]");
    QuadratureRule r;
    const double h = 2.0 * zmax / (points - 1);
    double sum = 0.0;
    for (int i = 0; i < points; ++i) {
        const double z = -zmax + h * i;
        r.nodes.push_back(z);
        r.weights.push_back(h * normal_pdf(z));
        sum += r.weights.back();
    }
    for (double& w : r.weights) w /= sum;
    // Exact symmetry, as for the Gauss rules.
    for (std::size_t i = 0, j = r.nodes.size() - 1; i < j; ++i, --j) r.nodes[i] = -r.nodes[j];
    if (points % 2 == 1) r.nodes[static_cast<std::size_t>(points / 2)] = 0.0;
    return r;
}

QuadratureRule gaussian_rule(GaussianRule kind, int order) {
    return kind == GaussianRule::gauss_hermite ? gauss_hermite(order) : gaussian_trapezoid(order);
}

QuadratureRule gauss_legendre(int order) {
    check_order(order, "order", 400);
    std::vector<double> beta(static_cast<std::size_t>(order));
    for (int k = 1; k < order; ++k) {
        const auto kd = static_cast<double>(k);
        beta[static_cast<std::size_t>(k - 1)] = kd / std::sqrt(4.0 * kd * kd - 1.0);
    }
    return golub_welsch(order, beta, 2.0);
}

// ---------------------------------------------------------------- Gaussian moments

GaussianMoments gaussian_moments(const Transfer& phi, double m, double delta0, GaussianRule rule,
                                 int quadrature_order) {
    GaussianMoments g;
    const double s = std::sqrt(std::max(delta0, 0.0));
    if (is_threshold_linear(phi)) {
        const double G = tl_gain(phi), u = m - tl_theta(phi);
        if (s == 0.0 || std::fabs(u) > 1e300 * s) {
            // Zero variance: the Delta0 -> 0+ limit (half the neurons active at the kink).
            const double up = std::max(u, 0.0);
            g.phi = G * up;
            g.phi2 = G * G * up * up;
            g.active = u > 0 ? 1.0 : (u < 0 ? 0.0 : 0.5);
        } else {
            const double a = u / s;
            g.phi = G * s * tl_first(a);
            g.phi2 = G * G * s * s * tl_second(a);
            g.active = normal_cdf(a);
        }
        g.dphi2 = G * G * g.active;
        return g;
    }
    if (s == 0.0) {
        const double v = phi.value(m);
        const double dl = phi.derivative(std::nextafter(m, -inf)), dr = phi.derivative(std::nextafter(m, inf));
        g.phi = v;
        g.phi2 = v * v;
        g.dphi2 = 0.5 * (dl * dl + dr * dr);
        g.active = 0.5 * ((dl != 0.0 ? 1.0 : 0.0) + (dr != 0.0 ? 1.0 : 0.0));
        return g;
    }
    const auto accumulate = [&](double w, double h) {
        const double v = phi.value(h), d = phi.derivative(h);
        g.phi += w * v;
        g.phi2 += w * v * v;
        g.dphi2 += w * d * d;
        g.active += d != 0.0 ? w : 0.0;
    };
    const std::vector<double> k = kinks(phi);
    if (k.empty()) {
        const QuadratureRule& gh = cached_rule(rule, quadrature_order);
        for (std::size_t i = 0; i < gh.nodes.size(); ++i) accumulate(gh.weights[i], m + s * gh.nodes[i]);
        return g;
    }
    // Kinked phi: Gauss-Legendre pieces in z on [-10, 10] (tail mass 1.5e-23), broken every
    // 2 units and at the kinks, so that every piece is smooth and well resolved.
    constexpr double zmax = 10.0;
    std::vector<double> breaks;
    for (int i = -5; i <= 5; ++i) breaks.push_back(2.0 * i);
    for (double kp : k) {
        const double z = (kp - m) / s;
        if (z > -zmax && z < zmax) breaks.push_back(z);
    }
    std::sort(breaks.begin(), breaks.end());
    static const QuadratureRule gl = gauss_legendre(24);
    for (std::size_t p = 0; p + 1 < breaks.size(); ++p) {
        const double c = 0.5 * (breaks[p] + breaks[p + 1]), hw = 0.5 * (breaks[p + 1] - breaks[p]);
        if (hw <= 0.0) continue;
        for (std::size_t i = 0; i < gl.nodes.size(); ++i) {
            const double z = c + hw * gl.nodes[i];
            accumulate(hw * gl.weights[i] * normal_pdf(z), m + s * z);
        }
    }
    return g;
}

// ---------------------------------------------------------------- static fixed point

void MeanFieldOptions::validate() const {
    if (phi.kind == TransferKind::prelu)
        throw invalid_parameter("phi", "prelu", "one slope per neuron has no single-population mean field");
    phi.validate(1);
    if (!std::isfinite(g) || g < 0) throw invalid_parameter("g", format_value(g), "must be finite and >= 0");
    if (!std::isfinite(mu)) throw invalid_parameter("mu", format_value(mu), "must be finite");
    if (!std::isfinite(b)) throw invalid_parameter("b", format_value(b), "must be finite");
    const int max_order = rule == GaussianRule::gauss_hermite ? 200 : 2001;
    if (quadrature_order < 8 || quadrature_order > max_order)
        throw invalid_parameter("quadrature_order", std::to_string(quadrature_order),
                                "must be in [8, " + std::to_string(max_order) + "]");
    if (!std::isfinite(tol) || tol <= 0 || tol >= 1) throw invalid_parameter("tol", format_value(tol), "must be in (0, 1)");
    if (max_iterations < 1) throw invalid_parameter("max_iterations", std::to_string(max_iterations), "must be >= 1");
    if (!(bound > 1)) throw invalid_parameter("bound", format_value(bound), "must be > 1");
}

std::string_view to_string(StaticStatus s) noexcept {
    switch (s) {
        case StaticStatus::converged: return "converged";
        case StaticStatus::not_converged: return "not_converged";
        case StaticStatus::diverged: return "diverged";
    }
    return "unknown";
}

namespace {

struct StaticEval {
    double m = 0.0, d = 0.0;
    double r1 = 0.0, r2 = 0.0;   // raw residuals
    double e1 = 0.0, e2 = 0.0;   // scaled
    GaussianMoments mom;
    double norm() const { return std::hypot(e1, e2); }
};

double mean_coupling(const MeanFieldOptions& o) { return o.mu_scales_with_g ? o.mu * o.g : o.mu; }

StaticEval evaluate(const MeanFieldOptions& o, double m, double d) {
    StaticEval e;
    e.m = m;
    e.d = d;
    e.mom = gaussian_moments(o.phi, m, d, o.rule, o.quadrature_order);
    e.r1 = m - o.b - mean_coupling(o) * e.mom.phi;
    e.r2 = d - o.g * o.g * e.mom.phi2;
    e.e1 = e.r1 / (1.0 + std::fabs(m) + std::fabs(o.b));
    e.e2 = e.r2 / (1.0 + d);
    return e;
}

StaticResult finish(const MeanFieldOptions& o, const StaticEval& e, StaticStatus st, int iters, std::string msg) {
    StaticResult r;
    r.status = st;
    r.message = std::move(msg);
    r.m = e.m;
    r.delta0 = e.d;
    r.mean_rate = e.mom.phi;
    r.active_fraction = e.mom.active;
    r.stability = o.g * o.g * e.mom.dphi2;
    r.residual_m = e.r1;
    r.residual_delta = e.r2;
    r.iterations = iters;
    return r;
}

}  // namespace

StaticResult solve_static(const MeanFieldOptions& opt, double m_guess, double delta0_guess) {
    opt.validate();
    double m = delta0_guess < 0 ? opt.b : m_guess;
    double d = std::max(delta0_guess, 0.0);
    if (!std::isfinite(m) || !std::isfinite(d)) throw invalid_parameter("guess", format_value(m), "must be finite");
    StaticEval cur = evaluate(opt, m, d);
    const auto converged = [&](const StaticEval& e) { return std::fabs(e.e1) <= opt.tol && std::fabs(e.e2) <= opt.tol; };
    const auto runaway = [&](const StaticEval& e) {
        return !std::isfinite(e.m) || !std::isfinite(e.d) || std::fabs(e.m) > opt.bound || e.d > opt.bound ||
               !std::isfinite(e.r1) || !std::isfinite(e.r2);
    };
    int it = 0;
    // Newton with a finite-difference Jacobian and backtracking on the scaled residual.
    for (; it < opt.max_iterations && !converged(cur); ++it) {
        const double hm = 1e-7 * (1.0 + std::fabs(cur.m));
        const double hd = 1e-7 * (1.0 + cur.d);
        const StaticEval mp = evaluate(opt, cur.m + hm, cur.d), mm = evaluate(opt, cur.m - hm, cur.d);
        const bool central = cur.d >= hd;
        const StaticEval dp = evaluate(opt, cur.m, cur.d + hd);
        const StaticEval dm = central ? evaluate(opt, cur.m, cur.d - hd) : cur;
        const double dd = central ? 2.0 * hd : hd;
        const double j11 = (mp.r1 - mm.r1) / (2.0 * hm), j21 = (mp.r2 - mm.r2) / (2.0 * hm);
        const double j12 = (dp.r1 - dm.r1) / dd, j22 = (dp.r2 - dm.r2) / dd;
        const double det = j11 * j22 - j12 * j21;
        if (!std::isfinite(det) || det == 0.0) break;
        const double sm = -(j22 * cur.r1 - j12 * cur.r2) / det;
        const double sd = -(-j21 * cur.r1 + j11 * cur.r2) / det;
        bool accepted = false;
        for (double step = 1.0; step > 1e-9; step *= 0.5) {
            const StaticEval trial = evaluate(opt, cur.m + step * sm, std::max(cur.d + step * sd, 0.0));
            if (runaway(trial)) continue;
            if (trial.norm() < (1.0 - 1e-4 * step) * cur.norm() || converged(trial)) {
                cur = trial;
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
    }
    if (converged(cur)) return finish(opt, cur, StaticStatus::converged, it, {});
    // Fallback: damped fixed-point iteration x <- (x + F(x)) / 2. When the static equations
    // have no finite solution (runaway excitation, zero-mean ReLU above sqrt 2 with a
    // nonzero start) this is where the divergence shows.
    const int max_fp = 50 * opt.max_iterations;
    for (int k = 0; k < max_fp; ++k, ++it) {
        const double mn = 0.5 * (cur.m + opt.b + mean_coupling(opt) * cur.mom.phi);
        const double dn = 0.5 * (cur.d + opt.g * opt.g * cur.mom.phi2);
        cur = evaluate(opt, mn, dn);
        if (runaway(cur))
            return finish(opt, cur, StaticStatus::diverged, it,
                          "no finite static solution: |m| or Delta0 exceeded " + format_value(opt.bound));
        if (converged(cur)) return finish(opt, cur, StaticStatus::converged, it, {});
    }
    return finish(opt, cur, StaticStatus::not_converged, it,
                  "residuals " + format_value(cur.e1) + ", " + format_value(cur.e2) + " after " + std::to_string(it) +
                      " iterations");
}

void CriticalOptions::validate() const {
    if (!std::isfinite(g_step) || g_step <= 0) throw invalid_parameter("g_step", format_value(g_step), "must be > 0");
    if (!std::isfinite(g_max) || g_max < g_step)
        throw invalid_parameter("g_max", format_value(g_max), "must be finite and >= g_step");
    if (!std::isfinite(g_tol) || g_tol <= 0 || g_tol >= g_step)
        throw invalid_parameter("g_tol", format_value(g_tol), "must be in (0, g_step)");
}

std::string_view to_string(CriticalStatus s) noexcept {
    switch (s) {
        case CriticalStatus::found: return "found";
        case CriticalStatus::none_below_g_max: return "none_below_g_max";
        case CriticalStatus::static_divergence: return "static_divergence";
        case CriticalStatus::failed: return "failed";
    }
    return "unknown";
}

std::string_view to_string(Transition t) noexcept {
    switch (t) {
        case Transition::unknown: return "unknown";
        case Transition::chaos: return "chaos";
        case Transition::divergence: return "divergence";
    }
    return "unknown";
}

namespace {

// Scale-free divergence threshold of a threshold-linear network: a* = mu G E[(a* + z)_+],
// g_div = 1 / (G sqrt(F2(a*))). 0 when the mean mode alone runs away (mu G >= 1).
double threshold_linear_divergence(double mu, double G) {
    const double c = mu * G;
    if (c >= 1.0) return 0.0;
    const auto psi = [c](double a) { return a - c * tl_first(a); };
    double a_star = 0.0;
    const double p0 = psi(0.0);
    if (p0 != 0.0) {
        double lo = 0.0, hi = 0.0, flo = p0, fhi = p0;
        if (p0 > 0) {   // mu < 0: root below 0
            lo = -1.0;
            for (flo = psi(lo); flo > 0 && lo > -1e6; flo = psi(lo)) lo *= 2.0;
        } else {        // 0 < mu G < 1: root above 0
            hi = 1.0;
            for (fhi = psi(hi); fhi < 0 && hi < 1e6; fhi = psi(hi)) hi *= 2.0;
        }
        if (flo > 0 || fhi < 0) return inf;
        a_star = find_root(psi, lo, hi, flo, fhi, 1e-15);
    }
    const double f2 = tl_second(a_star);
    return f2 > 0 ? 1.0 / (G * std::sqrt(f2)) : inf;
}

// The same threshold when the mean coupling grows with g (mu * g): the smallest g
// with g >= g_div(mu g), by a scan of (0, g_max] and bisection; infinity if none.
double threshold_linear_divergence_ray(double mu, double G, double g_max) {
    const auto excess = [&](double g) { return g - threshold_linear_divergence(mu * g, G); };
    const int n = 400;
    double g_prev = 0.0;  // excess(0) = -sqrt(2)/G < 0
    for (int k = 1; k <= n; ++k) {
        const double g = g_max * k / n;
        const double e = excess(g);
        if (e >= 0.0) {
            // Bisection: robust where g_div is infinite (excess -inf) inside the bracket.
            double lo = g_prev, hi = g;
            for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; ++it) {
                const double mid = 0.5 * (lo + hi);
                (excess(mid) >= 0.0 ? hi : lo) = mid;
            }
            return hi;
        }
        g_prev = g;
    }
    return inf;
}

bool bounded_transfer(const Transfer& phi) {
    return phi.kind == TransferKind::tanh || phi.kind == TransferKind::sigmoid ||
           phi.kind == TransferKind::clipped_linear;
}

}  // namespace

CriticalResult critical_coupling(const MeanFieldOptions& opt, const CriticalOptions& copt) {
    opt.validate();
    copt.validate();
    CriticalResult res;
    if (is_threshold_linear(opt.phi))
        res.g_divergence = opt.mu_scales_with_g ? threshold_linear_divergence_ray(opt.mu, tl_gain(opt.phi), copt.g_max)
                                                : threshold_linear_divergence(opt.mu, tl_gain(opt.phi));
    MeanFieldOptions o = opt;
    const auto solve_at = [&o](double g, const StaticResult& seed) {
        o.g = g;
        return solve_static(o, seed.m, seed.delta0);
    };
    o.g = 0.0;
    StaticResult stable = solve_static(o);   // the last stable solution on the branch
    double g_stable = 0.0;
    if (stable.status != StaticStatus::converged) {
        res.message = "no static solution at g = 0: " + stable.message;
        return res;
    }
    // Continuation: step towards each grid value of g, halving the step when a solve from
    // the last solution fails, until the step falls below g_tol (the branch ends there).
    const auto n_steps = static_cast<long>(std::ceil(copt.g_max / copt.g_step - 1e-9));
    StaticResult unstable;
    double g_unstable = -1.0;
    for (long k = 1; k <= n_steps && g_unstable < 0; ++k) {
        const double target = std::min(static_cast<double>(k) * copt.g_step, copt.g_max);
        double h = target - g_stable;
        while (g_stable < target && g_unstable < 0) {
            const double g = std::min(g_stable + h, target);
            const StaticResult s = solve_at(g, stable);
            if (s.status == StaticStatus::converged && s.stability < 1.0) {
                stable = s;
                g_stable = g;
            } else if (s.status == StaticStatus::converged) {
                unstable = s;
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
                    return res;
                }
            }
        }
    }
    if (g_unstable < 0) {
        res.status = CriticalStatus::none_below_g_max;
        res.at_g_c = stable;
        res.message = "stable up to g_max = " + format_value(copt.g_max);
        return res;
    }
    // g_c in (g_stable, g_unstable]: root of g^2 <phi'^2> - 1 along the branch, each solve
    // seeded from the last stable solution.
    bool failed = false;
    const auto f = [&](double gg) {
        const StaticResult s = solve_at(gg, stable);
        if (s.status != StaticStatus::converged) failed = true;
        return s.stability - 1.0;
    };
    double gc = g_unstable;
    if (unstable.stability > 1.0) gc = find_root(f, g_stable, g_unstable, stable.stability - 1.0, unstable.stability - 1.0, copt.g_tol);
    if (failed) {
        res.message = "static solve failed while locating g_c in [" + format_value(g_stable) + ", " +
                      format_value(g_unstable) + "]";
        return res;
    }
    res.status = CriticalStatus::found;
    res.g_c = gc;
    res.at_g_c = solve_at(gc, stable);
    if (bounded_transfer(opt.phi)) {
        res.transition = Transition::chaos;
    } else if (is_threshold_linear(opt.phi)) {
        res.transition = res.g_divergence <= gc * (1.0 + 1e-8) ? Transition::divergence : Transition::chaos;
        if (res.transition == Transition::divergence)
            res.message = "divergent above g_c: the fixed point loses stability where the scale-free activity "
                          "starts to grow";
    }
    return res;
}

EffectiveCoupling excitatory_inhibitory_coupling(const ExcitatoryInhibitoryParams& p) {
    // The generator checks the parameters; an empty draw is cheap enough to reuse its checks.
    if (p.n_e < 1 || p.n_i < 1 || !(p.p > 0 && p.p < 1) || !(p.w_e > 0) || !(p.w_i < 0))
        throw invalid_parameter("model", "excitatory_inhibitory", "needs n_e, n_i >= 1, 0 < p < 1, w_e > 0, w_i < 0");
    const double n = static_cast<double>(p.n_e + p.n_i);
    const double ae = static_cast<double>(p.n_e) / n, ai = static_cast<double>(p.n_i) / n;
    EffectiveCoupling c;
    c.g = std::sqrt(ae * p.w_e * p.w_e + ai * p.w_i * p.w_i);
    c.mu = std::sqrt(p.p * n / (1.0 - p.p)) * (ae * p.w_e + ai * p.w_i);
    return c;
}

MeanFieldOptions excitatory_inhibitory_meanfield(const ExcitatoryInhibitoryParams& p, const Transfer& phi, double b) {
    const EffectiveCoupling c = excitatory_inhibitory_coupling(p);
    MeanFieldOptions o;
    o.phi = phi;
    o.b = b;
    o.g = p.g * c.g;
    o.mu = c.mu / c.g;
    o.mu_scales_with_g = true;
    return o;
}

// ---------------------------------------------------------------- tanh DMFT

double tanh_energy_residual(double g, double delta0, const QuadratureRule& gh) {
    const double s = std::sqrt(std::max(delta0, 0.0));
    const double m1 = gaussian_expectation(gh, [](double u) { return log_cosh(u); }, 0.0, s);
    // Two-pass variance: no cancellation between <Phi^2> and <Phi>^2.
    const double var = gaussian_expectation(gh, [m1](double u) { const double d = log_cosh(u) - m1; return d * d; }, 0.0, s);
    return 0.5 * delta0 * delta0 - g * g * var;
}

double tanh_delta0(double g, const QuadratureRule& gh) {
    if (!std::isfinite(g) || g < 0) throw invalid_parameter("g", format_value(g), "must be finite and >= 0");
    if (g <= 1.0) return 0.0;
    // e(D) = 1/2 - g^2 Var(Phi)/D^2 ~ (1 - g^2)/2 + g^2 D near 0: negative below the root,
    // positive above (Var Phi grows only linearly in D).
    const auto e = [&gh, g](double D) {
        const double s = std::sqrt(D);
        const double m1 = gaussian_expectation(gh, [](double u) { return log_cosh(u); }, 0.0, s);
        const double var =
            gaussian_expectation(gh, [m1](double u) { const double d = log_cosh(u) - m1; return d * d; }, 0.0, s);
        return 0.5 - g * g * var / (D * D);
    };
    double lo = 0.25 * (g * g - 1.0) / (g * g), flo = e(lo);
    for (int i = 0; i < 200 && flo >= 0; ++i) flo = e(lo *= 0.5);
    double hi = std::max(2.0 * lo, 1.0), fhi = e(hi);
    for (int i = 0; i < 200 && fhi <= 0; ++i) fhi = e(hi *= 2.0);
    if (flo >= 0 || fhi <= 0) throw numerical_error("tanh_delta0: no bracket for g = " + format_value(g));
    return find_root(e, lo, hi, flo, fhi, 1e-15);
}

TanhCorrelation tanh_correlation(double delta, double delta0, const QuadratureRule& gh) {
    const double a = std::sqrt(std::max(delta0 - delta, 0.0)), b = std::sqrt(std::max(delta, 0.0));
    TanhCorrelation r;
    const std::size_t n = gh.nodes.size();
    for (std::size_t k = 0; k < n; ++k) {
        const double shift = b * gh.nodes[k];
        double i0 = 0, i1 = 0, i2 = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double t = std::tanh(a * gh.nodes[i] + shift);
            const double d1 = 1.0 - t * t;
            i0 += gh.weights[i] * t;
            i1 += gh.weights[i] * d1;
            i2 += gh.weights[i] * (-2.0 * t * d1);
        }
        r.c += gh.weights[k] * i0 * i0;
        r.q += gh.weights[k] * i1 * i1;
        r.dq += gh.weights[k] * i2 * i2;
    }
    return r;
}

void TanhChaosOptions::validate() const {
    const int max_order = rule == GaussianRule::gauss_hermite ? 200 : 2001;
    if (quadrature_order < 8 || quadrature_order > max_order)
        throw invalid_parameter("quadrature_order", std::to_string(quadrature_order),
                                "must be in [8, " + std::to_string(max_order) + "]");
    if (table_points < 16) throw invalid_parameter("table_points", std::to_string(table_points), "must be >= 16");
    if (!std::isfinite(dtau) || dtau <= 0 || dtau > 0.1)
        throw invalid_parameter("dtau", format_value(dtau), "must be in (0, 0.1]");
    if (!std::isfinite(half_width) || half_width < 5) throw invalid_parameter("half_width", format_value(half_width), "must be >= 5");
    if (!std::isfinite(decay_lengths) || decay_lengths < 5)
        throw invalid_parameter("decay_lengths", format_value(decay_lengths), "must be >= 5");
    if (max_steps < 1000) throw invalid_parameter("max_steps", std::to_string(max_steps), "must be >= 1000");
    if (!std::isfinite(tail_switch) || tail_switch <= 0 || tail_switch > 0.1)
        throw invalid_parameter("tail_switch", format_value(tail_switch), "must be in (0, 0.1]");
}

std::string_view to_string(ChaosStatus s) noexcept {
    switch (s) {
        case ChaosStatus::stable: return "stable";
        case ChaosStatus::chaotic: return "chaotic";
        case ChaosStatus::failed: return "failed";
    }
    return "unknown";
}

namespace {

// C(Delta) and q(Delta) on [0, Delta0] as cubic Hermite tables: dC/dDelta = q and
// dq/dDelta = <tanh'' tanh''> are known exactly, so the interpolant is C^1 and O(h^4).
class TanhTables {
public:
    TanhTables(double delta0, const QuadratureRule& gh, int points) : d0_(delta0), n_(points) {
        h_ = d0_ / (n_ - 1);
        const auto N = static_cast<std::size_t>(n_);
        c_.resize(N);
        q_.resize(N);
        dq_.resize(N);
        cum_.resize(N);
        for (std::size_t j = 0; j < N; ++j) {
            const TanhCorrelation t = tanh_correlation(h_ * static_cast<double>(j), d0_, gh);
            c_[j] = t.c;
            q_[j] = t.q;
            dq_[j] = t.dq;
        }
        c_[0] = 0.0;   // tanh is odd: C(0) = <tanh>^2 = 0 exactly
        cum_[0] = 0.0;
        for (std::size_t j = 1; j < N; ++j)
            cum_[j] = cum_[j - 1] + 0.5 * h_ * (c_[j - 1] + c_[j]) + h_ * h_ * (q_[j - 1] - q_[j]) / 12.0;
    }
    double c(double d) const { return interp(d, c_, q_); }
    double q(double d) const { return interp(d, q_, dq_); }
    double q_at_zero() const { return q_.front(); }
    double q_at_top() const { return q_.back(); }
    double c_at_top() const { return c_.back(); }
    // int_0^d C.
    double integral(double d) const {
        double u = 0;
        const std::size_t j = locate(d, u);
        const double u2 = u * u, u3 = u2 * u, u4 = u3 * u;
        return cum_[j] + h_ * (c_[j] * (u - u3 + 0.5 * u4) + h_ * q_[j] * (0.5 * u2 - 2.0 * u3 / 3.0 + 0.25 * u4) +
                               c_[j + 1] * (u3 - 0.5 * u4) + h_ * q_[j + 1] * (0.25 * u4 - u3 / 3.0));
    }

private:
    std::size_t locate(double d, double& u) const {
        const double t = std::clamp(d, 0.0, d0_) / h_;
        auto j = static_cast<std::size_t>(t);
        j = std::min(j, static_cast<std::size_t>(n_ - 2));
        u = t - static_cast<double>(j);
        return j;
    }
    double interp(double d, const std::vector<double>& v, const std::vector<double>& dv) const {
        double u = 0;
        const std::size_t j = locate(d, u);
        const double w = 1.0 - u;
        return (1.0 + 2.0 * u) * w * w * v[j] + u * w * w * h_ * dv[j] + u * u * (3.0 - 2.0 * u) * v[j + 1] -
               u * u * w * h_ * dv[j + 1];
    }
    double d0_, h_ = 0;
    int n_;
    std::vector<double> c_, q_, dq_, cum_;
};

struct Trajectory {
    bool ok = false;
    std::string message;
    std::vector<double> delta;
    double energy_drift = 0.0;
};

// Delta(k step), k = 0..n: RK4 of Delta'' = Delta - g^2 C(Delta) from (Delta0, 0). The
// solution is the separatrix into Delta = 0, unstable as an initial-value problem, so
// below tail_switch * Delta0 it continues as the linearised tail Delta_s exp(-kappa t).
Trajectory integrate_delta(const TanhTables& tab, double g, double delta0, double kappa, double step, std::size_t n,
                           double tail_switch) {
    Trajectory tr;
    tr.delta.assign(n + 1, 0.0);
    const double g2 = g * g;
    const auto acc = [&](double d) { return d - g2 * tab.c(d); };
    const auto energy = [&](double d, double v) { return 0.5 * v * v - 0.5 * d * d + g2 * tab.integral(d); };
    double d = delta0, v = 0.0;
    tr.delta[0] = d;
    tr.energy_drift = std::fabs(energy(d, v));
    std::size_t k = 0;
    for (; k < n && d > tail_switch * delta0; ++k) {
        const double k1d = v, k1v = acc(d);
        const double k2d = v + 0.5 * step * k1v, k2v = acc(d + 0.5 * step * k1d);
        const double k3d = v + 0.5 * step * k2v, k3v = acc(d + 0.5 * step * k2d);
        const double k4d = v + step * k3v, k4v = acc(d + step * k3d);
        d += step / 6.0 * (k1d + 2.0 * k2d + 2.0 * k3d + k4d);
        v += step / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        if (!(d > 0.0) || v >= 0.0) {
            tr.energy_drift /= delta0 * delta0;
            tr.message = "Delta(tau) left the separatrix at Delta/Delta0 = " + format_value(d / delta0) +
                         " (tau = " + format_value(static_cast<double>(k + 1) * step) + ")";
            return tr;
        }
        tr.delta[k + 1] = d;
        tr.energy_drift = std::max(tr.energy_drift, std::fabs(energy(d, v)));
    }
    const double ds = d;
    for (std::size_t j = k + 1; j <= n; ++j) tr.delta[j] = ds * std::exp(-kappa * static_cast<double>(j - k) * step);
    tr.energy_drift /= delta0 * delta0;
    tr.ok = true;
    return tr;
}

// Number of eigenvalues below x of the symmetric tridiagonal (diag d, off-diagonal e) by
// the signs of the LDL^T pivots (Sturm count).
long sturm_count(const std::vector<double>& d, const std::vector<double>& e, double x) {
    long count = 0;
    double p = d[0] - x;
    if (p < 0) ++count;
    for (std::size_t j = 1; j < d.size(); ++j) {
        if (p == 0.0) p = std::numeric_limits<double>::min();
        p = d[j] - x - e[j - 1] * e[j - 1] / p;
        if (p < 0) ++count;
    }
    return count;
}

// Smallest eigenvalue by bisection on the Sturm count, in [lo, hi]; NaN if none below hi.
double lowest_eigenvalue(const std::vector<double>& d, const std::vector<double>& e, double lo, double hi) {
    if (sturm_count(d, e, hi) < 1) return std::numeric_limits<double>::quiet_NaN();
    for (int it = 0; it < 200 && hi - lo > 4.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::fabs(hi));
         ++it) {
        const double mid = 0.5 * (lo + hi);
        (sturm_count(d, e, mid) >= 1 ? hi : lo) = mid;
    }
    return 0.5 * (lo + hi);
}

// Lowest even and odd eigenvalues of -psi'' + V psi on [-L, L] (Dirichlet at +-L) with the
// symmetric finite-difference grid tau_j = j h, j = -N..N. V holds V(tau_j), j = 0..N.
// By parity the problem splits into the half grid with psi_{-1} = psi_1 (even; the
// first off-diagonal element is symmetrised by scaling psi_0 by 1/sqrt 2) and psi_0 = 0 (odd).
std::pair<double, double> parity_ground_states(const std::vector<double>& V, double h) {
    const std::size_t N = V.size() - 1;
    const double ih2 = 1.0 / (h * h);
    double vmin = *std::min_element(V.begin(), V.end());
    std::vector<double> de(N), ee(N - 1, -ih2);
    for (std::size_t j = 0; j < N; ++j) de[j] = 2.0 * ih2 + V[j];
    ee[0] = -std::numbers::sqrt2 * ih2;
    std::vector<double> dodd(de.begin() + 1, de.end()), eodd(N - 2, -ih2);
    const double lo = vmin - 1e-12, hi = 0.0;
    return {lowest_eigenvalue(de, ee, lo, hi), lowest_eigenvalue(dodd, eodd, lo, hi)};
}

}  // namespace

TanhChaosPoint tanh_chaos(double g, const TanhChaosOptions& opt) {
    opt.validate();
    if (!std::isfinite(g) || g < 0) throw invalid_parameter("g", format_value(g), "must be finite and >= 0");
    TanhChaosPoint p;
    p.g = g;
    if (g <= 1.0) {
        // h = 0: q = 1 everywhere, the spectrum is the continuum from -g^2, and
        // -1 + sqrt(g^2) = g - 1 is the largest real part of eig(-I + J).
        p.status = ChaosStatus::stable;
        p.message = "g <= 1: h = 0 is a stable fixed point";
        p.q_zero = p.q_inf = 1.0;
        p.e_continuum = p.e0 = p.e0_coarse = -g * g;
        p.lambda_max = g - 1.0;
        return p;
    }
    const QuadratureRule rule = gaussian_rule(opt.rule, opt.quadrature_order);
    p.delta0 = tanh_delta0(g, rule);
    const TanhTables tab(p.delta0, rule, opt.table_points);
    p.q_zero = tab.q_at_top();
    p.q_inf = tab.q_at_zero();
    p.e_continuum = -g * g * p.q_inf;
    const double k2 = 1.0 - g * g * p.q_inf;
    if (!(k2 > 0)) {
        p.message = "no decaying autocorrelation: 1 - g^2 q(inf) = " + format_value(k2);
        return p;
    }
    p.kappa = std::sqrt(k2);
    const double L_min = std::max(opt.half_width, opt.decay_lengths / p.kappa);
    auto N = static_cast<std::size_t>(std::ceil(L_min / opt.dtau));
    double h = opt.dtau;
    if (N > static_cast<std::size_t>(opt.max_steps)) {
        N = static_cast<std::size_t>(opt.max_steps);
        h = L_min / static_cast<double>(N);
    }
    p.half_width = static_cast<double>(N) * h;
    p.step = h;
    const double hf = 0.5 * h;
    const Trajectory tr = integrate_delta(tab, g, p.delta0, p.kappa, hf, 2 * N, opt.tail_switch);
    p.energy_drift = tr.energy_drift;
    if (!tr.ok) {
        p.message = tr.message;
        return p;
    }
    std::vector<double> Vf(2 * N + 1), Vc(N + 1);
    for (std::size_t j = 0; j <= 2 * N; ++j) Vf[j] = -g * g * tab.q(tr.delta[j]);
    for (std::size_t j = 0; j <= N; ++j) Vc[j] = Vf[2 * j];
    const auto [ec, oc] = parity_ground_states(Vc, h);
    const auto [ef, of] = parity_ground_states(Vf, hf);
    if (!std::isfinite(ec) || !std::isfinite(ef) || !std::isfinite(oc) || !std::isfinite(of)) {
        p.message = "no bound state found below 0";
        return p;
    }
    // Second-order differences: E(h) = E + c h^2 + O(h^4).
    p.e0_coarse = ec;
    p.e0 = (4.0 * ef - ec) / 3.0;
    p.e_zero_mode = (4.0 * of - oc) / 3.0;
    if (!(p.e0 < 0)) {
        p.message = "ground state above 0";
        return p;
    }
    p.lambda_max = -1.0 + std::sqrt(-p.e0);
    p.status = ChaosStatus::chaotic;
    return p;
}

std::vector<TanhChaosPoint> tanh_lyapunov_curve(const std::vector<double>& g, const TanhChaosOptions& opt) {
    opt.validate();
    std::vector<TanhChaosPoint> out;
    out.reserve(g.size());
    for (double gi : g) {
        try {
            out.push_back(tanh_chaos(gi, opt));
        } catch (const ratenet_error& e) {
            TanhChaosPoint p;
            p.g = gi;
            p.status = ChaosStatus::failed;
            p.message = e.what();
            out.push_back(std::move(p));
        }
    }
    return out;
}

TanhAutocorrelation tanh_autocorrelation(double g, double tau_max, double step, const TanhChaosOptions& opt) {
    opt.validate();
    if (!std::isfinite(tau_max) || tau_max <= 0) throw invalid_parameter("tau_max", format_value(tau_max), "must be > 0");
    if (!std::isfinite(step) || step <= 0 || step > 0.1) throw invalid_parameter("step", format_value(step), "must be in (0, 0.1]");
    TanhAutocorrelation r;
    r.step = step;
    const auto n = static_cast<std::size_t>(std::ceil(tau_max / step));
    if (g <= 1.0) {
        r.status = ChaosStatus::stable;
        r.message = "g <= 1: Delta = 0";
        r.delta.assign(n + 1, 0.0);
        r.q.assign(n + 1, 1.0);
        return r;
    }
    const QuadratureRule rule = gaussian_rule(opt.rule, opt.quadrature_order);
    r.delta0 = tanh_delta0(g, rule);
    const TanhTables tab(r.delta0, rule, opt.table_points);
    const double k2 = 1.0 - g * g * tab.q_at_zero();
    if (!(k2 > 0)) {
        r.message = "no decaying autocorrelation";
        return r;
    }
    r.kappa = std::sqrt(k2);
    const Trajectory tr = integrate_delta(tab, g, r.delta0, r.kappa, step, n, opt.tail_switch);
    if (!tr.ok) {
        r.message = tr.message;
        return r;
    }
    r.delta = tr.delta;
    r.q.resize(n + 1);
    for (std::size_t j = 0; j <= n; ++j) r.q[j] = tab.q(r.delta[j]);
    r.status = ChaosStatus::chaotic;
    return r;
}

}  // namespace ratenet
