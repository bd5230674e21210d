#pragma once
// The network: an immutable description shared by every run, thread and sweep
// point (mutable scratch space lives in dynamics' Workspace).
//
//   rate form    (Hahnloser; Curto & Morrison):   tau_i dx_i/dt = -x_i + phi( sum_j W_ij x_j + b_i(t) )
//   current form (Sompolinsky et al.; Engelken): tau_i dh_i/dt = -h_i + sum_j W_ij phi(h_j) + b_i(t)
//
// W is dense (Eigen::MatrixXd) or sparse (row-major CSR). b(t) is a constant
// vector, replaced inside the intervals of a piecewise-constant schedule. tau is
// in the model's time unit (all times in ratenet share that unit).
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <memory>
#include <string>
#include <utility>
#include <optional>
#include <vector>

#include "ratenet/frozen_noise.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet {

enum class Form { rate, current };
std::string_view to_string(Form f) noexcept;

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t>;
using SparseMatrixF = Eigen::SparseMatrix<float, Eigen::RowMajor, std::int64_t>;

// W rounded to float32, for products in single precision: the right-hand side
// under network.precision = "float32", the tangent products under
// lyapunov.precision = "mixed". The state and every sum outside the product stay
// float64.
struct CouplingF32 {
    Eigen::MatrixXf W;           // when the network is dense
    SparseMatrixF W_sparse;      // when it is sparse (same pattern as W_sparse)
};

// One interval of a piecewise-constant input: b(t) = b for t_start <= t < t_end.
struct InputSegment {
    double t_start = 0.0;
    double t_end = 0.0;
    Eigen::VectorXd b;
};

// A periodic drive added to the input (Rajan, Abbott & Sompolinsky, PRE
// 82:011903, 2010): amplitude_i sin(2 pi frequency t + phase_i).
struct Sinusoid {
    Eigen::VectorXd amplitude;   // per neuron (input units)
    Eigen::VectorXd phase;       // per neuron (radians)
    double frequency = 0.0;      // cycles per unit time
};

struct Input {
    Eigen::VectorXd b;                    // b(t) outside every segment
    std::vector<InputSegment> schedule;   // sorted, non-overlapping
    double noise_sigma = 0.0;             // additive white noise: dx_i = f_i(x) dt + sigma dW_i (Euler-Maruyama)
    std::optional<Sinusoid> sinusoid;     // a drive that varies within segments
    std::shared_ptr<const FrozenNoise> frozen_noise;  // a seeded noise realisation added to b(t)

    // The piecewise-constant part of b(t); segments are half-open [t_start, t_end).
    const Eigen::VectorXd& at(double t) const noexcept;
    // The whole b(t): at(t) itself, or at(t) plus the drive written into buf.
    const Eigen::VectorXd& at(double t, Eigen::VectorXd& buf) const;
    // The drive alone added to base (a segment's b): buf = base + drive(t).
    const Eigen::VectorXd& with_drive(const Eigen::VectorXd& base, double t, Eigen::VectorXd& buf) const;
    // The segment edges strictly inside (t0, t1), sorted: the integrator restarts there.
    std::vector<double> breakpoints(double t0, double t1) const;
    // A drive that varies within segments (sinusoid, frozen noise): never at rest.
    bool has_drive() const noexcept { return sinusoid.has_value() || frozen_noise != nullptr; }
    bool is_constant() const noexcept { return schedule.empty() && !has_drive(); }
};

// Where a network came from, recorded in output files.
struct ModelInfo {
    std::string name = "custom";
    std::vector<std::pair<std::string, std::string>> parameters;  // (key, value as text)
};

struct Network {
    Form form = Form::rate;
    Transfer phi;
    Eigen::MatrixXd W;        // dense coupling, used when !sparse
    SparseMatrix W_sparse;    // CSR coupling, used when sparse
    bool sparse = false;
    Eigen::VectorXd tau;      // time constants, > 0
    Input input;
    ModelInfo model;
    // Set: the right-hand side's products with W run in float32 from this copy
    // (network.precision = "float32"); W itself is kept, for the file and for the
    // analyses that need it exact. Shared between copies of the network.
    std::shared_ptr<const CouplingF32> W32;

    Eigen::Index size() const noexcept { return tau.size(); }
    // Checks shapes and values: square finite W, tau > 0, b and every segment of
    // length N, finite; segments sorted and disjoint; noise_sigma >= 0; the transfer
    // function's parameters. Throws invalid_parameter naming the field.
    void validate() const;
    // W as a dense matrix (a copy when sparse).
    Eigen::MatrixXd dense_W() const;
};

// W rounded to float32 (round to nearest); dense or sparse as the network is.
std::shared_ptr<const CouplingF32> float32_coupling(const Network& net);

// An uninitialised rows x cols matrix for a coupling matrix W. Large ones (>= 16 MiB)
// ask the kernel for transparent huge pages before the first write (Linux, where
// THP is "madvise" or "always"): a matrix-vector product streams all of W, and
// 2 MiB pages spare the TLB and let the prefetchers run across 4 KiB boundaries.
Eigen::MatrixXd coupling_matrix(Eigen::Index rows, Eigen::Index cols);

}  // namespace ratenet
