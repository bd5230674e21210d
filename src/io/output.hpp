#pragma once
// ratenet's HDF5 output files (docs/file-format.md is the reference).
// Every file is written under FINAL.part and renamed to FINAL only when the run
// succeeds; a run that stops early (divergence is a result, so it is renamed too;
// an interruption or a kill is not) leaves FINAL.part, readable, with every
// sample up to the last flush. The name is claimed first (io/claim.hpp), so no
// other ratenet process touches FINAL, FINAL.part or their temporaries.
#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/claim.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/network.hpp"

namespace ratenet::io {

// 2: every dataset has named dimensions, units and long_name (docs/file-format.md).
inline constexpr std::int64_t format_version = 2;

struct RunInfo {
    std::string kind;          // "simulate", "permitted", "fixed_points", "lyapunov", "sweep", "chaos"
    std::string command_line;
    std::string config_text;   // the resolved config, overrides applied
    std::string config_path;
    Seeds seeds;
    int network_gzip = 0;      // gzip level of W in /network (output.gzip_network), 0 = stored as is
    bool network_recipe = false;  // output.network = "recipe": /network without W (rebuilt by `ratenet network`)
};

// [output]: where a run writes and how it stores W. Compressing W is opt-in:
// random weights barely compress, and gzip costs more than drawing them.
struct OutputOptions {
    std::string path;      // "" = not given (the command picks a name)
    int network_gzip = 0;  // 0 .. 9
    bool network_recipe = false;  // output.network: "full" (W stored) or "recipe" (not stored)
};
OutputOptions read_output(const Config& cfg);

// The root attributes and /network of any output file.
void write_header(const h5::File& f, const RunInfo& info);
// recipe: everything but W (W_format = "recipe"); the file's config and seeds
// rebuild it bit for bit (`ratenet network FILE -o W.h5`).
void write_network(const h5::File& f, const Network& net, int gzip = 0, bool recipe = false);
// network.precision = "float32": the run against float64 over its first time units.
struct PrecisionCheck {
    double time = 0.0;            // horizon compared (model time units)
    double max_abs_error = 0.0;   // max over samples and neurons of |x32 - x64|
    double max_rel_error = 0.0;   // the same over max |x64|
};
void write_precision_check(const h5::File& f, const PrecisionCheck& c);
void set_status(const h5::File& f, const std::string& status, const std::string& message);

class OutputFile {
public:
    // Claims final_path itself: refuses (invalid_parameter on key "-o") when it
    // or a leftover FINAL.part exists and !force, or when another process writes it.
    OutputFile(std::string final_path, bool force);
    // Writes under a name this process already claimed (the claim must outlive this).
    explicit OutputFile(const OutputClaim& claim);
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();

    h5::File& h5() noexcept { return *file_; }
    const std::string& final_path() const noexcept { return final_; }
    const std::string& part_path() const noexcept { return part_; }

    // Root attributes: format, versions, time, command line, config, seeds, kind.
    void write_header(const RunInfo& info);
    // /network: W (dense or CSR), b, tau, schedule, attributes; W compressed at
    // the level write_header's RunInfo asked for.
    void write_network(const Network& net);
    // Root status attributes ("running" until finished).
    void set_status(const std::string& status, const std::string& message);
    void flush();
    // Closes and renames FINAL.part to FINAL.
    void commit();
    // Closes, leaving FINAL.part in place.
    void close();
    bool committed() const noexcept { return committed_; }
    // The .part holds results (samples, a partial enumeration): keep it even when
    // an exception unwinds past this file. Without it, a file destroyed during
    // unwinding (a late configuration check, a failure before any result) is
    // removed, so a refused run leaves nothing behind.
    void mark_data() noexcept { has_data_ = true; }
    // A write or flush failed: the file is left as the disk has it, never closed
    // through HDF5 again (see h5::File::abandon).
    void mark_broken() noexcept { broken_ = true; }

private:
    void open_part();
    std::unique_ptr<OutputClaim> own_claim_;
    std::string final_, part_;
    std::unique_ptr<h5::File> file_;
    bool committed_ = false;
    bool has_data_ = false;
    bool broken_ = false;
    int exceptions_at_start_ = 0;
    int network_gzip_ = 0;
    bool network_recipe_ = false;
};

// Streams samples into /trajectory while integrate() runs.
class TrajectoryWriter : public TrajectoryObserver {
public:
    TrajectoryWriter(OutputFile& out, const Network& net, const IntegratorOptions& opt, const RecordOptions& rec,
                     const std::atomic<bool>* stop_flag);
    void observe(double t, const Eigen::VectorXd& x) override;
    bool should_stop() override { return stop_ && stop_->load(std::memory_order_relaxed); }
    // Flushes what is buffered and records the run's status.
    void finish(const RunResult& r);
    std::int64_t rows_written() const noexcept { return written_; }
    const Eigen::VectorXd& last_state() const noexcept { return last_; }

private:
    void flush_buffer();
    void flush_rows();
    void write_samples_attr();
    OutputFile& out_;
    h5::Group grp_;
    std::unique_ptr<h5::Extendable> t_ds_, x_ds_;
    std::vector<Eigen::Index> neurons_;
    std::vector<double> tbuf_, xbuf_;
    std::size_t chunk_rows_;
    double flush_seconds_;
    std::chrono::steady_clock::time_point last_flush_;
    const std::atomic<bool>* stop_;
    std::int64_t written_ = 0;
    Eigen::VectorXd last_;
};

// The UTC time now, ISO 8601.
std::string utc_now();

// Bytes a trajectory of `samples` rows of `cols` values takes on disk
// (uncompressed; t adds 8 bytes a row).
double trajectory_bytes(std::int64_t samples, std::int64_t cols, bool float32);
// Refuses (invalid_parameter on `key` of cfg, exit 2) an output that would not
// fit in the space free on the file system of final_path; `what` says what the
// bytes are for. Checked before any work, so a run never fills a disk by plan.
void check_output_space(const Config& cfg, const std::string& key, const std::string& final_path, double bytes,
                        const std::string& what);

}  // namespace ratenet::io
