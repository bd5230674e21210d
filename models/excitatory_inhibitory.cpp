#include "ratenet/models/excitatory_inhibitory.hpp"

#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

Connectivity make_excitatory_inhibitory(const ExcitatoryInhibitoryParams& p) {
    require(p.n_e >= 1, "n_e", str(p.n_e), "must be >= 1");
    require(p.n_i >= 1, "n_i", str(p.n_i), "must be >= 1");
    require(p.p > 0 && p.p < 1, "p", str(p.p), "must be in (0, 1)");
    require_finite("g", p.g);
    require(p.g >= 0, "g", str(p.g), "must be >= 0");
    require(std::isfinite(p.w_e) && p.w_e > 0, "w_e", str(p.w_e), "must be > 0 (Dale's law: excitatory weights are positive)");
    require(std::isfinite(p.w_i) && p.w_i < 0, "w_i", str(p.w_i), "must be < 0 (Dale's law: inhibitory weights are negative)");
    const Eigen::Index n = p.n_e + p.n_i;
    const double scale = p.g / std::sqrt(p.p * (1.0 - p.p) * static_cast<double>(n));
    Rng rng(p.seed, Stream::network);
    Connectivity c;
    c.W = coupling_matrix(n, n);
    c.W.setZero();
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) {
            const bool connected = rng.uniform() < p.p;  // drawn for every pair: a fixed stream layout
            if (connected && !(p.zero_diagonal && i == j)) c.W(i, j) = scale * (j < p.n_e ? p.w_e : p.w_i);
        }
    c.info = {"excitatory_inhibitory",
              {{"n_e", str(p.n_e)}, {"n_i", str(p.n_i)}, {"p", str(p.p)}, {"g", str(p.g)}, {"w_e", str(p.w_e)},
               {"w_i", str(p.w_i)}, {"zero_diagonal", p.zero_diagonal ? "true" : "false"}, {"seed", std::to_string(p.seed)}}};
    return c;
}

}  // namespace ratenet
