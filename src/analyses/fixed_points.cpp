// All fixed points of tau dx/dt = -x + [W x + b]_+ .
//
// A fixed point with support S: x_S = (I - W_SS)^-1 b_S > 0 and (W x + b)_k <= 0 off S
// (at most one per support when I - W_SS is invertible). The search visits supports
// depth first, children S + j for j < min(S), and keeps an LU factor of (I - W)_SS in
// the order the members were added (no pivoting), extended by bordering: a child costs
// two triangular solves and one back substitution, O(k^2), instead of a fresh O(k^3)
// factorisation. The fast solve only screens: a support whose solution is clearly
// negative somewhere is rejected, every other one is solved again with a pivoted LU
// (with a condition estimate and one step of iterative refinement) before it is
// accepted or counted as degenerate. A small bordering pivot or a large multiplier
// (an ill-conditioned leading block) switches that subtree to fresh pivoted solves.
//
// Pruning, every rule proved below for any W and b (exact arithmetic; a support within
// tolerance of a fixed point may be judged differently by a rule and by a solve, and is
// degenerate either way). Write y = W x + b; at a fixed point x_i = y_i > 0 on S and
// y_k <= 0 off S.
//
//  (never active) If W_ii < 1, b_i <= 0 and W_ij <= 0 for every j != i not itself never
//     active, then i is inactive at every fixed point: if i were active,
//     x_i = W_ii x_i + sum_{j != i} W_ij x_j + b_i <= W_ii x_i, so (1 - W_ii) x_i <= 0.
//     Applied repeatedly (a neuron excited only by never-active neurons is never active).
//  (always active) If b_k > tol_off * scale and W_ki >= 0 for every i != k, then k is
//     active at every fixed point: inactive, y_k = b_k + sum_i W_ki x_i >= b_k > tolerance.
//  (R1, active needs excitation) An active i with W_ii < 1 and b_i <= 0 needs some
//     j in S - i with W_ij > 0: otherwise the argument of "never active" applies.
//  (R2, inactive needs inhibition) An inactive k with b_k > tol_off * scale needs some
//     i in S with W_ki < 0: otherwise y_k >= b_k.
//  (D, domination; Curto & Morrison's graph rules for CTLNs, here for general W) Let j, k
//     satisfy b_k >= b_j, W_kj > W_jj - 1 and W_ki >= W_ji for every i in S - {j, k}.
//     Then S is not a support if j in S and
//       (inside-out) k not in S: y_k - y_j = (b_k - b_j) + sum_{i in S-j} (W_ki - W_ji) x_i
//          + (W_kj - W_jj) x_j >= (W_kj - W_jj) x_j, so y_k >= (1 + W_kj - W_jj) x_j > 0;
//       (inside-in) k in S and also W_jk <= W_kk - 1: subtracting the equations for x_k
//          and x_j gives x_k (1 - W_kk + W_jk) - x_j (1 + W_kj - W_jj) = (b_k - b_j)
//          + sum_{i in S-{j,k}} (W_ki - W_ji) x_i >= 0, while the left side is < 0.
//     (For a CTLN: k receives every edge j receives from S, j -> k, and k -/-> j.)
//  Each rule is also applied to a whole subtree {S + T : T subset of Low} (Low = the
//  neurons that may still join below S): a rule whose hypothesis holds for the largest
//  support S + Low and whose neuron roles (j, k in S; k never joining) are fixed in
//  the subtree kills every support in it; for (D) with k in Low both cases apply.
#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <limits>

#include "permitted_support.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {

using detail::bit;

std::string_view to_string(FixedPointClass c) noexcept {
    switch (c) {
        case FixedPointClass::stable: return "stable";
        case FixedPointClass::unstable: return "unstable";
        case FixedPointClass::marginal: return "marginal";
    }
    return "unknown";
}

