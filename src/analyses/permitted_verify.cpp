// Verification of permitted and forbidden sets by simulation (for --verify and tests).
//
// For a set S and a target x_S* > 0, the input b_S = (I - W_SS) x_S* makes x* (zero off
// S) satisfy the fixed-point equations on S; b_k = -(off_margin + sum_j |W_kj| R) off S,
// R = 2 max(x*) + 1, keeps (W x + b)_k < 0 while every |x_j| <= R, so the neurons off S
// stay silent. Permitted S: x* is stable (for symmetric W the only steady state of the
// sub-network, whose energy is strictly convex), every run must end at x*. Forbidden S:
// -I + W_SS has an eigenvalue with positive real part; runs started next to x* must not
// end at it.
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>

#include "permitted_support.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/network.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {

void SimulationCheckOptions::validate() const {
    auto pos = [](const char* key, double v) {
        if (!std::isfinite(v) || v <= 0) throw invalid_parameter(key, format_value(v), "must be finite and > 0");
    };
    pos("target_min", target_min);
    pos("target_max", target_max);
    if (target_max < target_min)
        throw invalid_parameter("target_max", format_value(target_max), "must be >= target_min = " + format_value(target_min));
    pos("off_margin", off_margin);
    if (!std::isfinite(spread) || spread < 0 || spread >= 1)
        throw invalid_parameter("spread", format_value(spread), "must be in [0, 1) (initial states stay positive on S)");
    pos("perturbation", perturbation);
    pos("t_end", t_end);
    if (!std::isfinite(steady_tol) || steady_tol < 0) throw invalid_parameter("steady_tol", format_value(steady_tol), "must be >= 0");
    pos("tol", tol);
    if (n_initial < 1) throw invalid_parameter("n_initial", std::to_string(n_initial), "must be >= 1");
}

namespace {

class LastSample : public TrajectoryObserver {
public:
    explicit LastSample(const std::atomic<bool>* stop) : stop_(stop) {}
    void observe(double /*t*/, const Eigen::VectorXd& x) override { last = x; }
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }
    Eigen::VectorXd last;

private:
    const std::atomic<bool>* stop_;
};

// Up to `count` entries of `from`, drawn without replacement (all when there are fewer).
std::vector<SetMask> sample(std::vector<SetMask> from, std::size_t count, Rng& rng) {
    if (from.size() <= count) return from;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t j = i + static_cast<std::size_t>(rng.below(from.size() - i));
        std::swap(from[i], from[j]);
    }
    from.resize(count);
    return from;
}

}  // namespace

