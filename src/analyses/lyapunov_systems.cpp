// The network as a tangent system for the Lyapunov engine (reference systems
// with known spectra are in tests/support/tangent_systems.hpp).
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

}  // namespace ratenet
