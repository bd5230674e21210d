#include "ratenet/autocorrelation.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <unsupported/Eigen/FFT>
#include <vector>

#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"

namespace ratenet {

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
    // The samples, and each neuron's curve of both variables.
    const double bytes =
        static_cast<double>(n) * static_cast<double>(n_samples() + 2 * n_lags()) * sizeof(double);
    if (bytes > max_bytes)
        throw invalid_parameter("t_sim", format_value(t_sim),
                                "N * (t_sim / dt_sample + 1) samples and the curves of each neuron need " + format_value(std::ceil(bytes / (1 << 20))) +
                                    " MiB, more than the " + format_value(max_bytes / (1 << 20)) +
                                    " MiB allowed: shorten t_sim or raise dt_sample");
    if (threads < 0) throw invalid_parameter("threads", std::to_string(threads), "must be >= 0 (0 = the OpenMP default)");
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
    WindowRecorder(Eigen::Index n, const AutocorrelationOptions& opt)
        : opt_(opt), Y_(n, opt.n_samples()), first_(opt.first_sample()) {}
    void observe(double, const Eigen::VectorXd& x) override {
        const std::int64_t col = k_++ - first_;
        if (col < 0 || col >= Y_.cols()) return;
        Y_.col(col) = x;
        filled_ = col + 1;
    }
    bool should_stop() override { return opt_.stop && opt_.stop->load(std::memory_order_relaxed); }
    Eigen::MatrixXd& samples() { return Y_; }
    std::int64_t filled() const { return filled_; }

private:
    const AutocorrelationOptions& opt_;
    Eigen::MatrixXd Y_;
    std::int64_t first_, k_ = 0, filled_ = 0;
};

// The smallest 2^a 3^b 5^c >= n: sizes kissfft transforms fastest.
Eigen::Index fft_size(Eigen::Index n) {
    Eigen::Index best = 1;
    while (best < n) best *= 2;
    for (Eigen::Index p5 = 1; p5 < best; p5 *= 5)
        for (Eigen::Index p35 = p5; p35 < best; p35 *= 3) {
            Eigen::Index m = p35;
            while (m < n) m *= 2;
            best = std::min(best, m);
        }
    return best;
}

// Autocovariance of a centred series by FFT: |F(y, zero-padded to nfft >= T + L - 1)|^2,
// transformed back, gives sum_t y_t y_{t+k} without wrap-around for k < L.
class Autocovariance {
public:
    Autocovariance(Eigen::Index T, Eigen::Index L) : T_(T), L_(L), n_(fft_size(T + L)), buf_(static_cast<std::size_t>(n_)) {}
    // y (length T) is centred in place; returns its mean; c receives lags 0..L-1.
    double operator()(Eigen::Ref<Eigen::VectorXd> y, Eigen::Ref<Eigen::VectorXd> c) {
        const double m = y.mean();
        y.array() -= m;
        std::fill(buf_.begin(), buf_.end(), 0.0);
        std::copy(y.data(), y.data() + T_, buf_.begin());
        fft_.fwd(spec_, buf_);
        for (auto& z : spec_) z = std::norm(z);
        fft_.inv(buf_, spec_);
        for (Eigen::Index k = 0; k < L_; ++k) c[k] = buf_[static_cast<std::size_t>(k)] / static_cast<double>(T_ - k);
        return m;
    }

private:
    Eigen::Index T_, L_, n_;
    Eigen::FFT<double> fft_;
    std::vector<double> buf_;
    std::vector<std::complex<double>> spec_;
};

