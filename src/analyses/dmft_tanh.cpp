// Dynamic mean-field theory of the tanh network (Sompolinsky, Crisanti &
// Sommers 1988): Delta0, the correlation function, the largest Lyapunov
// exponent from the Schroedinger problem, and the autocorrelation.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "analyses/meanfield_detail.hpp"

namespace ratenet {

using namespace meanfield_detail;

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
