#include "ratenet/transfer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "model/vector_math.hpp"
#include "ratenet/errors.hpp"

namespace ratenet {

namespace {

constexpr double inv_sqrt2 = 0.70710678118654752440;
constexpr double inv_sqrt_2pi = 0.39894228040143267794;

// log(1 + exp(z)) without overflow.
inline double log1pexp(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
inline double logistic(double z) {
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
}

std::vector<double> kink_at_zero(const Transfer&) { return {0.0}; }
std::vector<double> kink_at_theta(const Transfer& phi) { return {phi.theta}; }
std::vector<double> clip_kinks(const Transfer& phi) { return {phi.theta, phi.theta + phi.r_max / phi.gain}; }

using R = TransferParam::Rule;

std::vector<TransferSpec> make_specs() {
    using K = TransferKind;
    const TransferParam gain{"gain", &Transfer::gain, R::positive, ""};
    const TransferParam theta{"theta", &Transfer::theta, R::any, ""};
    return {
        {K::relu, "relu", "[u]_+", {}, false, true, &kink_at_zero},
        {K::threshold_linear, "threshold_linear", "gain [u - theta]_+", {gain, theta}, false, true, &kink_at_theta},
        {K::clipped_linear, "clipped_linear", "min(max(gain (u - theta), 0), r_max)",
         {gain, theta, {"r_max", &Transfer::r_max, R::positive, ""}}, true, false, &clip_kinks},
        {K::leaky_relu, "leaky_relu", "u > 0 ? u : slope u", {{"slope", &Transfer::slope, R::any, ""}}, false, false,
         &kink_at_zero},
        {K::prelu, "prelu", "u > 0 ? u : slopes_i u (slopes: one per neuron)", {}, false, false, &kink_at_zero},
        {K::elu, "elu", "u > 0 ? u : alpha (exp(u) - 1)", {{"alpha", &Transfer::alpha, R::non_negative, ""}}, false, false,
         &kink_at_zero},
        {K::softplus, "softplus", "log(1 + exp(beta u)) / beta", {{"beta", &Transfer::beta, R::positive, ""}}, false,
         false, nullptr},
        {K::gelu, "gelu", "u Phi(u)", {}, false, false, nullptr},
        {K::silu, "silu", "u sigmoid(u)", {}, false, false, nullptr},
        {K::tanh, "tanh", "tanh(u)", {}, true, false, nullptr},
        {K::sigmoid, "sigmoid", "1 / (1 + exp(-u))", {}, true, false, nullptr},
        {K::power_law, "power_law", "k [u - theta]_+^n",
         {{"k", &Transfer::k, R::positive, ""},
          {"n", &Transfer::n, R::at_least_one, " (the derivative must exist at threshold)"},
          theta},
         false, false, &kink_at_theta},
    };
}

}  // namespace

const std::vector<TransferSpec>& transfer_specs() {
    static const std::vector<TransferSpec> specs = make_specs();
    return specs;
}

const TransferSpec& transfer_spec(TransferKind k) {
    for (const auto& s : transfer_specs())
        if (s.kind == k) return s;
    // Not listed among the [transfer] names: its properties are those of its parts.
    static const TransferSpec composite{TransferKind::by_population, "by_population", "phi_k(u) on population k", {}, false,
                                        false, nullptr};
    if (k == TransferKind::by_population) return composite;
    throw internal_error("transfer function without a declaration");
}

std::string to_string(TransferParam::Rule r) {
    switch (r) {
        case R::any: return "";
        case R::positive: return "> 0";
        case R::non_negative: return ">= 0";
        case R::at_least_one: return ">= 1";
    }
    return "";
}

std::string_view to_string(TransferKind k) noexcept {
    if (k == TransferKind::by_population) return "by_population";
    for (const auto& s : transfer_specs())
        if (s.kind == k) return s.name;
    return "unknown";
}

bool parse_transfer_kind(std::string_view name, TransferKind& out) noexcept {
    for (const auto& s : transfer_specs())
        if (name == s.name) {
            out = s.kind;
            return true;
        }
    return false;
}

const std::vector<std::string>& transfer_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& s : transfer_specs()) v.push_back(s.name);
        return v;
    }();
    return names;
}

