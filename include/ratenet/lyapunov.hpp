#pragma once
// Lyapunov spectra by the QR method (Benettin et al. 1980; Shimada & Nagashima
// 1979) as used by Engelken, Wolf & Abbott, arXiv:2006.02427.
//
// The state x and k tangent vectors Q (an n x k matrix) are propagated
// together; every t_ons the tangent vectors are re-orthonormalised by
// Householder QR (Q R = Q_old, signs fixed so that diag R > 0) and log R_ii is
// accumulated. lambda_i = sum log R_ii / (accumulated time).
//
// Two different dynamical objects, chosen by LyapunovDynamics:
//   flow_rk4   the continuous-time flow dx/dt = f(t, x). State and tangent
//              (dQ/dt = J(t, x(t)) Q) advance together with classical RK4 of step
//              dt. The QR sums are then the exponents of the RK4 map, which
//              converge to those of the flow as O(dt^4).
//   euler_map  Engelken's explicit Euler map x <- x + dt f(x), Q <- Q + dt J Q
//              (current form, tau = 1: (1 - dt) h + dt W phi(h) and
//              (1 - dt) I + dt W diag(phi')). Its exponents are reported per unit
//              time, log|R_ii| / t; they are those of the map, not of the flow:
//              e.g. a uniform contraction -1 of the flow becomes ln(1 - dt)/dt.
//
// Phases (all in whole ONS intervals): t_warmup of state only (transient), then
// t_ons_warmup with the tangent vectors aligning but nothing accumulated, then
// t_sim of accumulation. Time starts at 0 at the beginning of the warm-up.
//
// The engine works on any TangentSystem; NetworkTangentSystem adapts a Network.
// Nothing here reads files or prints: results leave through LyapunovResult and
// the LyapunovObserver (stop requests, checkpoints).
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ratenet/dynamics.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/network.hpp"

