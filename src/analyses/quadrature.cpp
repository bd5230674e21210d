// Gaussian quadrature rules for the mean-field integrals: Gauss-Hermite and
// Gauss-Legendre by Golub-Welsch, and a trapezoid rule on the Gaussian.
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <map>
#include <mutex>
#include <utility>

#include "analyses/meanfield_detail.hpp"

namespace ratenet {

using namespace meanfield_detail;

namespace {

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

}  // namespace

namespace meanfield_detail {

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

}  // namespace meanfield_detail

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

}  // namespace ratenet
