#include "ratenet/models/ctln.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "checks.hpp"
#include "ratenet/errors.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

Connectivity make_ctln(const CtlnParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require(std::isfinite(p.eps) && p.eps > 0, "eps", str(p.eps), "must be > 0");
    require(std::isfinite(p.delta) && p.delta > 0, "delta", str(p.delta), "must be > 0");
    require(std::isfinite(p.theta) && p.theta > 0, "theta", str(p.theta), "must be > 0");
    require(p.eps < p.delta / (p.delta + 1.0), "eps", str(p.eps),
            "must be < delta/(delta+1) = " + str(p.delta / (p.delta + 1.0)) + " (the legal CTLN range)");
    Connectivity c;
    c.W = coupling_matrix(p.n, p.n);
    c.W.setConstant(-1.0 - p.delta);
    c.W.diagonal().setZero();
    std::set<std::pair<Eigen::Index, Eigen::Index>> seen;
    std::string edge_text;
    for (std::size_t e = 0; e < p.edges.size(); ++e) {
        const auto [j, i] = p.edges[e];
        const std::string val = "[" + str(j) + ", " + str(i) + "]";
        const std::string key = "edges[" + std::to_string(e) + "]";
        if (j < 0 || j >= p.n || i < 0 || i >= p.n)
            throw invalid_parameter(key, val, "node out of range: nodes are 0-based, 0 .. " + str(p.n - 1));
        if (i == j) throw invalid_parameter(key, val, "self-loops are not allowed in a CTLN graph");
        if (!seen.insert({j, i}).second) throw invalid_parameter(key, val, "duplicate edge");
        c.W(i, j) = -1.0 + p.eps;
        edge_text += (edge_text.empty() ? "" : " ") + str(j) + "->" + str(i);
    }
    c.b = Eigen::VectorXd::Constant(p.n, p.theta);
    c.info = {"ctln", {{"n", str(p.n)}, {"edges", edge_text}, {"eps", str(p.eps)}, {"delta", str(p.delta)}, {"theta", str(p.theta)}}};
    return c;
}

}  // namespace ratenet
