#include "ratenet/models/hahnloser_wta.hpp"

#include <cmath>

#include "checks.hpp"
#include "ratenet/errors.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

Connectivity make_hahnloser_wta(const HahnloserWtaParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("alpha", p.alpha);
    require_finite("beta", p.beta);
    require_finite("gamma", p.gamma);
    Connectivity c;
    c.W = coupling_matrix(p.n, p.n);
    c.W.setConstant(-p.beta);
    c.W.diagonal().array() += p.alpha;
    if (p.gamma != 0.0 && p.n > 1) {
        for (Eigen::Index i = 0; i < p.n; ++i) {
            const Eigen::Index next = (i + 1) % p.n;
            if (next == i) continue;
            c.W(i, next) += p.gamma;
            if (p.n > 2) c.W(next, i) += p.gamma;
        }
    }
    c.info = {"hahnloser_wta", {{"n", str(p.n)}, {"alpha", str(p.alpha)}, {"beta", str(p.beta)}, {"gamma", str(p.gamma)}}};
    return c;
}

}  // namespace ratenet
