// The library API (ratenet/run.hpp) over the registry, the sweep engine and
// the file description.
#include "ratenet/run.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "app/registry.hpp"
#include "app/runs.hpp"
#include "app/sweep.hpp"
#include "app/work_queue.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "io/schema.hpp"
#include "io/sweep_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::api {

namespace {
// HDF5 reports through exceptions, never on stderr; the registry describes the
// sweep results to the file description. Once, before anything else.
void init() {
    [[maybe_unused]] static const bool done = [] {
        h5::silence_errors();
        app::analyses();
        return true;
    }();
}
}  // namespace

std::vector<AnalysisInfo> analyses() {
    init();
    std::vector<AnalysisInfo> out;
    for (const auto& a : app::analyses()) {
        AnalysisInfo info{std::string(a.name), std::string(a.section), std::string(a.doc), {}};
        for (const auto& f : a.fields) {
            ResultField r{std::string(f.name), {}, std::string(f.units), std::string(f.long_name)};
            for (const auto& d : f.dims) r.dims.emplace_back(d);
            info.results.push_back(std::move(r));
        }
        out.push_back(std::move(info));
    }
    return out;
}

const std::vector<double>& Values::operator[](const std::string& name) const {
    for (const auto& [n, v] : values)
        if (n == name) return v;
    throw std::out_of_range("no result named " + name);
}

Values run_analysis(const std::string& name, const std::string& config_toml, const std::string& source) {
    init();
    const app::Analysis& a = app::find_analysis(name);
    const io::Config cfg = io::Config::parse(config_toml, source);
    const io::PointResult r = app::run_point(a, cfg, {});
    return {r.status, r.values, r.seconds};
}

namespace {
// The library prints nothing: warnings are dropped, as the caller has the file.
class QuietObserver : public app::SweepObserver {};
}  // namespace

void run_sweep(const std::string& config_path, const std::string& output, const SweepOptions& options) {
    init();
    const io::Config cfg = io::Config::load(config_path);
    cfg.check_sections();
    const io::SweepPlan plan = app::read_sweep_plan(cfg);
    app::SweepRequest req;
    req.output = output;
    req.force = options.force;
    req.resume = options.resume;
    req.shard = options.shard;
    req.info = {"sweep", "ratenet::api::run_sweep(" + config_path + ")", cfg.text(), cfg.path(), io::read_seeds(cfg)};
    app::SerialQueue queue;
    QuietObserver observer;
    app::run_sweep(cfg, plan, req, queue, observer, nullptr);
}

std::string run_to_file(const std::string& command, const std::string& config_path, const std::string& output,
                        bool force) {
    init();
    const io::Config cfg = io::Config::load(config_path);
    cfg.check_sections();
    app::FileRequest req;
    req.output = output;
    req.force = force;
    req.command_line = "ratenet::api::run_to_file(" + command + ", " + config_path + ")";
    if (command == "simulate") return std::string(to_string(app::simulate_to_file(cfg, req).run.status));
    if (command == "permitted") return std::string(to_string(app::permitted_to_file(cfg, false, req).result.status));
    if (command == "fixed_points") return std::string(to_string(app::fixed_points_to_file(cfg, req).result.status));
    if (command == "lyapunov") {
        app::LyapunovRequest l;
        l.file = req;
        return std::string(to_string(app::lyapunov_to_file(cfg, l).result.status));
    }
    throw invalid_parameter("command", "\"" + command + "\"", "must be simulate, permitted, fixed_points or lyapunov");
}

Variable read_variable(const std::string& path, const std::string& dataset) {
    init();
    h5::File f(path, h5::File::Mode::read_only);
    if (!f.has_attr("format") || f.attr_kind("format") != h5::Location::AttrKind::string ||
        f.attr_string("format") != "ratenet")
        throw io_error(path, "not a ratenet file");
    const auto slash = dataset.rfind('/');
    const std::string group = slash == std::string::npos ? "/" : dataset.substr(0, slash);
    const std::string name = slash == std::string::npos ? dataset : dataset.substr(slash + 1);
    if (!f.exists(dataset)) throw io_error(path, "has no dataset " + dataset);
    const h5::Group g = f.group(group);
    Variable v;
    for (hsize_t d : g.shape(name)) v.shape.push_back(static_cast<std::size_t>(d));
    v.data = g.read_doubles(name);
    v.dims = g.dimensions_of(name);
    const h5::Group ds = g.dataset(name);
    auto text = [&](const char* a) {
        return ds.attr_kind(a) == h5::Location::AttrKind::string ? ds.attr_string(a) : std::string();
    };
    v.units = text("units");
    v.long_name = text("long_name");
    return v;
}

SweepTable read_sweep(const std::string& path) {
    init();
    const io::SweepFileContents c = io::read_sweep_file(path);
    SweepTable t;
    t.analysis = c.analysis;
    h5::File f(path, h5::File::Mode::read_only);
    auto g = f.group("sweep");
    t.keys = g.read_strings("keys");
    const auto params = g.read_doubles("params");
    const auto P = static_cast<Eigen::Index>(c.n_points), K = static_cast<Eigen::Index>(t.keys.size());
    if (static_cast<Eigen::Index>(params.size()) != P * K) throw io_error(path, "/sweep/params does not match keys and n_points");
    t.params.resize(P, K);
    for (Eigen::Index p = 0; p < P; ++p)
        for (Eigen::Index k = 0; k < K; ++k) t.params(p, k) = params[static_cast<std::size_t>(p * K + k)];
    t.status.resize(static_cast<std::size_t>(P));
    // Columns of each result: the longest a point holds (read_sweep_file keeps each point's row).
    std::vector<std::string> names;
    for (const auto& row : c.rows)
        if (row)
            for (const auto& [n, v] : row->values)
                if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    for (const auto& n : names) {
        Eigen::Index L = 1;
        for (const auto& row : c.rows)
            if (row)
                for (const auto& [m, v] : row->values)
                    if (m == n) L = std::max(L, static_cast<Eigen::Index>(v.size()));
        t.results.emplace_back(n, Eigen::MatrixXd::Constant(P, L, std::numeric_limits<double>::quiet_NaN()));
    }
    for (Eigen::Index p = 0; p < P; ++p) {
        const auto& row = c.rows[static_cast<std::size_t>(p)];
        if (!row) continue;
        t.status[static_cast<std::size_t>(p)] = row->status;
        for (auto& [n, M] : t.results)
            for (const auto& [m, v] : row->values)
                if (m == n)
                    for (std::size_t j = 0; j < v.size(); ++j) M(p, static_cast<Eigen::Index>(j)) = v[j];
    }
    return t;
}

const Eigen::MatrixXd& SweepTable::result(const std::string& name) const {
    for (const auto& [n, M] : results)
        if (n == name) return M;
    throw std::out_of_range("no result named " + name);
}

std::vector<std::string> check_file(const std::string& path) {
    init();
    h5::File f(path, h5::File::Mode::read_only);
    const bool complete = !f.has_attr("status") || f.attr_kind("status") != h5::Location::AttrKind::string ||
                          f.attr_string("status") != "running";
    return io::schema::check(f, complete);
}

}  // namespace ratenet::api
