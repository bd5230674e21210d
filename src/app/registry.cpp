// The analysis registry: every analysis a sweep point can run, once.
#include "app/registry.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "io/job.hpp"
#include "io/lyapunov_file.hpp"
#include "io/tln_file.hpp"
#include "ratenet/autocorrelation.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

namespace ratenet::app {

namespace {

using io::Config;
using io::PointResult;
using io::schema::Field;
using io::schema::Type;
namespace units = io::schema::units;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// results/<name>: dims start with "point"; a last axis of length 1 is left out.
Field result(std::string_view name, std::vector<std::string_view> dims, std::string_view units,
             std::string_view long_name, std::string_view meaning, std::string_view when) {
    Field f;
    f.name = name;
    f.type = Type::f64;
    f.dims = std::move(dims);
    f.units = units;
    f.long_name = long_name;
    f.meaning = meaning;
    f.when = when;
    f.squeeze_last = f.dims.size() > 1;
    return f;
}

// ---------------------------------------------------------------- simulate

// Summary statistics of the rates over the second half of a run, for each
// ensemble member: the time average of the population-mean rate, the
// population average of each neuron's temporal standard deviation (zero at a
// fixed point, positive for oscillations and chaos), and the final state's RMS.
class RateStatistics : public EnsembleObserver {
public:
    RateStatistics(const Network& net, double t_half, const std::atomic<bool>* stop, Eigen::Index members)
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

void validate_simulate(const Config& cfg) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    io::read_initial(cfg, net, seeds);
    io::read_simulate(cfg, net, seeds);
}

std::int64_t simulate_axis(const Config&, std::string_view, const PointContext& ctx) {
    return std::max<std::int64_t>(1, ctx.ensemble);  // member
}

PointResult run_simulate(const Config& cfg, const PointContext& ctx) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const std::int64_t members = std::max<std::int64_t>(1, ctx.ensemble);
    Eigen::MatrixXd X0(net.size(), members);
    if (ctx.ensemble > 0) {
        // Member s starts from the [initial] state drawn with initial seed derive_seed(seed, s).
        for (std::int64_t s = 0; s < members; ++s) {
            io::Seeds ss = seeds;
            ss.initial = derive_seed(seeds.initial, static_cast<std::uint64_t>(s));
            X0.col(s) = io::read_initial(cfg, net, ss);
        }
    } else {
        X0.col(0) = io::read_initial(cfg, net, seeds);
    }
    const io::SimulateJob job = io::read_simulate(cfg, net, seeds);
    const auto& o = job.integrator;
    RateStatistics stats(net, o.t_start + 0.5 * (o.t_end - o.t_start), ctx.stop, members);
    const RunResult r = integrate_ensemble(net, X0, o, stats);
    return {std::string(to_string(r.status)), stats.values(r), 0.0};
}

// ---------------------------------------------------------------- permitted

void validate_permitted(const Config& cfg) {
    const Network net = io::read_network(cfg, io::read_seeds(cfg));
    io::tln_problem(cfg, net, "permitted");
    io::read_permitted(cfg);
}

PointResult run_permitted(const Config& cfg, const PointContext& ctx) {
    const Network net = io::read_network(cfg, io::read_seeds(cfg));
    const ReluForm p = io::tln_problem(cfg, net, "permitted");
    io::PermittedJob job = io::read_permitted(cfg);
    job.options.stop = ctx.stop;
    job.options.store_permitted = false;  // a point keeps the counts only
    PermittedResult r;
    try {
        r = permitted_sets(p.W, job.options);
    } catch (const invalid_parameter&) {
        io::rethrow_in(cfg, "network");
    }
    double largest = 0;
    for (std::size_t k = 0; k < r.count_by_size.size(); ++k)
        if (k > 0 && r.count_by_size[k] > 0) largest = static_cast<double>(k);
    const bool whole = r.status == EnumerationStatus::completed;
    return {std::string(to_string(r.status)),
            {{"n_permitted", {static_cast<double>(r.n_permitted)}},
             {"n_maximal", {whole ? static_cast<double>(r.maximal.size()) : nan}},
             {"n_minimal_forbidden", {static_cast<double>(r.minimal_forbidden.size())}},
             {"largest", {largest}}},
            0.0};
}

// ---------------------------------------------------------------- fixed points

void validate_fixed_points(const Config& cfg) {
    const Network net = io::read_network(cfg, io::read_seeds(cfg));
    io::tln_problem(cfg, net, "fixed_points");
    io::read_fixed_points(cfg, net);
}

PointResult run_fixed_points(const Config& cfg, const PointContext& ctx) {
    const Network net = io::read_network(cfg, io::read_seeds(cfg));
    const ReluForm p = io::tln_problem(cfg, net, "fixed_points");
    FixedPointOptions opt = io::read_fixed_points(cfg, net);
    opt.stop = ctx.stop;
    const FixedPointResult r = fixed_points(p.W, p.b, opt);
    return {std::string(to_string(r.status)),
            {{"count", {static_cast<double>(r.fixed_points.size())}},
             {"n_stable", {static_cast<double>(r.n_stable)}},
             {"n_unstable", {static_cast<double>(r.n_unstable)}},
             {"n_marginal", {static_cast<double>(r.n_marginal)}},
             {"index_sum", {static_cast<double>(r.index_sum)}}},
            0.0};
}

// ---------------------------------------------------------------- lyapunov

// Stops the Lyapunov engine on SIGINT/SIGTERM.
class StopObserver : public LyapunovObserver {
public:
    explicit StopObserver(const std::atomic<bool>* stop) : stop_(stop) {}
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }

private:
    const std::atomic<bool>* stop_;
};

