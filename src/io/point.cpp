#include "io/point.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "io/job.hpp"
#include "io/lyapunov_file.hpp"
#include "io/tln_file.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/rng.hpp"

namespace ratenet::io {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Summary statistics of the rates over the second half of a run, for each
// ensemble member: the time average of the population-mean rate, the
// population average of each neuron's temporal standard deviation (zero at a
// fixed point, positive for oscillations and chaos), and the final state's RMS.
class Summary : public EnsembleObserver {
public:
    Summary(const Network& net, double t_half, const std::atomic<bool>* stop, Eigen::Index members)
        : net_(net), t_half_(t_half), stop_(stop),
          sum_(Eigen::MatrixXd::Zero(net.size(), members)), sum2_(sum_), r_(net.size()) {}
    void observe(double t, const Eigen::MatrixXd& X) override {
        last_ = X;
        if (t < t_half_) return;
        for (Eigen::Index s = 0; s < X.cols(); ++s) {
            if (net_.form == Form::current)
                net_.phi.apply(X.col(s), r_);
            else
                r_ = X.col(s);
            sum_.col(s) += r_;
            sum2_.col(s).array() += r_.array().square();
        }
        ++count_;
    }
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }
    std::vector<std::pair<std::string, std::vector<double>>> values(const RunResult& r) const {
        const auto m = static_cast<std::size_t>(sum_.cols());
        std::vector<double> mean(m, nan), sd(m, nan), rms(m, nan);
        const double c = static_cast<double>(count_);
        for (std::size_t s = 0; s < m; ++s) {
            const auto col = static_cast<Eigen::Index>(s);
            if (count_ > 0 && r.status == RunStatus::completed) {
                const Eigen::ArrayXd mu = sum_.col(col).array() / c;
                const Eigen::ArrayXd var = (sum2_.col(col).array() / c - mu.square()).max(0.0);
                mean[s] = mu.mean();
                sd[s] = var.sqrt().mean();
            }
            if (last_.size() > 0) rms[s] = last_.col(col).norm() / std::sqrt(static_cast<double>(last_.rows()));
        }
        return {{"mean_rate", mean}, {"temporal_std", sd}, {"final_rms", rms}, {"t_final", {r.t_final}}};
    }

private:
    const Network& net_;
    double t_half_;
    const std::atomic<bool>* stop_;
    Eigen::MatrixXd sum_, sum2_, last_;
    Eigen::VectorXd r_;
    std::int64_t count_ = 0;
};

PointResult simulate_point(const Config& cfg, std::int64_t ensemble, const std::atomic<bool>* stop) {
    const Seeds seeds = read_seeds(cfg);
    const Network net = read_network(cfg, seeds);
    const std::int64_t members = std::max<std::int64_t>(1, ensemble);
    Eigen::MatrixXd X0(net.size(), members);
    if (ensemble > 0) {
        // Member s starts from the [initial] state drawn with initial seed derive_seed(seed, s).
        for (std::int64_t s = 0; s < members; ++s) {
            Seeds ss = seeds;
            ss.initial = derive_seed(seeds.initial, static_cast<std::uint64_t>(s));
            X0.col(s) = read_initial(cfg, net, ss);
        }
    } else {
        X0.col(0) = read_initial(cfg, net, seeds);
    }
    const SimulateJob job = read_simulate(cfg, net, seeds);
    const auto& o = job.integrator;
    Summary sum(net, o.t_start + 0.5 * (o.t_end - o.t_start), stop, members);
    const RunResult r = integrate_ensemble(net, X0, o, sum);
    PointResult res;
    res.status = std::string(to_string(r.status));
    res.values = sum.values(r);
    return res;
}

// Stops the Lyapunov engine on SIGINT/SIGTERM.
class StopObserver : public LyapunovObserver {
public:
    explicit StopObserver(const std::atomic<bool>* stop) : stop_(stop) {}
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }

private:
    const std::atomic<bool>* stop_;
};

PointResult lyapunov_point(const Config& cfg, const std::atomic<bool>* stop) {
    const Seeds seeds = read_seeds(cfg);
    const Network net = read_network(cfg, seeds);
    const LyapunovOptions opt = read_lyapunov(cfg, net, seeds);
    StopObserver obs(stop);
    const LyapunovResult r = lyapunov_spectrum(net, opt, obs);
    PointResult res;
    res.status = std::string(to_string(r.status));
    const auto k = static_cast<std::size_t>(opt.k.value_or(net.size()));
    std::vector<double> ex(k, nan), er(k, nan);
    // A diverged point reports no exponents (NaN), never the estimates of a blow-up.
    if (r.status == RunStatus::completed)
        for (std::size_t i = 0; i < k && static_cast<Eigen::Index>(i) < r.exponents.size(); ++i) {
            ex[i] = r.exponents[static_cast<Eigen::Index>(i)];
            er[i] = r.errors[static_cast<Eigen::Index>(i)];
        }
    const bool ok = r.status == RunStatus::completed;
    res.values = {{"lambda_max", {ex.empty() ? nan : ex[0]}},
                  {"lambda_max_error", {er.empty() ? nan : er[0]}},
                  {"exponents", ex},
                  {"errors", er},
                  {"kaplan_yorke", {ok ? r.kaplan_yorke : nan}},
                  {"entropy_rate", {ok ? r.entropy_rate : nan}},
                  {"sum", {ok ? r.sum_exponents : nan}},
                  {"mean_trace", {ok ? r.mean_trace : nan}}};
    return res;
}

PointResult fixed_points_point(const Config& cfg) {
    const Seeds seeds = read_seeds(cfg);
    const Network net = read_network(cfg, seeds);
    const TlnProblem p = tln_problem(cfg, net, "fixed_points");
    const FixedPointOptions opt = read_fixed_points(cfg, net);
    const FixedPointResult r = fixed_points(p.W, p.b, opt);
    PointResult res;
    res.status = r.status == EnumerationStatus::completed ? "completed" : "truncated";
    res.values = {{"count", {static_cast<double>(r.fixed_points.size())}},
                  {"n_stable", {static_cast<double>(r.n_stable)}},
                  {"n_unstable", {static_cast<double>(r.n_unstable)}},
                  {"n_marginal", {static_cast<double>(r.n_marginal)}},
                  {"index_sum", {static_cast<double>(r.index_sum)}}};
    return res;
}

}  // namespace

PointResult run_point(const Config& cfg, const std::string& analysis, std::int64_t ensemble,
                      const std::atomic<bool>* stop) {
    const auto t0 = std::chrono::steady_clock::now();
    PointResult res;
    try {
        if (analysis == "simulate")
            res = simulate_point(cfg, ensemble, stop);
        else if (analysis == "lyapunov")
            res = lyapunov_point(cfg, stop);
        else if (analysis == "fixed_points")
            res = fixed_points_point(cfg);
        else
            throw invalid_parameter("sweep.analysis", "\"" + analysis + "\"", "is not available in this build");
    } catch (const std::exception& e) {
        res.status = std::string("failed: ") + e.what();
        res.values.clear();
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

void validate_point(const Config& cfg, const std::string& analysis) {
    const Seeds seeds = read_seeds(cfg);
    const Network net = read_network(cfg, seeds);
    if (analysis == "simulate") {
        read_initial(cfg, net, seeds);
        read_simulate(cfg, net, seeds);
    } else if (analysis == "lyapunov") {
        read_lyapunov(cfg, net, seeds);
    } else if (analysis == "fixed_points") {
        tln_problem(cfg, net, "fixed_points");
        read_fixed_points(cfg, net);
    }
}

}  // namespace ratenet::io
