#include "io/lyapunov_file.hpp"

#include <cmath>
#include <limits>

#include "io/schema.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

LyapunovOptions read_lyapunov(const Config& cfg, const Network& net, const Seeds& seeds,
                              std::optional<Eigen::Index> k_override) {
    Section s = cfg.section("lyapunov");
    LyapunovOptions o;
    const std::string dyn = s.string("dynamics", "flow");
    if (!parse_lyapunov_dynamics(dyn, o.dynamics))
        s.fail("dynamics", "\"" + dyn + "\"", "must be \"flow\" (state and tangent by RK4) or \"euler_map\" (Engelken's map)");
    if (s.has("k")) {
        const auto k = s.integer("k", 0);
        if (k < 1 || k > net.size())
            s.fail("k", std::to_string(k), "must be in 1 .. N = " + std::to_string(net.size()));
        o.k = k;
    }
    if (k_override) {
        if (*k_override < 1 || *k_override > net.size())
            throw invalid_parameter("--k", std::to_string(*k_override), "must be in 1 .. N = " + std::to_string(net.size()),
                                    cfg.path());
        o.k = *k_override;
    }
    o.dt = s.number("dt", o.dt);
    o.t_ons = s.number("t_ons", o.t_ons);
    o.t_warmup = s.number("t_warmup", o.t_warmup);
    o.t_ons_warmup = s.number("t_ons_warmup", o.t_ons_warmup);
    o.t_sim = s.number("t_sim", o.t_sim);
    o.bound = s.number("bound", o.bound);
    o.n_blocks = static_cast<int>(s.integer("n_blocks", o.n_blocks));
    o.trace_rows = s.integer("trace_rows", o.trace_rows);
    o.t_local = s.number("t_local", o.t_local);
    o.clv_window = s.number("clv_window", o.clv_window);
    o.clv_backward = s.number("clv_backward", o.clv_backward);
    o.clv_vectors = s.boolean("clv_vectors", o.clv_vectors);
    o.twin = s.boolean("twin", o.twin);
    o.twin_d0 = s.number("twin_d0", o.twin_d0);
    o.volume_check = s.boolean("volume_check", o.volume_check);
    o.use_active_rows = s.boolean("active_rows", o.use_active_rows);
    const std::string precision = s.string("precision", "float64");
    if (precision == "mixed") {
        o.mixed_precision = true;
    } else if (precision != "float64") {
        s.fail("precision", "\"" + precision + "\"", "must be \"float64\" or \"mixed\"");
    }
    o.init_sd = s.number("init_sd", o.init_sd);
    o.threads = static_cast<int>(s.integer("threads", o.threads));
    o.seed_initial = seeds.initial;
    o.seed_tangent = seeds.tangent;
    if (cfg.has("initial")) o.x0 = read_initial(cfg, net, seeds);
    // Memory: the tangent matrix and its workspaces, about six N x k matrices.
    const double k = static_cast<double>(o.k.value_or(net.size()));
    // mixed adds float32 copies of W (unless the network holds one) and of the tangent products.
    const double nn = static_cast<double>(net.size());
    const double mixed_bytes = o.mixed_precision ? (net.W32 ? 0.0 : 4.0 * nn * nn) + 3.0 * 4.0 * nn * k : 0.0;
    check_memory(cfg, s.has("k") ? "lyapunov.k" : "model.n", 6.0 * 8.0 * nn * k + mixed_bytes,
                 o.mixed_precision ? "the tangent vectors (N x k) and the float32 W" : "the tangent vectors (N x k)");
    try {
        o.validate(net.size());
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "lyapunov");
    }
    s.finish();
    return o;
}

