#pragma once
// Integration of a network from x0 over [t_start, t_end], with samples on the
// output grid t_k = t_start + k dt_out handed to an observer. Boost.Odeint does
// the stepping (hidden in integrate.cpp); ratenet checks finiteness and bounds
// after every step, because odeint does not notice NaN.
#include <Eigen/Core>
#include <cstdint>
#include <string>

#include "ratenet/network.hpp"

namespace ratenet {

enum class Method {
    euler,   // explicit Euler, fixed step dt (Euler-Maruyama with noise)
    rk4,     // classical Runge-Kutta, fixed step dt
    dopri5   // Dormand-Prince 5(4), adaptive with atol/rtol, dense output on the grid
};
std::string_view to_string(Method m) noexcept;
bool parse_method(std::string_view name, Method& out) noexcept;

struct IntegratorOptions {
    Method method = Method::dopri5;
    double t_start = 0.0;      // time unit of tau
    double t_end = 100.0;
    double dt = 0.01;          // fixed step (euler, rk4, noise); first trial step (dopri5)
    double dt_out = 0.1;       // output grid spacing
    double atol = 1e-8;        // dopri5 absolute tolerance (state units)
    double rtol = 1e-6;        // dopri5 relative tolerance
    double steady_tol = 0.0;   // stop when ||dx/dt||_inf < steady_tol (per time unit); 0 = never
    double bound = 1e6;        // |x_i| above this counts as divergence
    std::uint64_t noise_seed = 3;

    // Throws invalid_parameter naming the option ("dt", "t_end", ...).
    void validate() const;
    // Number of samples on the output grid, t_start and t_end included when on it.
    std::int64_t n_samples() const;
    double sample_time(std::int64_t k) const { return t_start + static_cast<double>(k) * dt_out; }
};

enum class RunStatus { completed, diverged, interrupted };
std::string_view to_string(RunStatus s) noexcept;

struct RunResult {
    RunStatus status = RunStatus::completed;
    std::string message;          // empty when completed
    double t_final = 0.0;         // time of the last sample delivered
    bool steady_state = false;    // stopped early because ||dx/dt||_inf < steady_tol
    std::int64_t samples = 0;     // samples delivered to the observer
    std::int64_t steps = 0;       // integrator steps taken
    std::int64_t bad_neuron = -1; // first offending neuron when diverged
    double t_bad = 0.0;           // time at which divergence was detected
};

// Receives samples in time order. should_stop() is polled after every step and
// every sample (for SIGINT/SIGTERM handling in the CLI).
class TrajectoryObserver {
public:
    virtual ~TrajectoryObserver() = default;
    virtual void observe(double t, const Eigen::VectorXd& x) = 0;
    virtual bool should_stop() { return false; }
};

// Integrates net from x0. Validates net and opt first (throws invalid_parameter);
// trouble of the dynamics (divergence, a step size odeint cannot control) is
// reported in the result, never thrown; an exception thrown by the observer
// (its file is full, say) propagates unchanged.
RunResult integrate(const Network& net, const Eigen::VectorXd& x0, const IntegratorOptions& opt,
                    TrajectoryObserver& observer);

// An ensemble: S initial conditions of one network (the columns of X, N x S)
// integrated together, so each right-hand side is one matrix-matrix product.
// Every member takes the same steps (dopri5 controls the error of the worst);
// the members' noise is drawn in column order from the one noise stream.
class EnsembleObserver {
public:
    virtual ~EnsembleObserver() = default;
    virtual void observe(double t, const Eigen::MatrixXd& X) = 0;
    virtual bool should_stop() { return false; }
};
// bad_neuron in the result is the linear index i + N s of the first bad entry.
RunResult integrate_ensemble(const Network& net, const Eigen::MatrixXd& X0, const IntegratorOptions& opt,
                             EnsembleObserver& observer);

}  // namespace ratenet