void validate_lyapunov(const Config& cfg) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    io::read_lyapunov(cfg, net, seeds);
}

std::int64_t lyapunov_axis(const Config& cfg, std::string_view, const PointContext&) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    return io::read_lyapunov(cfg, net, seeds).k.value_or(net.size());  // exponent
}

PointResult run_lyapunov(const Config& cfg, const PointContext& ctx) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const LyapunovOptions opt = io::read_lyapunov(cfg, net, seeds);
    StopObserver obs(ctx.stop);
    const LyapunovResult r = lyapunov_spectrum(net, opt, obs);
    const auto k = static_cast<std::size_t>(opt.k.value_or(net.size()));
    std::vector<double> ex(k, nan), er(k, nan), pr(k, nan);
    // A diverged point reports no exponents (NaN), never the estimates of a blow-up.
    const bool ok = r.status == RunStatus::completed;
    if (ok)
        for (std::size_t i = 0; i < k && static_cast<Eigen::Index>(i) < r.exponents.size(); ++i) {
            ex[i] = r.exponents[static_cast<Eigen::Index>(i)];
            er[i] = r.errors[static_cast<Eigen::Index>(i)];
            pr[i] = r.participation_ratio[static_cast<Eigen::Index>(i)];
        }
    return {std::string(to_string(r.status)),
            {{"lambda_max", {ex.empty() ? nan : ex[0]}},
             {"lambda_max_error", {er.empty() ? nan : er[0]}},
             {"exponents", ex},
             {"errors", er},
             {"participation_ratio", pr},
             {"kaplan_yorke", {ok ? r.kaplan_yorke : nan}},
             {"entropy_rate", {ok ? r.entropy_rate : nan}},
             {"sum", {ok ? r.sum_exponents : nan}},
             {"mean_trace", {ok ? r.mean_trace : nan}}},
            0.0};
}

// ---------------------------------------------------------------- autocorrelation

void validate_autocorrelation(const Config& cfg) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    io::read_initial(cfg, net, seeds);
    io::read_autocorrelation(cfg, net, seeds);
}

std::int64_t autocorrelation_axis(const Config& cfg, std::string_view, const PointContext&) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    return io::read_autocorrelation(cfg, net, seeds).n_lags();  // lag
}

