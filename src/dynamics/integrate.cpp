#include "ratenet/integrate.hpp"

#include <algorithm>
#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <cmath>
#include <functional>
#include <type_traits>

#include "ratenet/dynamics.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

// Eigen matrices look like ranges to odeint's copy (they have begin() in Eigen
// 3.4 only when one-dimensional); copy ensembles by assignment instead.
namespace boost::numeric::odeint {
template <>
struct copy_impl<Eigen::MatrixXd, Eigen::MatrixXd> {
    static void copy(const Eigen::MatrixXd& from, Eigen::MatrixXd& to) { to = from; }
};
}  // namespace boost::numeric::odeint

namespace ratenet {

namespace odeint = boost::numeric::odeint;
using State = Eigen::VectorXd;

std::string_view to_string(Method m) noexcept {
    switch (m) {
        case Method::euler: return "euler";
        case Method::rk4: return "rk4";
        case Method::dopri5: return "dopri5";
    }
    return "unknown";
}

bool parse_method(std::string_view name, Method& out) noexcept {
    for (Method m : {Method::euler, Method::rk4, Method::dopri5})
        if (name == to_string(m)) {
            out = m;
            return true;
        }
    return false;
}

std::string_view to_string(RunStatus s) noexcept {
    switch (s) {
        case RunStatus::completed: return "completed";
        case RunStatus::diverged: return "diverged";
        case RunStatus::interrupted: return "interrupted";
    }
    return "unknown";
}

void IntegratorOptions::validate() const {
    auto fin = [](const char* key, double v) {
        if (!std::isfinite(v)) throw invalid_parameter(key, format_value(v), "must be finite");
    };
    fin("t_start", t_start);
    fin("t_end", t_end);
    if (!(t_end > t_start)) throw invalid_parameter("t_end", format_value(t_end), "must be > t_start = " + format_value(t_start));
    fin("dt", dt);
    if (!(dt > 0)) throw invalid_parameter("dt", format_value(dt), "must be > 0");
    fin("dt_out", dt_out);
    if (!(dt_out > 0)) throw invalid_parameter("dt_out", format_value(dt_out), "must be > 0");
    if (dt_out > t_end - t_start)
        throw invalid_parameter("dt_out", format_value(dt_out), "must be <= t_end - t_start = " + format_value(t_end - t_start));
    if ((t_end - t_start) / dt_out > 1e12)
        throw invalid_parameter("dt_out", format_value(dt_out), "gives more than 1e12 samples");
    if (method == Method::dopri5) {
        if (!(atol > 0) || !std::isfinite(atol)) throw invalid_parameter("atol", format_value(atol), "must be > 0");
        if (!(rtol > 0) || !std::isfinite(rtol)) throw invalid_parameter("rtol", format_value(rtol), "must be > 0");
    } else if (dt > dt_out) {
        throw invalid_parameter("dt", format_value(dt), "must be <= dt_out = " + format_value(dt_out) + " for fixed-step methods");
    }
    if (!(steady_tol >= 0) || !std::isfinite(steady_tol))
        throw invalid_parameter("steady_tol", format_value(steady_tol), "must be >= 0 (0 disables the check)");
    if (!(bound > 0)) throw invalid_parameter("bound", format_value(bound), "must be > 0");
}

std::int64_t IntegratorOptions::n_samples() const {
    // Grid points t_start + k dt_out <= t_end, with a relative slack so that
    // t_end = 10, dt_out = 0.1 gives 101 samples despite rounding.
    const double span = (t_end - t_start) / dt_out;
    return static_cast<std::int64_t>(std::floor(span + 1e-9 * std::max(1.0, span))) + 1;
}

namespace {

// The vector field with the input frozen at *b (constant within a segment), for
// one state (VectorXd) or an ensemble (MatrixXd, one member per column).
template <class S>
struct FrozenSystem {
    const Network* net;
    const Eigen::VectorXd* b;
    Workspace* ws;
    // b is the segment's piecewise-constant input; a drive is added at each t.
    void operator()(const S& x, S& dxdt, double t) const {
        const Eigen::VectorXd& bt = net->input.with_drive(*b, t, ws->b_t);
        if constexpr (std::is_same_v<S, Eigen::VectorXd>)
            rhs_with_input(*net, bt, x, dxdt, *ws);
        else
            rhs_ensemble(*net, bt, x, dxdt, *ws);
    }
};

// Index of the first entry (in storage order) that is non-finite or beyond the bound, or -1.
template <class S>
std::int64_t first_bad(const S& x, double bound) {
    const double* p = x.data();
    for (Eigen::Index i = 0; i < x.size(); ++i)
        if (!std::isfinite(p[i]) || std::abs(p[i]) > bound) return i;
    return -1;
}

template <class State, class Observer>
class Driver {
public:
    Driver(const Network& net, const IntegratorOptions& opt, Observer& obs)
        : net_(net), opt_(opt), obs_(obs), ws_(net.size()), n_samples_(opt.n_samples()) {}

