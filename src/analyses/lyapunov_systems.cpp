// Tangent systems for the Lyapunov engine: the network adapter and two
// reference systems with known spectra (linear, Lorenz-63).
#include <utility>

#include "linalg/dense.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"

namespace ratenet {

NetworkTangentSystem::NetworkTangentSystem(const Network& net, bool use_active_rows)
    : net_(net), use_active_rows_(use_active_rows), ws_(net.size()) {
    net_.validate();
    // The spectrum of the noisy system is a different object (random dynamical system);
    // the engine integrates the deterministic flow only.
    if (net_.input.noise_sigma != 0.0)
        throw invalid_parameter("noise_sigma", format_value(net_.input.noise_sigma),
                                "must be 0: Lyapunov spectra are computed for the deterministic dynamics");
    diag_w_ = net_.sparse ? Eigen::VectorXd(net_.W_sparse.diagonal()) : Eigen::VectorXd(net_.W.diagonal());
}

void NetworkTangentSystem::rhs(double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) {
    ratenet::rhs(net_, t, x, dxdt, ws_);
}

void NetworkTangentSystem::jacobian_times(double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q,
                                          Eigen::MatrixXd& out) {
    const Eigen::Index active = ratenet::jacobian_times(net_, t, x, Q, out, ws_, use_active_rows_);
    active_sum_ += static_cast<double>(active);
    ++products_;
}

double NetworkTangentSystem::jacobian_trace(double t, const Eigen::VectorXd& x) {
    return ratenet::jacobian_trace(net_, t, x, ws_);
}

double NetworkTangentSystem::mean_active() const noexcept {
    return products_ > 0 ? active_sum_ / static_cast<double>(products_) : static_cast<double>(net_.size());
}

LinearTangentSystem::LinearTangentSystem(Eigen::MatrixXd A) : A_(std::move(A)) {
    if (A_.rows() != A_.cols() || A_.rows() == 0)
        throw invalid_parameter("A", std::to_string(A_.rows()) + "x" + std::to_string(A_.cols()),
                                "must be a non-empty square matrix");
    if (!A_.allFinite()) throw invalid_parameter("A", "non-finite", "must be finite");
}

void LinearTangentSystem::rhs(double /*t*/, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) {
    dxdt.noalias() = A_ * x;
}

void LinearTangentSystem::jacobian_times(double /*t*/, const Eigen::VectorXd& /*x*/, const Eigen::MatrixXd& Q,
                                         Eigen::MatrixXd& out) {
    out.resize(A_.rows(), Q.cols());
    linalg::gemm(1.0, A_, Q, 0.0, out);
}

double LinearTangentSystem::jacobian_trace(double /*t*/, const Eigen::VectorXd& /*x*/) { return A_.trace(); }

void Lorenz63System::rhs(double /*t*/, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) {
    dxdt.resize(3);
    dxdt[0] = sigma_ * (x[1] - x[0]);
    dxdt[1] = x[0] * (rho_ - x[2]) - x[1];
    dxdt[2] = x[0] * x[1] - beta_ * x[2];
}

void Lorenz63System::jacobian_times(double /*t*/, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q,
                                    Eigen::MatrixXd& out) {
    Eigen::Matrix3d J;
    J << -sigma_, sigma_, 0.0,
         rho_ - x[2], -1.0, -x[0],
         x[1], x[0], -beta_;
    out.noalias() = J * Q;
}

double Lorenz63System::jacobian_trace(double /*t*/, const Eigen::VectorXd& /*x*/) { return -(sigma_ + 1.0 + beta_); }

}  // namespace ratenet
