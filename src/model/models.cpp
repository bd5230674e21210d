// The declaration of every built-in model's parameters (models/ratenet/models/spec.hpp).
#include "ratenet/models.hpp"

#include <charconv>
#include <type_traits>

#include "ratenet/errors.hpp"

namespace ratenet {

std::string to_string(ParamType t) {
    switch (t) {
        case ParamType::integer: return "int";
        case ParamType::real: return "float";
        case ParamType::boolean: return "bool";
        case ParamType::text: return "string";
        case ParamType::edges: return "array of [from, to]";
        case ParamType::reals: return "array of floats";
        case ParamType::matrix: return "array of arrays of floats";
    }
    return "?";
}

std::string show(const ParamValue& v) {
    struct Visitor {
        std::string operator()(std::int64_t x) const { return std::to_string(x); }
        std::string operator()(double x) const {
            std::string s = format_value(x);
            // A float reads as one: 1.0, not 1.
            if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
            return s;
        }
        std::string operator()(bool x) const { return x ? "true" : "false"; }
        std::string operator()(const std::string& x) const { return "\"" + x + "\""; }
        std::string operator()(const Edges& e) const {
            std::string s = "[";
            for (std::size_t k = 0; k < e.size(); ++k)
                s += (k ? ", [" : "[") + std::to_string(e[k].first) + ", " + std::to_string(e[k].second) + "]";
            return s + "]";
        }
        std::string operator()(const Reals& r) const {
            std::string s = "[";
            for (std::size_t k = 0; k < r.size(); ++k) s += (k ? ", " : "") + (*this)(r[k]);
            return s + "]";
        }
        std::string operator()(const Rows& m) const {
            std::string s = "[";
            for (std::size_t k = 0; k < m.size(); ++k) s += (k ? ", " : "") + (*this)(m[k]);
            return s + "]";
        }
    };
    return std::visit(Visitor{}, v);
}

void ParamSet::set(const std::string& name, ParamValue v) {
    for (auto& [k, x] : values_)
        if (k == name) {
            x = std::move(v);
            return;
        }
    values_.emplace_back(name, std::move(v));
}

const ParamValue& ParamSet::get(const std::string& name) const {
    for (const auto& [k, x] : values_)
        if (k == name) return x;
    throw internal_error("model parameter " + name + " has no value");
}

ParamSet ModelSpec::defaults() const {
    ParamSet s;
    for (const auto& p : params)
        if (!p.required) s.set(p.name, p.default_value);
    return s;
}

namespace {

template <class T>
constexpr ParamType type_of() {
    if constexpr (std::is_same_v<T, bool>) return ParamType::boolean;
    else if constexpr (std::is_integral_v<T>) return ParamType::integer;
    else if constexpr (std::is_floating_point_v<T>) return ParamType::real;
    else if constexpr (std::is_same_v<T, std::string>) return ParamType::text;
    else if constexpr (std::is_same_v<T, Reals>) return ParamType::reals;
    else if constexpr (std::is_same_v<T, Rows>) return ParamType::matrix;
    else return ParamType::edges;
}

template <class T>
ParamValue to_value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) return v;
    else if constexpr (std::is_integral_v<T>) return static_cast<std::int64_t>(v);
    else return v;
}

// One parameter bound to a member of the model's params struct P: the default
// is the struct's own.
template <class P>
struct Bound {
    ModelParam param;
    std::function<void(P&, const ParamValue&)> assign;
};

template <class P, class T>
Bound<P> declare(std::string name, T P::*member, std::string rule, std::string doc) {
    const P defaults{};
    Bound<P> b;
    b.param = {std::move(name), type_of<T>(), to_value(defaults.*member), false, std::move(rule), std::move(doc)};
    b.assign = [member](P& p, const ParamValue& v) {
        if constexpr (std::is_same_v<T, bool>) p.*member = std::get<bool>(v);
        else if constexpr (std::is_integral_v<T>) p.*member = static_cast<T>(std::get<std::int64_t>(v));
        else p.*member = std::get<T>(v);
    };
    return b;
}

template <class P>
P decode(const std::vector<Bound<P>>& bound, const ParamSet& values) {
    P p{};
    for (const auto& b : bound) b.assign(p, values.get(b.param.name));
    return p;
}

