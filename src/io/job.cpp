#include "io/job.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <fstream>
#include <sstream>

#include "io/matrix_file.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

namespace ratenet::io {

void rethrow_in(const Config& cfg, const std::string& section) {
    try {
        throw;
    } catch (const invalid_parameter& e) {
        if (!e.file().empty()) throw;
        throw e.in_file(cfg.path(), section);
    }
}

Seeds read_seeds(const Config& cfg) {
    Section s = cfg.section("seeds");
    Seeds out;
    out.network = s.seed("network", out.network);
    out.initial = s.seed("initial", out.initial);
    out.noise = s.seed("noise", out.noise);
    out.tangent = s.seed("tangent", out.tangent);
    s.finish();
    return out;
}

namespace {

double available_memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024.0;
    return 16.0 * 1024 * 1024 * 1024;  // unknown: assume a modest machine
}

std::string gib(double bytes) {
    std::ostringstream ss;
    ss.precision(3);
    ss << bytes / (1024.0 * 1024.0 * 1024.0) << " GiB";
    return ss.str();
}

std::string model_name(const Config& cfg) {
    Section m = cfg.section("model");
    if (!m.present()) cfg.fail("model", "", "missing section [model] (name = one of hahnloser_wta, random_gaussian, populations, "
                                            "excitatory_inhibitory, ctln, ring, matrix)");
    const std::string name = m.string("name", "");
    if (name.empty()) m.fail("name", "", "missing: the model to build");
    if (!find_model(name)) {
        std::vector<std::string> names;
        for (const auto& d : model_specs()) names.push_back(d.name);
        const std::string c = closest(name, names);
        m.fail("name", "\"" + name + "\"", "unknown model" + (c.empty() ? "" : " (did you mean \"" + c + "\"?)") +
                                               "; `ratenet models` lists them");
    }
    return name;
}

}  // namespace

ParamSet read_model_params(Section& m, const ModelSpec& spec) {
    ParamSet v = spec.defaults();
    for (const auto& p : spec.params) {
        if (p.required && !m.has(p.name))
            m.fail(p.name, "", "missing: " + p.doc + (p.rule.empty() ? "" : " (" + p.rule + ")"));
        switch (p.type) {
            case ParamType::integer: v.set(p.name, m.integer(p.name, std::get<std::int64_t>(p.default_value))); break;
            case ParamType::real: v.set(p.name, m.number(p.name, std::get<double>(p.default_value))); break;
            case ParamType::boolean: v.set(p.name, m.boolean(p.name, std::get<bool>(p.default_value))); break;
            case ParamType::text: v.set(p.name, m.string(p.name, std::get<std::string>(p.default_value))); break;
            case ParamType::edges: v.set(p.name, m.pairs(p.name)); break;
            case ParamType::reals: v.set(p.name, m.numbers(p.name).value_or(std::get<Reals>(p.default_value))); break;
            case ParamType::matrix: v.set(p.name, m.rows(p.name).value_or(std::get<Rows>(p.default_value))); break;
        }
    }
    return v;
}

void check_memory(const Config& cfg, const std::string& key, double bytes, const std::string& what) {
    const double avail = available_memory_bytes();
    // A margin of 20% is left for everything else a run allocates.
    if (bytes > 0.8 * avail) {
        const toml::node* n = cfg.find(key);
        cfg.fail(key, n ? Section::show(*n) : "", what + " would need " + gib(bytes) + ", more than 80% of the " +
                                                      gib(avail) + " of memory available (" + gib(0.8 * avail) + ")");
    }
}

