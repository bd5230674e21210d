// The static mean field of a network of P populations: the fixed point, its stability
// matrix, the critical gain along a ray, the scale-free divergence threshold of
// threshold-linear populations, and the bulk radius of the block-structured coupling matrix.
#include "ratenet/meanfield_populations.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "analyses/meanfield_detail.hpp"

namespace ratenet {

using namespace meanfield_detail;

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Spectral radius of a small matrix (max |lambda|; for M >= 0 its Perron eigenvalue).
double spectral_radius(const MatrixXd& m) {
    if (m.size() == 0) return 0.0;
    if (m.rows() == 1) return std::fabs(m(0, 0));
    if (!m.allFinite()) return nan;
    Eigen::EigenSolver<MatrixXd> es(m, false);
    if (es.info() != Eigen::Success) return nan;
    return es.eigenvalues().cwiseAbs().maxCoeff();
}

void check_alpha_gains(const VectorXd& alpha, const MatrixXd& gains) {
    const Index p = alpha.size();
    if (p < 1) throw invalid_parameter("alpha", "[]", "needs at least one population");
    if (!alpha.allFinite() || alpha.minCoeff() <= 0)
        throw invalid_parameter("alpha", format_value(alpha.minCoeff()), "fractions must be finite and > 0");
    if (std::fabs(alpha.sum() - 1.0) > 1e-12)
        throw invalid_parameter("alpha", format_value(alpha.sum()), "fractions must sum to 1 (within 1e-12)");
    const std::string shape = std::to_string(p) + " x " + std::to_string(p);
    if (gains.rows() != p || gains.cols() != p)
        throw invalid_parameter("gains", std::to_string(gains.rows()) + " x " + std::to_string(gains.cols()),
                                "must be " + shape + " (one row and column per population)");
    if (!gains.allFinite() || gains.minCoeff() < 0)
        throw invalid_parameter("gains", format_value(gains.minCoeff()), "must be finite and >= 0");
}

}  // namespace

// ---------------------------------------------------------------- options

const Transfer& PopulationMeanFieldOptions::transfer(Index k) const {
    return phi.size() == 1 ? phi.front() : phi[static_cast<std::size_t>(k)];
}

void PopulationMeanFieldOptions::validate() const {
    check_alpha_gains(alpha, gains);
    const Index p = alpha.size();
    if (means.rows() != p || means.cols() != p)
        throw invalid_parameter("means", std::to_string(means.rows()) + " x " + std::to_string(means.cols()),
                                "must be " + std::to_string(p) + " x " + std::to_string(p));
    if (!means.allFinite()) throw invalid_parameter("means", "non-finite", "must be finite");
    if (b.size() != p)
        throw invalid_parameter("b", "size " + std::to_string(b.size()), "must have one entry per population (" +
                                                                             std::to_string(p) + ")");
    if (!b.allFinite()) throw invalid_parameter("b", "non-finite", "must be finite");
    if (phi.size() != 1 && phi.size() != static_cast<std::size_t>(p))
        throw invalid_parameter("phi", "size " + std::to_string(phi.size()),
                                "must hold 1 (shared) or " + std::to_string(p) + " transfer functions");
    for (const Transfer& t : phi) {
        if (t.kind == TransferKind::prelu)
            throw invalid_parameter("phi", "prelu", "one slope per neuron has no population mean field");
        t.validate(1);
    }
    if (!std::isfinite(g) || g < 0) throw invalid_parameter("g", format_value(g), "must be finite and >= 0");
    const int max_order = rule == GaussianRule::gauss_hermite ? 200 : 2001;
    if (quadrature_order < 8 || quadrature_order > max_order)
        throw invalid_parameter("quadrature_order", std::to_string(quadrature_order),
                                "must be in [8, " + std::to_string(max_order) + "]");
    if (!std::isfinite(tol) || tol <= 0 || tol >= 1) throw invalid_parameter("tol", format_value(tol), "must be in (0, 1)");
    if (max_iterations < 1) throw invalid_parameter("max_iterations", std::to_string(max_iterations), "must be >= 1");
    if (!(bound > 1)) throw invalid_parameter("bound", format_value(bound), "must be > 1");
}

