// The QR engine for Lyapunov spectra (see lyapunov.hpp for the method and the
// two dynamics). The run state lives in a LyapunovCheckpoint from the start, so
// a checkpoint is the state itself and resuming is loading it back.
#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "linalg/dense.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/rng.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ratenet {

std::string_view to_string(LyapunovDynamics d) noexcept {
    switch (d) {
        case LyapunovDynamics::flow_rk4: return "flow_rk4";
        case LyapunovDynamics::euler_map: return "euler_map";
    }
    return "?";
}

bool parse_lyapunov_dynamics(std::string_view name, LyapunovDynamics& out) noexcept {
    if (name == "flow_rk4" || name == "flow" || name == "rk4") {
        out = LyapunovDynamics::flow_rk4;
        return true;
    }
    if (name == "euler_map" || name == "euler" || name == "map") {
        out = LyapunovDynamics::euler_map;
        return true;
    }
    return false;
}

std::string_view to_string(LyapunovPhase p) noexcept {
    switch (p) {
        case LyapunovPhase::warmup: return "warmup";
        case LyapunovPhase::ons_warmup: return "ons_warmup";
        case LyapunovPhase::accumulate: return "accumulate";
        case LyapunovPhase::done: return "done";
    }
    return "?";
}

namespace {

// Above this many steps a double no longer counts them exactly.
constexpr double max_steps = 1e15;

std::int64_t round_intervals(double t, double t_ons) { return std::llround(t / t_ons); }

}  // namespace

void LyapunovOptions::validate() const {
    auto fail = [](const char* key, double v, const std::string& rule) {
        throw invalid_parameter(key, format_value(v), rule);
    };
    if (k && *k < 1) throw invalid_parameter("k", std::to_string(*k), "must be at least 1");
    if (!(std::isfinite(dt) && dt > 0.0)) fail("dt", dt, "must be positive and finite");
    if (!(std::isfinite(t_ons) && t_ons > 0.0)) fail("t_ons", t_ons, "must be positive and finite");
    // Interval boundaries must fall on steps; a silent rounding would change t_ons.
    const double r = t_ons / dt;
    if (r < 0.5 || std::abs(r - std::round(r)) > 1e-9 * std::max(1.0, r))
        fail("t_ons", t_ons, "must be a whole multiple of dt (dt = " + format_value(dt) + ")");
    if (!(std::isfinite(t_warmup) && t_warmup >= 0.0)) fail("t_warmup", t_warmup, "must be >= 0 and finite");
    if (!(std::isfinite(t_ons_warmup) && t_ons_warmup >= 0.0))
        fail("t_ons_warmup", t_ons_warmup, "must be >= 0 and finite");
    if (!(std::isfinite(t_sim) && t_sim >= t_ons))
        fail("t_sim", t_sim, "must be finite and at least t_ons (= " + format_value(t_ons) + ")");
    if ((t_warmup + t_ons_warmup + t_sim + t_ons) / dt > max_steps)
        fail("t_sim", t_sim, "too many steps of dt (more than 1e15 in all)");
    if (!(std::isfinite(init_sd) && init_sd >= 0.0)) fail("init_sd", init_sd, "must be >= 0 and finite");
    if (!(bound > 0.0)) fail("bound", bound, "must be positive");
    if (n_blocks < 2) throw invalid_parameter("n_blocks", std::to_string(n_blocks), "must be at least 2");
    if (trace_rows < 0) throw invalid_parameter("trace_rows", std::to_string(trace_rows), "must be >= 0");
    if (!(std::isfinite(clv_window) && clv_window >= 0.0))
        fail("clv_window", clv_window, "must be finite and >= 0 (0 = no covariant vectors)");
    if (!(std::isfinite(clv_backward) && clv_backward >= 0.0)) fail("clv_backward", clv_backward, "must be finite and >= 0");
    if (clv_window > 0.0 && clv_window + clv_backward > t_sim * (1 + 1e-9))
        fail("clv_window", clv_window,
             "plus clv_backward (= " + format_value(clv_backward) + ") must be at most t_sim (= " + format_value(t_sim) +
                 "): both lie at the end of the accumulation");
    if (!(std::isfinite(t_local) && t_local >= 0.0))
        fail("t_local", t_local, "must be finite and >= 0 (0 = no finite-time exponents)");
    if (t_local > 0.0 && (t_local < t_ons * (1 - 1e-9) || t_local > t_sim * (1 + 1e-9)))
        fail("t_local", t_local,
             "must lie between t_ons (= " + format_value(t_ons) + ") and t_sim (= " + format_value(t_sim) + "), or be 0");
    if (!(std::isfinite(twin_d0) && twin_d0 > 0.0 && twin_d0 < 1.0)) fail("twin_d0", twin_d0, "must be in (0, 1)");
    if (volume_check && dynamics != LyapunovDynamics::euler_map)
        throw invalid_parameter("volume_check", "true", "applies to dynamics = euler_map only");
    if (threads < 0) throw invalid_parameter("threads", std::to_string(threads), "must be >= 0");
    if (checkpoint_every < 0)
        throw invalid_parameter("checkpoint_every", std::to_string(checkpoint_every), "must be >= 0");
    if (x0.size() > 0 && !x0.allFinite()) throw invalid_parameter("x0", "non-finite", "must be finite");
}