namespace {

// One transfer function from a table ([transfer], or one of [[transfer.populations]]):
// its name and the parameters of that kind; a key of another kind is an error.
Transfer read_transfer(Section& tr, Eigen::Index n, bool allow_prelu) {
    Transfer phi;
    const std::string tname = tr.string("name", "relu");
    if (!parse_transfer_kind(tname, phi.kind)) {
        const std::string c = closest(tname, transfer_names());
        tr.fail("name", "\"" + tname + "\"", "unknown transfer function" + (c.empty() ? "" : " (did you mean \"" + c + "\"?)"));
    }
    if (phi.kind == TransferKind::prelu && !allow_prelu)
        tr.fail("name", "\"prelu\"", "per-neuron slopes are not available per population; use leaky_relu");
    const TransferSpec& tspec = transfer_spec(phi.kind);
    for (const auto& other : transfer_specs()) {
        std::vector<std::string> keys;
        for (const auto& p : other.params) keys.push_back(p.name);
        if (other.kind == TransferKind::prelu) keys.emplace_back("slopes");
        for (const auto& k : keys) {
            const bool applies = std::any_of(tspec.params.begin(), tspec.params.end(), [&](const TransferParam& p) {
                return p.name == k;
            }) || (k == "slopes" && phi.kind == TransferKind::prelu);
            if (tr.has(k) && !applies)
                tr.fail(k, Section::show(*tr.raw(k)), "does not apply to transfer function \"" + tname + "\"");
        }
    }
    for (const auto& p : tspec.params) phi.*p.member = tr.number(p.name, phi.*p.member);
    if (phi.kind == TransferKind::prelu) {
        auto sl = tr.vector("slopes", n);
        if (!sl) tr.fail("slopes", "", "missing: prelu needs one slope per neuron (a number or an array)");
        phi.slopes = *sl;
    }
    try {
        phi.validate(n);
    } catch (const invalid_parameter& e) {
        tr.fail(e.key(), e.value(), e.rule());
    }
    return phi;
}

}  // namespace

