#include "io/output.hpp"

#include "io/schema.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <ctime>
#include <filesystem>

#include "linalg/dense.hpp"
#include "ratenet/build_info.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {
std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (b >= 1024.0 && u < 6) {
        b /= 1024.0;
        ++u;
    }
    std::ostringstream ss;
    ss.precision(3);
    ss << b << " " << units[u];
    return ss.str();
}
}  // namespace

double trajectory_bytes(std::int64_t samples, std::int64_t cols, bool float32) {
    return static_cast<double>(samples) * (8.0 + static_cast<double>(cols) * (float32 ? 4.0 : 8.0));
}

void check_output_space(const Config& cfg, const std::string& key, const std::string& final_path, double bytes,
                        const std::string& what) {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(final_path).parent_path();
    if (dir.empty()) dir = ".";
    struct statvfs st{};
    if (::statvfs(dir.c_str(), &st) != 0) return;  // unknown: the claim reports a missing directory
    const double free_bytes = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize);
    if (bytes > free_bytes) {
        const toml::node* n = cfg.find(key);
        cfg.fail(key, n ? Section::show(*n) : "", "the output would need " + human_bytes(bytes) + " (" + what +
                                                      "), more than the " + human_bytes(free_bytes) + " free on " +
                                                      dir.string());
    }
}

OutputFile::OutputFile(std::string final_path, bool force)
    : own_claim_(std::make_unique<OutputClaim>(std::move(final_path), force)),
      final_(own_claim_->final_path()),
      part_(own_claim_->part_path()) {
    own_claim_->refuse_leftover_part(force);
    open_part();
}

OutputFile::OutputFile(const OutputClaim& claim) : final_(claim.final_path()), part_(claim.part_path()) { open_part(); }

void OutputFile::open_part() {
    exceptions_at_start_ = std::uncaught_exceptions();
    file_ = std::make_unique<h5::File>(part_, h5::File::Mode::create_truncate);
}

OutputFile::~OutputFile() {
    if (broken_ && file_) {
        file_->abandon();
        file_.reset();
    }
    try {
        close();
    } catch (...) {
        // A destructor must not throw; the .part file stays for inspection.
    }
    if (!committed_ && !has_data_ && std::uncaught_exceptions() > exceptions_at_start_) {
        std::error_code ec;
        std::filesystem::remove(part_, ec);
    }
}

void OutputFile::write_header(const RunInfo& info) {
    io::write_header(*file_, info);
    network_gzip_ = info.network_gzip;
    network_recipe_ = info.network_recipe;
}
void OutputFile::write_network(const Network& net) { io::write_network(*file_, net, network_gzip_, network_recipe_); }
void OutputFile::set_status(const std::string& status, const std::string& message) {
    io::set_status(*file_, status, message);
}

void set_status(const h5::File& f, const std::string& status, const std::string& message) {
    schema::Writer w(f, "", true);
    w.attr("status", status);
    w.attr("message", message);
}

void write_header(const h5::File& f, const RunInfo& info) {
    schema::Writer w(f, "", true);
    w.attr("format", "ratenet");
    w.attr("format_version", format_version);
    w.attr("ratenet_version", build::version);
    w.attr("git_commit", build::git_commit);
    w.attr("blas", linalg::backend());
    w.attr("created_utc", utc_now());
    w.attr("command_line", info.command_line);
    w.attr("config", info.config_text);
    w.attr("config_path", info.config_path);
    w.attr("kind", info.kind);
    w.attr("seed_network", info.seeds.network);
    w.attr("seed_initial", info.seeds.initial);
    w.attr("seed_noise", info.seeds.noise);
    w.attr("seed_tangent", info.seeds.tangent);
    w.attr("status", "running");
    w.attr("message", "");
}

OutputOptions read_output(const Config& cfg) {
    Section s = cfg.section("output");
    OutputOptions o;
    o.path = s.string("path", "");
    if (s.has("path") && o.path.empty()) s.fail("path", "\"\"", "the output path must not be empty");
    const std::int64_t level = s.integer("gzip_network", 0);
    if (level < 0 || level > 9) s.fail("gzip_network", std::to_string(level), "must be a gzip level in 0 .. 9 (0 = off)");
    o.network_gzip = static_cast<int>(level);
    const std::string mode = s.string("network", "full");
    if (mode == "recipe") {
        // Only a generated W can be rebuilt from the config and seeds alone.
        const toml::node* model = cfg.find("model.name");
        const auto* name = model ? model->as_string() : nullptr;
        if (name && name->get() == "matrix")
            s.fail("network", "\"recipe\"",
                   "needs a generated model: model \"matrix\" reads W from a file, so the output must store W (\"full\")");
        o.network_recipe = true;
    } else if (mode != "full") {
        s.fail("network", "\"" + mode + "\"", "must be \"full\" (W stored) or \"recipe\" (model, parameters and seeds only)");
    }
    s.finish();
    return o;
}

