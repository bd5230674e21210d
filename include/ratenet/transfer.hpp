#pragma once
// Transfer functions phi(u) and their exact derivatives phi'(u).
//
//   relu               [u]_+
//   threshold_linear   gain * [u - theta]_+
//   clipped_linear     min(max(gain * (u - theta), 0), r_max)          (saturating)
//   leaky_relu         u > 0 ? u : slope * u
//   prelu              u > 0 ? u : slopes_i * u                         (one slope per neuron)
//   elu                u > 0 ? u : alpha * (exp(u) - 1)
//   softplus           log(1 + exp(beta * u)) / beta                    (sharpness beta)
//   gelu               u * Phi(u) = u/2 * (1 + erf(u / sqrt 2))         (exact, not the tanh fit)
//   silu               u * sigmoid(u)
//   tanh               tanh(u)
//   sigmoid            1 / (1 + exp(-u))
//   power_law          k * [u - theta]_+^n                              (n >= 1)
//
// At a kink the derivative takes its value from the left (relu'(0) = 0), so
// threshold-linear derivatives are exactly 0 or the gain: the Lyapunov engine
// relies on that to multiply only the rows of active neurons.
// Sources: Hahnloser et al., Nature 405:947 (2000) for threshold-linear units;
// the rectifier family as listed in the seed text (../shared/reference).
#include <Eigen/Core>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ratenet {

enum class TransferKind {
    relu, threshold_linear, clipped_linear, leaky_relu, prelu, elu,
    softplus, gelu, silu, tanh, sigmoid, power_law,
    // One function per population (contiguous neuron ranges): Transfer::parts. Not a
    // [transfer] name; built from [[transfer.populations]] for the populations model.
    by_population
};

struct Transfer {
    TransferKind kind = TransferKind::relu;
    double gain = 1.0;    // threshold_linear, clipped_linear
    double theta = 0.0;   // threshold (input units): threshold_linear, clipped_linear, power_law
    double r_max = 1.0;   // saturation rate: clipped_linear
    double slope = 0.01;  // leaky_relu
    Eigen::VectorXd slopes;  // prelu, one per neuron
    double alpha = 1.0;   // elu
    double beta = 1.0;    // softplus sharpness
    double k = 1.0;       // power_law gain
    double n = 2.0;       // power_law exponent
    // by_population: parts[k] applies to neurons part_start[k] .. part_start[k + 1] - 1
    // (the last part to the end); part_start[0] = 0. Parts are plain kinds, not prelu.
    std::vector<Transfer> parts;
    std::vector<Eigen::Index> part_start;

    // Scalar forms; i selects the neuron (used by prelu only).
    double value(double u, Eigen::Index i = 0) const;
    double derivative(double u, Eigen::Index i = 0) const;

    // Element-wise over a vector, out may not alias u. u[i] belongs to neuron
    // first + i (u may be a segment of the state; only prelu tells neurons apart).
    void apply(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
               Eigen::Index first = 0) const;
    void apply_derivative(const Eigen::Ref<const Eigen::VectorXd>& u, Eigen::Ref<Eigen::VectorXd> out,
                          Eigen::Index first = 0) const;

    // True when phi' takes only the values 0 and one constant (relu, threshold_linear):
    // the tangent dynamics then involve only the active neurons.
    bool derivative_is_indicator() const noexcept;
    // True for relu and threshold_linear with unit gain and zero threshold.
    bool is_relu() const noexcept;

    // Checks every parameter of the chosen kind for an n-neuron network.
    // Throws invalid_parameter naming the parameter (e.g. "r_max").
    void validate(Eigen::Index n_neurons) const;

    // by_population: the part of neuron i.
    const Transfer& part_of(Eigen::Index i) const;
    // The function as text: its name, or one "name(p=v, ...)" per part, separated by "; ".
    std::string describe() const;

    // Name and the parameters that matter for this kind, as (name, value) pairs.
    std::string name() const;
    std::vector<std::pair<std::string, double>> parameters() const;
};

// One transfer function declared once: its name and formula, its scalar
// parameters (the member of Transfer, the default being Transfer's own, the
// rule), where phi is not smooth, and whether phi is bounded. The config reader,
// validate(), parameters(), `ratenet models`, the docs and the mean-field
// quadrature all read this table.
struct TransferParam {
    std::string name;
    double Transfer::*member;
    enum class Rule { any, positive, non_negative, at_least_one } rule = Rule::any;
    std::string why;  // added to the message of a broken rule
};
struct TransferSpec {
    TransferKind kind;
    std::string name, formula;
    std::vector<TransferParam> params;  // scalar parameters (prelu's per-neuron slopes are read apart)
    bool bounded = false;               // |phi| <= const: saturating (tanh, sigmoid, clipped_linear)
    bool indicator = false;             // phi' takes the values 0 and one constant only
    std::vector<double> (*kinks)(const Transfer& phi) = nullptr;  // where phi is not smooth (nullptr: smooth)
};
const std::vector<TransferSpec>& transfer_specs();
const TransferSpec& transfer_spec(TransferKind k);
// The rule as text ("> 0", ...; "" for any).
std::string to_string(TransferParam::Rule r);

std::string_view to_string(TransferKind k) noexcept;
// Parses a name; returns false when unknown.
bool parse_transfer_kind(std::string_view name, TransferKind& out) noexcept;
// All transfer names, for help texts and "did you mean" hints.
const std::vector<std::string>& transfer_names();

}  // namespace ratenet
