#include "ratenet/autocorrelation.hpp"

#include <cmath>
#include <limits>

#include "ratenet/errors.hpp"

namespace ratenet {

std::string_view to_string(CorrelatedVariable v) noexcept { return v == CorrelatedVariable::state ? "state" : "rate"; }

bool parse_correlated_variable(std::string_view name, CorrelatedVariable& out) noexcept {
    if (name == "state") out = CorrelatedVariable::state;
    else if (name == "rate") out = CorrelatedVariable::rate;
    else return false;
    return true;
}

std::int64_t AutocorrelationOptions::first_sample() const {
    return static_cast<std::int64_t>(std::ceil(t_warmup / dt_sample - 1e-9));
}

std::int64_t AutocorrelationOptions::n_samples() const {
    // Grid points k dt_sample in [t_warmup, t_warmup + t_sim], with rounding slack.
    return static_cast<std::int64_t>(std::floor((t_warmup + t_sim) / dt_sample + 1e-9)) - first_sample() + 1;
}

std::int64_t AutocorrelationOptions::n_lags() const {
    return static_cast<std::int64_t>(std::floor(max_lag / dt_sample + 1e-9)) + 1;
}

void AutocorrelationOptions::validate(Eigen::Index n) const {
    auto finite = [](double v) { return std::isfinite(v); };
    if (!finite(t_warmup) || t_warmup < 0) throw invalid_parameter("t_warmup", format_value(t_warmup), "must be finite and >= 0");
    if (!finite(t_sim) || t_sim <= 0) throw invalid_parameter("t_sim", format_value(t_sim), "must be finite and > 0");
    if (!finite(dt_sample) || dt_sample <= 0)
        throw invalid_parameter("dt_sample", format_value(dt_sample), "must be finite and > 0");
    if (dt_sample > t_sim / 2)
        throw invalid_parameter("dt_sample", format_value(dt_sample), "must be <= t_sim / 2 (" + format_value(t_sim / 2) + ")");
    if (!finite(max_lag) || max_lag < 0) throw invalid_parameter("max_lag", format_value(max_lag), "must be finite and >= 0");
    // Half the window at most: every lag then averages at least T / 2 products.
    if (max_lag > t_sim / 2)
        throw invalid_parameter("max_lag", format_value(max_lag), "must be <= t_sim / 2 (" + format_value(t_sim / 2) + ")");
    const double bytes = static_cast<double>(n) * static_cast<double>(n_samples()) * sizeof(double);
    if (bytes > max_bytes)
        throw invalid_parameter("t_sim", format_value(t_sim),
                                "N * (t_sim / dt_sample + 1) samples need " + format_value(std::ceil(bytes / (1 << 20))) +
                                    " MiB, more than the " + format_value(max_bytes / (1 << 20)) +
                                    " MiB allowed: shorten t_sim or raise dt_sample");
    IntegratorOptions o = integrator;
    o.t_start = 0.0;
    o.t_end = t_warmup + t_sim;
    o.dt_out = dt_sample;
    o.validate();
}

namespace {

// Keeps the samples of the window, as columns of an N x T matrix.
class WindowRecorder : public TrajectoryObserver {
public:
    WindowRecorder(const Network& net, const AutocorrelationOptions& opt)
        : net_(net), opt_(opt), Y_(net.size(), opt.n_samples()), first_(opt.first_sample()) {}
    void observe(double, const Eigen::VectorXd& x) override {
        const std::int64_t col = k_++ - first_;
        if (col < 0 || col >= Y_.cols()) return;
        if (opt_.variable == CorrelatedVariable::rate && net_.form == Form::current) {
            Eigen::VectorXd r(x.size());
            net_.phi.apply(x, r);
            Y_.col(col) = r;
        } else {
            Y_.col(col) = x;
        }
        filled_ = col + 1;
    }
    bool should_stop() override { return opt_.stop && opt_.stop->load(std::memory_order_relaxed); }
    Eigen::MatrixXd& samples() { return Y_; }
    std::int64_t filled() const { return filled_; }

private:
    const Network& net_;
    const AutocorrelationOptions& opt_;
    Eigen::MatrixXd Y_;
    std::int64_t first_, k_ = 0, filled_ = 0;
};

}  // namespace

AutocorrelationResult autocorrelation(const Network& net, const Eigen::VectorXd& x0, const AutocorrelationOptions& opt) {
    net.validate();
    opt.validate(net.size());
    IntegratorOptions io = opt.integrator;
    io.t_start = 0.0;
    io.t_end = opt.t_warmup + opt.t_sim;
    io.dt_out = opt.dt_sample;
    io.steady_tol = 0.0;  // the whole window is needed, at a fixed point too
    WindowRecorder rec(net, opt);
    const RunResult run = integrate(net, x0, io, rec);

    AutocorrelationResult res;
    const auto L = opt.n_lags();
    res.lag = Eigen::VectorXd::LinSpaced(L, 0.0, static_cast<double>(L - 1) * opt.dt_sample);
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    res.C = Eigen::VectorXd::Constant(L, nan);
    res.variance = res.tau_c = res.mean = nan;
    res.status = run.status;
    res.message = run.message;
    if (run.status == RunStatus::completed && rec.filled() != opt.n_samples()) {
        // Cannot happen with a valid grid; reported rather than averaged over zeros.
        res.status = RunStatus::interrupted;
        res.message = "the window received " + std::to_string(rec.filled()) + " of " + std::to_string(opt.n_samples()) +
                      " samples";
    }
    if (res.status != RunStatus::completed) return res;

    Eigen::MatrixXd& Y = rec.samples();
    const auto T = Y.cols();
    const double N = static_cast<double>(Y.rows());
    res.mean = Y.mean();
    Y.colwise() -= Y.rowwise().mean();
    for (Eigen::Index k = 0; k < L; ++k) {
        const auto m = T - k;
        res.C[k] = (Y.leftCols(m).array() * Y.rightCols(m).array()).sum() / (N * static_cast<double>(m));
    }
    res.variance = res.C[0];
    if (res.variance > 0) {
        double integral = 0.0;
        for (Eigen::Index k = 1; k < L; ++k) integral += 0.5 * (res.C[k - 1] + res.C[k]) * opt.dt_sample;
        res.tau_c = integral / res.variance;
    }
    return res;
}

}  // namespace ratenet
