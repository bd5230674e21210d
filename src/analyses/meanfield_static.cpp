// The static mean field of a one-population network (Gaussian moments of phi,
// the self-consistent fixed point, the critical coupling) and the
// excitatory-inhibitory reduction to one population.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "analyses/meanfield_detail.hpp"

namespace ratenet {

using namespace meanfield_detail;

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

bool bounded_transfer(const Transfer& phi) { return transfer_spec(phi.kind).bounded; }

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
    const StaticResult stable = solve_static(o);   // the branch starts here
    if (stable.status != StaticStatus::converged) {
        res.message = "no static solution at g = 0: " + stable.message;
        return res;
    }
    if (!follow_branch_to_critical(copt, stable, solve_at, res)) return res;
    const double gc = res.g_c;
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

}  // namespace ratenet
