#include "ratenet/models/populations.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "checks.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

using detail::require;
using detail::str;

namespace {

std::string show_rows(const std::vector<std::vector<double>>& m) {
    std::string s = "[";
    for (std::size_t k = 0; k < m.size(); ++k) {
        s += k ? ", [" : "[";
        for (std::size_t l = 0; l < m[k].size(); ++l) s += (l ? ", " : "") + format_value(m[k][l]);
        s += "]";
    }
    return s + "]";
}
std::string show_list(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + format_value(v[k]);
    return s + "]";
}

// A P x P matrix from rows, or `fill` everywhere when empty.
Eigen::MatrixXd square(const char* key, const std::vector<std::vector<double>>& rows, std::size_t P, double fill) {
    if (rows.empty()) return Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(P), fill);
    require(rows.size() == P && std::all_of(rows.begin(), rows.end(), [&](const auto& r) { return r.size() == P; }), key,
            show_rows(rows), "must be " + std::to_string(P) + " x " + std::to_string(P) + " (one row and column per population)");
    Eigen::MatrixXd m(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(P));
    for (std::size_t k = 0; k < P; ++k)
        for (std::size_t l = 0; l < P; ++l) {
            require(std::isfinite(rows[k][l]), key, show_rows(rows), "must be finite");
            m(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(l)) = rows[k][l];
        }
    return m;
}

constexpr Eigen::Index block_columns = 64;

}  // namespace

PopulationLayout populations_layout(const PopulationsParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    const std::size_t P = p.fractions.size();
    require(P >= 1, "fractions", "[]", "must list at least one population");
    require(std::all_of(p.fractions.begin(), p.fractions.end(), [](double a) { return std::isfinite(a) && a > 0; }),
            "fractions", show_list(p.fractions), "must all be > 0");
    const double total = std::accumulate(p.fractions.begin(), p.fractions.end(), 0.0);
    require(std::abs(total - 1.0) <= 1e-9, "fractions", show_list(p.fractions), "must sum to 1");
    require(static_cast<std::size_t>(p.n) >= P, "n", str(p.n), "must be >= the number of populations (" + std::to_string(P) + ")");
    require(std::isfinite(p.g) && p.g >= 0, "g", str(p.g), "must be finite and >= 0");
    PopulationLayout L;
    L.gains = square("gains", p.gains, P, 0.0);
    require(!p.gains.empty(), "gains", "[]", "must be given (P x P)");
    require((L.gains.array() >= 0).all(), "gains", show_rows(p.gains), "must be >= 0");
    L.connectivity = square("connectivity", p.connectivity, P, 1.0);
    require((L.connectivity.array() > 0).all() && (L.connectivity.array() <= 1).all(), "connectivity",
            show_rows(p.connectivity), "must be in (0, 1]");
    const double N = static_cast<double>(p.n);
    if (!p.dale.empty()) {
        require(p.dale.size() == P && std::all_of(p.dale.begin(), p.dale.end(), [](double s) { return s == 1 || s == -1; }),
                "dale", show_list(p.dale), "must hold one sign (+1 or -1) per population");
        require(p.means.empty(), "means", show_rows(p.means), "must be empty with dale: the signs and the sparsity fix the means");
        require(!p.connectivity.empty() && (L.connectivity.array() < 1).all(), "connectivity", show_rows(p.connectivity),
                "must be in (0, 1) with dale (fixed weights need sparsity to fluctuate)");
        L.means.resize(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(P));
        for (Eigen::Index k = 0; k < L.means.rows(); ++k)
            for (Eigen::Index l = 0; l < L.means.cols(); ++l) {
                const double q = L.connectivity(k, l);
                L.means(k, l) = p.dale[static_cast<std::size_t>(l)] * L.gains(k, l) * std::sqrt(N * q / (1 - q));
            }
        L.means_scale_with_g = true;
    } else {
        L.means = square("means", p.means, P, 0.0);
        L.means_scale_with_g = p.means_scale_with_g;
        // The variance left for the weights once the sparse mean is in: s_kl^2 >= 0.
        for (Eigen::Index k = 0; k < L.means.rows(); ++k)
            for (Eigen::Index l = 0; l < L.means.cols(); ++l) {
                const double q = L.connectivity(k, l), m = L.means(k, l) * (L.means_scale_with_g ? p.g : 1.0);
                const double var = p.g * p.g * L.gains(k, l) * L.gains(k, l) / N - (1 - q) * m * m / (N * N * q);
                require(var >= -1e-15 * (1 + m * m / (N * N)), "means", show_rows(p.means),
                        "block (" + std::to_string(k) + ", " + std::to_string(l) +
                            ") is too large for its gain at that connectivity (the Bernoulli mask alone gives variance (1 - p) m^2 / (N^2 p) > g^2 G^2 / N)");
            }
    }
    L.b = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(P));
    if (!p.b.empty()) {
        require(p.b.size() == P, "b", show_list(p.b), "must hold one input per population (" + std::to_string(P) + ")");
        for (std::size_t k = 0; k < P; ++k) {
            require(std::isfinite(p.b[k]), "b", show_list(p.b), "must be finite");
            L.b[static_cast<Eigen::Index>(k)] = p.b[k];
        }
    }
    // Sizes by largest remainders: floor(alpha_k N), then one more for the largest
    // fractional parts (ties to the lower index), so that they sum to N.
    std::vector<double> frac(P);
    Eigen::Index used = 0;
    L.sizes.resize(P);
    for (std::size_t k = 0; k < P; ++k) {
        const double x = p.fractions[k] * N;
        L.sizes[k] = static_cast<Eigen::Index>(std::floor(x));
        frac[k] = x - std::floor(x);
        used += L.sizes[k];
    }
    std::vector<std::size_t> order(P);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) { return frac[a] > frac[c]; });
    for (std::size_t r = 0; used < p.n; ++r, ++used) ++L.sizes[order[r % P]];
    for (std::size_t k = 0; k < P; ++k)
        require(L.sizes[k] >= 1, "fractions", show_list(p.fractions),
                "population " + std::to_string(k) + " would be empty at n = " + str(p.n));
    L.alpha.resize(static_cast<Eigen::Index>(P));
    for (std::size_t k = 0; k < P; ++k) {
        L.alpha[static_cast<Eigen::Index>(k)] = static_cast<double>(L.sizes[k]) / N;
        L.population.insert(L.population.end(), static_cast<std::size_t>(L.sizes[k]), static_cast<Eigen::Index>(k));
    }
    return L;
}

