// The network as a tangent system for the Lyapunov engine (reference systems
// with known spectra are in tests/support/tangent_systems.hpp).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"

namespace ratenet {

NetworkTangentSystem::NetworkTangentSystem(const Network& net, bool use_active_rows, bool mixed)
    : net_(net), use_active_rows_(use_active_rows), ws_(net.size()) {
    net_.validate();
    if (mixed) f32_ = net_.W32 ? net_.W32 : float32_coupling(net_);
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
    const Eigen::Index active = ratenet::jacobian_times(net_, t, x, Q, out, ws_, use_active_rows_, f32_.get());
    if (f32_ && products_ % probe_stride == 0) {
        ratenet::jacobian_times(net_, t, x, Q, probe_, ws_, use_active_rows_, nullptr);
        double worst = 0.0;
        for (Eigen::Index j = 0; j < Q.cols(); ++j) {
            const double q = Q.col(j).norm();
            if (q > 0) worst = std::max(worst, (out.col(j) - probe_.col(j)).norm() / q);
        }
        probe_sum_ += worst;
        ++probes_;
    }
    active_sum_ += static_cast<double>(active);
    ++products_;
}

double NetworkTangentSystem::mixed_error_rate() const noexcept {
    return probes_ > 0 ? probe_sum_ / static_cast<double>(probes_) : std::nan("");
}

std::string mixed_precision_check(const Eigen::VectorXd& exponents, const Eigen::VectorXd& errors, double eps) {
    if (exponents.size() == 0 || !std::isfinite(eps)) return "";
    double min_se = INFINITY, min_gap = INFINITY;
    Eigen::Index se_at = 0, gap_at = 0;
    for (Eigen::Index i = 0; i < errors.size(); ++i)
        if (errors[i] < min_se) min_se = errors[i], se_at = i;
    for (Eigen::Index i = 0; i + 1 < exponents.size(); ++i)
        if (exponents[i] - exponents[i + 1] < min_gap) min_gap = exponents[i] - exponents[i + 1], gap_at = i;
    std::ostringstream ss;
    ss.precision(3);
    if (eps > 0.1 * min_se)
        ss << "float32 tangent error rate " << eps << " is not small against the standard error " << min_se
           << " of exponent " << se_at + 1 << ": use lyapunov.precision = \"float64\"";
    else if (eps > 0.1 * min_gap)
        ss << "float32 tangent error rate " << eps << " is not small against the gap " << min_gap
           << " between exponents " << gap_at + 1 << " and " << gap_at + 2
           << " (nearly degenerate): use lyapunov.precision = \"float64\"";
    return ss.str();
}

double NetworkTangentSystem::jacobian_trace(double t, const Eigen::VectorXd& x) {
    return ratenet::jacobian_trace(net_, t, x, ws_);
}

double NetworkTangentSystem::mean_active() const noexcept {
    return products_ > 0 ? active_sum_ / static_cast<double>(products_) : static_cast<double>(net_.size());
}

}  // namespace ratenet