void LyapunovOptions::validate(Eigen::Index n) const {
    validate();
    if (k && *k > n)
        throw invalid_parameter("k", std::to_string(*k), "must not exceed the dimension " + std::to_string(n));
    if (x0.size() != 0 && x0.size() != n)
        throw invalid_parameter("x0", "length " + std::to_string(x0.size()),
                                "must have the system's dimension " + std::to_string(n));
    const double kk = static_cast<double>(k.value_or(n)), w = static_cast<double>(clv_window_intervals());
    const double bytes = 8.0 * (w * static_cast<double>(n) * kk + (w + static_cast<double>(clv_backward_intervals())) * kk * kk);
    if (bytes > clv_max_bytes)
        throw invalid_parameter("clv_window", format_value(clv_window),
             "needs " + format_value(std::ceil(bytes / (1 << 20))) + " MiB of stored vectors (clv_window / t_ons matrices " +
                 std::to_string(n) + " x k), more than the " + format_value(clv_max_bytes / (1 << 20)) +
                 " MiB allowed: shorten the window or lower k");
}

std::int64_t LyapunovOptions::steps_per_ons() const { return std::llround(t_ons / dt); }
std::int64_t LyapunovOptions::warmup_intervals() const { return round_intervals(t_warmup, t_ons); }
std::int64_t LyapunovOptions::ons_warmup_intervals() const { return round_intervals(t_ons_warmup, t_ons); }
std::int64_t LyapunovOptions::accumulate_intervals() const {
    return std::max<std::int64_t>(1, round_intervals(t_sim, t_ons));
}

std::int64_t LyapunovOptions::clv_window_intervals() const {
    return clv_window > 0.0 ? std::max<std::int64_t>(1, round_intervals(clv_window, t_ons)) : 0;
}

std::int64_t LyapunovOptions::clv_backward_intervals() const {
    return clv_window > 0.0 ? round_intervals(clv_backward, t_ons) : 0;
}

std::int64_t LyapunovOptions::local_intervals() const {
    return t_local > 0.0 ? std::max<std::int64_t>(1, round_intervals(t_local, t_ons)) : 0;
}

double kaplan_yorke_dimension(const Eigen::VectorXd& l, Eigen::Index n, bool& lower_bound) {
    lower_bound = false;
    const Eigen::Index k = l.size();
    if (k == 0 || l[0] < 0.0) return 0.0;
    double s = 0.0;
    Eigen::Index j = 0;  // number of leading exponents with a nonnegative partial sum
    while (j < k && s + l[j] >= 0.0) s += l[j++];
    if (j == k) {
        // Every partial sum is >= 0: with the whole spectrum the volume never
        // contracts and D = n; with a partial one the next exponents are unknown.
        if (k < n) lower_bound = true;
        return static_cast<double>(k);
    }
    return static_cast<double>(j) + s / std::abs(l[j]);
}

namespace {

// Smallest principal angle between the column spans of A and B (radians):
// acos of the largest singular value of QA' QB.
double subspace_angle(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) {
    const Eigen::MatrixXd QA = Eigen::HouseholderQR<Eigen::MatrixXd>(A).householderQ() * Eigen::MatrixXd::Identity(A.rows(), A.cols());
    const Eigen::MatrixXd QB = Eigen::HouseholderQR<Eigen::MatrixXd>(B).householderQ() * Eigen::MatrixXd::Identity(B.rows(), B.cols());
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(QA.transpose() * QB);
    return std::acos(std::clamp(svd.singularValues()[0], -1.0, 1.0));
}

class Engine {
public:
    Engine(TangentSystem& sys, const LyapunovOptions& opt, LyapunovObserver& obs)
        : sys_(sys), opt_(opt), obs_(obs), n_(sys.dimension()), k_(opt.k.value_or(n_)), dt_(opt.dt),
          spo_(opt.steps_per_ons()), nw_(opt.warmup_intervals()), nons_(opt.ons_warmup_intervals()),
          na_(opt.accumulate_intervals()), blocks_(static_cast<int>(std::min<std::int64_t>(opt.n_blocks, na_))) {
        stride_ = opt.trace_rows > 0 ? (na_ + opt.trace_rows - 1) / opt.trace_rows : 0;
        cw_ = std::min(opt.clv_window_intervals(), na_);
        cb_ = std::min(opt.clv_backward_intervals(), na_ - cw_);
        clv_start_ = na_ - cw_ - cb_;
        xs_.resize(n_);
        f_.resize(n_);
        facc_.resize(n_);
        K_.resize(n_, k_);
        S_.resize(n_, k_);
        A_.resize(n_, k_);
    }