Connectivity make_populations(const PopulationsParams& p) {
    const PopulationLayout L = populations_layout(p);
    const Eigen::Index n = p.n;
    const double N = static_cast<double>(n);
    const auto P = L.gains.rows();
    // Per block: the value of a connection, a + s z (gaussian) or the fixed weight (dale).
    Eigen::MatrixXd a(P, P), s(P, P);
    for (Eigen::Index k = 0; k < P; ++k)
        for (Eigen::Index l = 0; l < P; ++l) {
            const double q = L.connectivity(k, l), G = p.g * L.gains(k, l);
            if (!p.dale.empty()) {
                a(k, l) = p.dale[static_cast<std::size_t>(l)] * G / std::sqrt(N * q * (1 - q));
                s(k, l) = 0.0;
            } else {
                const double m = L.means(k, l) * (L.means_scale_with_g ? p.g : 1.0);
                a(k, l) = m / (N * q);
                s(k, l) = std::sqrt(std::max(0.0, (G * G / N - (1 - q) * m * m / (N * N * q)) / q));
            }
        }
    const bool gaussian = p.dale.empty();
    Connectivity c;
    c.W = coupling_matrix(n, n);
    const Eigen::Index blocks = (n + block_columns - 1) / block_columns;
    const auto& pop = L.population;
#pragma omp parallel for schedule(dynamic, 1)
    for (Eigen::Index q = 0; q < blocks; ++q) {
        Rng rng(derive_seed(p.seed, static_cast<std::uint64_t>(q)), Stream::network);
        const Eigen::Index j1 = std::min(n, (q + 1) * block_columns);
        for (Eigen::Index j = q * block_columns; j < j1; ++j) {
            const Eigen::Index l = pop[static_cast<std::size_t>(j)];
            for (Eigen::Index i = 0; i < n; ++i) {
                const Eigen::Index k = pop[static_cast<std::size_t>(i)];
                const double prob = L.connectivity(k, l);
                const bool on = prob >= 1.0 || rng.uniform() < prob;
                double w = 0.0;
                if (on) w = gaussian ? a(k, l) + s(k, l) * rng.normal() : a(k, l);
                c.W(i, j) = w;
            }
        }
    }
    if (p.zero_diagonal) c.W.diagonal().setZero();
    Eigen::Index start = 0;
    for (const auto nk : L.sizes) {
        c.population_start.push_back(start);
        start += nk;
    }
    c.b = Eigen::VectorXd(n);
    for (Eigen::Index i = 0; i < n; ++i) (*c.b)[i] = L.b[pop[static_cast<std::size_t>(i)]];
    c.info = {"populations",
              {{"n", str(p.n)},
               {"fractions", show_list(p.fractions)},
               {"g", str(p.g)},
               {"gains", show_rows(p.gains)},
               {"means", show_rows(p.means)},
               {"connectivity", show_rows(p.connectivity)},
               {"means_scale_with_g", p.means_scale_with_g ? "true" : "false"},
               {"dale", show_list(p.dale)},
               {"b", show_list(p.b)},
               {"zero_diagonal", p.zero_diagonal ? "true" : "false"},
               {"seed", std::to_string(p.seed)}}};
    return c;
}

}  // namespace ratenet
