#pragma once
// The built-in connectivity generators, one header each under
// ratenet/models/ (each opens with its equation, parameters and source), and
// their documentation table for `ratenet models` and the config reader.
#include <string>
#include <vector>

#include "ratenet/models/connectivity.hpp"
#include "ratenet/models/ctln.hpp"
#include "ratenet/models/excitatory_inhibitory.hpp"
#include "ratenet/models/hahnloser_wta.hpp"
#include "ratenet/models/matrix.hpp"
#include "ratenet/models/random_gaussian.hpp"
#include "ratenet/models/ring.hpp"

namespace ratenet {

// Documentation of the built-in models, for `ratenet models` and the config reader.
struct ParamDoc {
    std::string name, type, default_value, description;
};
struct ModelDoc {
    std::string name, equation, source;
    std::vector<ParamDoc> params;
};
const std::vector<ModelDoc>& model_docs();
const ModelDoc* find_model_doc(const std::string& name);

}  // namespace ratenet