    RunResult run(const State& x0) {
        deliver(opt_.t_start, x0);
        if (finished_) return res_;
        const double t_last = opt_.sample_time(n_samples_ - 1);
        std::vector<double> edges{opt_.t_start};
        for (double e : net_.input.breakpoints(opt_.t_start, t_last)) edges.push_back(e);
        edges.push_back(t_last);
        State x = x0;
        try {
            for (std::size_t s = 0; s + 1 < edges.size() && !finished_; ++s) {
                const double a = edges[s], e = edges[s + 1];
                const Eigen::VectorXd& b = net_.input.at(0.5 * (a + e));
                if (opt_.method == Method::dopri5)
                    segment_dopri5(x, a, e, b);
                else
                    segment_fixed(x, a, e, b);
            }
        } catch (const odeint::odeint_error& ex) {
            // odeint gives up when the step size cannot be controlled (a blow-up).
            // Anything else (the observer's I/O errors, bad_alloc) propagates.
            res_.status = RunStatus::diverged;
            res_.t_bad = last_t_;
            res_.message = std::string("integrator failed near t = ") + format_value(last_t_) + ": " + ex.what();
        }
        return res_;
    }

private:
    // Hands sample next_ to the observer; checks the steady state.
    void deliver(double t, const State& x) {
        obs_.observe(t, x);
        res_.t_final = t;
        res_.samples = ++next_;
        if (next_ >= n_samples_) finished_ = true;
        // A dense grid delivers many samples per step: poll here too, so a stop
        // request is seen within one sample, not one step.
        if (!finished_ && obs_.should_stop()) {
            res_.status = RunStatus::interrupted;
            res_.message = "interrupted at t = " + format_value(t);
            finished_ = true;
            return;
        }
        // A driven network is never at rest, however still it is at one instant.
        if (opt_.steady_tol > 0 && !net_.input.has_drive()) {
            FrozenSystem<State>{&net_, &net_.input.at(t), &ws_}(x, f_, t);
            if (f_.template lpNorm<Eigen::Infinity>() < opt_.steady_tol) {
                res_.steady_state = true;
                finished_ = true;
            }
        }
    }

    // After each step: finiteness, bound, interruption. Returns false to stop.
    bool check(double t, const State& x) {
        ++res_.steps;
        last_t_ = t;
        const auto bad = first_bad(x, opt_.bound);
        if (bad >= 0) {
            res_.status = RunStatus::diverged;
            res_.bad_neuron = bad;
            res_.t_bad = t;
            const double v = x.data()[bad];
            const std::string who = std::is_same_v<State, Eigen::VectorXd>
                                        ? "neuron " + std::to_string(bad)
                                        : "neuron " + std::to_string(bad % net_.size()) + " of member " +
                                              std::to_string(bad / net_.size());
            res_.message = "diverged at t = " + format_value(t) + ": " + who + " = " +
                           format_value(v) + (std::isfinite(v) ? " beyond bound " + format_value(opt_.bound) : "");
            finished_ = true;
            return false;
        }
        if (obs_.should_stop()) {
            res_.status = RunStatus::interrupted;
            res_.message = "interrupted at t = " + format_value(t);
            finished_ = true;
            return false;
        }
        return true;
    }