double Transfer::value(double u, Eigen::Index i) const {
    switch (kind) {
        case TransferKind::relu: return u > 0 ? u : 0.0;
        case TransferKind::threshold_linear: return u > theta ? gain * (u - theta) : 0.0;
        case TransferKind::clipped_linear: {
            const double r = gain * (u - theta);
            return r <= 0 ? 0.0 : (r >= r_max ? r_max : r);
        }
        case TransferKind::leaky_relu: return u > 0 ? u : slope * u;
        case TransferKind::prelu: return u > 0 ? u : slopes[i] * u;
        case TransferKind::elu: return u > 0 ? u : alpha * std::expm1(u);
        case TransferKind::softplus: return log1pexp(beta * u) / beta;
        case TransferKind::gelu: return 0.5 * u * std::erfc(-u * inv_sqrt2);
        case TransferKind::silu: return u * logistic(u);
        case TransferKind::tanh: return vmath::tanh_value(u);
        case TransferKind::sigmoid: return logistic(u);
        case TransferKind::power_law: return u > theta ? k * std::pow(u - theta, n) : 0.0;
        case TransferKind::by_population: return part_of(i).value(u);
    }
    return 0.0;
}

double Transfer::derivative(double u, Eigen::Index i) const {
    switch (kind) {
        case TransferKind::relu: return u > 0 ? 1.0 : 0.0;
        case TransferKind::threshold_linear: return u > theta ? gain : 0.0;
        case TransferKind::clipped_linear: {
            const double r = gain * (u - theta);
            return (r > 0 && r < r_max) ? gain : 0.0;
        }
        case TransferKind::leaky_relu: return u > 0 ? 1.0 : slope;
        case TransferKind::prelu: return u > 0 ? 1.0 : slopes[i];
        case TransferKind::elu: return u > 0 ? 1.0 : alpha * std::exp(u);
        case TransferKind::softplus: return logistic(beta * u);
        case TransferKind::gelu: return 0.5 * std::erfc(-u * inv_sqrt2) + u * inv_sqrt_2pi * std::exp(-0.5 * u * u);
        case TransferKind::silu: {
            const double s = logistic(u);
            return s * (1.0 + u * (1.0 - s));
        }
        case TransferKind::tanh: {
            double d;
            vmath::tanh_derivatives(&u, &d, 1);
            return d;
        }
        case TransferKind::sigmoid: {
            const double s = logistic(u);
            return s * (1.0 - s);
        }
        case TransferKind::power_law:
            if (u <= theta) return 0.0;
            return n == 1.0 ? k : k * n * std::pow(u - theta, n - 1.0);
        case TransferKind::by_population: return part_of(i).derivative(u);
    }
    return 0.0;
}

namespace {
// Calls f(part, offset into u, length) for every part overlapping neurons
// first .. first + len - 1.
template <class F>
void for_parts(const Transfer& phi, Eigen::Index first, Eigen::Index len, F&& f) {
    const auto P = phi.parts.size();
    for (std::size_t k = 0; k < P; ++k) {
        const Eigen::Index a = phi.part_start[k];
        const Eigen::Index b = k + 1 < P ? phi.part_start[k + 1] : std::numeric_limits<Eigen::Index>::max();
        const Eigen::Index lo = std::max(a, first), hi = std::min(b, first + len);
        if (lo < hi) f(phi.parts[k], lo - first, hi - lo);
    }
}
}  // namespace

const Transfer& Transfer::part_of(Eigen::Index i) const {
    const auto it = std::upper_bound(part_start.begin(), part_start.end(), i);
    return parts[static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, it - part_start.begin() - 1))];
}

void Transfer::apply(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
                     Eigen::Index first) const {
    if (kind == TransferKind::by_population) {
        for_parts(*this, first, u.size(), [&](const Transfer& p, Eigen::Index off, Eigen::Index len) {
            p.apply(u.segment(off, len), out.segment(off, len));
        });
        return;
    }
    // The common kinds use vectorised array expressions (tanh: model/vector_math.hpp); the others a plain loop.
    switch (kind) {
        case TransferKind::relu: out = u.array().max(0.0).matrix(); return;
        case TransferKind::threshold_linear: out = (gain * (u.array() - theta)).max(0.0).matrix(); return;
        case TransferKind::clipped_linear:
            out = (gain * (u.array() - theta)).max(0.0).min(r_max).matrix();
            return;
        case TransferKind::tanh: vmath::tanh_values(u.data(), out.data(), u.size()); return;
        default:
            for (Eigen::Index i = 0; i < u.size(); ++i) out[i] = value(u[i], first + i);
    }
}

