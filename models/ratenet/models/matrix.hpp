#pragma once
// matrix: a coupling matrix given by the user.
//
//   W as read from a file (the io layer reads HDF5 datasets, .npy and .csv)
//
// Parameters (config): path, dataset (HDF5), b_path, tau_path, sparse.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

Connectivity make_matrix(Eigen::MatrixXd W, std::string source);

}  // namespace ratenet