    void start_fresh() {
        LyapunovCheckpoint& c = st_;
        c.dimension = n_;
        c.k = k_;
        c.dynamics = opt_.dynamics;
        c.dt = dt_;
        c.steps_per_ons = spo_;
        c.n_warmup = nw_;
        c.n_ons_warmup = nons_;
        c.n_accumulate = na_;
        c.n_blocks = blocks_;
        c.trace_rows = opt_.trace_rows;
        c.local_intervals = opt_.local_intervals();
        c.clv_intervals = cw_ + cb_;
        c.twin = opt_.twin;
        c.twin_d0 = opt_.twin_d0;
        c.volume_check = opt_.volume_check;
        c.step = 0;
        c.t = 0.0;
        if (opt_.x0.size() == n_) {
            c.x = opt_.x0;
        } else {
            Rng rng(opt_.seed_initial, Stream::initial);
            c.x.resize(n_);
            for (Eigen::Index i = 0; i < n_; ++i) c.x[i] = opt_.init_sd * rng.normal();
        }
        // Q0: orthonormalised Gaussian columns, drawn now so no RNG state outlives the start.
        Rng rng(opt_.seed_tangent, Stream::tangent);
        Eigen::MatrixXd G(n_, k_);
        for (Eigen::Index j = 0; j < k_; ++j)
            for (Eigen::Index i = 0; i < n_; ++i) G(i, j) = rng.normal();
        c.Q = G;
        Eigen::VectorXd logs(k_);
        orthonormalise(c.Q, logs);
        c.log_sums = Eigen::VectorXd::Zero(k_);
        c.block_sums = Eigen::MatrixXd::Zero(blocks_, k_);
        c.twin_block_sums = Eigen::VectorXd::Zero(blocks_);
        c.pr_sums = Eigen::VectorXd::Zero(k_);
        c.local_partial = Eigen::VectorXd::Zero(k_);
        c.phase = phase_of(0);
    }

    void start_from(const LyapunovCheckpoint& cp) {
        auto mismatch = [](const std::string& what) {
            throw invalid_parameter("checkpoint", what, "differs from the run that wrote the checkpoint");
        };
        if (cp.dimension != n_) mismatch("dimension");
        if (cp.k != k_) mismatch("k");
        if (cp.dynamics != opt_.dynamics) mismatch("dynamics");
        if (cp.dt != dt_) mismatch("dt");
        if (cp.steps_per_ons != spo_) mismatch("t_ons");
        if (cp.n_warmup != nw_) mismatch("t_warmup");
        if (cp.n_ons_warmup != nons_) mismatch("t_ons_warmup");
        if (cp.n_accumulate != na_) mismatch("t_sim");
        if (cp.n_blocks != blocks_) mismatch("n_blocks");
        if (cp.trace_rows != opt_.trace_rows) mismatch("trace_rows");
        if (cp.local_intervals != opt_.local_intervals()) mismatch("t_local");
        if (cp.clv_intervals != cw_ + cb_) mismatch("clv_window");
        if (cw_ > 0 && cp.step > (nw_ + nons_ + clv_start_) * spo_)
            throw invalid_parameter("checkpoint", "t = " + format_value(cp.t),
                                    "lies inside the covariant-vector window, whose vectors a checkpoint does not "
                                    "hold: run again without resuming");
        if (cp.twin != opt_.twin) mismatch("twin");
        if (cp.twin && cp.twin_d0 != opt_.twin_d0) mismatch("twin_d0");
        if (cp.volume_check != opt_.volume_check) mismatch("volume_check");
        const bool shapes = cp.step >= 0 && cp.x.size() == n_ && cp.Q.rows() == n_ && cp.Q.cols() == k_ &&
                            cp.log_sums.size() == k_ && cp.block_sums.rows() == blocks_ &&
                            cp.block_sums.cols() == k_ && cp.twin_block_sums.size() == blocks_ &&
                            (cp.y.size() == 0 || cp.y.size() == n_) && cp.pr_sums.size() == k_ &&
                            cp.local_partial.size() == k_ &&
                            std::all_of(cp.local_rows.begin(), cp.local_rows.end(),
                                        [&](const Eigen::VectorXd& v) { return v.size() == k_ && v.allFinite(); }) &&
                            cp.trace_times.size() == cp.trace_values.size() && cp.phase == phase_of(cp.step);
        if (!shapes) throw invalid_parameter("checkpoint", "contents", "inconsistent shapes or step");
        const bool finite = cp.x.allFinite() && cp.Q.allFinite() && cp.log_sums.allFinite() &&
                            cp.block_sums.allFinite() && cp.y.allFinite() && cp.twin_block_sums.allFinite() &&
                            cp.pr_sums.allFinite() && cp.local_partial.allFinite() &&
                            std::isfinite(cp.t) && std::isfinite(cp.trace_sum);
        if (!finite) throw invalid_parameter("checkpoint", "contents", "holds values that are not finite");
        st_ = cp;
    }