void FixedPointOptions::validate(Eigen::Index n) const {
    auto pos = [](const char* key, double v) {
        if (!std::isfinite(v) || v <= 0) throw invalid_parameter(key, format_value(v), "must be finite and > 0");
    };
    pos("tol_x", tol_x);
    pos("tol_off", tol_off);
    pos("tol_eig", tol_eig);
    if (!std::isfinite(rcond_min) || rcond_min < 0 || rcond_min >= 1)
        throw invalid_parameter("rcond_min", format_value(rcond_min), "must be in [0, 1)");
    if (tau.size() != 0) {
        if (tau.size() != n)
            throw invalid_parameter("tau", "[" + std::to_string(tau.size()) + " values]",
                                    "must be empty or have one value per neuron (" + std::to_string(n) + ")");
        for (Eigen::Index i = 0; i < n; ++i)
            if (!std::isfinite(tau[i]) || !(tau[i] > 0)) throw invalid_parameter("tau", format_value(tau[i]), "must be > 0");
    }
    if (max_n < 1 || max_n > 40)
        throw invalid_parameter("max_n", std::to_string(max_n), "must be in [1, 40] (2^max_n supports)");
    if (max_fixed_points < 1) throw invalid_parameter("max_fixed_points", "0", "must be >= 1");
    if (!(max_seconds >= 0) || std::isinf(max_seconds))
        throw invalid_parameter("max_seconds", format_value(max_seconds), "must be finite and >= 0 (0: no limit)");
}

std::pair<Eigen::VectorXd, Eigen::VectorXd> full_spectrum(const FixedPoint& fp, const Eigen::VectorXd& tau) {
    const Eigen::Index n = fp.x.size();
    const Eigen::Index k = fp.eig_real.size();
    Eigen::VectorXd re(n), im = Eigen::VectorXd::Zero(n);
    re.head(k) = fp.eig_real;
    im.head(k) = fp.eig_imag;
    Eigen::Index t = k;
    for (Eigen::Index i = 0; i < n; ++i)
        if (!(fp.support & bit(i))) re[t++] = -1.0 / (tau.size() == n ? tau[i] : 1.0);
    return {re, im};
}

namespace {

struct Domination {
    Eigen::Index k;   // the dominating neuron (local index)
    SetMask viol;     // neurons i (not j, k) with W_ki < W_ji: none of them may be in the support
    bool in_ok;       // W_jk <= W_kk - 1 as well: the rule holds with k in the support
};

class FixedPointSearch {
public:
    FixedPointSearch(const Eigen::MatrixXd& W, const Eigen::VectorXd& b, const FixedPointOptions& opt,
                     FixedPointResult& res)
        : W_(W), b_(b), opt_(opt), res_(res), n_(W.rows()), deadline_(opt.max_seconds, opt.stop) {
        scale_ = std::max(1.0, b.size() ? b.cwiseAbs().maxCoeff() : 0.0);
        x_tol_ = opt.tol_x * scale_;
        y_tol_ = opt.tol_off * scale_;
    }

