#include "ratenet/models.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

namespace {

void require(bool ok, const char* key, const std::string& value, const std::string& rule) {
    if (!ok) throw invalid_parameter(key, value, rule);
}
void require_finite(const char* key, double v) { require(std::isfinite(v), key, format_value(v), "must be finite"); }
std::string str(Eigen::Index v) { return std::to_string(v); }
std::string str(double v) { return format_value(v); }

}  // namespace

Connectivity make_hahnloser_wta(const HahnloserWtaParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("alpha", p.alpha);
    require_finite("beta", p.beta);
    require_finite("gamma", p.gamma);
    Connectivity c;
    c.W = Eigen::MatrixXd::Constant(p.n, p.n, -p.beta);
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
        c.W.resize(p.n, p.n);
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
    c.W = Eigen::MatrixXd::Zero(n, n);
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

Connectivity make_ctln(const CtlnParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require(std::isfinite(p.eps) && p.eps > 0, "eps", str(p.eps), "must be > 0");
    require(std::isfinite(p.delta) && p.delta > 0, "delta", str(p.delta), "must be > 0");
    require(std::isfinite(p.theta) && p.theta > 0, "theta", str(p.theta), "must be > 0");
    require(p.eps < p.delta / (p.delta + 1.0), "eps", str(p.eps),
            "must be < delta/(delta+1) = " + str(p.delta / (p.delta + 1.0)) + " (the legal CTLN range)");
    Connectivity c;
    c.W = Eigen::MatrixXd::Constant(p.n, p.n, -1.0 - p.delta);
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

Connectivity make_ring(const RingParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("j0", p.j0);
    require_finite("j1", p.j1);
    Connectivity c;
    c.W.resize(p.n, p.n);
    const double n = static_cast<double>(p.n);
    for (Eigen::Index i = 0; i < p.n; ++i)
        for (Eigen::Index j = 0; j < p.n; ++j) {
            const double d = 2.0 * std::numbers::pi * static_cast<double>(i - j) / n;
            c.W(i, j) = (p.j0 + p.j1 * std::cos(d)) / n;
        }
    c.info = {"ring", {{"n", str(p.n)}, {"j0", str(p.j0)}, {"j1", str(p.j1)}}};
    return c;
}

Connectivity make_matrix(Eigen::MatrixXd W, std::string source) {
    Connectivity c;
    c.W = std::move(W);
    c.info = {"matrix", {{"path", std::move(source)}}};
    return c;
}

const std::vector<ModelDoc>& model_docs() {
    static const std::vector<ModelDoc> docs = {
        {"hahnloser_wta", "W = alpha I - beta 11' + gamma (ring neighbours)",
         "Hahnloser et al., Nature 405:947 (2000)",
         {{"n", "int", "10", "number of neurons"},
          {"alpha", "float", "1.5", "self-excitation"},
          {"beta", "float", "1.0", "global inhibition"},
          {"gamma", "float", "0.0", "excitation between ring neighbours"}}},
        {"random_gaussian", "W_ij ~ N(mu/N, g^2/N); with k > 0, k partners per row, N(mu/k, g^2/k)",
         "Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988); Engelken, Wolf & Abbott, arXiv:2006.02427",
         {{"n", "int", "200", "number of neurons"},
          {"g", "float", "1.5", "coupling gain"},
          {"mu", "float", "0.0", "mean total coupling per row"},
          {"zero_diagonal", "bool", "true", "no self-coupling"},
          {"symmetric", "bool", "false", "W = W' (dense only)"},
          {"k", "int", "0", "partners per neuron, 0 = dense"}}},
        {"excitatory_inhibitory", "W_ij = c_ij g w_pop(j) / sqrt(p(1-p)N), c_ij ~ Bernoulli(p), Dale's law",
         "Kadmon & Sompolinsky, PRX 5:041030 (2015)",
         {{"n_e", "int", "400", "excitatory neurons (indices 0 .. n_e-1)"},
          {"n_i", "int", "100", "inhibitory neurons"},
          {"p", "float", "0.2", "connection probability"},
          {"g", "float", "1.0", "overall gain"},
          {"w_e", "float", "1.0", "excitatory weight (> 0)"},
          {"w_i", "float", "-5.0", "inhibitory weight (< 0)"},
          {"zero_diagonal", "bool", "true", "no self-coupling"}}},
        {"ctln", "W_ii = 0; W_ij = -1+eps if j->i, -1-delta otherwise; b = theta",
         "Curto, Geneson & Morrison, Neural Computation 31:94 (2019)",
         {{"n", "int", "3", "number of nodes"},
          {"edges", "list of [j, i]", "[]", "directed edges j -> i, 0-based"},
          {"eps", "float", "0.25", "0 < eps < delta/(delta+1)"},
          {"delta", "float", "0.5", "> 0"},
          {"theta", "float", "1.0", "uniform input, > 0"}}},
        {"ring", "W_ij = (J0 + J1 cos(theta_i - theta_j))/N", "Ben-Yishai, Bar-Or & Sompolinsky, PNAS 92:3844 (1995)",
         {{"n", "int", "64", "number of neurons"},
          {"j0", "float", "-2.0", "uniform coupling"},
          {"j1", "float", "3.0", "tuned coupling"}}},
        {"matrix", "W (optionally b, tau) from an HDF5 dataset, a .npy or a .csv file", "user data",
         {{"path", "string", "(required)", "file holding W"},
          {"dataset", "string", "W", "HDF5 dataset of W"},
          {"b_path", "string", "", "file holding b (optional)"},
          {"tau_path", "string", "", "file holding tau (optional)"},
          {"sparse", "bool", "false", "store W as CSR"}}},
    };
    return docs;
}

const ModelDoc* find_model_doc(const std::string& name) {
    for (const auto& d : model_docs())
        if (d.name == name) return &d;
    return nullptr;
}

}  // namespace ratenet