// The gain g when the network is one dynamic mean-field theory describes
// exactly as N -> infinity: random_gaussian (not symmetric, mu = 0), current
// form, tanh, tau = 1, no input of any kind. Otherwise a reason.
std::optional<double> tanh_dmft_gain(const Config& cfg, const Network& net, std::string& why) {
    if (net.model.name != "random_gaussian") why = "model is not random_gaussian";
    else if (net.form != Form::current) why = "network.form is not \"current\"";
    else if (net.phi.kind != TransferKind::tanh) why = "transfer is not tanh";
    else if ((net.tau.array() != 1.0).any()) why = "tau is not 1";
    else if ((net.input.b.array() != 0.0).any() || !net.input.is_constant() || net.input.noise_sigma > 0)
        why = "the input is not zero";
    if (!why.empty()) return std::nullopt;
    io::Section m = cfg.section("model");
    const ParamSet p = io::read_model_params(m, *find_model("random_gaussian"));
    if (p.real("mu") != 0.0) why = "model.mu is not 0";
    else if (p.boolean("symmetric")) why = "model.symmetric is true";
    if (!why.empty()) return std::nullopt;
    return p.real("g");
}

PointResult run_autocorrelation(const Config& cfg, const PointContext& ctx) {
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    const Eigen::VectorXd x0 = io::read_initial(cfg, net, seeds);
    AutocorrelationOptions opt = io::read_autocorrelation(cfg, net, seeds);
    opt.stop = ctx.stop;
    const AutocorrelationResult r = autocorrelation(net, x0, opt);
    auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
    const auto L = static_cast<std::size_t>(r.lag.size());
    const std::vector<double> none(L, nan);
    PointResult out{std::string(to_string(r.status)),
                    {{"lag_time", vec(r.lag)},
                     {"autocovariance", vec(r.state.C)},
                     {"autocovariance_error", vec(r.state.C_error)},
                     {"variance", {r.state.variance}},
                     {"tau_c", {r.state.tau_c}},
                     {"mean", {r.state.mean}},
                     {"rate_autocovariance", vec(r.rate.C)},
                     {"rate_autocovariance_error", vec(r.rate.C_error)},
                     {"rate_variance", {r.rate.variance}},
                     {"rate_tau_c", {r.rate.tau_c}},
                     {"rate_mean", {r.rate.mean}}},
                    0.0};
    std::string why;
    DmftAutocovariance d;
    if (const auto g = tanh_dmft_gain(cfg, net, why)) d = tanh_dmft_autocovariance(*g, opt);
    auto& v = out.values;
    v.push_back({"dmft_autocovariance", d.ok ? vec(d.state) : none});
    v.push_back({"dmft_window_bias", d.ok ? vec(d.state_bias) : none});
    v.push_back({"dmft_variance", {d.ok ? d.delta0 : nan}});
    v.push_back({"dmft_tau_c", {d.ok ? d.tau_c : nan}});
    v.push_back({"dmft_rate_autocovariance", d.ok ? vec(d.rate) : none});
    v.push_back({"dmft_rate_window_bias", d.ok ? vec(d.rate_bias) : none});
    v.push_back({"dmft_rate_variance", {d.ok ? d.rate_variance : nan}});
    v.push_back({"dmft_rate_tau_c", {d.ok ? d.rate_tau_c : nan}});
    return out;
}