SimulationCheckResult verify_permitted_by_simulation(const Eigen::MatrixXd& W, const PermittedResult& result,
                                                     const SimulationCheckOptions& opt) {
    opt.validate();
    detail::check_square_finite(W);
    const Eigen::Index n = W.rows();
    if (result.n != n)
        throw invalid_parameter("result", std::to_string(result.n) + " neurons",
                                "must come from permitted_sets() of this W (" + std::to_string(n) + " neurons)");
    Rng pick(opt.seed, Stream::network);
    Rng draw(opt.seed, Stream::initial);

    // Permitted: the maximal sets first (the hardest), then others from the full list.
    std::vector<SetMask> maximal;
    for (SetMask s : result.maximal)
        if (s != 0) maximal.push_back(s);
    std::vector<SetMask> chosen = sample(maximal, opt.n_permitted, pick);
    if (chosen.size() < opt.n_permitted) {
        std::vector<SetMask> rest;
        for (SetMask s : result.permitted)
            if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) rest.push_back(s);
        for (SetMask s : sample(rest, opt.n_permitted - chosen.size(), pick)) chosen.push_back(s);
    }
    std::vector<std::pair<SetMask, bool>> jobs;
    for (SetMask s : chosen) jobs.emplace_back(s, true);
    for (SetMask s : sample(result.minimal_forbidden, opt.n_forbidden, pick)) jobs.emplace_back(s, false);

    Network net;
    net.form = Form::rate;
    net.W = W;
    net.tau = Eigen::VectorXd::Ones(n);
    IntegratorOptions io;
    io.method = Method::dopri5;
    io.t_end = opt.t_end;
    io.dt_out = std::min(1.0, opt.t_end);
    io.steady_tol = opt.steady_tol;
    io.atol = 1e-12;
    io.rtol = 1e-10;

    SimulationCheckResult out;
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
    for (const auto& [s, permitted] : jobs) {
        if (opt.stop && opt.stop->load(std::memory_order_relaxed)) {
            out.interrupted = true;
            break;
        }
        SetCheck check;
        check.set = s;
        check.permitted = permitted;
        Eigen::VectorXd target = Eigen::VectorXd::Zero(n);
        for (Eigen::Index i : set_members(s)) target[i] = draw.uniform(opt.target_min, opt.target_max);
        const double xmax = target.maxCoeff();
        const double bound = 2.0 * xmax + 1.0;
        Eigen::VectorXd b = (I - W) * target;
        for (Eigen::Index k = 0; k < n; ++k)
            if (!(s & detail::bit(k))) b[k] = -(opt.off_margin + W.row(k).cwiseAbs().sum() * bound);
        net.input.b = b;
        // The slowest mode decays (or grows) like exp(growth_rate t): the horizon must cover
        // about 40 of its time constants for the error to fall below tol.
        {
            std::vector<Eigen::Index> m = set_members(s);
            const auto k = static_cast<Eigen::Index>(m.size());
            Eigen::MatrixXd J(k, k);
            for (Eigen::Index r = 0; r < k; ++r)
                for (Eigen::Index c = 0; c < k; ++c)
                    J(r, c) = W(m[static_cast<std::size_t>(r)], m[static_cast<std::size_t>(c)]) - (r == c ? 1.0 : 0.0);
            check.growth_rate = k ? Eigen::EigenSolver<Eigen::MatrixXd>(J, false).eigenvalues().real().maxCoeff() : -1.0;
            const double rate = std::abs(check.growth_rate);
            const double needed = rate > 0 ? 40.0 / rate : std::numeric_limits<double>::infinity();
            if (needed > 100.0 * opt.t_end) {
                // A mode this slow cannot settle within the horizon: neither outcome
                // of a simulation would say anything about the prediction.
                check.inconclusive = true;
                check.t_end = needed;
                check.note = "inconclusive: the slowest mode (rate " + format_value(check.growth_rate) +
                             ") needs about " + format_value(needed) + " time units, more than 100 t_end";
                ++out.n_inconclusive;
                out.sets.push_back(std::move(check));
                continue;
            }
            io.t_end = std::max(opt.t_end, needed);
            io.dt_out = std::min(1.0, io.t_end);
            check.t_end = io.t_end;
        }
        const double tol = opt.tol * std::max(1.0, xmax);
        check.min_error = INFINITY;
        for (int run = 0; run < opt.n_initial; ++run) {
            Eigen::VectorXd x0(n);
            for (Eigen::Index i = 0; i < n; ++i) {
                const double u = draw.uniform(-1.0, 1.0);
                if (permitted)
                    x0[i] = (s & detail::bit(i)) ? target[i] * (1.0 + opt.spread * u) : opt.spread * xmax * 0.5 * (u + 1.0);
                else
                    x0[i] = std::max(0.0, target[i] + opt.perturbation * xmax * u);
            }
            LastSample obs(opt.stop);
            const RunResult rr = integrate(net, x0, io, obs);
            if (rr.status == RunStatus::interrupted) {
                out.interrupted = true;
                return out;  // the set in progress is not counted
            }
            ++check.n_runs;
            double err = INFINITY;
            if (rr.status == RunStatus::completed && obs.last.size() == n) err = (obs.last - target).cwiseAbs().maxCoeff();
            else if (check.note.empty()) check.note = std::string(to_string(rr.status)) + ": " + rr.message;
            if (err <= tol) ++check.n_reached;
            check.max_error = std::max(check.max_error, err);
            check.min_error = std::min(check.min_error, err);
        }
        check.agrees = permitted ? check.n_reached == check.n_runs : check.n_reached == 0;
        (check.agrees ? out.n_agree : out.n_disagree) += 1;
        out.sets.push_back(std::move(check));
    }
    return out;
}

}  // namespace ratenet
