// Boundedness of a threshold-linear network: strict copositivity of M = I - W.
// x'Mx sees only the symmetric part, so M is replaced by (M + M')/2 throughout.
//
// Kaplan (Linear Algebra Appl. 313:203, 2000): a symmetric M is strictly copositive iff
// no principal submatrix M_SS has a positive eigenvector with a non-positive eigenvalue.
// It suffices to look at the smallest eigenvalue of each M_SS: for an inclusion-minimal
// S with M_SS not strictly copositive, the minimiser of x'Mx on the unit sphere of the
// orthant is interior, hence an eigenvector for lambda_min(M_SS) <= 0, and lambda_min is
// simple (a second eigenvector would move the minimiser to a face of S, contradicting
// minimality). Filters that never discard such an S:
//   - M_SS positive definite (Cholesky): all eigenvalues > 0;
//   - a row i of M_SS without a negative off-diagonal entry (with M_ii > 0): then
//     (M_SS v)_i > 0 for every v > 0, so no positive v has M_SS v = lambda v, lambda <= 0.
// The cheap tests run first at any N: M positive definite (copositive), a diagonal entry
// or a 2 x 2 block that is not strictly copositive (witness), all off-diagonal entries
// >= 0 with a positive diagonal (copositive). Above exact_max_n a projected-gradient
// search on the simplex may still find a witness; otherwise the answer is unknown.
#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <bit>
#include <cmath>

#include "permitted_support.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {

using detail::bit;

std::string_view to_string(Copositivity c) noexcept {
    switch (c) {
        case Copositivity::copositive: return "copositive";
        case Copositivity::not_copositive: return "not_copositive";
        case Copositivity::unknown: return "unknown";
    }
    return "unknown";
}

void CopositivityOptions::validate() const {
    if (exact_max_n < 0 || exact_max_n > 30)
        throw invalid_parameter("exact_max_n", std::to_string(exact_max_n),
                                "must be in [0, 30] (the exact test visits 2^N - 1 submatrices)");
    if (!std::isfinite(tol) || tol < 0) throw invalid_parameter("tol", format_value(tol), "must be finite and >= 0");
    if (search_starts < 0) throw invalid_parameter("search_starts", std::to_string(search_starts), "must be >= 0");
    if (!(max_seconds >= 0) || std::isinf(max_seconds))
        throw invalid_parameter("max_seconds", format_value(max_seconds), "must be finite and >= 0 (0: no limit)");
}

namespace {

void set_witness(CopositivityResult& res, const Eigen::MatrixXd& M, Eigen::VectorXd x, std::string method) {
    x = x.cwiseMax(0.0);
    x /= x.sum();
    res.status = Copositivity::not_copositive;
    res.witness = x;
    res.witness_value = x.dot(M * x);
    res.witness_support = 0;
    for (Eigen::Index i = 0; i < x.size() && i < max_set_neurons; ++i)
        if (x[i] > 0) res.witness_support |= bit(i);
    res.method = std::move(method);
}

// Euclidean projection onto the simplex {x >= 0, sum x = 1} (sort-based).
Eigen::VectorXd project_simplex(const Eigen::VectorXd& v) {
    std::vector<double> u(v.data(), v.data() + v.size());
    std::sort(u.begin(), u.end(), std::greater<>());
    double cum = 0.0, theta = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        cum += u[i];
        const double t = (cum - 1.0) / static_cast<double>(i + 1);
        if (u[i] - t > 0) theta = t;
    }
    return (v.array() - theta).cwiseMax(0.0).matrix();
}

}  // namespace