std::vector<Analysis> make() {
    using units::model_units;
    using units::one;
    using units::rate_units;
    using units::time_units;
    std::vector<Analysis> a;
    a.push_back({"simulate", "simulate", "integrate the network; statistics of the rates over the second half",
                 {{"member", "ensemble member (sweep.ensemble > 0)"}},
                 {result("mean_rate", {"point", "member"}, model_units, "mean rate",
                         "time average (second half) of the population-mean rate", "analysis `simulate`"),
                  result("temporal_std", {"point", "member"}, model_units, "temporal standard deviation",
                         "population average of each neuron's temporal standard deviation (second half)",
                         "analysis `simulate`"),
                  result("final_rms", {"point", "member"}, model_units, "final RMS state",
                         "root mean square of the final state", "analysis `simulate`"),
                  result("t_final", {"point"}, time_units, "time reached", "time reached", "analysis `simulate`")},
                 validate_simulate, run_simulate, simulate_axis});
    a.push_back({"permitted", "permitted", "count the permitted sets of a threshold-linear network",
                 {},
                 {result("n_permitted", {"point"}, one, "permitted sets", "non-empty permitted sets found",
                         "analysis `permitted`"),
                  result("n_maximal", {"point"}, one, "maximal permitted sets",
                         "permitted sets with no permitted superset (NaN when truncated)", "analysis `permitted`"),
                  result("n_minimal_forbidden", {"point"}, one, "minimal forbidden sets",
                         "forbidden sets whose proper subsets are all permitted", "analysis `permitted`"),
                  result("largest", {"point"}, one, "largest permitted set", "size of the largest permitted set found",
                         "analysis `permitted`")},
                 validate_permitted, run_permitted, nullptr});
    a.push_back({"fixed_points", "fixed_points", "every fixed point of a threshold-linear network, with its stability",
                 {},
                 {result("count", {"point"}, one, "fixed points", "number of fixed points", "analysis `fixed_points`"),
                  result("n_stable", {"point"}, one, "stable fixed points", "stable fixed points",
                         "analysis `fixed_points`"),
                  result("n_unstable", {"point"}, one, "unstable fixed points", "unstable fixed points",
                         "analysis `fixed_points`"),
                  result("n_marginal", {"point"}, one, "marginal fixed points", "marginal fixed points",
                         "analysis `fixed_points`"),
                  result("index_sum", {"point"}, one, "index sum", "sum of the fixed points' indices",
                         "analysis `fixed_points`")},
                 validate_fixed_points, run_fixed_points, nullptr});
    a.push_back({"lyapunov", "lyapunov", "Lyapunov spectrum (k exponents), Kaplan-Yorke dimension, entropy rate",
                 {{"exponent", "Lyapunov exponent, largest first"}},
                 {result("lambda_max", {"point"}, rate_units, "largest Lyapunov exponent", "largest exponent",
                         "analysis `lyapunov`"),
                  result("lambda_max_error", {"point"}, rate_units, "standard error", "its standard error",
                         "analysis `lyapunov`"),
                  result("exponents", {"point", "exponent"}, rate_units, "Lyapunov exponent", "the k exponents",
                         "analysis `lyapunov`"),
                  result("errors", {"point", "exponent"}, rate_units, "standard error", "their standard errors",
                         "analysis `lyapunov`"),
                  result("participation_ratio", {"point", "exponent"}, one, "participation ratio",
                         "participation ratio of each Lyapunov vector (1 .. N)", "analysis `lyapunov`"),
                  result("kaplan_yorke", {"point"}, one, "Kaplan-Yorke dimension", "Kaplan-Yorke dimension",
                         "analysis `lyapunov`"),
                  result("entropy_rate", {"point"}, rate_units, "entropy rate", "sum of the positive exponents",
                         "analysis `lyapunov`"),
                  result("sum", {"point"}, rate_units, "sum of exponents", "sum of the k exponents", "analysis `lyapunov`"),
                  result("mean_trace", {"point"}, rate_units, "mean Jacobian trace", "time average of the Jacobian's trace",
                         "analysis `lyapunov`")},
                 validate_lyapunov, run_lyapunov, lyapunov_axis});
    {
        const std::string_view var = "(unit of the variable)^2", ac = "analysis `autocorrelation`";
        const std::string_view dmft =
            "dynamic mean-field theory (Sompolinsky, Crisanti & Sommers 1988) for this network (random_gaussian, mu = 0, "
            "current form, tanh, tau = 1, no input; else NaN): ";
        static const std::vector<std::string> d = {
            std::string(dmft) + "Delta(tau), the autocovariance of h",
            std::string(dmft) + "expected offset of the estimate from the theory, from subtracting the window's mean "
                                "(about -2 tau_c C(0) / t_sim)",
            std::string(dmft) + "Delta(0)",
            std::string(dmft) + "integral of Delta(tau) / Delta(0) over [0, max_lag] (NaN for g <= 1)",
            std::string(dmft) + "C(Delta(tau)) = <tanh(h(t)) tanh(h(t + tau))>, the autocovariance of the rate",
            std::string(dmft) + "the same offset for the rate",
            std::string(dmft) + "C(Delta(0)), the rate's variance",
            std::string(dmft) + "integral of C(Delta(tau)) / C(Delta(0)) over [0, max_lag] (NaN for g <= 1)"};
        a.push_back(
            {"autocorrelation", "autocorrelation",
             "population-averaged autocovariance C(tau) of the state and of the rate, with errors over neurons, and "
             "the mean-field Delta(tau) where it applies",
             {{"lag", "time lag"}},
             {result("lag_time", {"point", "lag"}, time_units, "time lag", "the lags 0, dt_sample, ..., max_lag", ac),
              result("autocovariance", {"point", "lag"}, var, "autocovariance C(tau)",
                     "population average of each neuron's autocovariance of the state (h in the current form)", ac),
              result("autocovariance_error", {"point", "lag"}, var, "standard error of C(tau)",
                     "standard error of that average over neurons", ac),
              result("variance", {"point"}, var, "variance C(0)", "C at lag 0", ac),
              result("tau_c", {"point"}, time_units, "correlation time",
                     "integral of C(tau) / C(0) over [0, max_lag] (NaN when C(0) = 0)", ac),
              result("mean", {"point"}, model_units, "mean", "time and population average of the state", ac),
              result("rate_autocovariance", {"point", "lag"}, var, "rate autocovariance",
                     "the same for the rate (phi(h) in the current form, x in the rate form)", ac),
              result("rate_autocovariance_error", {"point", "lag"}, var, "standard error",
                     "standard error over neurons of the rate's autocovariance", ac),
              result("rate_variance", {"point"}, var, "rate variance", "the rate's autocovariance at lag 0", ac),
              result("rate_tau_c", {"point"}, time_units, "rate correlation time", "tau_c of the rate", ac),
              result("rate_mean", {"point"}, model_units, "mean rate", "time and population average of the rate", ac),
              result("dmft_autocovariance", {"point", "lag"}, var, "mean-field Delta(tau)", d[0], ac),
              result("dmft_window_bias", {"point", "lag"}, var, "window bias", d[1], ac),
              result("dmft_variance", {"point"}, var, "mean-field Delta(0)", d[2], ac),
              result("dmft_tau_c", {"point"}, time_units, "mean-field correlation time", d[3], ac),
              result("dmft_rate_autocovariance", {"point", "lag"}, var, "mean-field rate autocovariance", d[4], ac),
              result("dmft_rate_window_bias", {"point", "lag"}, var, "window bias of the rate", d[5], ac),
              result("dmft_rate_variance", {"point"}, var, "mean-field rate variance", d[6], ac),
              result("dmft_rate_tau_c", {"point"}, time_units, "mean-field rate correlation time", d[7], ac)},
             validate_autocorrelation, run_autocorrelation, autocorrelation_axis});
    }
    return a;
}

}  // namespace