// A model built by make(P) from its bound parameters; the seed goes to P::seed when P has one.
template <class P>
ModelSpec model(std::string name, std::string equation, std::string source, std::vector<Bound<P>> bound,
                Connectivity (*make)(const P&)) {
    ModelSpec s;
    s.name = std::move(name);
    s.equation = std::move(equation);
    s.source = std::move(source);
    for (const auto& b : bound) s.params.push_back(b.param);
    s.size = [](const ParamSet& v) { return static_cast<Eigen::Index>(v.integer("n")); };
    s.w_bytes = [](const ParamSet& v) {
        const double n = static_cast<double>(v.integer("n"));
        return 8.0 * n * n;
    };
    s.make = [bound, make](const ParamSet& values, std::uint64_t seed) {
        P p = decode(bound, values);
        if constexpr (requires { p.seed; }) p.seed = seed;
        return make(p);
    };
    return s;
}

const std::vector<Bound<ExcitatoryInhibitoryParams>>& ei_bound() {
    using P = ExcitatoryInhibitoryParams;
    static const std::vector<Bound<P>> b = {
        declare("n_e", &P::n_e, ">= 1", "excitatory neurons (indices 0 .. n_e-1)"),
        declare("n_i", &P::n_i, ">= 1", "inhibitory neurons"),
        declare("p", &P::p, "in (0, 1)", "connection probability"),
        declare("g", &P::g, ">= 0", "overall gain"),
        declare("w_e", &P::w_e, "> 0", "excitatory weight"),
        declare("w_i", &P::w_i, "< 0", "inhibitory weight"),
        declare("zero_diagonal", &P::zero_diagonal, "", "no self-coupling"),
    };
    return b;
}

const std::vector<Bound<PopulationsParams>>& populations_bound() {
    using P = PopulationsParams;
    static const std::vector<Bound<P>> b = {
        declare("n", &P::n, ">= number of populations", "number of neurons"),
        declare("fractions", &P::fractions, "> 0, sum 1", "population fractions alpha_k (populations are contiguous index ranges)"),
        declare("g", &P::g, ">= 0", "overall gain: scales every block gain (the ray of `ratenet chaos`)"),
        declare("gains", &P::gains, "P x P, >= 0", "block gains G_kl (row: postsynaptic k, column: presynaptic l)"),
        declare("means", &P::means, "P x P or [] (0)", "block means m_kl: E W_ij = m_kl / N"),
        declare("connectivity", &P::connectivity, "P x P in (0, 1], or [] (dense)", "connection probabilities p_kl"),
        declare("means_scale_with_g", &P::means_scale_with_g, "", "the means are g m_kl"),
        declare("dale", &P::dale, "one +1 / -1 per population, or [] (gaussian weights)",
                "Dale's law: fixed weights of the presynaptic population's sign (needs 0 < p_kl < 1, no means)"),
        declare("b", &P::b, "one value per population, or [] (0)", "input b_k of each population (the model's b)"),
        declare("zero_diagonal", &P::zero_diagonal, "", "no self-coupling"),
    };
    return b;
}

