// Permitted and forbidden sets of a threshold-linear network (Hahnloser & Seung 2001).
//
// Symmetric W: S is permitted iff A_SS is positive definite, A = I - W. The permitted
// sets form a down-closed complex (Cauchy interlacing), so a depth-first search that
// extends permitted sets only reaches all of them, and an incremental Cholesky factor
// makes each extension test cost O(k^2): the work follows the number of permitted
// sets, not 2^N.
//
// Order of the search: the children of S are S + j for j < min(S), in ascending j.
// Its preorder visits sets in ascending integer order of their masks, so when an
// extension U = S + j fails, every proper subset of U (a smaller integer) has already
// been decided: U is a minimal forbidden set iff each U - i, i in S, is in the hash
// set of permitted sets. Maximality needs the extensions by j > min(S), which come
// later; those are looked up after the search.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <bit>
#include <cmath>

#include "permitted_support.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {

using detail::bit;

// ---------------------------------------------------------------- set helpers

std::vector<Eigen::Index> set_members(SetMask s) {
    std::vector<Eigen::Index> out;
    out.reserve(static_cast<std::size_t>(std::popcount(s)));
    while (s != 0) {
        out.push_back(static_cast<Eigen::Index>(std::countr_zero(s)));
        s &= s - 1;
    }
    return out;
}

SetMask make_set(const std::vector<Eigen::Index>& members) {
    SetMask s = 0;
    for (Eigen::Index i : members) {
        if (i < 0 || i >= max_set_neurons)
            throw invalid_parameter("set", std::to_string(i), "members must be neuron indices in [0, 64)");
        s |= bit(i);
    }
    return s;
}

int set_size(SetMask s) noexcept { return std::popcount(s); }

std::string format_set(SetMask s) {
    std::string out = "{";
    bool first = true;
    for (Eigen::Index i : set_members(s)) {
        if (!first) out += ",";
        out += std::to_string(i);
        first = false;
    }
    return out + "}";
}

std::string_view to_string(EnumerationStatus s) noexcept {
    switch (s) {
        case EnumerationStatus::completed: return "completed";
        case EnumerationStatus::truncated: return "truncated";
        case EnumerationStatus::interrupted: return "interrupted";
    }
    return "unknown";
}

std::string_view to_string(PermittedCriterion c) noexcept {
    return c == PermittedCriterion::symmetric_pd ? "symmetric_pd" : "general_hurwitz";
}

void PermittedOptions::validate() const {
    auto nonneg = [](const char* key, double v) {
        if (!std::isfinite(v) || v < 0) throw invalid_parameter(key, format_value(v), "must be finite and >= 0");
    };
    nonneg("symmetry_tol", symmetry_tol);
    nonneg("tol_pd", tol_pd);
    nonneg("borderline_tol", borderline_tol);
    nonneg("tol_hurwitz", tol_hurwitz);
    if (!(max_seconds >= 0) || std::isinf(max_seconds))
        throw invalid_parameter("max_seconds", format_value(max_seconds), "must be finite and >= 0 (0: no limit)");
    if (max_sets < 1) throw invalid_parameter("max_sets", std::to_string(max_sets), "must be >= 1");
    if (general_max_n < 1 || general_max_n > 26)
        throw invalid_parameter("general_max_n", std::to_string(general_max_n),
                                "must be in [1, 26] (the general criterion tests all 2^N - 1 subsets)");
}

namespace {

// ---------------------------------------------------------------- symmetric: DFS with incremental Cholesky

class PdComplex {
public:
    PdComplex(const Eigen::MatrixXd& A, const PermittedOptions& opt, PermittedResult& res)
        : A_(A),
          n_(A.rows()),
          opt_(opt),
          res_(res),
          deadline_(opt.max_seconds, opt.stop),
          L_(static_cast<std::size_t>(n_ * n_), 0.0),
          idx_(static_cast<std::size_t>(n_), 0),
          permitted_(1024) {
        const double scale = std::max(1.0, A.diagonal().cwiseAbs().maxCoeff());
        thr_ = opt.tol_pd * scale;
        border_ = opt.borderline_tol * scale;
    }

    void run() {
        visit(0, 0, n_);
        if (stop_) return;
        // Maximal: no permitted child (j < min S) was found during the search; the
        // extensions by j > min S, j not in S, are looked up now.
        for (SetMask s : candidates_) {
            bool maximal = true;
            const Eigen::Index lo = s == 0 ? n_ : static_cast<Eigen::Index>(std::countr_zero(s));
            for (Eigen::Index j = lo + 1; j < n_ && maximal; ++j)
                if (!(s & bit(j)) && permitted_.contains(s | bit(j))) maximal = false;
            if (maximal) res_.maximal.push_back(s);
        }
        std::sort(res_.maximal.begin(), res_.maximal.end());
    }

private:
    double* row(Eigen::Index k) { return L_.data() + k * n_; }