// ---------------------------------------------------------------- static fixed point

namespace {

struct Couplings {
    MatrixXd w_mean;   // alpha_l m_kl (times g on the ray)
    MatrixXd w_var;    // g^2 alpha_l G_kl^2
};

Couplings couplings(const PopulationMeanFieldOptions& o) {
    Couplings c;
    const double s = o.means_scale_with_g ? o.g : 1.0;
    c.w_mean = s * o.means * o.alpha.asDiagonal();
    c.w_var = o.g * o.g * o.gains.cwiseAbs2() * o.alpha.asDiagonal();
    return c;
}

struct PopEval {
    VectorXd mu, d;
    VectorXd phi, phi2;        // <phi>_l, <phi^2>_l
    std::vector<GaussianMoments> mom;
    VectorXd r1, r2;           // raw residuals
    VectorXd e1, e2;           // scaled
    double norm() const { return std::sqrt(e1.squaredNorm() + e2.squaredNorm()); }
    double max_scaled() const { return std::max(e1.cwiseAbs().maxCoeff(), e2.cwiseAbs().maxCoeff()); }
};

GaussianMoments moments(const PopulationMeanFieldOptions& o, Index l, double mu, double d) {
    return gaussian_moments(o.transfer(l), mu, d, o.rule, o.quadrature_order);
}

PopEval evaluate(const PopulationMeanFieldOptions& o, const Couplings& c, const VectorXd& mu, const VectorXd& d) {
    const Index p = mu.size();
    PopEval e;
    e.mu = mu;
    e.d = d;
    e.phi.resize(p);
    e.phi2.resize(p);
    e.mom.resize(static_cast<std::size_t>(p));
    for (Index l = 0; l < p; ++l) {
        e.mom[static_cast<std::size_t>(l)] = moments(o, l, mu(l), d(l));
        e.phi(l) = e.mom[static_cast<std::size_t>(l)].phi;
        e.phi2(l) = e.mom[static_cast<std::size_t>(l)].phi2;
    }
    e.r1 = mu - o.b - c.w_mean * e.phi;
    e.r2 = d - c.w_var * e.phi2;
    e.e1 = e.r1.array() / (1.0 + mu.array().abs() + o.b.array().abs());
    e.e2 = e.r2.array() / (1.0 + d.array());
    return e;
}

// d(<phi>, <phi^2>)/d(mu_l, Delta_l) by central differences (forward in Delta at Delta_l < h,
// where the variance cannot go below 0). Only population l's moments depend on them.
MatrixXd jacobian(const PopulationMeanFieldOptions& o, const Couplings& c, const PopEval& cur) {
    const Index p = cur.mu.size();
    MatrixXd jac = MatrixXd::Identity(2 * p, 2 * p);
    for (Index l = 0; l < p; ++l) {
        const double mu = cur.mu(l), d = cur.d(l);
        const double hm = 1e-7 * (1.0 + std::fabs(mu)), hd = 1e-7 * (1.0 + d);
        const GaussianMoments mp = moments(o, l, mu + hm, d), mm = moments(o, l, mu - hm, d);
        const bool central = d >= hd;
        const GaussianMoments dp = moments(o, l, mu, d + hd);
        const GaussianMoments dm = central ? moments(o, l, mu, d - hd) : cur.mom[static_cast<std::size_t>(l)];
        const double dd = central ? 2.0 * hd : hd;
        const double phi_mu = (mp.phi - mm.phi) / (2.0 * hm), phi2_mu = (mp.phi2 - mm.phi2) / (2.0 * hm);
        const double phi_d = (dp.phi - dm.phi) / dd, phi2_d = (dp.phi2 - dm.phi2) / dd;
        // Unknowns ordered (mu_1..mu_P, Delta_1..Delta_P), residuals (r1, r2) alike.
        jac.col(l).head(p) -= c.w_mean.col(l) * phi_mu;
        jac.col(p + l).head(p) -= c.w_mean.col(l) * phi_d;
        jac.col(l).tail(p) -= c.w_var.col(l) * phi2_mu;
        jac.col(p + l).tail(p) -= c.w_var.col(l) * phi2_d;
    }
    return jac;
}

PopulationStaticResult finish(const PopulationMeanFieldOptions& o, const PopEval& e, StaticStatus st, int iters,
                              std::string msg) {
    const Index p = e.mu.size();
    PopulationStaticResult r;
    r.status = st;
    r.message = std::move(msg);
    r.mu = e.mu;
    r.delta = e.d;
    r.mean_rate = e.phi;
    r.active_fraction.resize(p);
    VectorXd dphi2(p);
    for (Index l = 0; l < p; ++l) {
        r.active_fraction(l) = e.mom[static_cast<std::size_t>(l)].active;
        dphi2(l) = e.mom[static_cast<std::size_t>(l)].dphi2;
    }
    r.stability_matrix = o.g * o.g * o.gains.cwiseAbs2() * (o.alpha.array() * dphi2.array()).matrix().asDiagonal();
    r.stability = spectral_radius(r.stability_matrix);
    r.residual_mu = e.r1;
    r.residual_delta = e.r2;
    r.iterations = iters;
    return r;
}

}  // namespace