namespace ratenet {

// A system with its tangent dynamics. The engine calls the methods from one
// thread; they may keep scratch space (hence non-const).
class TangentSystem {
public:
    virtual ~TangentSystem() = default;
    virtual Eigen::Index dimension() const = 0;
    // dxdt = f(t, x).
    virtual void rhs(double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) = 0;
    // out = J(t, x) Q for an n x k matrix Q: one matrix-matrix product, never a loop of
    // matrix-vector products. out does not alias Q.
    virtual void jacobian_times(double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q,
                                Eigen::MatrixXd& out) = 0;
    // trace J(t, x).
    virtual double jacobian_trace(double t, const Eigen::VectorXd& x) = 0;
};

// A rate network (either form) with ratenet::rhs / jacobian_times / jacobian_trace.
// Refuses noisy networks (the spectrum of a stochastic flow is another object).
// With use_active_rows and a threshold-linear phi only the active neurons' rows
// (rate form) or columns (current form) of W enter the tangent product.
class NetworkTangentSystem final : public TangentSystem {
public:
    // mixed: the tangent products run in float32 (a float32 copy of W, Q rounded
    // per product); the state, the QR and the sums of logs stay float64.
    explicit NetworkTangentSystem(const Network& net, bool use_active_rows = true, bool mixed = false);
    Eigen::Index dimension() const override { return net_.size(); }
    void rhs(double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) override;
    void jacobian_times(double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q, Eigen::MatrixXd& out) override;
    double jacobian_trace(double t, const Eigen::VectorXd& x) override;
    // Mean number of neurons taking part in the tangent products so far (N unless
    // the active-row path is used).
    double mean_active() const noexcept;
    std::int64_t products() const noexcept { return products_; }
    // mixed: the float32 error of the tangent products, measured against float64
    // every probe_stride-th product: the mean over probes of max_j |(K32 - K64) e_j| / |Q e_j|,
    // a perturbation rate of the tangent flow (1/time). NaN before the first probe.
    double mixed_error_rate() const noexcept;
    static constexpr std::int64_t probe_stride = 256;

private:
    const Network& net_;
    bool use_active_rows_;
    std::shared_ptr<const CouplingF32> f32_;   // mixed only
    Eigen::MatrixXd probe_;
    double probe_sum_ = 0.0;
    std::int64_t probes_ = 0;
    Workspace ws_;
    Eigen::VectorXd diag_w_;       // diag(W), for the trace
    double active_sum_ = 0.0;
    std::int64_t products_ = 0;
};

enum class LyapunovDynamics { flow_rk4, euler_map };
std::string_view to_string(LyapunovDynamics d) noexcept;
bool parse_lyapunov_dynamics(std::string_view name, LyapunovDynamics& out) noexcept;

enum class LyapunovPhase { warmup, ons_warmup, accumulate, done };
std::string_view to_string(LyapunovPhase p) noexcept;

struct LyapunovOptions {
    LyapunovDynamics dynamics = LyapunovDynamics::flow_rk4;
    std::optional<Eigen::Index> k;    // number of exponents, 1..n; unset = all (n)
    double dt = 0.01;              // integration step (flow) or map step (euler_map)
    double t_ons = 1.0;            // re-orthonormalisation interval; a multiple of dt
    // Phase lengths, each rounded to the nearest whole number of ONS intervals
    // (the result reports the times used). Engelken's defaults: transient 100,
    // orthonormal-system warm-up a tenth of t_sim.
    double t_warmup = 100.0;
    double t_ons_warmup = 100.0;
    double t_sim = 1000.0;         // accumulation; at least t_ons
    std::uint64_t seed_initial = 1;   // x0 ~ N(0, init_sd^2) from Rng(seed_initial, Stream::initial)
    std::uint64_t seed_tangent = 1;   // Q0 from Gaussian columns, Rng(seed_tangent, Stream::tangent)
    double init_sd = 1.0;
    Eigen::VectorXd x0;            // initial state; empty = drawn from seed_initial
    double bound = 1e6;            // |x_i| above this counts as divergence
    int n_blocks = 20;             // blocks for the error estimate, >= 2
    Eigen::Index trace_rows = 1000;   // at most this many rows of running estimates; 0 = none
    // Finite-time (local) exponents over consecutive windows of this length during
    // the accumulation, rounded to whole ONS intervals; 0 = none. A trailing
    // partial window is left out.
    double t_local = 0.0;
    // Covariant Lyapunov vectors (Ginelli et al., PRL 99:130601, 2007) over the
    // last clv_window of the accumulation, clv_backward after it being the
    // backward transient (both rounded to whole ONS intervals, together at most
    // t_sim); 0 = none. Holds clv_window / t_ons matrices n x k in memory.
    double clv_window = 0.0;
    double clv_backward = 100.0;
    double clv_max_bytes = 4.0 * (1ull << 30);   // refused above this
    bool clv_vectors = false;      // for the writer: store the vectors themselves (the result always holds them)
    bool twin = false;             // cross-check lambda_1 with a renormalised twin trajectory
    double twin_d0 = 1e-8;         // twin separation after each renormalisation
    // euler_map only: also accumulate log|det(I + dt J)| per step (O(n^3) per step:
    // one n x n product and one LU), the exact counterpart of the sum of exponents.
    bool volume_check = false;
    bool use_active_rows = true;   // for the Network overload (threshold-linear phi)
    bool mixed_precision = false;  // Network overload: float32 tangent products (dense W: SGEMM; sparse: CSR)
    std::int64_t checkpoint_every = 0;   // emit a checkpoint every this many ONS intervals; 0 = never
    // OpenMP threads for the products and the QR; 0 = automatic: one thread below
    // n^2 k = 8e6 (fork/join would dominate), else the OpenMP default. The kernels
    // split work in blocks fixed by the shapes (src/linalg), so results have the
    // same bits for every thread count.
    int threads = 0;

    // Checks the options alone; with n, also k <= n and the size of x0.
    // Throws invalid_parameter naming the key ("k", "dt", "t_ons", "t_sim", ...).
    void validate() const;
    void validate(Eigen::Index n) const;

    // Derived schedule (validate first).
    std::int64_t steps_per_ons() const;
    std::int64_t warmup_intervals() const;
    std::int64_t ons_warmup_intervals() const;
    std::int64_t accumulate_intervals() const;
    std::int64_t local_intervals() const;   // ONS intervals per local window; 0 = none
    std::int64_t clv_window_intervals() const;     // 0 = no covariant vectors
    std::int64_t clv_backward_intervals() const;
};

// Covariant Lyapunov vectors at the ends of the ONS intervals of the window.
// V_t = Q_t C_t with C_t upper triangular: C is iterated backwards from a random
// upper-triangular start through C_{t-1} ~ R_t^-1 C_t (columns normalised), so
// each V_t column i spans, with the first i - 1, the same space as Q_t's first
// i, and is carried by the tangent flow into itself (up to its length).
struct CovariantVectors {
    Eigen::VectorXd times;                 // absolute times of the window's interval ends
    Eigen::MatrixXd states;                // n x times: the state there
    std::vector<Eigen::MatrixXd> vectors;  // n x k each, unit columns, in the order of the QR (largest first)
    // Growth rate of each covariant vector over the window, from the backward
    // iteration: -(1/T) sum log |R^-1 c_i|. They equal the exponents (a check).
    Eigen::VectorXd exponents;
    // Smallest principal angle (radians) between the unstable subspace (vectors
    // whose exponent exceeds 3 standard errors) and the stable one (below -3
    // standard errors), at each time; NaN when either is empty.
    Eigen::VectorXd angle_unstable_stable;
    Eigen::Index n_unstable = 0, n_stable = 0;
    Eigen::VectorXd participation_ratio;   // of each covariant vector, averaged over the window
    double t_window = 0.0, t_backward = 0.0;   // as used (whole ONS intervals)
};

// Everything needed to continue a run bitwise-identically. Pure data: io writes
// and reads it. Interval numbering: [0, n_warmup) warm-up, then the ONS warm-up,
// then accumulation; step counts integration steps since t = 0.
struct LyapunovCheckpoint {
    // The run it belongs to: resuming checks these against the options.
    Eigen::Index dimension = 0;
    Eigen::Index k = 0;
    LyapunovDynamics dynamics = LyapunovDynamics::flow_rk4;
    double dt = 0.0;
    std::int64_t steps_per_ons = 0;
    std::int64_t n_warmup = 0, n_ons_warmup = 0, n_accumulate = 0;   // intervals
    int n_blocks = 0;
    Eigen::Index trace_rows = 0;
    std::int64_t local_intervals = 0;
    bool twin = false;
    double twin_d0 = 0.0;
    bool volume_check = false;

