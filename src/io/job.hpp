#pragma once
// Builds the numerical core's inputs from a Config: the network (model, form,
// transfer function, input), seeds, initial state and integrator options. All
// shape and memory checks happen here, before any large allocation.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "io/config.hpp"
#include "ratenet/autocorrelation.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models/spec.hpp"
#include "ratenet/network.hpp"

namespace ratenet::io {

struct Seeds {
    std::uint64_t network = 1;  // connectivity
    std::uint64_t initial = 2;  // initial condition
    std::uint64_t noise = 3;    // input noise
    std::uint64_t tangent = 4;  // initial orthonormal system (Lyapunov)
};
Seeds read_seeds(const Config& cfg);

// Refuses a job that would need more memory than the machine has; `what` names
// the large object for the message. key is the config key that sets the size.
void check_memory(const Config& cfg, const std::string& key, double bytes, const std::string& what);

// A model's [model] keys, by its declaration (defaults filled in, types
// checked); m remembers the keys read, for its finish().
ParamSet read_model_params(Section& m, const ModelSpec& spec);

// [model], [network], [transfer], [input]. Throws invalid_parameter with the file.
Network read_network(const Config& cfg, const Seeds& seeds);

// [initial]: x0 = number or per-neuron array (default 0), plus random_std *
// N(0, 1) drawn from the seeds.initial stream.
Eigen::VectorXd read_initial(const Config& cfg, const Network& net, const Seeds& seeds);

struct RecordOptions {
    std::vector<Eigen::Index> neurons;  // empty = all
    bool float32 = false;
    int gzip = 0;                       // 0..9
    double flush_seconds = 1.0;         // at most this much work lost on a kill
};

struct SimulateJob {
    IntegratorOptions integrator;
    RecordOptions record;
    // network.precision = "float32": the run's first precision_check_time time
    // units are also integrated in float64, and the largest difference is stored
    // in the file (/network attributes float32_*). 0 = no check.
    double precision_check_time = 10.0;
};
// [simulate]
SimulateJob read_simulate(const Config& cfg, const Network& net, const Seeds& seeds);

// [autocorrelation]: the window (t_warmup, t_sim, dt_sample, max_lag), the
// variable (state | rate) and the stepping (method, dt, atol, rtol, bound);
// the noise comes from seeds.noise.
AutocorrelationOptions read_autocorrelation(const Config& cfg, const Network& net, const Seeds& seeds);

// Rethrows an invalid_parameter from the numerical core as coming from the file,
// with its key inside `section`.
[[noreturn]] void rethrow_in(const Config& cfg, const std::string& section);

}  // namespace ratenet::io
