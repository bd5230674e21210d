#pragma once
// Every built-in model declares its parameters once, in src/model/models.cpp:
// the config key, the type, the default (taken from the model's params struct,
// never retyped), the admissible values as text, and a doc line. The config
// reader, `ratenet models`, the size and memory checks and the test of
// docs/models/*.md all iterate that declaration.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ratenet/models/connectivity.hpp"
#include "ratenet/models/excitatory_inhibitory.hpp"
#include "ratenet/models/populations.hpp"

namespace ratenet {

using Edges = std::vector<std::pair<Eigen::Index, Eigen::Index>>;
using Reals = std::vector<double>;               // one number per population
using Rows = std::vector<std::vector<double>>;   // a matrix, row by row (per population pair)
enum class ParamType { integer, real, boolean, text, edges, reals, matrix };
using ParamValue = std::variant<std::int64_t, double, bool, std::string, Edges, Reals, Rows>;

// The type as docs and `ratenet models` name it ("int", "float", ...).
std::string to_string(ParamType t);
// A value as a config would spell it: 10, 1.5, true, "W", [[0, 1]].
std::string show(const ParamValue& v);

struct ModelParam {
    std::string name;
    ParamType type = ParamType::real;
    ParamValue default_value;
    bool required = false;  // no default: the config must give it
    std::string rule;       // admissible values ("" = any value of the type)
    std::string doc;
};

// A model's parameter values by name, every declared parameter present.
class ParamSet {
public:
    void set(const std::string& name, ParamValue v);
    const ParamValue& get(const std::string& name) const;  // internal_error when undeclared
    std::int64_t integer(const std::string& name) const { return std::get<std::int64_t>(get(name)); }
    double real(const std::string& name) const { return std::get<double>(get(name)); }
    bool boolean(const std::string& name) const { return std::get<bool>(get(name)); }
    const std::string& text(const std::string& name) const { return std::get<std::string>(get(name)); }
    const Reals& reals(const std::string& name) const { return std::get<Reals>(get(name)); }
    const Rows& rows(const std::string& name) const { return std::get<Rows>(get(name)); }

private:
    std::vector<std::pair<std::string, ParamValue>> values_;
};

struct ModelSpec {
    std::string name, equation, source;
    std::vector<ModelParam> params;
    // The parameter whose value is the network size (for messages): "n", or "n_e".
    std::string size_key = "n";
    // Neurons the parameters ask for, before anything is drawn (-1: only the data
    // tells, as for `matrix`), and the bytes W will take.
    std::function<Eigen::Index(const ParamSet&)> size;
    std::function<double(const ParamSet&)> w_bytes;
    // Builds the connectivity from the values and the network seed; empty for a
    // model whose data the io layer reads (`matrix`). Invalid values throw
    // invalid_parameter naming the key.
    std::function<Connectivity(const ParamSet&, std::uint64_t seed)> make;
    // Every declared parameter at its default (required ones left out).
    ParamSet defaults() const;
};

// The built-in models, in the order `ratenet models` lists them.
const std::vector<ModelSpec>& model_specs();
const ModelSpec* find_model(const std::string& name);

// The excitatory-inhibitory family's parameters from its values (the mean-field
// reduction needs them typed).
ExcitatoryInhibitoryParams excitatory_inhibitory_params(const ParamSet& values);
PopulationsParams populations_params(const ParamSet& values);

}  // namespace ratenet