namespace {
std::vector<double> row_major(const Eigen::MatrixXd& m) {
    std::vector<double> v(static_cast<std::size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) v[static_cast<std::size_t>(i * m.cols() + j)] = m(i, j);
    return v;
}
Eigen::MatrixXd from_row_major(const std::vector<double>& v, Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = v[static_cast<std::size_t>(i * cols + j)];
    return m;
}
void write_matrix(schema::Writer& g, const std::string& name, const Eigen::MatrixXd& m) {
    const auto v = row_major(m);
    g.write(name, v.data(), {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())});
}
void write_vector(schema::Writer& g, const std::string& name, const Eigen::VectorXd& v) {
    g.write(name, v.data(), {static_cast<hsize_t>(v.size())});
}
// Readers of a checkpoint check rank and size before using what they read: the
// file may come from anywhere.
Eigen::VectorXd read_vector(const h5::Location& g, const std::string& name) {
    if (!g.exists(name)) throw io_error(g.file(), "checkpoint dataset " + name + " is missing");
    if (g.shape(name).size() != 1) throw io_error(g.file(), "checkpoint dataset " + name + " must be 1-D");
    const auto v = g.read_doubles(name);
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}
Eigen::MatrixXd read_matrix(const h5::Location& g, const std::string& name) {
    if (!g.exists(name)) throw io_error(g.file(), "checkpoint dataset " + name + " is missing");
    const auto shape = g.shape(name);
    if (shape.size() != 2) throw io_error(g.file(), "checkpoint dataset " + name + " must be 2-D");
    const auto v = g.read_doubles(name);
    if (v.size() != shape[0] * shape[1]) throw io_error(g.file(), "checkpoint dataset " + name + " has the wrong size");
    return from_row_major(v, static_cast<Eigen::Index>(shape[0]), static_cast<Eigen::Index>(shape[1]));
}
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void write_lyapunov_group(const h5::File& f, const LyapunovOptions& opt, const LyapunovResult& r, Eigen::Index n) {
    schema::Writer g(f, "lyapunov", true);
    write_vector(g, "exponents", r.exponents);
    write_vector(g, "errors", r.errors);
    write_vector(g, "participation_ratio", r.participation_ratio);
    write_matrix(g, "local_exponents", r.local_exponents.cols() == 0
                                           ? Eigen::MatrixXd(0, r.exponents.size())
                                           : r.local_exponents);
    g.finish();
    schema::Writer tg(f, "lyapunov/trace", true);
    write_vector(tg, "t", r.trace.times);
    write_matrix(tg, "exponents", r.trace.values);
    tg.finish();
    if (r.covariant) {
        const CovariantVectors& cv = *r.covariant;
        schema::Writer cg(f, "lyapunov/covariant", true);
        write_vector(cg, "t", cv.times);
        write_vector(cg, "exponents", cv.exponents);
        write_vector(cg, "participation_ratio", cv.participation_ratio);
        write_vector(cg, "angle_unstable_stable", cv.angle_unstable_stable);
        if (opt.clv_vectors) {
            const auto T = cv.vectors.size();
            const Eigen::Index k = cv.exponents.size();
            std::vector<double> v;
            v.reserve(T * static_cast<std::size_t>(n * k));
            for (const auto& V : cv.vectors)
                for (Eigen::Index i = 0; i < n; ++i)
                    for (Eigen::Index j = 0; j < k; ++j) v.push_back(V(i, j));
            cg.write("vectors", v.data(), {static_cast<hsize_t>(T), static_cast<hsize_t>(n), static_cast<hsize_t>(k)});
            write_matrix(cg, "state", cv.states.transpose());
        }
        cg.finish();
        cg.attr("n_unstable", static_cast<std::int64_t>(cv.n_unstable));
        cg.attr("n_stable", static_cast<std::int64_t>(cv.n_stable));
        cg.attr("clv_window", cv.t_window);
        cg.attr("clv_backward", cv.t_backward);
    }
    g.attr("status", std::string(to_string(r.status)));
    g.attr("message", r.message);
    g.attr("dynamics", opt.dynamics == LyapunovDynamics::flow_rk4 ? "flow" : "euler_map");
    g.attr("n", static_cast<std::int64_t>(n));
    g.attr("k", static_cast<std::int64_t>(r.exponents.size() > 0 ? r.exponents.size() : opt.k.value_or(n)));
    g.attr("dt", opt.dt);
    g.attr("t_ons", r.t_ons);
    g.attr("t_local", r.t_local);
    g.attr("t_warmup", r.t_warmup);
    g.attr("t_ons_warmup", r.t_ons_warmup);
    g.attr("t_sim", r.t_sim);
    g.attr("t_accumulated", r.t_accumulated);
    g.attr("t_final", r.t_final);
    g.attr("steps", r.steps);
    g.attr("blocks_used", static_cast<std::int64_t>(r.blocks_used));
    g.attr("kaplan_yorke", r.kaplan_yorke);
    g.attr("kaplan_yorke_lower_bound", r.kaplan_yorke_lower_bound);
    g.attr("entropy_rate", r.entropy_rate);
    g.attr("entropy_lower_bound", r.entropy_lower_bound);
    g.attr("sum", r.sum_exponents);
    g.attr("mean_trace", r.mean_trace);
    g.attr("lambda1_twin", r.twin_lambda1.value_or(nan));
    g.attr("lambda1_twin_error", r.twin_error.value_or(nan));
    g.attr("volume_rate", r.volume_rate.value_or(nan));
    g.attr("map_unit_contraction", r.map_unit_contraction.value_or(nan));
    g.attr("mean_active", r.mean_active);
    g.attr("active_rows", opt.use_active_rows);
    g.attr("precision", opt.mixed_precision ? "mixed" : "float64");
    g.attr("mixed_error_rate", r.mixed_error_rate.value_or(nan));
    g.attr("precision_warning", r.precision_warning);
    g.attr("bound", opt.bound);
}