// Population average, its standard error over neurons, C(0), tau_c and the mean,
// from the per-neuron curves (columns of Ci) and means.
AutocovarianceEstimate summarise(const Eigen::MatrixXd& Ci, const Eigen::VectorXd& means, double dt) {
    AutocovarianceEstimate e;
    const auto N = static_cast<double>(Ci.cols());
    e.C = Ci.rowwise().mean();
    e.C_error = Eigen::VectorXd::Zero(Ci.rows());
    if (Ci.cols() > 1)
        e.C_error = ((Ci.colwise() - e.C).rowwise().squaredNorm().array() / ((N - 1) * N)).sqrt().matrix();
    e.mean = means.mean();
    e.variance = e.C[0];
    e.tau_c = std::numeric_limits<double>::quiet_NaN();
    if (e.variance > 0) {
        double integral = 0.0;
        for (Eigen::Index k = 1; k < e.C.size(); ++k) integral += 0.5 * (e.C[k - 1] + e.C[k]) * dt;
        e.tau_c = integral / e.variance;
    }
    return e;
}

}  // namespace

Eigen::VectorXd series_autocovariance(const Eigen::VectorXd& y, Eigen::Index L) {
    if (L < 1 || L > y.size())
        throw invalid_parameter("L", std::to_string(L), "must be in [1, " + std::to_string(y.size()) + "]");
    Eigen::VectorXd yc = y, c(L);
    Autocovariance ac(y.size(), L);
    ac(yc, c);
    return c;
}

Eigen::VectorXd window_bias(const Eigen::VectorXd& c, std::int64_t T, Eigen::Index L) {
    if (T < 1 || L < 1 || L > T)
        throw invalid_parameter("L", std::to_string(L), "must be in [1, T = " + std::to_string(T) + "]");
    auto cov = [&](std::int64_t k) { return k < c.size() ? c[static_cast<Eigen::Index>(k)] : 0.0; };
    // S[j] = sum_{k<j} c[k]: a_t = (1/T) (S[t+1] + S[T-t] - c[0]) (lags 0..t and 1..T-1-t).
    std::vector<double> S(static_cast<std::size_t>(T) + 1, 0.0);
    for (std::int64_t k = 0; k < T; ++k) S[static_cast<std::size_t>(k) + 1] = S[static_cast<std::size_t>(k)] + cov(k);
    const double Td = static_cast<double>(T);
    std::vector<double> a(static_cast<std::size_t>(T)), A(static_cast<std::size_t>(T) + 1, 0.0);
    double v = 0.0;
    for (std::int64_t t = 0; t < T; ++t) {
        a[static_cast<std::size_t>(t)] =
            (S[static_cast<std::size_t>(t) + 1] + S[static_cast<std::size_t>(T - t)] - cov(0)) / Td;
        A[static_cast<std::size_t>(t) + 1] = A[static_cast<std::size_t>(t)] + a[static_cast<std::size_t>(t)];
        v += a[static_cast<std::size_t>(t)];
    }
    v /= Td;
    Eigen::VectorXd bias(L);
    for (Eigen::Index k = 0; k < L; ++k) {
        const std::int64_t m = T - k;   // t = 0..m-1 and t + k = k..T-1
        const double sum = A[static_cast<std::size_t>(m)] + (A[static_cast<std::size_t>(T)] - A[static_cast<std::size_t>(k)]);
        bias[k] = -sum / static_cast<double>(m) + v;
    }
    return bias;
}