    void run() {
        classify_neurons();
        const Eigen::Index n_free = m_ - f_;
        if (n_free > opt_.max_n)
            throw invalid_parameter("max_n", std::to_string(opt_.max_n),
                                    "is below the " + std::to_string(n_free) +
                                        " neurons that remain undecided after pruning (the search visits up to 2^" +
                                        std::to_string(n_free) + " supports)");
        build_local();
        search();
        std::sort(res_.fixed_points.begin(), res_.fixed_points.end(), [](const FixedPoint& a, const FixedPoint& c) {
            const int sa = set_size(a.support), sc = set_size(c.support);
            return sa != sc ? sa < sc : a.support < c.support;
        });
        for (const auto& fp : res_.fixed_points) {
            res_.index_sum += fp.index;
            if (fp.stability == FixedPointClass::stable) ++res_.n_stable;
            else if (fp.stability == FixedPointClass::unstable) ++res_.n_unstable;
            else ++res_.n_marginal;
        }
    }

private:
    // ------------------------------------------------------------ never / always active
    void classify_neurons() {
        std::vector<char> dead(static_cast<std::size_t>(n_), 0), forced(static_cast<std::size_t>(n_), 0);
        if (opt_.prune) {
            for (bool changed = true; changed;) {
                changed = false;
                for (Eigen::Index i = 0; i < n_; ++i) {
                    if (dead[static_cast<std::size_t>(i)] || !(W_(i, i) < 1.0) || b_[i] > 0) continue;
                    bool excited = false;
                    for (Eigen::Index j = 0; j < n_ && !excited; ++j)
                        excited = j != i && !dead[static_cast<std::size_t>(j)] && W_(i, j) > 0;
                    if (!excited) dead[static_cast<std::size_t>(i)] = 1, changed = true;
                }
            }
            for (Eigen::Index k = 0; k < n_; ++k) {
                if (!(b_[k] > y_tol_)) continue;
                bool inhibited = false;
                for (Eigen::Index i = 0; i < n_ && !inhibited; ++i) inhibited = i != k && W_(k, i) < 0;
                if (!inhibited) forced[static_cast<std::size_t>(k)] = 1;
            }
        }
        // Local order: always active, undecided, never active.
        for (Eigen::Index i = 0; i < n_; ++i)
            if (forced[static_cast<std::size_t>(i)]) perm_.push_back(i), res_.always_active.push_back(i);
        f_ = static_cast<Eigen::Index>(perm_.size());
        for (Eigen::Index i = 0; i < n_; ++i)
            if (!forced[static_cast<std::size_t>(i)] && !dead[static_cast<std::size_t>(i)]) perm_.push_back(i);
        m_ = static_cast<Eigen::Index>(perm_.size());
        for (Eigen::Index i = 0; i < n_; ++i)
            if (dead[static_cast<std::size_t>(i)]) perm_.push_back(i), res_.never_active.push_back(i);
    }

    // ------------------------------------------------------------ local data and rules
    void build_local() {
        A_.resize(n_, n_);
        r_.resize(n_);
        for (Eigen::Index q = 0; q < n_; ++q) {
            r_[q] = b_[perm_[static_cast<std::size_t>(q)]];
            for (Eigen::Index p = 0; p < n_; ++p)
                A_(p, q) = (p == q ? 1.0 : 0.0) - W_(perm_[static_cast<std::size_t>(p)], perm_[static_cast<std::size_t>(q)]);
        }
        all_ = n_ == 64 ? ~SetMask{0} : bit(n_) - 1;
        const std::size_t nn = static_cast<std::size_t>(n_);
        L_.assign(nn * nn, 0.0);
        U_.assign(nn * nn, 0.0);
        z_.assign(nn, 0.0);
        xs_.assign(nn, 0.0);
        idx_.assign(nn, 0);
        if (!opt_.prune) return;
        auto w = [&](Eigen::Index p, Eigen::Index q) {
            return W_(perm_[static_cast<std::size_t>(p)], perm_[static_cast<std::size_t>(q)]);
        };
        exc_in_.assign(nn, 0);
        inh_in_.assign(nn, 0);
        dom_.assign(nn, {});
        for (Eigen::Index i = 0; i < n_; ++i) {
            for (Eigen::Index j = 0; j < n_; ++j) {
                if (j == i) continue;
                if (w(i, j) > 0) exc_in_[static_cast<std::size_t>(i)] |= bit(j);
                if (w(i, j) < 0) inh_in_[static_cast<std::size_t>(i)] |= bit(j);
            }
            if (w(i, i) < 1.0 && r_[i] <= 0) needs_exc_ |= bit(i);
            if (r_[i] > y_tol_) needs_inh_ |= bit(i);
        }
        for (Eigen::Index j = 0; j < m_; ++j)
            for (Eigen::Index k = 0; k < n_; ++k) {
                if (k == j || !(r_[k] >= r_[j]) || !(w(k, j) > w(j, j) - 1.0)) continue;
                SetMask viol = 0;
                for (Eigen::Index i = 0; i < n_; ++i)
                    if (i != j && i != k && w(k, i) < w(j, i)) viol |= bit(i);
                dom_[static_cast<std::size_t>(j)].push_back({k, viol, w(j, k) <= w(k, k) - 1.0});
            }
    }