PopulationStaticResult populations_solve_static(const PopulationMeanFieldOptions& opt,
                                                const std::optional<PopulationGuess>& guess) {
    opt.validate();
    const Index p = opt.populations();
    VectorXd mu = opt.b, d = VectorXd::Zero(p);
    if (guess) {
        if (guess->mu.size() != p || guess->delta.size() != p)
            throw invalid_parameter("guess", "size " + std::to_string(guess->mu.size()) + ", " +
                                                 std::to_string(guess->delta.size()),
                                    "mu and delta must have one entry per population");
        if (!guess->mu.allFinite() || !guess->delta.allFinite() || (p > 0 && guess->delta.minCoeff() < 0))
            throw invalid_parameter("guess", "", "must be finite, with delta >= 0");
        mu = guess->mu;
        d = guess->delta;
    }
    const Couplings c = couplings(opt);
    PopEval cur = evaluate(opt, c, mu, d);
    const auto converged = [&](const PopEval& e) { return e.max_scaled() <= opt.tol; };
    const auto runaway = [&](const PopEval& e) {
        return !e.mu.allFinite() || !e.d.allFinite() || e.mu.cwiseAbs().maxCoeff() > opt.bound ||
               e.d.maxCoeff() > opt.bound || !e.r1.allFinite() || !e.r2.allFinite();
    };
    int it = 0;
    // Newton with backtracking on the scaled residual.
    for (; it < opt.max_iterations && !converged(cur); ++it) {
        const MatrixXd jac = jacobian(opt, c, cur);
        VectorXd r(2 * p);
        r << cur.r1, cur.r2;
        const Eigen::FullPivLU<MatrixXd> lu(jac);
        if (!jac.allFinite() || !lu.isInvertible()) break;
        const VectorXd step = -lu.solve(r);
        if (!step.allFinite()) break;
        // The same step in (mu, s = sqrt(Delta)): at large activity the equations are nearly
        // homogeneous of degree one in (mu, s) (degree two in Delta), so along the growing
        // direction they are almost linear in s, and a Newton step in Delta overshoots where
        // the Jacobian is nearly singular (near the divergence threshold). Needs Delta > 0.
        VectorXd step_s;
        if (cur.d.minCoeff() > 0.0) {
            const VectorXd s = cur.d.cwiseSqrt();
            MatrixXd jac_s = jac;
            jac_s.rightCols(p) = jac.rightCols(p) * (2.0 * s).asDiagonal();
            const Eigen::FullPivLU<MatrixXd> lu_s(jac_s);
            if (lu_s.isInvertible()) step_s = -lu_s.solve(r);
            if (!step_s.allFinite()) step_s.resize(0);
        }
        bool accepted = false;
        for (double t = 1.0; t > 1e-9 && !accepted; t *= 0.5) {
            for (int kind = 0; kind < 2 && !accepted; ++kind) {
                if (kind == 0 && step_s.size() == 0) continue;
                VectorXd dn;
                if (kind == 0) {
                    dn = (cur.d.cwiseSqrt() + t * step_s.tail(p)).cwiseMax(0.0).cwiseAbs2();
                } else {
                    dn = (cur.d + t * step.tail(p)).cwiseMax(0.0);
                }
                const VectorXd& st = kind == 0 ? step_s : step;
                const PopEval trial = evaluate(opt, c, cur.mu + t * st.head(p), dn);
                if (runaway(trial)) continue;
                if (trial.norm() < (1.0 - 1e-4 * t) * cur.norm() || converged(trial)) {
                    cur = trial;
                    accepted = true;
                }
            }
        }
        if (!accepted) break;
    }
    if (converged(cur)) return finish(opt, cur, StaticStatus::converged, it, {});
    // Fallback: damped fixed-point iteration x <- (x + F(x)) / 2, where a runaway shows.
    const int max_fp = 50 * opt.max_iterations;
    for (int k = 0; k < max_fp; ++k, ++it) {
        const VectorXd mn = 0.5 * (cur.mu + opt.b + c.w_mean * cur.phi);
        const VectorXd dn = 0.5 * (cur.d + c.w_var * cur.phi2);
        cur = evaluate(opt, c, mn, dn);
        if (runaway(cur))
            return finish(opt, cur, StaticStatus::diverged, it,
                          "no finite static solution: |mu_k| or Delta_k exceeded " + format_value(opt.bound));
        if (converged(cur)) return finish(opt, cur, StaticStatus::converged, it, {});
    }
    return finish(opt, cur, StaticStatus::not_converged, it,
                  "scaled residual " + format_value(cur.max_scaled()) + " after " + std::to_string(it) + " iterations");
}