void write_precision_check(const h5::File& f, const PrecisionCheck& c) {
    schema::Writer g(f, "network", true);
    g.attr("float32_check_time", c.time);
    g.attr("float32_max_abs_error", c.max_abs_error);
    g.attr("float32_max_rel_error", c.max_rel_error);
}

void write_network(const h5::File& f, const Network& net, int gzip, bool recipe) {
    schema::Writer g(f, "network");
    const auto n = static_cast<hsize_t>(net.size());
    if (recipe) {
        g.attr("W_format", "recipe");
        g.attr("W_nonzeros", static_cast<std::int64_t>(net.sparse ? net.W_sparse.nonZeros() : net.W.size()));
    } else if (net.sparse) {
        const auto& S = net.W_sparse;
        const auto nnz = static_cast<hsize_t>(S.nonZeros());
        // Straight from the matrix's own arrays (compressed CSR, int64 indices): no
        // second copy of W is staged.
        RATENET_ASSERT(S.isCompressed());
        g.write("W_data", S.valuePtr(), {nnz}, gzip);
        g.write("W_indices", S.innerIndexPtr(), {nnz});
        g.write("W_indptr", S.outerIndexPtr(), {static_cast<hsize_t>(S.outerSize()) + 1});
        g.attr("W_format", "csr");
        g.attr("W_shape", std::vector<double>{static_cast<double>(n), static_cast<double>(n)});
    } else {
        // Row-major on disk (C order), as h5py and NumPy expect, transposed block by
        // block so that the peak memory stays one matrix.
        const Eigen::MatrixXd& W = net.W;
        g.write_rows("W", n, n, gzip, [&](hsize_t r0, hsize_t nr, double* buf) {
            for (hsize_t c = 0; c < n; ++c) {
                const double* col = W.data() + c * n + r0;  // column c, rows r0 .. r0 + nr - 1
                for (hsize_t r = 0; r < nr; ++r) buf[r * n + c] = col[r];
            }
        });
        g.attr("W_format", "dense");
    }
    g.write("b", net.input.b.data(), {n});
    g.write("tau", net.tau.data(), {n});
    g.attr("n", static_cast<std::int64_t>(net.size()));
    g.attr("form", std::string(to_string(net.form)));
    g.attr("transfer", net.phi.name());
    for (const auto& [k, v] : net.phi.parameters()) g.attr("transfer_" + k, v);
    if (net.phi.kind == TransferKind::prelu) g.write("transfer_slopes", net.phi.slopes.data(), {n});
    if (net.phi.kind == TransferKind::by_population) {
        g.attr("transfer_populations", net.phi.describe());
    }
    g.attr("model", net.model.name);
    for (const auto& [k, v] : net.model.parameters) g.attr("model_" + k, v);
    g.attr("noise_sigma", net.input.noise_sigma);
    if (net.input.sinusoid) {
        g.write("sinusoid_amplitude", net.input.sinusoid->amplitude.data(), {n});
        g.write("sinusoid_phase", net.input.sinusoid->phase.data(), {n});
        g.attr("sinusoid_frequency", net.input.sinusoid->frequency);
    }
    if (const auto& fn = net.input.frozen_noise) {
        g.attr("frozen_noise", std::string(to_string(fn->kind())));
        g.attr("frozen_noise_sigma", fn->sigma());
        g.attr("frozen_noise_tau", fn->tau_c());
        g.attr("frozen_noise_dt", fn->dt());
        g.attr("frozen_noise_seed", static_cast<std::int64_t>(fn->seed()));
    }
    g.attr("precision", net.W32 ? "float32" : "float64");
    g.attr("equation", net.form == Form::rate ? "tau_i dx_i/dt = -x_i + phi(sum_j W_ij x_j + b_i(t))"
                                              : "tau_i dh_i/dt = -h_i + sum_j W_ij phi(h_j) + b_i(t)");
    if (!net.input.schedule.empty()) {
        const auto s = net.input.schedule.size();
        std::vector<double> t0, t1, bs;
        for (const auto& seg : net.input.schedule) {
            t0.push_back(seg.t_start);
            t1.push_back(seg.t_end);
            bs.insert(bs.end(), seg.b.data(), seg.b.data() + seg.b.size());
        }
        schema::Writer sg(f, "network/schedule");
        sg.write("t_start", t0);
        sg.write("t_end", t1);
        sg.write("b", bs.data(), {s, n});
        sg.finish();
    }
    g.finish();
}

void OutputFile::flush() {
    try {
        file_->flush();
    } catch (const io_error&) {
        mark_broken();
        throw;
    }
}

void OutputFile::close() {
    if (file_) {
        file_->close();
        file_.reset();
    }
}

