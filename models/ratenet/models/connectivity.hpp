#pragma once
// What a model generator returns: W (dense or sparse), an optional default input
// b, and a description recorded in output files.
#include <Eigen/Core>
#include <optional>
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
    // Models with populations: the first neuron of each (contiguous ranges); empty otherwise.
    std::vector<Eigen::Index> population_start;
    Eigen::Index size() const noexcept { return sparse ? W_sparse.rows() : W.rows(); }

    Connectivity() = default;
    Connectivity(const Connectivity&) = default;
    Connectivity& operator=(const Connectivity&) = default;
    // Eigen 3.4's SparseMatrix has no move operations (a "move" copies), so the
    // moves hand W_sparse over by swapping: a large sparse network is never copied.
    Connectivity(Connectivity&& o) noexcept
        : W(std::move(o.W)), sparse(o.sparse), b(std::move(o.b)), info(std::move(o.info)),
          population_start(std::move(o.population_start)) {
        W_sparse.swap(o.W_sparse);
    }
    Connectivity& operator=(Connectivity&& o) noexcept {
        W = std::move(o.W);
        W_sparse.swap(o.W_sparse);
        sparse = o.sparse;
        b = std::move(o.b);
        info = std::move(o.info);
        population_start = std::move(o.population_start);
        return *this;
    }
};

}  // namespace ratenet