// ---------------------------------------------------------------- scale-free divergence

namespace {

struct Divergence {
    double g = 0.0;        // g_div (NaN: undetermined)
    VectorXd ratio;        // a_k of the direction (NaN outside the setting group)
    std::string message;   // why NaN
};

// The direction map of one group with irreducible variance coupling K (n x n): for ratios a,
// the Perron pair of K diag(F2(a)) gives g and s^2; the mean equation gives new ratios.
struct DirectionEval {
    bool ok = false;
    double g = 0.0;
    VectorXd residual;     // a - A(a)
};

DirectionEval direction_map(const VectorXd& a, double t, const MatrixXd& k, const MatrixXd& mean, bool scale) {
    static const Transfer relu{};   // F1, F2 as the relu moments at (a, 1)
    const Index n = a.size();
    DirectionEval e;
    VectorXd f1(n), f2(n);
    for (Index l = 0; l < n; ++l) {
        const GaussianMoments m = gaussian_moments(relu, a(l), 1.0);
        f1(l) = m.phi;
        f2(l) = m.phi2;
    }
    const MatrixXd bm = k * f2.asDiagonal();
    VectorXd v(n);
    double lam = 0.0;
    if (n == 1) {
        lam = bm(0, 0);
        v(0) = 1.0;
    } else {
        Eigen::EigenSolver<MatrixXd> es(bm, true);
        if (es.info() != Eigen::Success) return e;
        Index best = 0;
        es.eigenvalues().real().maxCoeff(&best);
        lam = es.eigenvalues()(best).real();
        v = es.eigenvectors().col(best).real();
        v /= v.sum();   // the Perron vector has one sign
    }
    if (!(lam > 0) || !std::isfinite(lam) || !v.allFinite() || v.minCoeff() <= 0) return e;
    e.g = 1.0 / std::sqrt(lam);
    const VectorXd s = v.cwiseSqrt();
    const double c = t * (scale ? e.g : 1.0);
    const VectorXd mu = c * mean * f1.cwiseProduct(s);
    e.residual = a - mu.cwiseQuotient(s);
    e.ok = e.residual.allFinite();
    return e;
}

// Newton on a = A(a) from a0; true when |a - A(a)| <= 1e-12 (1 + |a|).
bool solve_direction(VectorXd& a, double t, const MatrixXd& k, const MatrixXd& mean, bool scale, double& g) {
    const Index n = a.size();
    DirectionEval cur = direction_map(a, t, k, mean, scale);
    if (!cur.ok) return false;
    const auto done = [&](const DirectionEval& e) {
        return e.residual.cwiseAbs().maxCoeff() <= 1e-12 * (1.0 + a.cwiseAbs().maxCoeff());
    };
    for (int it = 0; it < 100 && !done(cur); ++it) {
        MatrixXd jac(n, n);
        for (Index l = 0; l < n; ++l) {
            const double h = 1e-7 * (1.0 + std::fabs(a(l)));
            VectorXd ap = a, am = a;
            ap(l) += h;
            am(l) -= h;
            const DirectionEval ep = direction_map(ap, t, k, mean, scale), em = direction_map(am, t, k, mean, scale);
            if (!ep.ok || !em.ok) return false;
            jac.col(l) = (ep.residual - em.residual) / (2.0 * h);
        }
        const Eigen::FullPivLU<MatrixXd> lu(jac);
        if (!lu.isInvertible()) return false;
        const VectorXd step = -lu.solve(cur.residual);
        bool accepted = false;
        for (double s = 1.0; s > 1e-9; s *= 0.5) {
            const VectorXd trial_a = a + s * step;
            if (trial_a.cwiseAbs().maxCoeff() > 35.0) continue;   // beyond, F1 and F2 underflow
            const DirectionEval trial = direction_map(trial_a, t, k, mean, scale);
            if (!trial.ok) continue;
            if (trial.residual.norm() < (1.0 - 1e-4 * s) * cur.residual.norm() || done(trial)) {
                a = trial_a;
                cur = trial;
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
    }
    g = cur.g;
    return done(cur);
}

// Reachability closure: reach(k, l) when l feeds k through a chain of nonzero entries.
Eigen::Matrix<bool, Eigen::Dynamic, Eigen::Dynamic> closure(const MatrixXd& w) {
    const Index n = w.rows();
    Eigen::Matrix<bool, Eigen::Dynamic, Eigen::Dynamic> r = (w.array() != 0.0).matrix();
    for (Index m = 0; m < n; ++m)
        for (Index i = 0; i < n; ++i)
            for (Index j = 0; j < n; ++j) r(i, j) = r(i, j) || (r(i, m) && r(m, j));
    return r;
}

// g_div of one group of populations (indices idx): the smallest over nothing else.
Divergence group_divergence(const std::vector<Index>& idx, const MatrixXd& k_all, const MatrixXd& mean_all,
                            bool scale) {
    const auto n = static_cast<Index>(idx.size());
    MatrixXd k(n, n), mean(n, n);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < n; ++j) {
            k(i, j) = k_all(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
            mean(i, j) = mean_all(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
        }
    Divergence d;
    if (n == 1 && k(0, 0) == 0.0) {
        // No variance at all: only the mean mode mu = c m G [mu]_+ can run away.
        const double mg = mean(0, 0);
        d.g = scale ? (mg > 0 ? 1.0 / mg : inf) : (mg >= 1.0 ? 0.0 : inf);
        return d;
    }
    if (!closure(k).all()) {
        d.g = nan;
        d.message = "the variance coupling of a group of populations is not irreducible";
        return d;
    }
    // Continuation in the block means, m -> t m, from a = 0 at t = 0.
    VectorXd a = VectorXd::Zero(n);
    double g = 0.0, t = 0.0, dt = 0.125;
    if (!solve_direction(a, 0.0, k, mean, scale, g)) {
        d.g = nan;
        d.message = "no scale-free direction at zero means";
        return d;
    }
    while (t < 1.0) {
        const double tn = std::min(1.0, t + dt);
        VectorXd trial = a;
        double gn = 0.0;
        if (solve_direction(trial, tn, k, mean, scale, gn)) {
            a = trial;
            g = gn;
            t = tn;
            dt = std::min(2.0 * dt, 0.25);
        } else {
            dt *= 0.5;
            if (dt < 1e-7) {
                d.g = nan;
                d.message = "the scale-free direction is lost at " + format_value(t) +
                            " times the block means (ratios mu_k / sqrt(Delta_k) up to " +
                            format_value(a.cwiseAbs().maxCoeff()) + ")";
                return d;
            }
        }
    }
    d.g = g;
    d.ratio = a;
    return d;
}

Divergence threshold_linear_divergence(const PopulationMeanFieldOptions& o) {
    const Index p = o.populations();
    VectorXd gain(p);
    for (Index l = 0; l < p; ++l) gain(l) = tl_gain(o.transfer(l));
    const MatrixXd k = o.gains.cwiseAbs2() * (o.alpha.array() * gain.array().square()).matrix().asDiagonal();
    const MatrixXd mean = o.means * (o.alpha.array() * gain.array()).matrix().asDiagonal();
    // Independent groups: connected through any mean or variance coupling, either way.
    Eigen::Matrix<bool, Eigen::Dynamic, Eigen::Dynamic> link =
        (k.array() != 0.0 || mean.array() != 0.0).matrix();
    for (Index i = 0; i < p; ++i)
        for (Index j = 0; j < p; ++j) link(i, j) = link(i, j) || link(j, i);
    const auto reach = closure(link.cast<double>());
    std::vector<bool> done(static_cast<std::size_t>(p), false);
    Divergence best;
    best.g = inf;
    for (Index i = 0; i < p; ++i) {
        if (done[static_cast<std::size_t>(i)]) continue;
        std::vector<Index> idx{i};
        for (Index j = i + 1; j < p; ++j)
            if (reach(i, j)) idx.push_back(j);
        for (Index j : idx) done[static_cast<std::size_t>(j)] = true;
        const Divergence d = group_divergence(idx, k, mean, o.means_scale_with_g);
        if (std::isnan(d.g)) return d;   // one undetermined group leaves the minimum undetermined
        if (d.g < best.g) {
            best.g = d.g;
            best.ratio = VectorXd::Constant(p, nan);
            for (std::size_t j = 0; j < idx.size(); ++j)
                best.ratio(idx[j]) = d.ratio.size() > 0 ? d.ratio(static_cast<Index>(j)) : nan;
        }
    }
    if (!std::isfinite(best.g) || best.g == 0.0) best.ratio.resize(0);
    return best;
}

}  // namespace

// ---------------------------------------------------------------- critical gain

PopulationCriticalResult populations_critical_coupling(const PopulationMeanFieldOptions& opt,
                                                       const CriticalOptions& copt) {
    opt.validate();
    copt.validate();
    PopulationCriticalResult res;
    const Index p = opt.populations();
    bool all_tl = true, all_bounded = true;
    for (Index l = 0; l < p; ++l) {
        all_tl = all_tl && is_threshold_linear(opt.transfer(l));
        all_bounded = all_bounded && transfer_spec(opt.transfer(l).kind).bounded;
    }
    std::string div_message;
    if (all_tl) {
        const Divergence d = threshold_linear_divergence(opt);
        res.g_divergence = d.g;
        res.divergence_ratio = d.ratio;
        div_message = d.message;
    }
    PopulationMeanFieldOptions o = opt;
    const auto solve_at = [&o](double g, const PopulationStaticResult& seed) {
        o.g = g;
        return populations_solve_static(o, PopulationGuess{seed.mu, seed.delta});
    };
    o.g = 0.0;
    const PopulationStaticResult stable = populations_solve_static(o);   // the branch starts here
    if (stable.status != StaticStatus::converged) {
        res.message = "no static solution at g = 0: " + stable.message;
        return res;
    }
    if (!follow_branch_to_critical(copt, stable, solve_at, res)) return res;
    const double gc = res.g_c;
    if (all_bounded) {
        res.transition = Transition::chaos;
    } else if (all_tl) {
        if (std::isnan(res.g_divergence)) {
            res.message = "transition not classified: " + div_message;
        } else {
            res.transition = res.g_divergence <= gc * (1.0 + 1e-8) ? Transition::divergence : Transition::chaos;
            if (res.transition == Transition::divergence)
                res.message = "divergent above g_c: the fixed point loses stability where the scale-free activity "
                              "starts to grow";
        }
    }
    return res;
}

// ---------------------------------------------------------------- bulk radius

double bulk_radius(const Eigen::VectorXd& alpha, const Eigen::MatrixXd& gains, double g) {
    check_alpha_gains(alpha, gains);
    if (!std::isfinite(g) || g < 0) throw invalid_parameter("g", format_value(g), "must be finite and >= 0");
    return g * std::sqrt(spectral_radius(gains.cwiseAbs2() * alpha.asDiagonal()));
}

}  // namespace ratenet
