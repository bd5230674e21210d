#pragma once
// Reading matrices and vectors from user files: HDF5 datasets, NumPy .npy
// (little-endian float64/float32/int64/int32, C or Fortran order) and CSV
// (comma, whitespace or semicolon separated; '#' starts a comment).
#include <Eigen/Core>
#include <string>
#include <utility>

namespace ratenet::io {

// The shape a matrix file declares, read without loading the values (.h5 and
// .npy; {-1, -1} for text files, whose size bounds what they can hold). A 1-D
// array has one column.
std::pair<Eigen::Index, Eigen::Index> matrix_file_shape(const std::string& path, const std::string& dataset = "W");

// Reads a 2-D array. For HDF5, dataset names the dataset (default "W").
Eigen::MatrixXd read_matrix(const std::string& path, const std::string& dataset = "W");
// Reads a 1-D array (a 2-D array with one row or column is accepted).
Eigen::VectorXd read_vector(const std::string& path, const std::string& dataset);

// Writes a float64 C-order .npy file (used by tests and tools).
void write_npy(const std::string& path, const Eigen::MatrixXd& m);

}  // namespace ratenet::io