void write_checkpoint(const h5::File& f, const LyapunovCheckpoint& cp) {
    schema::Writer g(f, "lyapunov/checkpoint", true);
    g.attr("dimension", static_cast<std::int64_t>(cp.dimension));
    g.attr("k", static_cast<std::int64_t>(cp.k));
    g.attr("dynamics", std::string(to_string(cp.dynamics)));
    g.attr("dt", cp.dt);
    g.attr("steps_per_ons", cp.steps_per_ons);
    g.attr("n_warmup", cp.n_warmup);
    g.attr("n_ons_warmup", cp.n_ons_warmup);
    g.attr("n_accumulate", cp.n_accumulate);
    g.attr("n_blocks", static_cast<std::int64_t>(cp.n_blocks));
    g.attr("trace_rows", static_cast<std::int64_t>(cp.trace_rows));
    g.attr("local_intervals", cp.local_intervals);
    g.attr("twin", cp.twin);
    g.attr("twin_d0", cp.twin_d0);
    g.attr("volume_check", cp.volume_check);
    g.attr("phase", std::string(to_string(cp.phase)));
    g.attr("step", cp.step);
    g.attr("t", cp.t);
    g.attr("trace_sum", cp.trace_sum);
    g.attr("volume_sum", cp.volume_sum);
    g.attr("trace_partial", cp.trace_partial);
    g.attr("volume_partial", cp.volume_partial);
    g.attr("twin_failed", cp.twin_failed);
    g.attr("twin_sum", cp.twin_sum);
    write_vector(g, "x", cp.x);
    write_matrix(g, "Q", cp.Q);
    write_vector(g, "log_sums", cp.log_sums);
    write_matrix(g, "block_sums", cp.block_sums);
    write_vector(g, "y", cp.y);
    write_vector(g, "twin_block_sums", cp.twin_block_sums);
    g.write("trace_times", cp.trace_times);
    Eigen::MatrixXd tv(static_cast<Eigen::Index>(cp.trace_values.size()), cp.k);
    for (std::size_t r = 0; r < cp.trace_values.size(); ++r) tv.row(static_cast<Eigen::Index>(r)) = cp.trace_values[r].transpose();
    write_matrix(g, "trace_values", tv);
    write_vector(g, "pr_sums", cp.pr_sums);
    write_vector(g, "local_partial", cp.local_partial);
    Eigen::MatrixXd lr(static_cast<Eigen::Index>(cp.local_rows.size()), cp.k);
    for (std::size_t r = 0; r < cp.local_rows.size(); ++r) lr.row(static_cast<Eigen::Index>(r)) = cp.local_rows[r].transpose();
    write_matrix(g, "local_rows", lr);
    g.finish();
}