const std::vector<Analysis>& analyses() {
    static const std::vector<Analysis> table = [] {
        auto t = make();
        // Every analysis' results, prefixed results/, with every extra axis once.
        std::vector<io::schema::Dim> dims;
        std::vector<Field> fields;
        std::map<std::string_view, std::string_view> field_owner;
        for (const auto& a : t) {
            for (const auto& d : a.dims)
                if (std::none_of(dims.begin(), dims.end(), [&](const auto& x) { return x.name == d.name; }))
                    dims.push_back(d);
            for (const auto& f : a.fields) {
                // Two analyses may share a name only with one meaning: the names are one namespace in /sweep.
                if (field_owner.count(f.name))
                    throw internal_error("result " + std::string(f.name) + " is declared by " +
                                         std::string(field_owner[f.name]) + " and " + std::string(a.name));
                field_owner[f.name] = a.name;
                Field g = f;
                fields.push_back(g);
            }
        }
        // The description holds the names with their group-relative path.
        static std::vector<std::string> paths;
        paths.reserve(fields.size());
        for (auto& f : fields) {
            paths.push_back("results/" + std::string(f.name));
        }
        for (std::size_t i = 0; i < fields.size(); ++i) fields[i].name = paths[i];
        std::string doc = "| analysis | config section | what a point computes |\n|---|---|---|\n";
        for (const auto& a : t)
            doc += "| `" + std::string(a.name) + "` | `[" + std::string(a.section) + "]` | " + std::string(a.doc) + " |\n";
        io::schema::add_sweep_results(dims, fields, doc);
        std::vector<std::string> sections;
        for (const auto& a : t) sections.emplace_back(a.section);
        io::add_known_sections(sections);
        return t;
    }();
    return table;
}