Network read_network(const Config& cfg, const Seeds& seeds) {
    const std::string name = model_name(cfg);
    Section m = cfg.section("model");
    m.accept("name");
    const ModelSpec& spec = *find_model(name);
    Connectivity conn;
    Eigen::VectorXd tau_file, b_file;
    try {
        const ParamSet values = read_model_params(m, spec);
        // The size first, so that an impossible network is refused before allocation.
        const Eigen::Index n_req = spec.size(values);
        if (n_req != -1) {
            if (n_req < 1) m.fail(spec.size_key, std::to_string(n_req), "must be >= 1");
            check_memory(cfg, "model." + spec.size_key, spec.w_bytes(values), "the coupling matrix W");
        }
        if (spec.make) {
            conn = spec.make(values, seeds.network);
        } else {  // matrix: W from a file
            const std::string& path = values.text("path");
            if (path.empty()) m.fail("path", "\"\"", "must name the file holding W (.h5, .npy or .csv)");
            const std::string& dataset = values.text("dataset");
            Eigen::MatrixXd W;
            try {
                // The declared shape first: a file may claim far more than the machine holds.
                const auto [r, c] = matrix_file_shape(path, dataset);
                if (r >= 0) {
                    if (r != c)
                        m.fail("path", "\"" + path + "\"", "W must be square, got " + std::to_string(r) + " x " +
                                                               std::to_string(c));
                    check_memory(cfg, "model.path", static_cast<double>(r) * static_cast<double>(c) * 8.0,
                                 "the coupling matrix W in " + path + " (" + std::to_string(r) + " x " +
                                     std::to_string(c) + ")");
                }
                W = read_matrix(path, dataset);
            } catch (const io_error& e) {
                m.fail("path", "\"" + path + "\"", e.detail());
            }
            if (W.size() == 0) m.fail("path", "\"" + path + "\"", "W is empty (0 neurons)");
            if (W.rows() != W.cols())
                m.fail("path", "\"" + path + "\"", "W must be square, got " + std::to_string(W.rows()) + " x " +
                                                       std::to_string(W.cols()));
            for (Eigen::Index j = 0; j < W.cols(); ++j)
                for (Eigen::Index i = 0; i < W.rows(); ++i)
                    if (!std::isfinite(W(i, j)))
                        m.fail("path", "\"" + path + "\"", "W[" + std::to_string(i) + "][" + std::to_string(j) +
                                                               "] = " + format_value(W(i, j)) + ": entries must be finite");
            conn = make_matrix(std::move(W), path);
            if (values.boolean("sparse")) {
                conn.W_sparse = conn.W.sparseView();
                conn.W_sparse.makeCompressed();
                conn.W.resize(0, 0);
                conn.sparse = true;
            }
            for (const auto& [key, target] : {std::pair<std::string, Eigen::VectorXd*>{"b_path", &b_file},
                                              std::pair<std::string, Eigen::VectorXd*>{"tau_path", &tau_file}}) {
                const std::string& vp = values.text(key);
                if (vp.empty()) continue;
                try {
                    // The declared shape first: one value per neuron, nothing larger is read.
                    const auto [r, c] = matrix_file_shape(vp, key == "b_path" ? "b" : "tau");
                    if (r >= 0 && !(std::min(r, c) == 1 && std::max(r, c) == conn.size()))
                        m.fail(key, "\"" + vp + "\"", "holds a " + std::to_string(r) + " x " + std::to_string(c) +
                                                           " array; expected " + std::to_string(conn.size()) +
                                                           " values, one per neuron");
                    *target = read_vector(vp, key == "b_path" ? "b" : "tau");
                } catch (const io_error& e) {
                    m.fail(key, "\"" + vp + "\"", e.detail());
                }
                // Checked even when input.b / network.tau take precedence over the file.
                if (target->size() != conn.size())
                    m.fail(key, "\"" + vp + "\"", "holds " + std::to_string(target->size()) + " values, W has " +
                                                       std::to_string(conn.size()) + " neurons");
                for (Eigen::Index i = 0; i < target->size(); ++i)
                    if (!std::isfinite((*target)[i]))
                        m.fail(key, "\"" + vp + "\"", "entry " + std::to_string(i) + " = " + format_value((*target)[i]) +
                                                           ": entries must be finite");
            }
        }
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "model");
    }
    m.finish();

    Network net;
    const Eigen::Index n = conn.size();
    net.W = std::move(conn.W);
    // swap, not move: Eigen 3.4's SparseMatrix has no move assignment, and a copy
    // would double the peak memory of a large sparse network.
    net.W_sparse.swap(conn.W_sparse);
    net.sparse = conn.sparse;
    net.model = std::move(conn.info);

    Section nw = cfg.section("network");
    const std::string form = nw.string("form", "rate");
    if (form == "rate")
        net.form = Form::rate;
    else if (form == "current")
        net.form = Form::current;
    else
        nw.fail("form", "\"" + form + "\"", "must be \"rate\" or \"current\"");
    if (auto tau = nw.vector("tau", n))
        net.tau = *tau;
    else if (tau_file.size() > 0)
        net.tau = tau_file;
    else
        net.tau = Eigen::VectorXd::Ones(n);
    if (net.tau.size() != n) m.fail("tau_path", "", "tau must have " + std::to_string(n) + " values");
    for (Eigen::Index i = 0; i < n; ++i)
        if (!(net.tau[i] > 0)) nw.fail("tau", format_value(net.tau[i]), "must be > 0");
    if (nw.boolean("sparse", net.sparse) && !net.sparse) {
        net.W_sparse = net.W.sparseView();
        net.W_sparse.makeCompressed();
        net.W.resize(0, 0);
        net.sparse = true;
    }
    const std::string precision = nw.string("precision", "float64");
    if (precision != "float64" && precision != "float32")
        nw.fail("precision", "\"" + precision + "\"", "must be \"float64\" or \"float32\"");
    nw.finish();
    if (precision == "float32") {
        const double entries = net.sparse ? static_cast<double>(net.W_sparse.nonZeros()) : static_cast<double>(n) * static_cast<double>(n);
        check_memory(cfg, "network.precision", 4.0 * entries, "the float32 copy of W");
        try {
            net.W32 = float32_coupling(net);
        } catch (const invalid_parameter&) {
            nw.fail("precision", "\"float32\"", "W has an entry beyond the float32 range (3.4e38)");
        }
    }

    Section tr = cfg.section("transfer");
    if (tr.has("populations")) {
        // One function per population of the model: [[transfer.populations]], in order.
        if (conn.population_start.empty())
            tr.fail("populations", "", "needs a model with populations (model.name = \"populations\")");
        for (const char* k : {"name", "slopes"})
            if (tr.has(k)) tr.fail(k, Section::show(*tr.raw(k)), "must not be given with [[transfer.populations]]");
        auto tables = tr.tables("populations");
        if (tables.size() != conn.population_start.size())
            tr.fail("populations", "[" + std::to_string(tables.size()) + " tables]",
                    "must hold one table per population (" + std::to_string(conn.population_start.size()) + ")");
        net.phi = Transfer{};
        net.phi.kind = TransferKind::by_population;
        net.phi.part_start = conn.population_start;
        for (std::size_t k = 0; k < tables.size(); ++k) {
            const Eigen::Index end = k + 1 < tables.size() ? conn.population_start[k + 1] : n;
            net.phi.parts.push_back(read_transfer(tables[k], end - conn.population_start[k], false));
            tables[k].finish();
        }
    } else {
        net.phi = read_transfer(tr, n, true);
    }
    tr.finish();

    Section in = cfg.section("input");
    if (auto b = in.vector("b", n))
        net.input.b = *b;
    else if (b_file.size() > 0)
        net.input.b = b_file;
    else if (conn.b)
        net.input.b = *conn.b;
    else
        net.input.b = Eigen::VectorXd::Zero(n);
    if (net.input.b.size() != n) m.fail("b_path", "", "b must have " + std::to_string(n) + " values");
    net.input.noise_sigma = in.number("noise_sigma", 0.0);
    if (net.input.noise_sigma < 0) in.fail("noise_sigma", format_value(net.input.noise_sigma), "must be >= 0");
    const double amp_default = 0.0;
    if (const auto amp = in.vector("sinusoid_amplitude", n); amp && (amp->array() != amp_default).any()) {
        Sinusoid d;
        d.amplitude = *amp;
        d.frequency = in.number_opt("sinusoid_frequency").value_or(NAN);
        if (std::isnan(d.frequency)) in.fail("sinusoid_frequency", "", "missing: the drive's frequency (cycles per unit time)");
        const toml::node* ph = in.raw("sinusoid_phase");
        if (!ph || (ph->is_string() && ph->value<std::string>() == std::string("random"))) {
            Rng rng(seeds.noise, Stream::drive);
            d.phase.resize(n);
            for (Eigen::Index i = 0; i < n; ++i) d.phase[i] = 2.0 * std::numbers::pi * rng.uniform();
        } else if (ph->is_string()) {
            in.fail("sinusoid_phase", Section::show(*ph), "must be \"random\", a number or one number per neuron (radians)");
        } else {
            d.phase = *in.vector("sinusoid_phase", n);
        }
        net.input.sinusoid = std::move(d);
    } else {
        // No drive (amplitude 0): the other two keys are read, so that a typo is still caught.
        in.number_opt("sinusoid_frequency");
        in.raw("sinusoid_phase");
    }
    const std::string noise_kind = in.string("frozen_noise", "none");
    if (noise_kind == "ou" || noise_kind == "white") {
        const NoiseKind kind = noise_kind == "ou" ? NoiseKind::ou : NoiseKind::white;
        const auto sigma = in.number_opt("frozen_noise_sigma");
        if (!sigma) in.fail("frozen_noise_sigma", "", "missing: the noise's standard deviation (ou) or intensity (white)");
        double tau_c = std::numeric_limits<double>::quiet_NaN();
        if (kind == NoiseKind::ou) {
            const auto t = in.number_opt("frozen_noise_tau");
            if (!t) in.fail("frozen_noise_tau", "", "missing: the Ornstein-Uhlenbeck correlation time");
            tau_c = *t;
        } else if (in.has("frozen_noise_tau")) {
            in.fail("frozen_noise_tau", format_value(*in.number_opt("frozen_noise_tau")),
                    "does not apply to white noise (only to frozen_noise = \"ou\")");
        }
        const double dt = in.number("frozen_noise_dt", 0.01);
        try {
            net.input.frozen_noise = std::make_shared<const FrozenNoise>(kind, n, *sigma, tau_c, dt, seeds.noise);
        } catch (const invalid_parameter& e) {
            in.fail(e.key(), e.value(), e.rule());
        }
    } else if (noise_kind == "none") {
        for (const char* k : {"frozen_noise_sigma", "frozen_noise_tau", "frozen_noise_dt"})
            if (in.has(k)) in.fail(k, Section::show(*in.raw(k)), "needs input.frozen_noise = \"ou\" or \"white\"");
    } else {
        in.fail("frozen_noise", "\"" + noise_kind + "\"", "must be \"none\", \"ou\" or \"white\"");
    }
    for (auto& seg : in.tables("schedule")) {
        InputSegment s;
        s.t_start = seg.number_opt("t_start").value_or(NAN);
        s.t_end = seg.number_opt("t_end").value_or(NAN);
        if (std::isnan(s.t_start)) seg.fail("t_start", "", "missing");
        if (std::isnan(s.t_end)) seg.fail("t_end", "", "missing");
        auto b = seg.vector("b", n);
        if (!b) seg.fail("b", "", "missing: the input during this interval");
        s.b = *b;
        seg.finish();
        net.input.schedule.push_back(std::move(s));
    }
    in.finish();
    try {
        net.validate();
    } catch (const invalid_parameter& e) {
        // The core names its own fields; each belongs to a different section.
        const std::string& k = e.key();
        if (k.rfind("W", 0) == 0 || k == "n") throw e.in_file(cfg.path(), "model");
        if (k.rfind("tau", 0) == 0) throw e.in_file(cfg.path(), "network");
        rethrow_in(cfg, "input");
    }
    return net;
}

