#pragma once
// What a model generator returns: W (dense or sparse), an optional default input
// b, and a description recorded in output files.
#include <Eigen/Core>
#include <optional>

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

}  // namespace ratenet