    LyapunovResult run() {
        LyapunovCheckpoint& c = st_;
        const std::int64_t total = (nw_ + nons_ + na_) * spo_;
        RunStatus status = RunStatus::completed;
        std::string message;
        while (c.step < total) {
            const LyapunovPhase phase = phase_of(c.step);
            const double t = static_cast<double>(c.step) * dt_;
            if (opt_.twin && phase != LyapunovPhase::warmup && c.y.size() == 0)
                c.y = c.x + opt_.twin_d0 * c.Q.col(0);
            if (phase == LyapunovPhase::warmup) {
                state_step(t, c.x);
            } else {
                const bool acc = phase == LyapunovPhase::accumulate;
                if (opt_.dynamics == LyapunovDynamics::flow_rk4)
                    rk4_tangent_step(t, acc);
                else
                    euler_tangent_step(t, acc);
                if (opt_.twin && !c.twin_failed) state_step(t, c.y);
            }
            ++c.step;
            c.t = static_cast<double>(c.step) * dt_;
            if (!state_ok(c.x, message) || (c.y.size() > 0 && !c.twin_failed && !state_ok(c.y, message))) {
                status = RunStatus::diverged;
                break;
            }
            if (c.step % spo_ == 0 && phase != LyapunovPhase::warmup) {
                if (!boundary(phase == LyapunovPhase::accumulate, message)) {
                    status = RunStatus::diverged;
                    break;
                }
            }
            c.phase = phase_of(c.step);
            if (c.step % spo_ == 0) {
                const std::int64_t done = c.step / spo_;
                const bool every = opt_.checkpoint_every > 0 && done % opt_.checkpoint_every == 0;
                if ((every || obs_.want_checkpoint()) && c.step < total) obs_.checkpoint(c);
                obs_.progress(c.t, static_cast<double>(total) * dt_);
            }
            if (obs_.should_stop()) {
                if (c.step < total) {
                    status = RunStatus::interrupted;
                    message = "interrupted at t = " + format_value(c.t) + " (" + std::string(to_string(c.phase)) + ")";
                    obs_.checkpoint(c);
                }
                break;
            }
        }
        return result(status, message);
    }

private:
    LyapunovPhase phase_of(std::int64_t step) const {
        const std::int64_t interval = step / spo_;
        if (interval < nw_) return LyapunovPhase::warmup;
        if (interval < nw_ + nons_) return LyapunovPhase::ons_warmup;
        if (interval < nw_ + nons_ + na_) return LyapunovPhase::accumulate;
        return LyapunovPhase::done;
    }

    // Index of the accumulated interval a in [0, na) -> block; block b starts at
    // ceil(b na / B), so block sizes differ by at most one interval.
    int block_of(std::int64_t a) const { return static_cast<int>((a * blocks_) / na_); }
    std::int64_t block_start(std::int64_t b) const { return (b * na_ + blocks_ - 1) / blocks_; }

    bool state_ok(const Eigen::VectorXd& x, std::string& message) const {
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            if (!std::isfinite(x[i]) || std::abs(x[i]) > opt_.bound) {
                message = "diverged at t = " + format_value(st_.t) + ": x[" + std::to_string(i) +
                          "] = " + format_value(x[i]) + " (bound " + format_value(opt_.bound) + ")";
                return false;
            }
        }
        return true;
    }

    // One step of the state alone (warm-up, twin), with the same arithmetic as the
    // state part of the tangent steps.
    void state_step(double t, Eigen::VectorXd& x) {
        if (opt_.dynamics == LyapunovDynamics::euler_map) {
            sys_.rhs(t, x, f_);
            x += dt_ * f_;
            return;
        }
        const double h2 = 0.5 * dt_;
        sys_.rhs(t, x, f_);
        facc_ = f_;
        xs_ = x + h2 * f_;
        sys_.rhs(t + h2, xs_, f_);
        facc_ += 2.0 * f_;
        xs_ = x + h2 * f_;
        sys_.rhs(t + h2, xs_, f_);
        facc_ += 2.0 * f_;
        xs_ = x + dt_ * f_;
        sys_.rhs(t + dt_, xs_, f_);
        facc_ += f_;
        x += (dt_ / 6.0) * facc_;
    }