    // Where the run stands.
    LyapunovPhase phase = LyapunovPhase::warmup;
    std::int64_t step = 0;            // steps taken since t = 0 (t = step * dt)
    double t = 0.0;
    Eigen::VectorXd x;                // state
    Eigen::MatrixXd Q;                // tangent vectors (orthonormal at interval boundaries)
    Eigen::VectorXd log_sums;         // sum of log R_ii over accumulated intervals, QR order
    Eigen::MatrixXd block_sums;       // n_blocks x k, per block
    double trace_sum = 0.0;           // integral of tr J over the accumulated intervals
    double volume_sum = 0.0;          // sum of log|det(I + dt J)| (euler_map, volume_check)
    double trace_partial = 0.0;       // the same within the current interval
    double volume_partial = 0.0;
    Eigen::VectorXd y;                // twin state (empty before the ONS warm-up)
    bool twin_failed = false;         // the twin separation became 0 or non-finite
    double twin_sum = 0.0;
    Eigen::VectorXd twin_block_sums;  // n_blocks
    std::vector<double> trace_times;  // convergence trace rows so far
    std::vector<Eigen::VectorXd> trace_values;
    Eigen::VectorXd pr_sums;          // sum over accumulated intervals of each vector's participation ratio, QR order
    Eigen::VectorXd local_partial;    // sum of log R_ii in the current local window
    std::vector<Eigen::VectorXd> local_rows;   // finished local windows: sums of log R_ii
    std::int64_t clv_intervals = 0;   // window + backward intervals of covariant vectors (0 = none)
};

// The decimated convergence trace: running means of the exponents (QR order) at
// the end of every stride-th accumulated ONS interval, and at the last one.
struct LyapunovTrace {
    Eigen::VectorXd times;     // absolute time of each row
    Eigen::MatrixXd values;    // rows x k
};

struct LyapunovResult {
    RunStatus status = RunStatus::completed;
    std::string message;          // empty when completed
    double t_final = 0.0;         // time reached
    std::int64_t steps = 0;       // steps taken since t = 0
    LyapunovPhase phase_reached = LyapunovPhase::done;

    // Schedule used (after rounding to whole ONS intervals).
    double t_warmup = 0.0, t_ons_warmup = 0.0, t_sim = 0.0, t_ons = 0.0;
    double t_accumulated = 0.0;   // accumulation time behind the estimates

    // Sorted descending; empty when nothing was accumulated (a run stopped early
    // reports the estimates of its completed intervals).
    Eigen::VectorXd exponents;
    // Standard error of each exponent: the accumulation is split into B blocks of
    // (nearly) equal numbers of ONS intervals, SE = sd(block means) / sqrt(B), over
    // the completed blocks; +infinity with fewer than two completed blocks.
    Eigen::VectorXd errors;
    int blocks_used = 0;

    LyapunovTrace trace;

    // The Lyapunov vectors (the orthonormal Q after each QR, i.e. the backward
    // Gram-Schmidt vectors): participation ratio PR_i = 1 / sum_j Q_ji^4 of
    // vector i, averaged over the accumulated intervals, in the order of
    // exponents. From 1 (one neuron) to n (spread evenly); Engelken, Wolf &
    // Abbott report PR / n as the vectors' delocalisation.
    Eigen::VectorXd participation_ratio;
    // Finite-time exponents (t_local > 0): one row per local window, the mean
    // growth rate of each vector over it, in the order of exponents. Their
    // average over rows is the exponents when the windows tile the accumulation.
    Eigen::MatrixXd local_exponents;
    double t_local = 0.0;         // window length used (whole ONS intervals)
    // clv_window > 0 and completed: the covariant Lyapunov vectors.
    std::optional<CovariantVectors> covariant;

