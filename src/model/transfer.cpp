#include "ratenet/transfer.hpp"

#include <cmath>
#include <numbers>

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

struct KindName {
    TransferKind kind;
    const char* name;
};
constexpr KindName kind_names[] = {
    {TransferKind::relu, "relu"},         {TransferKind::threshold_linear, "threshold_linear"},
    {TransferKind::clipped_linear, "clipped_linear"}, {TransferKind::leaky_relu, "leaky_relu"},
    {TransferKind::prelu, "prelu"},       {TransferKind::elu, "elu"},
    {TransferKind::softplus, "softplus"}, {TransferKind::gelu, "gelu"},
    {TransferKind::silu, "silu"},         {TransferKind::tanh, "tanh"},
    {TransferKind::sigmoid, "sigmoid"},   {TransferKind::power_law, "power_law"},
};

}  // namespace

std::string_view to_string(TransferKind k) noexcept {
    for (const auto& kn : kind_names)
        if (kn.kind == k) return kn.name;
    return "unknown";
}

bool parse_transfer_kind(std::string_view name, TransferKind& out) noexcept {
    for (const auto& kn : kind_names)
        if (name == kn.name) {
            out = kn.kind;
            return true;
        }
    return false;
}

const std::vector<std::string>& transfer_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& kn : kind_names) v.emplace_back(kn.name);
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
        case TransferKind::tanh: return std::tanh(u);
        case TransferKind::sigmoid: return logistic(u);
        case TransferKind::power_law: return u > theta ? k * std::pow(u - theta, n) : 0.0;
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
            const double t = std::tanh(u);
            return 1.0 - t * t;
        }
        case TransferKind::sigmoid: {
            const double s = logistic(u);
            return s * (1.0 - s);
        }
        case TransferKind::power_law:
            if (u <= theta) return 0.0;
            return n == 1.0 ? k : k * n * std::pow(u - theta, n - 1.0);
    }
    return 0.0;
}

void Transfer::apply(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
                     Eigen::Index first) const {
    // The common kinds use Eigen's vectorised array expressions; the others a plain loop.
    switch (kind) {
        case TransferKind::relu: out = u.array().max(0.0).matrix(); return;
        case TransferKind::threshold_linear: out = (gain * (u.array() - theta)).max(0.0).matrix(); return;
        case TransferKind::clipped_linear:
            out = (gain * (u.array() - theta)).max(0.0).min(r_max).matrix();
            return;
        case TransferKind::tanh: out = u.array().tanh().matrix(); return;
        default:
            for (Eigen::Index i = 0; i < u.size(); ++i) out[i] = value(u[i], first + i);
    }
}

void Transfer::apply_derivative(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
                                Eigen::Index first) const {
    switch (kind) {
        case TransferKind::relu: out = (u.array() > 0.0).cast<double>().matrix(); return;
        case TransferKind::threshold_linear: out = gain * (u.array() > theta).cast<double>().matrix(); return;
        case TransferKind::tanh: out = (1.0 - u.array().tanh().square()).matrix(); return;
        default:
            for (Eigen::Index i = 0; i < u.size(); ++i) out[i] = derivative(u[i], first + i);
    }
}

bool Transfer::derivative_is_indicator() const noexcept {
    return kind == TransferKind::relu || kind == TransferKind::threshold_linear;
}

bool Transfer::is_relu() const noexcept {
    return kind == TransferKind::relu ||
           (kind == TransferKind::threshold_linear && gain == 1.0 && theta == 0.0);
}

void Transfer::validate(Eigen::Index n_neurons) const {
    auto require = [](bool ok, const char* key, double v, const char* rule) {
        if (!ok) throw invalid_parameter(key, format_value(v), rule);
    };
    auto finite = [&](const char* key, double v) { require(std::isfinite(v), key, v, "must be finite"); };
    switch (kind) {
        case TransferKind::threshold_linear:
            finite("gain", gain);
            require(gain > 0, "gain", gain, "must be > 0");
            finite("theta", theta);
            break;
        case TransferKind::clipped_linear:
            finite("gain", gain);
            require(gain > 0, "gain", gain, "must be > 0");
            finite("theta", theta);
            finite("r_max", r_max);
            require(r_max > 0, "r_max", r_max, "must be > 0");
            break;
        case TransferKind::leaky_relu: finite("slope", slope); break;
        case TransferKind::prelu:
            if (slopes.size() != n_neurons)
                throw invalid_parameter("slopes", "[" + std::to_string(slopes.size()) + " values]",
                                        "must have one slope per neuron (" + std::to_string(n_neurons) + ")");
            for (Eigen::Index i = 0; i < slopes.size(); ++i) finite("slopes", slopes[i]);
            break;
        case TransferKind::elu:
            finite("alpha", alpha);
            require(alpha >= 0, "alpha", alpha, "must be >= 0");
            break;
        case TransferKind::softplus:
            finite("beta", beta);
            require(beta > 0, "beta", beta, "must be > 0");
            break;
        case TransferKind::power_law:
            finite("k", k);
            require(k > 0, "k", k, "must be > 0");
            finite("n", n);
            require(n >= 1, "n", n, "must be >= 1 (the derivative must exist at threshold)");
            finite("theta", theta);
            break;
        default: break;
    }
}

std::string Transfer::name() const { return std::string(to_string(kind)); }

std::vector<std::pair<std::string, double>> Transfer::parameters() const {
    switch (kind) {
        case TransferKind::threshold_linear: return {{"gain", gain}, {"theta", theta}};
        case TransferKind::clipped_linear: return {{"gain", gain}, {"theta", theta}, {"r_max", r_max}};
        case TransferKind::leaky_relu: return {{"slope", slope}};
        case TransferKind::elu: return {{"alpha", alpha}};
        case TransferKind::softplus: return {{"beta", beta}};
        case TransferKind::power_law: return {{"k", k}, {"n", n}, {"theta", theta}};
        default: return {};
    }
}

}  // namespace ratenet