Eigen::VectorXd read_initial(const Config& cfg, const Network& net, const Seeds& seeds) {
    Section s = cfg.section("initial");
    const Eigen::Index n = net.size();
    Eigen::VectorXd x0 = s.vector("x0", n).value_or(Eigen::VectorXd::Zero(n));
    const double sd = s.number("random_std", 0.0);
    if (sd < 0) s.fail("random_std", format_value(sd), "must be >= 0");
    if (sd > 0) {
        Rng rng(seeds.initial, Stream::initial);
        for (Eigen::Index i = 0; i < n; ++i) x0[i] += sd * rng.normal();
    }
    s.finish();
    return x0;
}

SimulateJob read_simulate(const Config& cfg, const Network& net, const Seeds& seeds) {
    Section s = cfg.section("simulate");
    SimulateJob job;
    auto& o = job.integrator;
    const std::string method = s.string("method", "dopri5");
    if (!parse_method(method, o.method)) s.fail("method", "\"" + method + "\"", "must be \"euler\", \"rk4\" or \"dopri5\"");
    o.t_start = s.number("t_start", o.t_start);
    o.t_end = s.number("t_end", o.t_end);
    o.dt = s.number("dt", o.dt);
    o.dt_out = s.number("dt_out", o.dt_out);
    o.atol = s.number("atol", o.atol);
    o.rtol = s.number("rtol", o.rtol);
    o.steady_tol = s.number("steady_tol", o.steady_tol);
    o.bound = s.number("bound", o.bound);
    o.noise_seed = seeds.noise;
    auto& r = job.record;
    if (auto idx = s.integers("record")) {
        for (std::size_t i = 0; i < idx->size(); ++i) {
            const auto v = (*idx)[i];
            if (v < 0 || v >= net.size())
                s.fail("record[" + std::to_string(i) + "]", std::to_string(v),
                       "must be a neuron index in 0 .. " + std::to_string(net.size() - 1));
            r.neurons.push_back(v);
        }
        if (r.neurons.empty()) s.fail("record", "[]", "must name at least one neuron (omit it to record all)");
    }
    r.float32 = s.boolean("float32", false);
    const auto gz = s.integer("gzip", 0);
    if (gz < 0 || gz > 9) s.fail("gzip", std::to_string(gz), "must be in 0 .. 9 (0 = no compression)");
    r.gzip = static_cast<int>(gz);
    r.flush_seconds = s.number("flush_seconds", 1.0);
    if (!(r.flush_seconds > 0)) s.fail("flush_seconds", format_value(r.flush_seconds), "must be > 0");
    job.precision_check_time = s.number("precision_check_time", job.precision_check_time);
    if (!(job.precision_check_time >= 0) || !std::isfinite(job.precision_check_time))
        s.fail("precision_check_time", format_value(job.precision_check_time), "must be a finite time >= 0 (0 = no check)");
    try {
        o.validate();
        if (net.input.noise_sigma > 0 && o.method != Method::euler)
            throw invalid_parameter("method", "\"" + method + "\"", "input.noise_sigma > 0 needs method = \"euler\" (Euler-Maruyama)");
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "simulate");
    }
    s.finish();
    return job;
}