    // S has k members idx_[0..k), rows 0..k of L_ hold its Cholesky factor (in that order).
    void visit(Eigen::Index k, SetMask s, Eigen::Index lo) {
        bool has_child = false;
        double* l = row(k);
        for (Eigen::Index j = 0; j < lo && !stop_; ++j) {
            if (deadline_.expired()) {
                stop(deadline_.why());
                return;
            }
            // l = L^{-1} A_{S,j} (forward substitution), d = A_jj - |l|^2: the new pivot.
            double d = A_(j, j);
            for (Eigen::Index t = 0; t < k; ++t) {
                const double* lt = row(t);
                double v = A_(idx_[static_cast<std::size_t>(t)], j);
                for (Eigen::Index u = 0; u < t; ++u) v -= lt[u] * l[u];
                v /= lt[t];
                l[t] = v;
                d -= v * v;
            }
            ++res_.n_tests;
            if (std::abs(d) <= border_) ++res_.n_borderline;
            const SetMask u = s | bit(j);
            if (d > thr_) {
                has_child = true;
                l[k] = std::sqrt(d);
                idx_[static_cast<std::size_t>(k)] = j;
                record(u, k + 1);
                if (stop_) return;
                visit(k + 1, u, j);
                l = row(k);
            } else if (is_minimal_forbidden(u, s)) {
                res_.minimal_forbidden.push_back(u);
            }
        }
        if (!has_child && !stop_) candidates_.push_back(s);
    }

    // U = S + j with S permitted: minimal iff U - i is permitted for every i in S
    // (all of them are smaller integers than U, hence already decided).
    bool is_minimal_forbidden(SetMask u, SetMask s) const {
        for (SetMask rest = s; rest != 0; rest &= rest - 1) {
            const SetMask sub = u & ~(rest & (~rest + 1));
            if (sub != 0 && !permitted_.contains(sub)) return false;
        }
        return true;
    }

    void record(SetMask u, Eigen::Index size) {
        permitted_.insert(u);
        ++res_.n_permitted;
        ++res_.count_by_size[static_cast<std::size_t>(size)];
        if (opt_.store_permitted) res_.permitted.push_back(u);
        // Reaching the budget counts as truncated even if nothing were left: that is
        // unknown without searching on.
        if (res_.n_permitted >= opt_.max_sets)
            stop("max_sets = " + std::to_string(opt_.max_sets) + " permitted sets reached");
    }

    void stop(const std::string& why) {
        stop_ = true;
        res_.status = deadline_.status();
        res_.message = std::string(deadline_.interrupted() ? "enumeration interrupted" : "enumeration truncated: " + why) +
                       " after " + std::to_string(res_.n_permitted) +
                       " permitted sets; counts and minimal forbidden sets cover the sets up to " +
                       "the last one visited, maximal sets are not computed";
    }

    const Eigen::MatrixXd& A_;
    Eigen::Index n_;
    const PermittedOptions& opt_;
    PermittedResult& res_;
    detail::Deadline deadline_;
    std::vector<double> L_;           // row t: the t-th row of the Cholesky factor
    std::vector<Eigen::Index> idx_;   // idx_[t]: the neuron added at depth t
    detail::MaskSet permitted_;
    std::vector<SetMask> candidates_;
    double thr_ = 0.0, border_ = 0.0;
    bool stop_ = false;
};

// ---------------------------------------------------------------- general: every subset

// max Re eig(-A_SS) < -tol  <=>  -I + W_SS Hurwitz.
class HurwitzFamily {
public:
    HurwitzFamily(const Eigen::MatrixXd& A, const PermittedOptions& opt, PermittedResult& res)
        : A_(A), n_(A.rows()), opt_(opt), res_(res), deadline_(opt.max_seconds, opt.stop) {}

    void run() {
        const SetMask total = SetMask{1} << static_cast<unsigned>(n_);
        std::vector<std::uint8_t> ok(static_cast<std::size_t>(total), 0);
        ok[0] = 1;
        Eigen::MatrixXd B;
        std::vector<Eigen::Index> m;
        for (SetMask s = 1; s < total; ++s) {
            if (deadline_.expired()) return stop(deadline_.why());
            m = set_members(s);
            const auto k = static_cast<Eigen::Index>(m.size());
            B.resize(k, k);
            for (Eigen::Index c = 0; c < k; ++c)
                for (Eigen::Index r = 0; r < k; ++r) B(r, c) = A_(m[static_cast<std::size_t>(r)], m[static_cast<std::size_t>(c)]);
            ++res_.n_tests;
            if (hurwitz(B)) {
                ok[static_cast<std::size_t>(s)] = 1;
                ++res_.n_permitted;
                ++res_.count_by_size[static_cast<std::size_t>(k)];
                if (opt_.store_permitted) res_.permitted.push_back(s);
                if (res_.n_permitted >= opt_.max_sets && s + 1 < total)
                    return stop("max_sets = " + std::to_string(opt_.max_sets) + " permitted sets reached");
            }
        }
        finish(ok);
    }

private:
    bool hurwitz(const Eigen::MatrixXd& B) {
        // Sufficient: a positive definite symmetric part of B = A_SS puts every eigenvalue
        // of B in the right half plane (Re lambda = Re v*Bv / |v|^2), i.e. -B is Hurwitz.
        const Eigen::MatrixXd H = 0.5 * (B + B.transpose());
        Eigen::LLT<Eigen::MatrixXd> llt(H);
        const double scale = std::max(1.0, B.cwiseAbs().maxCoeff());
        if (llt.info() == Eigen::Success && llt.matrixL().toDenseMatrix().diagonal().minCoeff() > 1e-6 * std::sqrt(scale))
            return true;
        es_.compute(B, false);
        if (es_.info() != Eigen::Success) return false;
        const double min_re = es_.eigenvalues().real().minCoeff();
        if (std::abs(min_re) <= opt_.borderline_tol * scale) ++res_.n_borderline;
        return min_re > opt_.tol_hurwitz;  // eig(B) = 1 - eig(W_SS); Re > 0 <=> -I + W_SS Hurwitz
    }

