#include "ratenet/models/ring.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "checks.hpp"
#include "ratenet/errors.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

Connectivity make_ring(const RingParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("j0", p.j0);
    require_finite("j1", p.j1);
    Connectivity c;
    c.W = coupling_matrix(p.n, p.n);
    const double n = static_cast<double>(p.n);
    for (Eigen::Index i = 0; i < p.n; ++i)
        for (Eigen::Index j = 0; j < p.n; ++j) {
            const double d = 2.0 * std::numbers::pi * static_cast<double>(i - j) / n;
            c.W(i, j) = (p.j0 + p.j1 * std::cos(d)) / n;
        }
    c.info = {"ring", {{"n", str(p.n)}, {"j0", str(p.j0)}, {"j1", str(p.j1)}}};
    return c;
}

}  // namespace ratenet