void OutputFile::commit() {
    close();
    has_data_ = true;  // complete: whatever happens to the rename, the .part is kept
    if (std::rename(part_.c_str(), final_.c_str()) != 0)
        throw io_error(final_, std::string("cannot rename ") + part_ + " to it: " + std::strerror(errno) +
                                   "; the complete result is in " + part_);
    committed_ = true;
}

TrajectoryWriter::TrajectoryWriter(OutputFile& out, const Network& net, const IntegratorOptions& opt,
                                   const RecordOptions& rec, const std::atomic<bool>* stop_flag)
    : out_(out),
      grp_(out.h5().create_group("trajectory")),
      flush_seconds_(rec.flush_seconds),
      last_flush_(std::chrono::steady_clock::now()),
      stop_(stop_flag) {
    if (rec.neurons.empty()) {
        neurons_.resize(static_cast<std::size_t>(net.size()));
        for (std::size_t i = 0; i < neurons_.size(); ++i) neurons_[i] = static_cast<Eigen::Index>(i);
    } else {
        neurons_ = rec.neurons;
    }
    const auto cols = static_cast<hsize_t>(neurons_.size());
    // Chunks of about 256 KiB, at least one row.
    chunk_rows_ = std::max<std::size_t>(1, (1u << 15) / std::max<std::size_t>(1, neurons_.size()));
    const auto type = rec.float32 ? h5::Extendable::Type::f32 : h5::Extendable::Type::f64;
    t_ds_ = std::make_unique<h5::Extendable>(grp_, "t", 0, std::max<std::size_t>(chunk_rows_, 1024), h5::Extendable::Type::f64, 0);
    x_ds_ = std::make_unique<h5::Extendable>(grp_, "x", cols, chunk_rows_, type, rec.gzip);
    std::vector<std::int64_t> idx(neurons_.begin(), neurons_.end());
    schema::Writer w(out.h5(), "trajectory", true);
    w.created("t", {0}, schema::Type::f64);
    w.created("x", {0, cols}, rec.float32 ? schema::Type::real : schema::Type::f64,
              net.form == Form::rate ? "rate (model units)" : "current (model units)",
              net.form == Form::rate ? "rate x" : "current h");
    w.write("neuron", idx);
    w.finish();
    // Attributes are written at the start so a killed run's file still says what it holds.
    w.attr("method", std::string(to_string(opt.method)));
    w.attr("t_start", opt.t_start);
    w.attr("t_end", opt.t_end);
    w.attr("dt", opt.dt);
    w.attr("dt_out", opt.dt_out);
    w.attr("atol", opt.atol);
    w.attr("rtol", opt.rtol);
    w.attr("steady_tol", opt.steady_tol);
    w.attr("bound", opt.bound);
    w.attr("variable", net.form == Form::rate ? "x (rate)" : "h (current)");
    w.attr("status", "running");
    write_samples_attr();
    tbuf_.reserve(chunk_rows_);
    xbuf_.reserve(chunk_rows_ * neurons_.size());
    out_.flush();
}

void TrajectoryWriter::observe(double t, const Eigen::VectorXd& x) {
    tbuf_.push_back(t);
    for (auto i : neurons_) xbuf_.push_back(x[i]);
    last_ = x;
    if (tbuf_.size() >= chunk_rows_) {
        flush_buffer();
    } else {
        const auto now = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(now - last_flush_).count() > flush_seconds_) flush_buffer();
    }
}

// The rows of x reach the disk before t is extended over them, and the
// `samples` attribute follows t: a failure at any point (a full disk, a kill)
// leaves t, x and samples describing the same rows, never rows of zeros.
void TrajectoryWriter::flush_buffer() {
    try {
        flush_rows();
    } catch (const io_error&) {
        out_.mark_broken();
        throw;
    }
}

void TrajectoryWriter::flush_rows() {
    if (!tbuf_.empty()) {
        x_ds_->append(xbuf_.data(), tbuf_.size());
        out_.flush();
        t_ds_->append(tbuf_.data(), tbuf_.size());
        written_ += static_cast<std::int64_t>(tbuf_.size());
        tbuf_.clear();
        xbuf_.clear();
        write_samples_attr();
        out_.mark_data();
    }
    out_.flush();
    last_flush_ = std::chrono::steady_clock::now();
}

void TrajectoryWriter::write_samples_attr() { grp_.attr("samples", written_); }

void TrajectoryWriter::finish(const RunResult& r) {
    flush_buffer();
    schema::Writer w(out_.h5(), "trajectory", true);
    w.attr("status", std::string(to_string(r.status)));
    w.attr("message", r.message);
    w.attr("t_final", r.t_final);
    w.attr("steady_state", r.steady_state);
    w.attr("samples", written_);
    w.attr("steps", r.steps);
    w.attr("bad_neuron", r.bad_neuron);
    w.attr("t_bad", r.t_bad);
    out_.set_status(std::string(to_string(r.status)), r.message);
    out_.flush();
}

}  // namespace ratenet::io