    // Maximal: no permitted proper superset; minimal forbidden: forbidden with every proper
    // subset permitted. Both by sum-over-subsets passes, O(N 2^N).
    void finish(const std::vector<std::uint8_t>& ok) {
        const std::size_t total = ok.size();
        std::vector<std::uint8_t> up(ok), down(total);  // up[S]: some permitted T >= S; down[S]: some forbidden T <= S
        for (std::size_t s = 0; s < total; ++s) down[s] = static_cast<std::uint8_t>(!ok[s]);
        for (Eigen::Index i = 0; i < n_; ++i) {
            const std::size_t b = std::size_t{1} << static_cast<unsigned>(i);
            for (std::size_t s = 0; s < total; ++s) {
                if (s & b) down[s] = static_cast<std::uint8_t>(down[s] | down[s ^ b]);
                else up[s] = static_cast<std::uint8_t>(up[s] | up[s | b]);
            }
        }
        for (std::size_t s = 0; s < total; ++s) {
            bool proper_up = false, proper_down = false;
            for (Eigen::Index i = 0; i < n_; ++i) {
                const std::size_t b = std::size_t{1} << static_cast<unsigned>(i);
                if (s & b) proper_down = proper_down || down[s ^ b];
                else proper_up = proper_up || up[s | b];
            }
            if (ok[s] && !proper_up) res_.maximal.push_back(s);
            if (!ok[s] && !proper_down) res_.minimal_forbidden.push_back(s);
            if (ok[s] && proper_down) res_.down_closed = false;
        }
    }

    void stop(const std::string& why) {
        res_.status = deadline_.status();
        res_.message = std::string(deadline_.interrupted() ? "enumeration interrupted" : "enumeration truncated: " + why) +
                       " after " + std::to_string(res_.n_tests) +
                       " subsets tested; maximal and minimal forbidden sets are not computed";
    }

    const Eigen::MatrixXd& A_;
    Eigen::Index n_;
    const PermittedOptions& opt_;
    PermittedResult& res_;
    detail::Deadline deadline_;
    Eigen::EigenSolver<Eigen::MatrixXd> es_;
};

}  // namespace

PermittedResult permitted_sets(const Eigen::MatrixXd& W, const PermittedOptions& opt) {
    opt.validate();
    detail::check_square_finite(W);
    const Eigen::Index n = W.rows();
    detail::Deadline clock(0.0);
    PermittedResult res;
    res.n = n;
    res.count_by_size.assign(static_cast<std::size_t>(n + 1), 0);
    res.count_by_size[0] = 1;
    res.asymmetry = (W - W.transpose()).cwiseAbs().maxCoeff();
    const double w_scale = std::max(1.0, W.cwiseAbs().maxCoeff());
    const bool symmetric = res.asymmetry <= opt.symmetry_tol * w_scale;

    if (symmetric) {
        res.criterion = PermittedCriterion::symmetric_pd;
        if (opt.general)
            res.message = "W is symmetric: the general criterion (-I + W_SS Hurwitz) coincides with "
                          "(I - W)_SS positive definite, used here";
        const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n) - 0.5 * (W + W.transpose());
        const std::string note = res.message;
        PdComplex(A, opt, res).run();
        if (!note.empty() && res.status != EnumerationStatus::completed) res.message = note + "; " + res.message;
    } else {
        if (!opt.general)
            throw invalid_parameter("W", detail::shape_text(W),
                                    "must be symmetric for permitted sets (|W - W'| max = " +
                                        format_value(res.asymmetry) + ", tolerance " +
                                        format_value(opt.symmetry_tol * w_scale) +
                                        "); use fixed points for non-symmetric networks, or general = true "
                                        "for the stability criterion -I + W_SS Hurwitz");
        if (n > opt.general_max_n)
            throw invalid_parameter("W", detail::shape_text(W),
                                    "the general criterion tests all 2^N - 1 subsets and is limited to N <= " +
                                        std::to_string(opt.general_max_n) + " (general_max_n)");
        res.criterion = PermittedCriterion::general_hurwitz;
        const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n) - W;
        HurwitzFamily(A, opt, res).run();
    }
    res.seconds = clock.elapsed();
    return res;
}

}  // namespace ratenet