    double sum_exponents = 0.0;
    // Time average of tr J along the accumulated trajectory, with the quadrature of
    // the stepper: RK4 stage weights (1, 2, 2, 1)/6 for the flow, so that for k = n
    // it equals sum_exponents up to the O(dt^4) error of RK4; the left point for
    // the Euler map (only first order: log det(I + dt J) = dt tr J + O(dt^2)).
    double mean_trace = 0.0;
    // euler_map with volume_check: mean log|det(I + dt J)| / dt, which equals
    // sum_exponents (k = n) up to rounding.
    std::optional<double> volume_rate;
    // euler_map: ln(1 - dt)/dt, the map's image of a contraction rate -1.
    std::optional<double> map_unit_contraction;

    // Kaplan-Yorke dimension D = j + sum_{i<=j} lambda_i / |lambda_{j+1}|, j the largest
    // index with a nonnegative partial sum. 0 when lambda_1 < 0. When every partial
    // sum of the k exponents is >= 0: D = n if k = n; if k < n it cannot be
    // determined and kaplan_yorke = k is a lower bound (kaplan_yorke_lower_bound set).
    double kaplan_yorke = 0.0;
    bool kaplan_yorke_lower_bound = false;
    // Entropy rate (Pesin): the sum of the positive exponents. A lower bound when
    // all k < n exponents are positive (entropy_lower_bound set).
    double entropy_rate = 0.0;
    bool entropy_lower_bound = false;

    // Twin method (twin option): lambda_1 from a trajectory renormalised to twin_d0
    // every t_ons, with the same block error.
    std::optional<double> twin_lambda1;
    std::optional<double> twin_error;

    double mean_active = 0.0;     // Network overload: mean neurons in the tangent product

    // mixed_precision: the measured float32 error rate of the tangent products
    // (NetworkTangentSystem::mixed_error_rate), and a warning when it is not small
    // against what the spectrum resolves (mixed_precision_check).
    std::optional<double> mixed_error_rate;
    std::string precision_warning;
};

// When float32 tangent products cannot be trusted for this spectrum: the error
// rate eps (1/time) exceeds a tenth of the smallest standard error (the
// rounding would show in the error bars: long runs, exponents near zero converge
// like 1/sqrt(T)), or of the smallest gap between consecutive exponents (nearly
// degenerate exponents would be ordered by rounding). Returns the warning, or ""
// when safe.
std::string mixed_precision_check(const Eigen::VectorXd& exponents, const Eigen::VectorXd& errors, double eps);

// Stop requests, checkpoints. should_stop() is polled after every step;
// want_checkpoint() at ONS-interval boundaries only. checkpoint() receives a
// checkpoint every checkpoint_every intervals, when want_checkpoint() says so,
// and once more when the run is interrupted (then possibly inside an interval:
// still exact to resume from).
class LyapunovObserver {
public:
    virtual ~LyapunovObserver() = default;
    virtual bool should_stop() { return false; }
    virtual bool want_checkpoint() { return false; }
    virtual void checkpoint(const LyapunovCheckpoint& /*cp*/) {}
    // After every re-orthonormalisation: the time reached and the time at the
    // end of all phases (warm-ups included), in the time unit of tau.
    virtual void progress(double /*t*/, double /*t_end*/) {}
};

// Computes the spectrum. Validates the options first (throws invalid_parameter);
// runtime trouble (divergence, degenerate tangent space, interruption) is
// reported in the result, never thrown. With resume, continues that checkpoint
// (its run parameters must match the options, else invalid_parameter "checkpoint").
LyapunovResult lyapunov_spectrum(TangentSystem& system, const LyapunovOptions& opt, LyapunovObserver& observer,
                                 const LyapunovCheckpoint* resume = nullptr);
LyapunovResult lyapunov_spectrum(TangentSystem& system, const LyapunovOptions& opt);
// A network through NetworkTangentSystem (opt.use_active_rows).
LyapunovResult lyapunov_spectrum(const Network& net, const LyapunovOptions& opt, LyapunovObserver& observer,
                                 const LyapunovCheckpoint* resume = nullptr);
LyapunovResult lyapunov_spectrum(const Network& net, const LyapunovOptions& opt);

// Kaplan-Yorke dimension of a descending spectrum of k of n exponents (see
// LyapunovResult). Returns the dimension, sets lower_bound.
double kaplan_yorke_dimension(const Eigen::VectorXd& sorted_desc, Eigen::Index n, bool& lower_bound);

}  // namespace ratenet