AutocorrelationResult autocorrelation(const Network& net, const Eigen::VectorXd& x0, const AutocorrelationOptions& opt) {
    net.validate();
    opt.validate(net.size());
    IntegratorOptions io = opt.integrator;
    io.t_start = 0.0;
    io.t_end = opt.t_warmup + opt.t_sim;
    io.dt_out = opt.dt_sample;
    io.steady_tol = 0.0;  // the whole window is needed, at a fixed point too
    WindowRecorder rec(net.size(), opt);
    const RunResult run = integrate(net, x0, io, rec);

    AutocorrelationResult res;
    const auto L = opt.n_lags();
    res.lag = Eigen::VectorXd::LinSpaced(L, 0.0, static_cast<double>(L - 1) * opt.dt_sample);
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    for (AutocovarianceEstimate* e : {&res.state, &res.rate}) {
        e->C = e->C_error = Eigen::VectorXd::Constant(L, nan);
        e->variance = e->tau_c = e->mean = nan;
    }
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
    const Eigen::Index T = Y.cols(), N = Y.rows();
    // Per neuron: the state's curve, then the rate's (phi of the same samples in the
    // current form; the state itself in the rate form).
    Eigen::MatrixXd Cs(L, N), Cr(L, N);
    Eigen::VectorXd ms(N), mr(N);
    const bool current = net.form == Form::current;
    const int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
        Autocovariance ac(T, L);
        Eigen::VectorXd y(T), r(T);
#pragma omp for schedule(static)
        for (Eigen::Index i = 0; i < N; ++i) {
            y = Y.row(i).transpose();
            for (Eigen::Index t = 0; t < T; ++t) r[t] = current ? net.phi.value(y[t], i) : y[t];
            ms[i] = ac(y, Cs.col(i));
            mr[i] = ac(r, Cr.col(i));
        }
    }
    res.state = summarise(Cs, ms, opt.dt_sample);
    res.rate = summarise(Cr, mr, opt.dt_sample);
    return res;
}

DmftAutocovariance tanh_dmft_autocovariance(double g, const AutocorrelationOptions& opt) {
    DmftAutocovariance d;
    const Eigen::Index L = opt.n_lags();
    const std::int64_t T = opt.n_samples();
    d.state = d.rate = d.state_bias = d.rate_bias = Eigen::VectorXd::Zero(L);
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    d.tau_c = d.rate_tau_c = nan;
    if (!(g > 1.0)) {   // h = 0 is the stable fixed point: nothing fluctuates
        d.ok = true;
        return d;
    }
    // Delta on a fine grid (at most 0.01, dividing dt_sample), out to the whole window
    // for the bias; the tail beyond tail_switch is the exponential continuation.
    const auto sub = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(opt.dt_sample / 0.01 - 1e-9)));
    const double step = opt.dt_sample / static_cast<double>(sub);
    const TanhChaosOptions co;
    const TanhAutocorrelation a = tanh_autocorrelation(g, static_cast<double>(T - 1) * opt.dt_sample, step, co);
    if (a.status != ChaosStatus::chaotic) {
        d.message = "mean-field autocorrelation: " + a.message;
        return d;
    }
    const QuadratureRule rule = gaussian_rule(co.rule, co.quadrature_order);
    const double q_inf = std::pow(gaussian_expectation(rule, [](double h) { return 1.0 - std::tanh(h) * std::tanh(h); }, 0.0,
                                                       std::sqrt(a.delta0)),
                                  2);
    Eigen::VectorXd cs(T), cr(T);
    for (std::int64_t k = 0; k < T; ++k) {
        const auto fine = static_cast<std::size_t>(k * sub);
        const double delta = fine < a.delta.size() ? a.delta[fine] : 0.0;
        cs[k] = delta;
        // C(Delta) = <tanh(h1) tanh(h2)>, linear in Delta with slope q(0) = q_inf once Delta is tiny.
        cr[k] = delta > 1e-8 * a.delta0 ? tanh_correlation(delta, a.delta0, rule).c : q_inf * delta;
    }
    d.state = cs.head(L);
    d.rate = cr.head(L);
    d.state_bias = window_bias(cs, T, L);
    d.rate_bias = window_bias(cr, T, L);
    d.delta0 = a.delta0;
    d.rate_variance = cr[0];
    auto tau_c = [&](const Eigen::VectorXd& c) {
        double integral = 0.0;
        for (Eigen::Index k = 1; k < L; ++k) integral += 0.5 * (c[k - 1] + c[k]) * opt.dt_sample;
        return integral / c[0];
    };
    d.tau_c = tau_c(d.state);
    d.rate_tau_c = tau_c(d.rate);
    d.ok = true;
    return d;
}

}  // namespace ratenet
