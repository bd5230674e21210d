#pragma once
// Built-in connectivity generators. Each returns W (dense or sparse), an optional
// default input b, and a ModelInfo recorded in output files. docs/models/ has a
// page per model; `ratenet models` prints the table below.
//
// hahnloser_wta          W = alpha I - beta 1 1' (+ gamma on ring neighbours)
//                        Hahnloser, Sarpeshkar, Mahowald, Douglas & Seung, Nature 405:947 (2000)
// random_gaussian        W_ij ~ N(mu/N, g^2/N), or K partners per neuron with N(mu/K, g^2/K)
//                        Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988); Engelken, Wolf & Abbott (2020)
// excitatory_inhibitory  Dale's law: W_ij = c_ij g w_pop(j) / sqrt(p (1 - p) N), c_ij ~ Bernoulli(p)
//                        Kadmon & Sompolinsky, PRX 5:041030 (2015)
// ctln                   W_ii = 0, W_ij = -1 + eps if j -> i, else -1 - delta; b = theta
//                        Curto, Geneson & Morrison, Neural Computation 31:94 (2019)
// ring                   W_ij = (J0 + J1 cos(theta_i - theta_j)) / N, theta_i = 2 pi i / N
//                        Ben-Yishai, Bar-Or & Sompolinsky, PNAS 92:3844 (1995)
// matrix                 W (and optionally b, tau) given by the caller (read from a file by io)
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/network.hpp"

namespace ratenet {

struct Connectivity {
    Eigen::MatrixXd W;
    SparseMatrix W_sparse;
    bool sparse = false;
    std::optional<Eigen::VectorXd> b;  // the model's own input, if it defines one
    ModelInfo info;
    Eigen::Index size() const noexcept { return sparse ? W_sparse.rows() : W.rows(); }
};

struct HahnloserWtaParams {
    Eigen::Index n = 10;
    double alpha = 1.5;   // self-excitation
    double beta = 1.0;    // global inhibition
    double gamma = 0.0;   // excitation between ring neighbours
};
Connectivity make_hahnloser_wta(const HahnloserWtaParams& p);

struct RandomGaussianParams {
    Eigen::Index n = 200;
    double g = 1.5;        // coupling gain (std of the row sums' fluctuations)
    double mu = 0.0;       // mean total coupling per row
    bool zero_diagonal = true;
    bool symmetric = false;  // W = W' (entries above the diagonal drawn, mirrored)
    Eigen::Index k = 0;      // partners per neuron; 0 = all (dense)
    std::uint64_t seed = 1;
};
Connectivity make_random_gaussian(const RandomGaussianParams& p);

struct ExcitatoryInhibitoryParams {
    Eigen::Index n_e = 400;
    Eigen::Index n_i = 100;
    double p = 0.2;        // connection probability
    double g = 1.0;        // overall gain
    double w_e = 1.0;      // relative weight of excitatory synapses (> 0)
    double w_i = -5.0;     // relative weight of inhibitory synapses (< 0)
    bool zero_diagonal = true;
    std::uint64_t seed = 1;
};
Connectivity make_excitatory_inhibitory(const ExcitatoryInhibitoryParams& p);

struct CtlnParams {
    Eigen::Index n = 3;
    std::vector<std::pair<Eigen::Index, Eigen::Index>> edges;  // (j, i): j -> i, 0-based
    double eps = 0.25;
    double delta = 0.5;
    double theta = 1.0;
};
Connectivity make_ctln(const CtlnParams& p);

struct RingParams {
    Eigen::Index n = 64;
    double j0 = -2.0;  // uniform coupling
    double j1 = 3.0;   // tuned coupling
};
Connectivity make_ring(const RingParams& p);

Connectivity make_matrix(Eigen::MatrixXd W, std::string source);

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