    // RK4 on (x, Q) together: dQ/dt = J(t, x(t)) Q. Stage matrices: S (argument),
    // K (J S), A (weighted sum). tr J uses the same stage points and weights.
    void rk4_tangent_step(double t, bool acc) {
        LyapunovCheckpoint& c = st_;
        const double h2 = 0.5 * dt_;
        double tr = 0.0;
        // The n x k updates around each product run over column blocks (they
        // cost a pass over memory each, comparable to a product for small n).
        auto cols = [this](auto&& f) { linalg::for_column_blocks(n_, k_, f); };
        sys_.rhs(t, c.x, f_);
        sys_.jacobian_times(t, c.x, c.Q, K_);
        if (acc) tr += sys_.jacobian_trace(t, c.x);
        facc_ = f_;
        xs_ = c.x + h2 * f_;
        cols([&](Eigen::Index c0, Eigen::Index w) {
            A_.middleCols(c0, w) = K_.middleCols(c0, w);
            S_.middleCols(c0, w) = c.Q.middleCols(c0, w) + h2 * K_.middleCols(c0, w);
        });

        sys_.rhs(t + h2, xs_, f_);
        sys_.jacobian_times(t + h2, xs_, S_, K_);
        if (acc) tr += 2.0 * sys_.jacobian_trace(t + h2, xs_);
        facc_ += 2.0 * f_;
        xs_ = c.x + h2 * f_;
        cols([&](Eigen::Index c0, Eigen::Index w) {
            A_.middleCols(c0, w) += 2.0 * K_.middleCols(c0, w);
            S_.middleCols(c0, w) = c.Q.middleCols(c0, w) + h2 * K_.middleCols(c0, w);
        });

        sys_.rhs(t + h2, xs_, f_);
        sys_.jacobian_times(t + h2, xs_, S_, K_);
        if (acc) tr += 2.0 * sys_.jacobian_trace(t + h2, xs_);
        facc_ += 2.0 * f_;
        xs_ = c.x + dt_ * f_;
        cols([&](Eigen::Index c0, Eigen::Index w) {
            A_.middleCols(c0, w) += 2.0 * K_.middleCols(c0, w);
            S_.middleCols(c0, w) = c.Q.middleCols(c0, w) + dt_ * K_.middleCols(c0, w);
        });

        sys_.rhs(t + dt_, xs_, f_);
        sys_.jacobian_times(t + dt_, xs_, S_, K_);
        if (acc) tr += sys_.jacobian_trace(t + dt_, xs_);
        facc_ += f_;
        c.x += (dt_ / 6.0) * facc_;
        cols([&](Eigen::Index c0, Eigen::Index w) {
            A_.middleCols(c0, w) += K_.middleCols(c0, w);
            c.Q.middleCols(c0, w) += (dt_ / 6.0) * A_.middleCols(c0, w);
        });
        if (acc) c.trace_partial += (dt_ / 6.0) * tr;
    }

    // Euler map: x <- x + dt f(x), Q <- Q + dt J(x) Q.
    void euler_tangent_step(double t, bool acc) {
        LyapunovCheckpoint& c = st_;
        sys_.rhs(t, c.x, f_);
        sys_.jacobian_times(t, c.x, c.Q, K_);
        if (acc) {
            c.trace_partial += dt_ * sys_.jacobian_trace(t, c.x);
            if (opt_.volume_check) c.volume_partial += log_abs_det_map(t, c.x);
        }
        c.x += dt_ * f_;
        linalg::for_column_blocks(n_, k_, [&](Eigen::Index c0, Eigen::Index w) {
            c.Q.middleCols(c0, w) += dt_ * K_.middleCols(c0, w);
        });
    }

    // log|det(I + dt J)| through J = J I (one n x n product) and a partial-pivoting LU.
    double log_abs_det_map(double t, const Eigen::VectorXd& x) {
        if (eye_.rows() != n_) {
            eye_ = Eigen::MatrixXd::Identity(n_, n_);
            lu_ = Eigen::PartialPivLU<Eigen::MatrixXd>(n_);
        }
        sys_.jacobian_times(t, x, eye_, M_);
        M_ *= dt_;
        M_.diagonal().array() += 1.0;
        // Eigen's blocked LU splits its products by the thread count: one thread keeps
        // the bits independent of it.
        const linalg::OneThread one;
        lu_.compute(M_);
        return lu_.matrixLU().diagonal().array().abs().log().sum();
    }

    // Q <- thin Q factor of Q (signs fixed so diag R > 0); logs = log R_ii.
    // Returns false when R has a zero or non-finite diagonal entry.
    bool orthonormalise(Eigen::MatrixXd& Q, Eigen::VectorXd& logs) { return linalg::qr_orthonormalise(Q, logs, qr_); }

