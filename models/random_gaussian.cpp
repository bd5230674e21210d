#include "ratenet/models/random_gaussian.hpp"

#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

Connectivity make_random_gaussian(const RandomGaussianParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("g", p.g);
    require(p.g >= 0, "g", str(p.g), "must be >= 0");
    require_finite("mu", p.mu);
    const Eigen::Index max_k = p.zero_diagonal ? p.n - 1 : p.n;
    require(p.k >= 0 && p.k <= max_k, "k", str(p.k),
            "must be in [0, " + str(max_k) + "] (0 = dense; at most N" + (p.zero_diagonal ? " - 1" : "") + ")");
    require(!(p.symmetric && p.k > 0), "symmetric", "true", "is not available with sparse k > 0");
    Rng rng(p.seed, Stream::network);
    Connectivity c;
    c.info = {"random_gaussian",
              {{"n", str(p.n)}, {"g", str(p.g)}, {"mu", str(p.mu)}, {"zero_diagonal", p.zero_diagonal ? "true" : "false"},
               {"symmetric", p.symmetric ? "true" : "false"}, {"k", str(p.k)}, {"seed", std::to_string(p.seed)}}};
    if (p.k == 0) {
        const double n = static_cast<double>(p.n);
        const double mean = p.mu / n, sd = p.g / std::sqrt(n);
        c.W = coupling_matrix(p.n, p.n);
        // Draw order: row by row, every entry (the diagonal too, then zeroed), so the
        // stream does not depend on zero_diagonal.
        for (Eigen::Index i = 0; i < p.n; ++i)
            for (Eigen::Index j = 0; j < p.n; ++j) {
                const double z = rng.normal();
                if (!p.symmetric || j >= i) c.W(i, j) = mean + sd * z;
            }
        if (p.symmetric)
            for (Eigen::Index i = 0; i < p.n; ++i)
                for (Eigen::Index j = 0; j < i; ++j) c.W(i, j) = c.W(j, i);
        if (p.zero_diagonal) c.W.diagonal().setZero();
        return c;
    }
    // Sparse: each row picks k distinct partners by a partial Fisher-Yates shuffle,
    // then draws their weights N(mu/k, g^2/k).
    const double kk = static_cast<double>(p.k);
    const double mean = p.mu / kk, sd = p.g / std::sqrt(kk);
    std::vector<Eigen::Triplet<double, std::int64_t>> trip;
    trip.reserve(static_cast<std::size_t>(p.n * p.k));
    std::vector<Eigen::Index> pool;
    for (Eigen::Index i = 0; i < p.n; ++i) {
        pool.clear();
        for (Eigen::Index j = 0; j < p.n; ++j)
            if (!(p.zero_diagonal && j == i)) pool.push_back(j);
        const auto m = static_cast<std::uint64_t>(pool.size());
        for (std::uint64_t s = 0; s < static_cast<std::uint64_t>(p.k); ++s) {
            const std::uint64_t r = s + rng.below(m - s);
            std::swap(pool[s], pool[r]);
            trip.emplace_back(i, pool[s], mean + sd * rng.normal());
        }
    }
    c.sparse = true;
    c.W_sparse.resize(p.n, p.n);
    c.W_sparse.setFromTriplets(trip.begin(), trip.end());
    c.W_sparse.makeCompressed();
    return c;
}

}  // namespace ratenet