CopositivityResult copositivity(const Eigen::MatrixXd& W, const CopositivityOptions& opt) {
    opt.validate();
    if (W.rows() != W.cols() || W.rows() < 1)
        throw invalid_parameter("W", detail::shape_text(W), "must be a square N x N matrix with N >= 1");
    if (!W.allFinite()) throw invalid_parameter("W", detail::shape_text(W), "entries must be finite");
    detail::Deadline clock(opt.max_seconds, opt.stop);
    const Eigen::Index n = W.rows();
    CopositivityResult res;
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
    const Eigen::MatrixXd M = I - 0.5 * (W + W.transpose());
    const double scale = std::max(1.0, M.cwiseAbs().maxCoeff());
    const double tol = opt.tol * scale;
    res.symmetric = (W - W.transpose()).cwiseAbs().maxCoeff() <= 1e-12 * scale;

    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> full(M);
    res.min_eigenvalue = full.eigenvalues()[0];
    res.positive_definite = res.min_eigenvalue > tol;
    auto done = [&](CopositivityResult& r) -> CopositivityResult& {
        r.seconds = clock.elapsed();
        return r;
    };
    if (res.positive_definite) {
        res.status = Copositivity::copositive;
        res.method = "positive definite";
        return done(res);
    }
    // A non-positive diagonal entry or a 2 x 2 block that is not strictly copositive.
    for (Eigen::Index i = 0; i < n; ++i)
        if (M(i, i) <= tol) {
            set_witness(res, M, I.col(i), "diagonal entry <= 0");
            return done(res);
        }
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < j; ++i)
            if (M(i, j) <= -std::sqrt(M(i, i) * M(j, j)) + tol) {
                Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
                x[i] = std::sqrt(M(j, j));
                x[j] = std::sqrt(M(i, i));
                set_witness(res, M, x, "2 x 2 principal submatrix");
                return done(res);
            }
    bool nonneg_off = true;
    for (Eigen::Index j = 0; j < n && nonneg_off; ++j)
        for (Eigen::Index i = 0; i < n && nonneg_off; ++i) nonneg_off = i == j || M(i, j) >= 0;
    if (nonneg_off) {
        res.status = Copositivity::copositive;
        res.method = "nonnegative matrix with positive diagonal";
        return done(res);
    }

    if (n <= opt.exact_max_n) {
        std::vector<SetMask> neg(static_cast<std::size_t>(n), 0);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j)
                if (j != i && M(i, j) < 0) neg[static_cast<std::size_t>(i)] |= bit(j);
        const SetMask total = bit(n);
        Eigen::MatrixXd B;
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
        std::vector<Eigen::Index> m;
        for (SetMask s = 1; s < total; ++s) {
            if (clock.expired()) {
                res.status = Copositivity::unknown;
                res.method = "kaplan (exact), " + std::string(clock.interrupted() ? "interrupted" : "time budget exhausted") +
                             " after " + std::to_string(res.n_subsets) + " submatrices";
                return done(res);
            }
            ++res.n_subsets;
            bool rows_ok = true;
            for (SetMask t = s; t && rows_ok; t &= t - 1) rows_ok = (neg[static_cast<std::size_t>(std::countr_zero(t))] & s) != 0;
            if (!rows_ok) continue;
            m = set_members(s);
            const auto k = static_cast<Eigen::Index>(m.size());
            B.resize(k, k);
            for (Eigen::Index c = 0; c < k; ++c)
                for (Eigen::Index r = 0; r < k; ++r) B(r, c) = M(m[static_cast<std::size_t>(r)], m[static_cast<std::size_t>(c)]);
            Eigen::LLT<Eigen::MatrixXd> llt(B);
            if (llt.info() == Eigen::Success && llt.matrixLLT().diagonal().minCoeff() > std::sqrt(tol)) continue;
            es.compute(B);
            if (es.info() != Eigen::Success) continue;
            if (es.eigenvalues()[0] > tol) continue;
            Eigen::VectorXd v = es.eigenvectors().col(0);
            if (v.sum() < 0) v = -v;
            if (v.minCoeff() <= 1e-12) continue;  // not strictly positive
            Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
            for (Eigen::Index c = 0; c < k; ++c) x[m[static_cast<std::size_t>(c)]] = v[c];
            set_witness(res, M, x, "kaplan (exact): positive eigenvector of a principal submatrix, eigenvalue " +
                                       format_value(es.eigenvalues()[0]));
            return done(res);
        }
        res.status = Copositivity::copositive;
        res.method = "kaplan (exact)";
        return done(res);
    }

    // Above the exact limit: look for a witness by projected gradient descent of x'Mx
    // on the simplex from random starts. A witness proves non-copositivity; failing to
    // find one proves nothing.
    Rng rng(opt.seed, Stream::initial);
    const double step = 1.0 / std::max(std::abs(full.eigenvalues()[n - 1]), std::abs(res.min_eigenvalue));
    for (int start = 0; start < opt.search_starts; ++start) {
        if (clock.expired()) break;
        Eigen::VectorXd x(n);
        for (Eigen::Index i = 0; i < n; ++i) x[i] = -portable_log(1.0 - rng.uniform());  // uniform on the simplex
        x /= x.sum();
        for (int it = 0; it < 500; ++it) x = project_simplex(x - 2.0 * step * (M * x));
        if (x.dot(M * x) <= -tol) {
            set_witness(res, M, x, "projected-gradient search (N above exact_max_n = " + std::to_string(opt.exact_max_n) + ")");
            return done(res);
        }
    }
    res.status = Copositivity::unknown;
    res.method = "N = " + std::to_string(n) + " above exact_max_n = " + std::to_string(opt.exact_max_n) +
                 "; cheap tests and a witness search were inconclusive";
    return done(res);
}

}  // namespace ratenet