    // End of an ONS interval in the ONS warm-up or the accumulation.
    bool boundary(bool acc, std::string& message) {
        LyapunovCheckpoint& c = st_;
        const std::int64_t a_now = c.step / spo_ - 1 - nw_ - nons_;
        const bool record = acc && cw_ > 0 && a_now >= clv_start_;
        if (record) P_ = c.Q;
        if (!orthonormalise(c.Q, logs_)) {
            message = "tangent vectors became degenerate at t = " + format_value(c.t) +
                      " (a zero or non-finite diagonal of R: under- or overflow over one t_ons)";
            return false;
        }
        if (record) {
            // P = Q R: R = Q' P, upper triangular up to rounding.
            Eigen::MatrixXd R(k_, k_);
            linalg::gemm(1.0, c.Q.transpose(), P_, 0.0, R);
            clv_R_.emplace_back(R.triangularView<Eigen::Upper>());
            if (a_now - clv_start_ < cw_) {
                clv_Q_.push_back(c.Q);
                clv_t_.push_back(c.t);
                clv_x_.push_back(c.x);
            }
        }
        double twin_log = 0.0;
        if (c.y.size() > 0 && !c.twin_failed) {
            ydiff_ = c.y - c.x;
            const double d = ydiff_.norm();
            if (std::isfinite(d) && d > 0.0) {
                twin_log = std::log(d / opt_.twin_d0);
                c.y = c.x + (opt_.twin_d0 / d) * ydiff_;
            } else {
                c.twin_failed = true;
            }
        }
        if (acc) {
            const std::int64_t a = c.step / spo_ - 1 - nw_ - nons_;
            const int b = block_of(a);
            c.log_sums += logs_;
            c.block_sums.row(b) += logs_.transpose();
            c.trace_sum += c.trace_partial;
            c.volume_sum += c.volume_partial;
            c.twin_sum += twin_log;
            c.twin_block_sums[b] += twin_log;
            const std::int64_t done = a + 1;
            // Participation ratio of each vector (unit columns): 1 / sum_j Q_ji^4.
            for (Eigen::Index i = 0; i < k_; ++i) c.pr_sums[i] += 1.0 / c.Q.col(i).array().square().square().sum();
            if (c.local_intervals > 0) {
                c.local_partial += logs_;
                if (done % c.local_intervals == 0) {
                    c.local_rows.push_back(c.local_partial);
                    c.local_partial.setZero();
                }
            }
            if (stride_ > 0 && (done % stride_ == 0 || done == na_)) {
                c.trace_times.push_back(c.t);
                c.trace_values.push_back(c.log_sums / accumulated_time(done));
            }
        }
        c.trace_partial = 0.0;
        c.volume_partial = 0.0;
        return true;
    }

    double accumulated_time(std::int64_t intervals) const {
        return static_cast<double>(intervals * spo_) * dt_;
    }