    // True when no support S + T, T a subset of low, can be a fixed point (rules R1, R2, D).
    bool dead(SetMask s, SetMask low) const {
        const SetMask max = s | low, out = all_ & ~max;
        for (SetMask t = s & needs_exc_; t; t &= t - 1)
            if (!(exc_in_[static_cast<std::size_t>(std::countr_zero(t))] & max)) return true;
        for (SetMask t = out & needs_inh_; t; t &= t - 1)
            if (!(inh_in_[static_cast<std::size_t>(std::countr_zero(t))] & max)) return true;
        for (SetMask t = s; t; t &= t - 1)
            for (const Domination& d : dom_[static_cast<std::size_t>(std::countr_zero(t))])
                if (!(max & d.viol) && (d.in_ok || !(max & bit(d.k)))) return true;
        return false;
    }

    // ------------------------------------------------------------ search
    void search() {
        const SetMask free_mask = (m_ == 64 ? ~SetMask{0} : bit(m_) - 1) & ~(f_ == 64 ? ~SetMask{0} : bit(f_) - 1);
        const SetMask root = f_ == 64 ? ~SetMask{0} : bit(f_) - 1;
        const std::uint64_t subtree = std::uint64_t{1} << static_cast<unsigned>(m_ - f_);
        if (opt_.prune && dead(root, free_mask)) {
            res_.n_supports += subtree;
            res_.n_pruned += subtree;
            return;
        }
        // The factor of the always-active block, in local order 0..f-1.
        bool slow = false;
        for (Eigen::Index t = 0; t < f_; ++t) slow = !extend(t, t) || slow;
        ++res_.n_supports;
        if (opt_.prune && dead(root, 0)) ++res_.n_pruned;
        else evaluate(root);
        if (!stop_) visit(f_, root, m_, slow);
    }

    // S (local mask) has k members idx_[0..k); rows/columns 0..k of L_/U_ and z_[0..k)
    // hold the factor of A_SS in that order (unless slow). Children add j in [f, lo).
    void visit(Eigen::Index k, SetMask s, Eigen::Index lo, bool slow) {
        for (Eigen::Index j = f_; j < lo && !stop_; ++j) {
            if (deadline_.expired()) return stop(deadline_.why());
            const SetMask u = s | bit(j);
            const SetMask low = bit(j) - bit(f_);  // free neurons below j
            if (opt_.prune && low && dead(u, low)) {
                const std::uint64_t size = std::uint64_t{1} << static_cast<unsigned>(j - f_);
                res_.n_supports += size;
                res_.n_pruned += size;
                continue;
            }
            bool child_slow = slow;
            if (!slow) child_slow = !extend(k, j);
            ++res_.n_supports;
            if (opt_.prune && dead(u, 0)) {
                ++res_.n_pruned;
            } else if (child_slow) {
                evaluate(u);
            } else {
                // Screening solve: U x = z by back substitution (columns of U are contiguous).
                const Eigen::Index kk = k + 1;
                for (Eigen::Index t = 0; t < kk; ++t) xs_[static_cast<std::size_t>(t)] = z_[static_cast<std::size_t>(t)];
                double xmin = std::numeric_limits<double>::infinity(), xmax = 0.0;
                for (Eigen::Index t = kk - 1; t >= 0; --t) {
                    const double* ut = col(t);
                    const double xt = xs_[static_cast<std::size_t>(t)] / ut[t];
                    for (Eigen::Index q = 0; q < t; ++q) xs_[static_cast<std::size_t>(q)] -= xt * ut[q];
                    xmin = std::min(xmin, xt);
                    xmax = std::max(xmax, std::abs(xt));
                }
                ++res_.n_solved;
                // Clearly negative beyond tolerance and rounding: not a support, not degenerate.
                const double guard = 1e-6 * std::max(scale_, xmax);
                if (xmin >= -(x_tol_ + guard)) evaluate(u);
            }
            if (stop_) return;
            if (opt_.max_supports && res_.n_supports >= opt_.max_supports)
                return stop("max_supports = " + std::to_string(opt_.max_supports) + " supports examined");
            idx_[static_cast<std::size_t>(k)] = j;
            visit(k + 1, u, j, child_slow);
        }
    }