    void segment_fixed(State& x, double a, double e, const Eigen::VectorXd& b) {
        FrozenSystem<State> sys{&net_, &b, &ws_};
        odeint::runge_kutta4<State, double, State, double, odeint::vector_space_algebra> rk4;
        odeint::euler<State, double, State, double, odeint::vector_space_algebra> euler;
        const double sigma = net_.input.noise_sigma;
        double t = a;
        while (!finished_ && t < e) {
            // Advance to the next sample time (or the segment end) in equal steps <= dt.
            const double target = std::min(e, opt_.sample_time(next_));
            const double span = target - t;
            const auto m = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(span / opt_.dt - 1e-9)));
            const double h = span / static_cast<double>(m);
            for (std::int64_t s = 0; s < m; ++s) {
                if (opt_.method == Method::rk4)
                    rk4.do_step(std::cref(sys), x, t, h);
                else
                    euler.do_step(std::cref(sys), x, t, h);
                if (sigma > 0) {
                    const double amp = sigma * std::sqrt(h);
                    double* p = x.data();
                    for (Eigen::Index i = 0; i < x.size(); ++i) p[i] += amp * noise_.normal();
                }
                t = (s + 1 == m) ? target : t + h;
                if (!check(t, x)) return;
            }
            if (next_ < n_samples_ && std::abs(t - opt_.sample_time(next_)) <= 1e-9 * std::max(1.0, std::abs(t)))
                deliver(opt_.sample_time(next_), x);
        }
    }

    void segment_dopri5(State& x, double a, double e, const Eigen::VectorXd& b) {
        FrozenSystem<State> sys{&net_, &b, &ws_};
        auto stepper = odeint::make_dense_output(
            opt_.atol, opt_.rtol,
            odeint::runge_kutta_dopri5<State, double, State, double, odeint::vector_space_algebra>());
        stepper.initialize(x, a, std::min(opt_.dt, e - a));
        State xs = x;
        // Rounding slack at the segment end, always far below the grid spacing (a
        // slack as large as dt_out once put a sample before the first step, where
        // the dense output has no interval to interpolate in).
        const double slack = std::min(1e-12 * std::max(1.0, std::abs(e)), 1e-3 * opt_.dt_out);
        bool stepped = false;
        while (!finished_) {
            const double tc = stepper.current_time();
            while (stepped && !finished_ && next_ < n_samples_ && opt_.sample_time(next_) <= std::min(tc, e) + slack) {
                const double ts = std::min(opt_.sample_time(next_), e);
                stepper.calc_state(ts, xs);
                deliver(opt_.sample_time(next_), xs);
            }
            if (finished_ || tc >= e - slack) break;
            stepper.do_step(std::cref(sys));
            stepped = true;
            if (!check(stepper.current_time(), stepper.current_state())) return;
        }
        if (stepper.current_time() > e)
            stepper.calc_state(e, x);
        else
            x = stepper.current_state();
    }

    const Network& net_;
    const IntegratorOptions& opt_;
    Observer& obs_;
    Workspace ws_;
    State f_;
    Rng noise_{opt_.noise_seed, Stream::noise};
    RunResult res_;
    std::int64_t n_samples_;
    std::int64_t next_ = 0;
    bool finished_ = false;
    double last_t_ = 0.0;
};

}  // namespace

namespace {
// Checks shared by both entry points.
void check_start(const Network& net, const IntegratorOptions& opt, Eigen::Index rows, const double* x0,
                 Eigen::Index size) {
    net.validate();
    opt.validate();
    if (rows != net.size())
        throw invalid_parameter("x0", "[" + std::to_string(rows) + " values]",
                                "must have one value per neuron (" + std::to_string(net.size()) + ")");
    for (Eigen::Index i = 0; i < size; ++i)
        if (!std::isfinite(x0[i]))
            throw invalid_parameter("x0[" + std::to_string(i) + "]", format_value(x0[i]), "must be finite");
    if (net.input.noise_sigma > 0 && opt.method != Method::euler)
        throw invalid_parameter("method", std::string(to_string(opt.method)),
                                "noise_sigma > 0 needs method = \"euler\" (Euler-Maruyama)");
}
}  // namespace

RunResult integrate(const Network& net, const Eigen::VectorXd& x0, const IntegratorOptions& opt,
                    TrajectoryObserver& observer) {
    check_start(net, opt, x0.size(), x0.data(), x0.size());
    Driver<Eigen::VectorXd, TrajectoryObserver> d(net, opt, observer);
    return d.run(x0);
}

RunResult integrate_ensemble(const Network& net, const Eigen::MatrixXd& X0, const IntegratorOptions& opt,
                             EnsembleObserver& observer) {
    check_start(net, opt, X0.rows(), X0.data(), X0.size());
    if (X0.cols() < 1) throw invalid_parameter("ensemble", "0", "needs at least one member");
    Driver<Eigen::MatrixXd, EnsembleObserver> d(net, opt, observer);
    return d.run(X0);
}

}  // namespace ratenet