    LyapunovResult result(RunStatus status, const std::string& message) const {
        const LyapunovCheckpoint& c = st_;
        LyapunovResult r;
        r.status = status;
        r.message = message;
        r.t_final = c.t;
        r.steps = c.step;
        r.phase_reached = c.phase;
        r.t_ons = static_cast<double>(spo_) * dt_;
        r.t_warmup = accumulated_time(nw_);
        r.t_ons_warmup = accumulated_time(nons_);
        r.t_sim = accumulated_time(na_);
        if (opt_.dynamics == LyapunovDynamics::euler_map && dt_ < 1.0) r.map_unit_contraction = std::log1p(-dt_) / dt_;

        const std::int64_t done = std::clamp<std::int64_t>(c.step / spo_ - nw_ - nons_, 0, na_);
        r.trace.times = Eigen::Map<const Eigen::VectorXd>(c.trace_times.data(),
                                                          static_cast<Eigen::Index>(c.trace_times.size()));
        r.trace.values.resize(static_cast<Eigen::Index>(c.trace_values.size()), k_);
        for (std::size_t i = 0; i < c.trace_values.size(); ++i)
            r.trace.values.row(static_cast<Eigen::Index>(i)) = c.trace_values[i].transpose();
        if (done == 0) return r;

        const double T = accumulated_time(done);
        r.t_accumulated = T;
        const Eigen::VectorXd mean = c.log_sums / T;

        // Block error over the completed blocks.
        int complete = 0;
        while (complete < blocks_ && block_start(complete + 1) <= done) ++complete;
        r.blocks_used = complete;
        Eigen::VectorXd err = Eigen::VectorXd::Constant(k_, std::numeric_limits<double>::infinity());
        std::optional<double> twin_err;
        if (complete >= 2) {
            Eigen::MatrixXd bm(complete, k_);
            Eigen::VectorXd tm(complete);
            for (int b = 0; b < complete; ++b) {
                const double tb = accumulated_time(block_start(b + 1) - block_start(b));
                bm.row(b) = c.block_sums.row(b) / tb;
                tm[b] = c.twin_block_sums[b] / tb;
            }
            const double B = static_cast<double>(complete);
            const Eigen::RowVectorXd bmean = bm.colwise().mean();
            err = ((bm.rowwise() - bmean).array().square().colwise().sum() / (B - 1.0) / B).sqrt().transpose();
            twin_err = std::sqrt((tm.array() - tm.mean()).square().sum() / (B - 1.0) / B);
        }

        std::vector<Eigen::Index> order(static_cast<std::size_t>(k_));
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return mean[a] > mean[b]; });
        r.exponents.resize(k_);
        r.errors.resize(k_);
        for (Eigen::Index i = 0; i < k_; ++i) {
            r.exponents[i] = mean[order[static_cast<std::size_t>(i)]];
            r.errors[i] = err[order[static_cast<std::size_t>(i)]];
        }
        r.sum_exponents = r.exponents.sum();
        r.mean_trace = c.trace_sum / T;
        if (opt_.volume_check) r.volume_rate = c.volume_sum / T;
        r.kaplan_yorke = kaplan_yorke_dimension(r.exponents, n_, r.kaplan_yorke_lower_bound);
        r.entropy_rate = (r.exponents.array() > 0.0).select(r.exponents.array(), 0.0).sum();
        r.participation_ratio.resize(k_);
        r.t_local = accumulated_time(c.local_intervals);
        r.local_exponents.resize(static_cast<Eigen::Index>(c.local_rows.size()), k_);
        for (Eigen::Index i = 0; i < k_; ++i) {
            const Eigen::Index o = order[static_cast<std::size_t>(i)];
            r.participation_ratio[i] = c.pr_sums[o] / static_cast<double>(done);
            for (std::size_t w = 0; w < c.local_rows.size(); ++w)
                r.local_exponents(static_cast<Eigen::Index>(w), i) = c.local_rows[w][o] / r.t_local;
        }
        r.entropy_lower_bound = k_ < n_ && r.exponents[k_ - 1] > 0.0;
        if (status == RunStatus::completed && cw_ > 0 && static_cast<std::int64_t>(clv_R_.size()) == cw_ + cb_)
            r.covariant = covariant(mean, err);
        if (opt_.twin && !c.twin_failed) {
            r.twin_lambda1 = c.twin_sum / T;
            r.twin_error = twin_err ? *twin_err : std::numeric_limits<double>::infinity();
        }
        return r;
    }

    // The backward pass of Ginelli et al. over the stored R (window and backward
    // transient) and Q (window). mean, err: the exponents in QR order.
    CovariantVectors covariant(const Eigen::VectorXd& mean, const Eigen::VectorXd& err) const {
        CovariantVectors cv;
        const auto W = static_cast<std::size_t>(cw_);
        cv.t_window = accumulated_time(cw_);
        cv.t_backward = accumulated_time(cb_);
        // A random upper-triangular start (its own substream of the tangent seed).
        Rng rng(opt_.seed_tangent ^ 0x636c76ull, Stream::tangent);
        Eigen::MatrixXd C = Eigen::MatrixXd::Zero(k_, k_);
        for (Eigen::Index j = 0; j < k_; ++j)
            for (Eigen::Index i = 0; i <= j; ++i) C(i, j) = rng.normal();
        for (Eigen::Index j = 0; j < k_; ++j) C.col(j).normalize();
        Eigen::VectorXd log_growth = Eigen::VectorXd::Zero(k_);
        cv.vectors.resize(W);
        cv.times = Eigen::Map<const Eigen::VectorXd>(clv_t_.data(), static_cast<Eigen::Index>(W));
        cv.states.resize(n_, static_cast<Eigen::Index>(W));
        for (std::size_t t = 0; t < W; ++t) cv.states.col(static_cast<Eigen::Index>(t)) = clv_x_[t];
        // C_j at the end of recorded interval j; C_{j-1} ~ R_j^-1 C_j.
        for (std::size_t j = clv_R_.size(); j-- > 1;) {
            C = clv_R_[j].triangularView<Eigen::Upper>().solve(C);
            for (Eigen::Index i = 0; i < k_; ++i) {
                const double nrm = C.col(i).norm();
                C.col(i) /= nrm;
                if (j - 1 < W && j < W) log_growth[i] += std::log(nrm);   // steps inside the window
            }
            if (j - 1 < W) {
                Eigen::MatrixXd V(n_, k_);
                linalg::gemm(1.0, clv_Q_[j - 1], C, 0.0, V);
                for (Eigen::Index i = 0; i < k_; ++i) V.col(i).normalize();
                cv.vectors[j - 1] = std::move(V);
            }
        }
        const double tw = accumulated_time(cw_ - 1);
        cv.exponents = tw > 0 ? Eigen::VectorXd(-log_growth / tw) : Eigen::VectorXd::Constant(k_, std::numeric_limits<double>::quiet_NaN());
        std::vector<Eigen::Index> un, st;
        for (Eigen::Index i = 0; i < k_; ++i) {
            if (mean[i] > 3 * err[i]) un.push_back(i);
            if (mean[i] < -3 * err[i]) st.push_back(i);
        }
        cv.n_unstable = static_cast<Eigen::Index>(un.size());
        cv.n_stable = static_cast<Eigen::Index>(st.size());
        cv.angle_unstable_stable = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(W), std::numeric_limits<double>::quiet_NaN());
        cv.participation_ratio = Eigen::VectorXd::Zero(k_);
        for (std::size_t t = 0; t < W; ++t) {
            const Eigen::MatrixXd& V = cv.vectors[t];
            for (Eigen::Index i = 0; i < k_; ++i)
                cv.participation_ratio[i] += 1.0 / V.col(i).array().square().square().sum() / static_cast<double>(W);
            if (un.empty() || st.empty()) continue;
            cv.angle_unstable_stable[static_cast<Eigen::Index>(t)] = subspace_angle(V(Eigen::all, un), V(Eigen::all, st));
        }
        return cv;
    }

    TangentSystem& sys_;
    const LyapunovOptions& opt_;
    LyapunovObserver& obs_;
    const Eigen::Index n_, k_;
    const double dt_;
    const std::int64_t spo_, nw_, nons_, na_;
    const int blocks_;
    std::int64_t stride_ = 0;
    LyapunovCheckpoint st_;
    // Covariant vectors: window and backward intervals, where the recording starts
    // (accumulated interval), the stored R (all) and Q and times (window).
    std::int64_t cw_ = 0, cb_ = 0, clv_start_ = 0;
    std::vector<Eigen::MatrixXd> clv_R_, clv_Q_;
    std::vector<double> clv_t_;
    std::vector<Eigen::VectorXd> clv_x_;
    Eigen::MatrixXd P_;
    // Workspaces: sized once, reused every step.
    Eigen::VectorXd xs_, f_, facc_, ydiff_, logs_;
    Eigen::MatrixXd K_, S_, A_, M_, eye_;
    linalg::QrWorkspace qr_;
    Eigen::PartialPivLU<Eigen::MatrixXd> lu_;
};