const Analysis& find_analysis(std::string_view name, const std::string& key) {
    std::vector<std::string> names;
    for (const auto& a : analyses()) {
        if (a.name == name) return a;
        names.emplace_back(a.name);
    }
    const std::string c = io::closest(std::string(name), names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : " | ") + n;
    throw invalid_parameter(key, "\"" + std::string(name) + "\"",
                            (c.empty() ? "" : "did you mean \"" + c + "\"? ") + "must be one of " + list);
}

const Field* find_field(const Analysis& a, std::string_view name) {
    for (const auto& f : a.fields)
        if (f.name == name) return &f;
    return nullptr;
}

PointResult run_point(const Analysis& a, const Config& cfg, const PointContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    PointResult res;
    try {
        res = a.run(cfg, ctx);
    } catch (const internal_error&) {
        throw;
    } catch (const std::exception& e) {
        res.status = std::string("failed: ") + e.what();
        res.values.clear();
    }
    // The values must be the entry's: described names, scalars of length 1,
    // and one length per extra axis.
    std::map<std::string_view, std::size_t> axis;
    for (const auto& [name, v] : res.values) {
        const Field* f = find_field(a, name);
        if (!f) throw internal_error("analysis " + std::string(a.name) + " returned " + name + ", which it does not describe");
        if (f->dims.size() == 1 && v.size() != 1)
            throw internal_error("analysis " + std::string(a.name) + " returned " + std::to_string(v.size()) +
                                 " values for the scalar " + name);
        if (f->dims.size() == 2) {
            auto [it, fresh] = axis.emplace(f->dims[1], v.size());
            if (!fresh && it->second != v.size())
                throw internal_error("analysis " + std::string(a.name) + " returned " + name + " with " +
                                     std::to_string(v.size()) + " values along " + std::string(f->dims[1]) + ", not " +
                                     std::to_string(it->second));
        }
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

std::int64_t values_per_point(const Analysis& a, const io::Config& cfg, const PointContext& ctx) {
    std::int64_t n = 0;
    for (const auto& f : a.fields) {
        if (f.dims.size() == 1) {
            ++n;
            continue;
        }
        RATENET_ASSERT(a.axis_length);  // an entry with vector results says how long they are
        n += a.axis_length(cfg, f.dims[1], ctx);
    }
    return n;
}

std::string summary(const Analysis& a, const PointResult& r) {
    std::ostringstream ss;
    for (const auto& f : a.fields) {
        if (f.dims.size() != 1) continue;
        for (const auto& [name, v] : r.values)
            if (name == f.name && v.size() == 1) ss << (ss.tellp() > 0 ? ", " : "") << name << " = " << format_value(v[0]);
    }
    return ss.str();
}

}  // namespace ratenet::app