void Transfer::apply_derivative(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
                                Eigen::Index first) const {
    if (kind == TransferKind::by_population) {
        for_parts(*this, first, u.size(), [&](const Transfer& p, Eigen::Index off, Eigen::Index len) {
            p.apply_derivative(u.segment(off, len), out.segment(off, len));
        });
        return;
    }
    switch (kind) {
        case TransferKind::relu: out = (u.array() > 0.0).cast<double>().matrix(); return;
        case TransferKind::threshold_linear: out = gain * (u.array() > theta).cast<double>().matrix(); return;
        case TransferKind::tanh: vmath::tanh_derivatives(u.data(), out.data(), u.size()); return;
        default:
            for (Eigen::Index i = 0; i < u.size(); ++i) out[i] = derivative(u[i], first + i);
    }
}

bool Transfer::derivative_is_indicator() const noexcept {
    for (const auto& s : transfer_specs())
        if (s.kind == kind) return s.indicator;
    return false;
}

bool Transfer::is_relu() const noexcept {
    return kind == TransferKind::relu ||
           (kind == TransferKind::threshold_linear && gain == 1.0 && theta == 0.0);
}

void Transfer::validate(Eigen::Index n_neurons) const {
    if (kind == TransferKind::by_population) {
        if (parts.empty() || part_start.size() != parts.size() || part_start.front() != 0)
            throw invalid_parameter("populations", std::to_string(parts.size()) + " parts",
                                    "must hold one transfer function per population, the first starting at neuron 0");
        for (std::size_t q = 0; q < parts.size(); ++q) {
            const Transfer& p = parts[q];
            const std::string key = "populations[" + std::to_string(q) + "]";
            if (p.kind == TransferKind::prelu || p.kind == TransferKind::by_population)
                throw invalid_parameter(key + ".name", "\"" + p.name() + "\"", "must be a function without per-neuron parameters (not prelu)");
            const Eigen::Index end = q + 1 < parts.size() ? part_start[q + 1] : n_neurons;
            if (!(part_start[q] < end) || end > n_neurons)
                throw invalid_parameter("populations", std::to_string(part_start[q]), "population ranges must be non-empty and within N");
            try {
                p.validate(end - part_start[q]);
            } catch (const invalid_parameter& e) {
                throw invalid_parameter(key + "." + e.key(), e.value(), e.rule());
            }
        }
        return;
    }
    for (const auto& p : transfer_spec(kind).params) {
        const double v = this->*p.member;
        if (!std::isfinite(v)) throw invalid_parameter(p.name, format_value(v), "must be finite");
        const bool ok = p.rule == R::any || (p.rule == R::positive && v > 0) || (p.rule == R::non_negative && v >= 0) ||
                        (p.rule == R::at_least_one && v >= 1);
        if (!ok) throw invalid_parameter(p.name, format_value(v), "must be " + to_string(p.rule) + p.why);
    }
    if (kind == TransferKind::prelu) {
        if (slopes.size() != n_neurons)
            throw invalid_parameter("slopes", "[" + std::to_string(slopes.size()) + " values]",
                                    "must have one slope per neuron (" + std::to_string(n_neurons) + ")");
        for (Eigen::Index i = 0; i < slopes.size(); ++i)
            if (!std::isfinite(slopes[i])) throw invalid_parameter("slopes", format_value(slopes[i]), "must be finite");
    }
}

std::string Transfer::name() const { return std::string(to_string(kind)); }

std::string Transfer::describe() const {
    if (kind != TransferKind::by_population) {
        std::string s = name();
        const auto ps = parameters();
        for (std::size_t i = 0; i < ps.size(); ++i)
            s += (i ? ", " : "(") + ps[i].first + "=" + format_value(ps[i].second) + (i + 1 == ps.size() ? ")" : "");
        return s;
    }
    std::string s;
    for (std::size_t q = 0; q < parts.size(); ++q) s += (q ? "; " : "") + parts[q].describe();
    return s;
}

std::vector<std::pair<std::string, double>> Transfer::parameters() const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& p : transfer_spec(kind).params) out.emplace_back(p.name, this->*p.member);
    return out;
}

}  // namespace ratenet
