#include "ratenet/models.hpp"

namespace ratenet {

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