std::optional<LyapunovCheckpoint> read_checkpoint(const h5::File& f) {
    if (!f.exists("lyapunov/checkpoint")) return std::nullopt;
    auto g = f.group("lyapunov/checkpoint");
    LyapunovCheckpoint cp;
    cp.dimension = g.attr_int("dimension");
    cp.k = g.attr_int("k");
    if (!parse_lyapunov_dynamics(g.attr_string("dynamics"), cp.dynamics)) throw io_error(f.file(), "bad checkpoint dynamics");
    cp.dt = g.attr_double("dt");
    cp.steps_per_ons = g.attr_int("steps_per_ons");
    cp.n_warmup = g.attr_int("n_warmup");
    cp.n_ons_warmup = g.attr_int("n_ons_warmup");
    cp.n_accumulate = g.attr_int("n_accumulate");
    cp.n_blocks = static_cast<int>(g.attr_int("n_blocks"));
    cp.trace_rows = g.attr_int("trace_rows");
    cp.local_intervals = g.attr_int("local_intervals");
    cp.twin = g.attr_int("twin") != 0;
    cp.twin_d0 = g.attr_double("twin_d0");
    cp.volume_check = g.attr_int("volume_check") != 0;
    const std::string phase = g.attr_string("phase");
    bool found = false;
    for (auto ph : {LyapunovPhase::warmup, LyapunovPhase::ons_warmup, LyapunovPhase::accumulate, LyapunovPhase::done})
        if (phase == to_string(ph)) {
            cp.phase = ph;
            found = true;
        }
    if (!found) throw io_error(f.file(), "bad checkpoint phase \"" + phase + "\"");
    cp.step = g.attr_int("step");
    cp.t = g.attr_double("t");
    cp.trace_sum = g.attr_double("trace_sum");
    cp.volume_sum = g.attr_double("volume_sum");
    cp.trace_partial = g.attr_double("trace_partial");
    cp.volume_partial = g.attr_double("volume_partial");
    cp.twin_failed = g.attr_int("twin_failed") != 0;
    cp.twin_sum = g.attr_double("twin_sum");
    cp.x = read_vector(g, "x");
    cp.Q = read_matrix(g, "Q");
    cp.log_sums = read_vector(g, "log_sums");
    cp.block_sums = read_matrix(g, "block_sums");
    cp.y = read_vector(g, "y");
    cp.twin_block_sums = read_vector(g, "twin_block_sums");
    cp.trace_times = g.read_doubles("trace_times");
    const Eigen::MatrixXd tv = read_matrix(g, "trace_values");
    if (tv.rows() != static_cast<Eigen::Index>(cp.trace_times.size()) || (tv.rows() > 0 && tv.cols() != cp.k))
        throw io_error(f.file(), "checkpoint datasets trace_times and trace_values do not match");
    for (Eigen::Index r = 0; r < static_cast<Eigen::Index>(cp.trace_times.size()); ++r) cp.trace_values.emplace_back(tv.row(r).transpose());
    cp.pr_sums = read_vector(g, "pr_sums");
    cp.local_partial = read_vector(g, "local_partial");
    const Eigen::MatrixXd lr = read_matrix(g, "local_rows");
    if (lr.rows() > 0 && lr.cols() != cp.k) throw io_error(f.file(), "checkpoint dataset local_rows has the wrong width");
    for (Eigen::Index r = 0; r < lr.rows(); ++r) cp.local_rows.emplace_back(lr.row(r).transpose());
    return cp;
}

}  // namespace ratenet::io