class NullObserver final : public LyapunovObserver {};

// Eigen parallelises its products through OpenMP as the calling thread's
// nthreads ICV allows. Below ~200^3 per product the fork/join costs more than it
// saves, and on a busy machine (more runnable threads than cores) every join can
// wait for a scheduler time slice: the tests ran 50x slower. The ICV is per thread,
// so setting it here affects neither other threads nor the caller after return.
class ThreadLimit {
public:
    explicit ThreadLimit([[maybe_unused]] int threads) {
#ifdef _OPENMP
        saved_ = omp_get_max_threads();
        if (threads > 0) omp_set_num_threads(threads);
#endif
    }
    ~ThreadLimit() {
#ifdef _OPENMP
        omp_set_num_threads(saved_);
#endif
    }
    ThreadLimit(const ThreadLimit&) = delete;
    ThreadLimit& operator=(const ThreadLimit&) = delete;

private:
    int saved_ = 1;
};

int product_threads(const LyapunovOptions& opt, Eigen::Index n) {
    if (opt.threads > 0) return opt.threads;
    const double work = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(opt.k.value_or(n));
    return work < 8e6 ? 1 : 0;  // 0: leave the OpenMP default
}

}  // namespace

LyapunovResult lyapunov_spectrum(TangentSystem& system, const LyapunovOptions& opt, LyapunovObserver& observer,
                                 const LyapunovCheckpoint* resume) {
    opt.validate(system.dimension());
    const ThreadLimit limit(product_threads(opt, system.dimension()));
    Engine engine(system, opt, observer);
    if (resume)
        engine.start_from(*resume);
    else
        engine.start_fresh();
    return engine.run();
}

LyapunovResult lyapunov_spectrum(TangentSystem& system, const LyapunovOptions& opt) {
    NullObserver obs;
    return lyapunov_spectrum(system, opt, obs);
}

LyapunovResult lyapunov_spectrum(const Network& net, const LyapunovOptions& opt, LyapunovObserver& observer,
                                 const LyapunovCheckpoint* resume) {
    NetworkTangentSystem sys(net, opt.use_active_rows, opt.mixed_precision);
    LyapunovResult r = lyapunov_spectrum(sys, opt, observer, resume);
    r.mean_active = sys.mean_active();
    if (opt.mixed_precision) {
        r.mixed_error_rate = sys.mixed_error_rate();
        r.precision_warning = mixed_precision_check(r.exponents, r.errors, *r.mixed_error_rate);
    }
    return r;
}

LyapunovResult lyapunov_spectrum(const Network& net, const LyapunovOptions& opt) {
    NullObserver obs;
    return lyapunov_spectrum(net, opt, obs);
}

}  // namespace ratenet
