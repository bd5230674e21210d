#pragma once
// Threshold-linear analyses from a config: [permitted] and [fixed_points]
// options, the network reduced to the relu rate form, and the /permitted and
// /fixed_points groups (docs/file-format.md).
#include <Eigen/Core>

#include "io/config.hpp"
#include "io/h5.hpp"
#include "ratenet/network.hpp"
#include "ratenet/tln.hpp"

namespace ratenet::io {

// relu_form (ratenet/tln.hpp) with the config's file named in its errors.
ReluForm tln_problem(const Config& cfg, const Network& net, const std::string& analysis);

struct PermittedJob {
    PermittedOptions options;
    CopositivityOptions copositivity;
    bool verify = false;
    SimulationCheckOptions verify_options;
};
PermittedJob read_permitted(const Config& cfg);
FixedPointOptions read_fixed_points(const Config& cfg, const Network& net);

void write_permitted_group(const h5::File& f, const PermittedResult& r, const CopositivityResult& c,
                           const SimulationCheckResult* verify);
void write_fixed_points_group(const h5::File& f, const FixedPointResult& r, const FixedPointOptions& opt);

}  // namespace ratenet::io
