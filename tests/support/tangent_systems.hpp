#pragma once
// Reference systems with known Lyapunov spectra, for the tests of the engine
// (and of anything built on it): a linear flow and Lorenz-63.
#include <Eigen/Core>
#include <stdexcept>
#include <string>
#include <utility>

#include "linalg/dense.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"

namespace ratenet_test {

// dx/dt = A x: the exponents are the real parts of eig(A).
class LinearTangentSystem final : public ratenet::TangentSystem {
public:
    explicit LinearTangentSystem(Eigen::MatrixXd A) : A_(std::move(A)) {
        if (A_.rows() != A_.cols() || A_.rows() == 0)
            throw ratenet::invalid_parameter("A", std::to_string(A_.rows()) + "x" + std::to_string(A_.cols()),
                                             "must be a non-empty square matrix");
        if (!A_.allFinite()) throw ratenet::invalid_parameter("A", "non-finite", "must be finite");
    }
    Eigen::Index dimension() const override { return A_.rows(); }
    void rhs(double /*t*/, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) override { dxdt.noalias() = A_ * x; }
    void jacobian_times(double /*t*/, const Eigen::VectorXd& /*x*/, const Eigen::MatrixXd& Q, Eigen::MatrixXd& out) override {
        out.resize(A_.rows(), Q.cols());
        ratenet::linalg::gemm(1.0, A_, Q, 0.0, out);
    }
    double jacobian_trace(double /*t*/, const Eigen::VectorXd& /*x*/) override { return A_.trace(); }

private:
    Eigen::MatrixXd A_;
};

// Lorenz-63: x' = s (y - x), y' = x (r - z) - y, z' = x y - b z. Trace -(s + 1 + b).
// Reference spectrum for (10, 28, 8/3): (0.906, 0, -14.572), D_KY 2.062.
class Lorenz63System final : public ratenet::TangentSystem {
public:
    explicit Lorenz63System(double sigma = 10.0, double rho = 28.0, double beta = 8.0 / 3.0)
        : sigma_(sigma), rho_(rho), beta_(beta) {}
    Eigen::Index dimension() const override { return 3; }
    void rhs(double /*t*/, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) override {
        dxdt.resize(3);
        dxdt[0] = sigma_ * (x[1] - x[0]);
        dxdt[1] = x[0] * (rho_ - x[2]) - x[1];
        dxdt[2] = x[0] * x[1] - beta_ * x[2];
    }
    void jacobian_times(double /*t*/, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q, Eigen::MatrixXd& out) override {
        Eigen::Matrix3d J;
        J << -sigma_, sigma_, 0.0,
             rho_ - x[2], -1.0, -x[0],
             x[1], x[0], -beta_;
        out.noalias() = J * Q;
    }
    double jacobian_trace(double /*t*/, const Eigen::VectorXd& /*x*/) override { return -(sigma_ + 1.0 + beta_); }

private:
    double sigma_, rho_, beta_;
};

}  // namespace ratenet_test