    double* row(Eigen::Index t) { return L_.data() + t * n_; }  // L (unit lower), row t
    double* col(Eigen::Index t) { return U_.data() + t * n_; }  // U (upper), column t

    // Borders the factor of the first k chain members with local neuron j (written at
    // depth k): w = L^-1 A_{S,j}, l' = A_{j,S} U^-1, d = A_jj - l'w, z_k = r_j - l'z.
    // Returns false when the pivot is too small or a multiplier too large to trust.
    bool extend(Eigen::Index k, Eigen::Index j) {
        double* w = col(k);
        double* l = row(k);
        double d = A_(j, j), ww = 0.0, ll = 0.0, lmax = 0.0, zk = r_[j];
        for (Eigen::Index t = 0; t < k; ++t) {
            const Eigen::Index it = idx_[static_cast<std::size_t>(t)];
            const double* lt = row(t);
            double v = A_(it, j);
            for (Eigen::Index q = 0; q < t; ++q) v -= lt[q] * w[q];
            w[t] = v;
            const double* ut = col(t);
            double h = A_(j, it);
            for (Eigen::Index q = 0; q < t; ++q) h -= l[q] * ut[q];
            h /= ut[t];
            l[t] = h;
            d -= h * v;
            zk -= h * z_[static_cast<std::size_t>(t)];
            ww += v * v;
            ll += h * h;
            lmax = std::max(lmax, std::abs(h));
        }
        w[k] = d;
        z_[static_cast<std::size_t>(k)] = zk;
        idx_[static_cast<std::size_t>(k)] = j;
        const double ref = std::max(std::abs(A_(j, j)), std::sqrt(ww * ll));
        return std::abs(d) > 1e-8 * ref && lmax < 1e8 && std::isfinite(d);
    }

    // The accurate decision for local support s: pivoted LU, condition estimate, one step
    // of iterative refinement, then the fixed-point conditions with tolerances.
    void evaluate(SetMask s_local) {
        std::vector<Eigen::Index> o;
        SetMask support = 0;
        for (SetMask t = s_local; t; t &= t - 1) {
            const Eigen::Index p = perm_[static_cast<std::size_t>(std::countr_zero(t))];
            o.push_back(p);
            support |= bit(p);
        }
        std::sort(o.begin(), o.end());
        const auto k = static_cast<Eigen::Index>(o.size());
        Eigen::VectorXd x = Eigen::VectorXd::Zero(n_);
        double rc = 1.0;
        int sign = 1;
        Eigen::MatrixXd M(k, k);
        if (k > 0) {
            Eigen::VectorXd bs(k);
            for (Eigen::Index c = 0; c < k; ++c) {
                bs[c] = b_[o[static_cast<std::size_t>(c)]];
                for (Eigen::Index r = 0; r < k; ++r)
                    M(r, c) = (r == c ? 1.0 : 0.0) - W_(o[static_cast<std::size_t>(r)], o[static_cast<std::size_t>(c)]);
            }
            Eigen::PartialPivLU<Eigen::MatrixXd> lu(M);
            rc = lu.rcond();
            if (!(rc >= opt_.rcond_min)) {
                ++res_.n_singular;
                return;
            }
            Eigen::VectorXd xsol = lu.solve(bs);
            xsol += lu.solve(bs - M * xsol);
            for (Eigen::Index c = 0; c < k; ++c) x[o[static_cast<std::size_t>(c)]] = xsol[c];
            sign = static_cast<int>(lu.permutationP().determinant());
            for (Eigen::Index c = 0; c < k; ++c)
                if (lu.matrixLU()(c, c) < 0) sign = -sign;
        }
        const Eigen::VectorXd y = W_ * x + b_;
        double xmin = std::numeric_limits<double>::infinity();
        double ymax = -std::numeric_limits<double>::infinity();
        for (Eigen::Index i = 0; i < n_; ++i) {
            if (support & bit(i)) xmin = std::min(xmin, x[i]);
            else ymax = std::max(ymax, y[i]);
        }
        const bool off_ok = ymax <= y_tol_;
        if (!(xmin > x_tol_ && off_ok)) {
            if (xmin > -x_tol_ && off_ok) ++res_.n_degenerate;
            return;
        }
        FixedPoint fp;
        fp.support = support;
        fp.x = x;
        fp.index = sign;
        fp.rcond = rc;
        fp.min_active = xmin;
        fp.max_inactive = ymax;
        fp.boundary = ymax > -y_tol_;
        fp.residual = (x - y.cwiseMax(0.0)).cwiseAbs().maxCoeff();
        if (k > 0) {
            Eigen::MatrixXd J = -M;  // -I + W_SS
            if (opt_.tau.size() == n_)
                for (Eigen::Index r = 0; r < k; ++r) J.row(r) /= opt_.tau[o[static_cast<std::size_t>(r)]];
            Eigen::EigenSolver<Eigen::MatrixXd> es(J, false);
            Eigen::VectorXcd ev = es.eigenvalues();
            std::vector<std::complex<double>> v(ev.data(), ev.data() + k);
            std::sort(v.begin(), v.end(), [](const auto& a, const auto& c) {
                return a.real() != c.real() ? a.real() > c.real() : a.imag() > c.imag();
            });
            fp.eig_real.resize(k);
            fp.eig_imag.resize(k);
            for (Eigen::Index c = 0; c < k; ++c) {
                fp.eig_real[c] = v[static_cast<std::size_t>(c)].real();
                fp.eig_imag[c] = v[static_cast<std::size_t>(c)].imag();
                if (fp.eig_real[c] > opt_.tol_eig) ++fp.n_unstable;
            }
            const double top = fp.eig_real[0];
            fp.stability = top < -opt_.tol_eig  ? FixedPointClass::stable
                           : top > opt_.tol_eig ? FixedPointClass::unstable
                                                : FixedPointClass::marginal;
        }
        res_.fixed_points.push_back(std::move(fp));
        if (res_.fixed_points.size() >= opt_.max_fixed_points)
            stop("max_fixed_points = " + std::to_string(opt_.max_fixed_points) + " fixed points found");
    }

