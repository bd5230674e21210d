#pragma once
// The population-averaged autocovariance of a network's activity,
//
//   C(tau) = (1/N) sum_i < (y_i(t) - m_i) (y_i(t + tau) - m_i) >_t ,   m_i = < y_i(t) >_t ,
//
// with y = the state (x in the rate form, the current h in the current form) or
// y = the rate (x, or phi(h)). For the current form of a random network, C of
// the state is the Delta(tau) - Delta_inf of dynamic mean-field theory
// (Sompolinsky, Crisanti & Sommers, PRL 61:259, 1988; Kadmon & Sompolinsky,
// PRX 5:041030, 2015). Estimated from one trajectory: after t_warmup, samples
// every dt_sample over t_sim; lags 0, dt_sample, ..., max_lag. Each lag k averages
// the T - k products available (T samples), so C is unbiased for every lag.
// Nothing here prints, reads files or parses text.
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "ratenet/integrate.hpp"
#include "ratenet/network.hpp"

namespace ratenet {

enum class CorrelatedVariable { state, rate };
std::string_view to_string(CorrelatedVariable v) noexcept;
bool parse_correlated_variable(std::string_view name, CorrelatedVariable& out) noexcept;

struct AutocorrelationOptions {
    // Stepping (method, dt, atol, rtol, bound, noise_seed); its t_start, t_end
    // and dt_out are set from the window below.
    IntegratorOptions integrator;
    double t_warmup = 100.0;   // time unit of tau: discarded transient
    double t_sim = 1000.0;     // length of the window that is sampled
    double dt_sample = 0.1;    // sampling interval = lag resolution
    double max_lag = 50.0;     // largest lag; at most t_sim / 2
    CorrelatedVariable variable = CorrelatedVariable::state;
    // The samples (N x T doubles) are held in memory: refused above this.
    double max_bytes = 4.0 * (1ull << 30);
    // Polled while integrating: when it becomes true the run ends with status
    // interrupted. Not owned; null = never.
    const std::atomic<bool>* stop = nullptr;

    // Throws invalid_parameter naming the option; n is the network's size (memory).
    void validate(Eigen::Index n) const;
    std::int64_t first_sample() const;  // grid index of the first sample kept
    std::int64_t n_samples() const;     // T
    std::int64_t n_lags() const;     // lags 0 .. max_lag
};

struct AutocorrelationResult {
    RunStatus status = RunStatus::completed;
    std::string message;          // why not completed
    Eigen::VectorXd lag;          // time unit of tau
    Eigen::VectorXd C;            // autocovariance, (unit of y)^2; NaN unless completed
    double variance = 0.0;        // C(0)
    // Correlation time: the integral of C(tau) / C(0) over [0, max_lag]
    // (trapezoid rule); NaN when C(0) = 0 (a fixed point).
    double tau_c = 0.0;
    double mean = 0.0;            // time and population average of y
};

// Integrates net from x0 and estimates C. Validates net and opt (throws
// invalid_parameter); divergence and interruption are reported in the result.
AutocorrelationResult autocorrelation(const Network& net, const Eigen::VectorXd& x0, const AutocorrelationOptions& opt);

}  // namespace ratenet