std::vector<ModelSpec> make_specs() {
    std::vector<ModelSpec> specs;
    {
        using P = HahnloserWtaParams;
        specs.push_back(model<P>("hahnloser_wta", "W = alpha I - beta 11' + gamma (ring neighbours)",
                             "Hahnloser et al., Nature 405:947 (2000)",
                             {declare("n", &P::n, ">= 1", "number of neurons"),
                              declare("alpha", &P::alpha, "", "self-excitation"),
                              declare("beta", &P::beta, "", "global inhibition"),
                              declare("gamma", &P::gamma, "", "excitation between ring neighbours")},
                             &make_hahnloser_wta));
    }
    {
        using P = RandomGaussianParams;
        ModelSpec s = model<P>(
            "random_gaussian", "W_ij ~ N(mu/N, g^2/N); with k > 0, k partners per row, N(mu/k, g^2/k)",
            "Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988); Engelken, Wolf & Abbott, arXiv:2006.02427",
            {declare("n", &P::n, ">= 1", "number of neurons"),
             declare("g", &P::g, ">= 0", "coupling gain"),
             declare("mu", &P::mu, "", "mean total coupling per row"),
             declare("zero_diagonal", &P::zero_diagonal, "", "no self-coupling"),
             declare("symmetric", &P::symmetric, "dense only", "W = W'"),
             declare("k", &P::k, "0 .. N-1 (N with zero_diagonal = false)", "partners per neuron, 0 = dense"),
             declare("streams", &P::streams, "1, 2 or 3",
                     "layout of the random draws: 1 the serial layout of ratenet 0.1, 2 blocks drawn in parallel, "
                     "3 blocks drawn in parallel with the faster normal (docs/reproducibility.md)")},
            &make_random_gaussian);
        // CSR: a value, a column index and a row's share of the pointers per entry.
        s.w_bytes = [](const ParamSet& v) {
            const double n = static_cast<double>(v.integer("n")), k = static_cast<double>(v.integer("k"));
            return k > 0 ? 24.0 * n * k : 8.0 * n * n;
        };
        specs.push_back(std::move(s));
    }
    {
        using P = ExcitatoryInhibitoryParams;
        ModelSpec s = model<P>("excitatory_inhibitory",
                               "W_ij = c_ij g w_pop(j) / sqrt(p(1-p)N), c_ij ~ Bernoulli(p), Dale's law",
                               "Kadmon & Sompolinsky, PRX 5:041030 (2015)", ei_bound(), &make_excitatory_inhibitory);
        s.size_key = "n_e";
        s.size = [](const ParamSet& v) { return static_cast<Eigen::Index>(v.integer("n_e") + v.integer("n_i")); };
        s.w_bytes = [](const ParamSet& v) {
            const double n = static_cast<double>(v.integer("n_e") + v.integer("n_i"));
            return 8.0 * n * n;
        };
        specs.push_back(std::move(s));
    }
    specs.push_back(model<PopulationsParams>(
        "populations",
        "i in k, j in l: W_ij = c_ij (a_kl + s_kl z_ij), E W_ij = m_kl / N, Var W_ij = g^2 G_kl^2 / N, "
        "c_ij ~ Bernoulli(p_kl); dale: W_ij = c_ij sign_l g G_kl / sqrt(N p_kl (1 - p_kl))",
        "Kadmon & Sompolinsky, PRX 5:041030 (2015); Aljadeff, Stern & Sharpee, PRL 114:088101 (2015)",
        populations_bound(), &make_populations));
    {
        using P = CtlnParams;
        specs.push_back(model<P>("ctln", "W_ii = 0; W_ij = -1+eps if j->i, -1-delta otherwise; b = theta",
                             "Curto, Geneson & Morrison, Neural Computation 31:94 (2019)",
                             {declare("n", &P::n, ">= 1", "number of nodes"),
                              declare("edges", &P::edges, "0-based, no self-loops, no duplicates", "directed edges j -> i"),
                              declare("eps", &P::eps, "0 < eps < delta/(delta+1)", "weight of an edge: -1 + eps"),
                              declare("delta", &P::delta, "> 0", "weight of a non-edge: -1 - delta"),
                              declare("theta", &P::theta, "> 0", "uniform input, the default b")},
                             &make_ctln));
    }
    {
        using P = RingParams;
        specs.push_back(model<P>("ring", "W_ij = (J0 + J1 cos(theta_i - theta_j))/N",
                             "Ben-Yishai, Bar-Or & Sompolinsky, PNAS 92:3844 (1995)",
                             {declare("n", &P::n, ">= 1", "number of neurons"),
                              declare("j0", &P::j0, "", "uniform coupling"),
                              declare("j1", &P::j1, "", "tuned coupling")},
                             &make_ring));
    }
    {
        // W comes from a file, which the io layer reads: no make().
        ModelSpec s;
        s.name = "matrix";
        s.equation = "W (optionally b, tau) from an HDF5 dataset, a .npy or a .csv file";
        s.source = "user data";
        s.params = {
            {"path", ParamType::text, std::string(), true, ".h5/.hdf5 (dataset `dataset`), .npy (float64/32, int64/32), .csv",
             "file holding W"},
            {"dataset", ParamType::text, std::string("W"), false, "", "HDF5 dataset of W"},
            {"b_path", ParamType::text, std::string(), false, "HDF5 dataset `b`, .npy or .csv",
             "file holding b (optional; `input.b` takes precedence, but a named file is always read and checked)"},
            {"tau_path", ParamType::text, std::string(), false, "HDF5 dataset `tau`, .npy or .csv",
             "file holding tau (optional; `network.tau` takes precedence, but a named file is always read and checked)"},
            {"sparse", ParamType::boolean, false, false, "", "store W as CSR"},
        };
        s.size_key = "path";
        s.size = [](const ParamSet&) { return Eigen::Index{-1}; };
        s.w_bytes = [](const ParamSet&) { return 0.0; };
        specs.push_back(std::move(s));
    }
    return specs;
}

}  // namespace

const std::vector<ModelSpec>& model_specs() {
    static const std::vector<ModelSpec> specs = make_specs();
    return specs;
}

const ModelSpec* find_model(const std::string& name) {
    for (const auto& s : model_specs())
        if (s.name == name) return &s;
    return nullptr;
}

ExcitatoryInhibitoryParams excitatory_inhibitory_params(const ParamSet& values) { return decode(ei_bound(), values); }
PopulationsParams populations_params(const ParamSet& values) { return decode(populations_bound(), values); }

}  // namespace ratenet