    void stop(const std::string& why) {
        if (stop_) return;
        stop_ = true;
        res_.status = deadline_.status();
        res_.message = std::string(deadline_.interrupted() ? "search interrupted" : "search truncated: " + why) + " after " + std::to_string(res_.n_supports) +
                       " supports; the fixed points listed are those found so far";
    }

    const Eigen::MatrixXd& W_;
    const Eigen::VectorXd& b_;
    const FixedPointOptions& opt_;
    FixedPointResult& res_;
    Eigen::Index n_;
    detail::Deadline deadline_;
    double scale_ = 1.0, x_tol_ = 0.0, y_tol_ = 0.0;
    std::vector<Eigen::Index> perm_;  // local -> original neuron
    Eigen::Index f_ = 0, m_ = 0;      // always active: [0, f); undecided: [f, m); never active: [m, n)
    Eigen::MatrixXd A_;               // I - W in local order
    Eigen::VectorXd r_;               // b in local order
    SetMask all_ = 0, needs_exc_ = 0, needs_inh_ = 0;
    std::vector<SetMask> exc_in_, inh_in_;
    std::vector<std::vector<Domination>> dom_;
    std::vector<double> L_, U_, z_, xs_;
    std::vector<Eigen::Index> idx_;
    bool stop_ = false;
};

}  // namespace

FixedPointResult fixed_points(const Eigen::MatrixXd& W, const Eigen::VectorXd& b, const FixedPointOptions& opt) {
    detail::check_square_finite(W);
    const Eigen::Index n = W.rows();
    if (b.size() != n)
        throw invalid_parameter("b", "[" + std::to_string(b.size()) + " values]",
                                "must have one value per neuron (" + std::to_string(n) + ")");
    if (!b.allFinite()) throw invalid_parameter("b", "[" + std::to_string(n) + " values]", "entries must be finite");
    opt.validate(n);
    detail::Deadline clock(0.0);
    FixedPointResult res;
    res.n = n;
    FixedPointSearch(W, b, opt, res).run();
    res.seconds = clock.elapsed();
    return res;
}

}  // namespace ratenet