AutocorrelationOptions read_autocorrelation(const Config& cfg, const Network& net, const Seeds& seeds) {
    Section s = cfg.section("autocorrelation");
    AutocorrelationOptions o;
    auto& in = o.integrator;
    const std::string method = s.string("method", std::string(to_string(in.method)));
    if (!parse_method(method, in.method)) s.fail("method", "\"" + method + "\"", "must be \"euler\", \"rk4\" or \"dopri5\"");
    in.dt = s.number("dt", in.dt);
    in.atol = s.number("atol", in.atol);
    in.rtol = s.number("rtol", in.rtol);
    in.bound = s.number("bound", in.bound);
    in.noise_seed = seeds.noise;
    o.t_warmup = s.number("t_warmup", o.t_warmup);
    o.t_sim = s.number("t_sim", o.t_sim);
    o.dt_sample = s.number("dt_sample", o.dt_sample);
    o.max_lag = s.number("max_lag", o.max_lag);
    if (s.has("variable"))
        s.fail("variable", "\"" + s.string("variable", "") + "\"",
               "no longer a key: both variables are recorded (autocovariance of the state, rate_autocovariance of the "
               "rate); remove it");
    try {
        o.validate(net.size());
        if (net.input.noise_sigma > 0 && in.method != Method::euler)
            throw invalid_parameter("method", "\"" + method + "\"", "input.noise_sigma > 0 needs method = \"euler\" (Euler-Maruyama)");
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "autocorrelation");
    }
    s.finish();
    return o;
}

}  // namespace ratenet::io
