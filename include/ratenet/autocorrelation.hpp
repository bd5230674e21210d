#pragma once
// The population-averaged autocovariance of a network's activity,
//
//   C(tau) = (1/N) sum_i C_i(tau),
//   C_i(tau) = < (y_i(t) - m_i) (y_i(t + tau) - m_i) >_t ,   m_i = < y_i(t) >_t ,
//
// for y = the state (x in the rate form, the current h in the current form)
// and y = the rate (x, or phi(h)), both from one trajectory. For the current
// form of a random network, C of the state is the Delta(tau) - Delta_inf of
// dynamic mean-field theory (Sompolinsky, Crisanti & Sommers, PRL 61:259, 1988;
// Kadmon & Sompolinsky, PRX 5:041030, 2015), and C of the rate is
// <phi(h(t)) phi(h(t + tau))> - <phi>^2.
//
// Estimated from one trajectory: after t_warmup, samples every dt_sample over
// t_sim (T samples); lags 0, dt_sample, ..., max_lag. Each lag k averages the
// T - k products available, so C_i is unbiased for every lag but for the window
// mean m_i (window_bias below). Each neuron's C_i comes from one FFT of its
// zero-padded series (O(T log T) per neuron, not O(T L)); the neurons are
// independent, so the result has the same bits for every thread count.
// The error bar is the standard error of C over neurons, sd_i(C_i) / sqrt(N):
// exact for independent neurons, which large random networks approach
// (cross-covariances are O(1/sqrt N)); over seeds, ratenet_analysis averages.
// Nothing here prints, reads files or parses text.
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <string>

#include "ratenet/integrate.hpp"
#include "ratenet/network.hpp"

namespace ratenet {

struct AutocorrelationOptions {
    // Stepping (method, dt, atol, rtol, bound, noise_seed); its t_start, t_end
    // and dt_out are set from the window below.
    IntegratorOptions integrator;
    double t_warmup = 100.0;   // time unit of tau: discarded transient
    double t_sim = 1000.0;     // length of the window that is sampled
    double dt_sample = 0.1;    // sampling interval = lag resolution
    double max_lag = 50.0;     // largest lag; at most t_sim / 2
    // The samples (N x T doubles) are held in memory: refused above this.
    double max_bytes = 4.0 * (1ull << 30);
    int threads = 0;           // OpenMP threads for the FFTs; 0 = the OpenMP default
    // Polled while integrating: when it becomes true the run ends with status
    // interrupted. Not owned; null = never.
    const std::atomic<bool>* stop = nullptr;

    // Throws invalid_parameter naming the option; n is the network's size (memory).
    void validate(Eigen::Index n) const;
    std::int64_t first_sample() const;  // grid index of the first sample kept
    std::int64_t n_samples() const;     // T
    std::int64_t n_lags() const;     // lags 0 .. max_lag
};

// The estimate for one variable.
struct AutocovarianceEstimate {
    Eigen::VectorXd C;            // autocovariance, (unit of y)^2; NaN unless completed
    Eigen::VectorXd C_error;      // standard error over neurons, sd_i(C_i) / sqrt(N) (0 for N = 1)
    double variance = 0.0;        // C(0)
    // Correlation time: the integral of C(tau) / C(0) over [0, max_lag]
    // (trapezoid rule); NaN when C(0) = 0 (a fixed point).
    double tau_c = 0.0;
    double mean = 0.0;            // time and population average of y
};

struct AutocorrelationResult {
    RunStatus status = RunStatus::completed;
    std::string message;          // why not completed
    Eigen::VectorXd lag;          // time unit of tau
    AutocovarianceEstimate state; // x (rate form) or h (current form)
    AutocovarianceEstimate rate;  // x (rate form) or phi(h) (current form)
};

// Integrates net from x0 and estimates C. Validates net and opt (throws
// invalid_parameter); divergence and interruption are reported in the result.
AutocorrelationResult autocorrelation(const Network& net, const Eigen::VectorXd& x0, const AutocorrelationOptions& opt);

// Autocovariance of one series y[0..T) at lags 0..L-1 around its own mean,
// sum_t (y_t - m)(y_{t+k} - m) / (T - k), by FFT. L <= T. (Exposed for tests.)
Eigen::VectorXd series_autocovariance(const Eigen::VectorXd& y, Eigen::Index L);

// The bias of the estimator from subtracting the window mean: for a stationary
// series with autocovariance c[k] (k = 0..T-1, the lags of the whole window),
// E[estimate at lag k] - c[k]
//   = -1/(T-k) sum_{t<T-k} (a_t + a_{t+k}) + v,   a_t = (1/T) sum_s c[|s-t|],
//     v = (1/T^2) sum_{s,s'} c[|s-s'|],
// for k = 0..L-1: about -2 tau_c C(0) / (T dt_sample) at every lag. c shorter
// than T is taken as zero beyond its end. O(T) after an O(T) prefix sum.
Eigen::VectorXd window_bias(const Eigen::VectorXd& c, std::int64_t T, Eigen::Index L);

// Dynamic mean-field theory for the tanh network of Sompolinsky, Crisanti &
// Sommers (current form, J_ij ~ N(0, g^2 / N), no input) on the grid of opt:
// Delta(tau) of the state and C(Delta(tau)) of the rate (meanfield.hpp), both
// zero for g <= 1, where h = 0 is stable, and the window bias of each.
struct DmftAutocovariance {
    bool ok = false;
    std::string message;          // why not ok
    Eigen::VectorXd state, rate;  // the theory at lags 0..L-1
    Eigen::VectorXd state_bias, rate_bias;   // window_bias of each
    double delta0 = 0.0;          // Delta(0)
    double tau_c = 0.0;           // as AutocovarianceEstimate::tau_c, of the theory; NaN for g <= 1
    double rate_variance = 0.0, rate_tau_c = 0.0;
};
DmftAutocovariance tanh_dmft_autocovariance(double g, const AutocorrelationOptions& opt);

}  // namespace ratenet
