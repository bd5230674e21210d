#pragma once
// ratenet as a library, beyond the numerical core: every analysis of the
// registry run on a TOML config, every command's file (simulate, permitted,
// fixed points, Lyapunov spectra, sweeps) written from a config file, and
// those files read back and checked against the file format, all without the
// command line. Link ratenet::app (find_package(ratenet)); the example is
// examples/library_api.cpp. Errors are ratenet's exceptions (errors.hpp):
// invalid_parameter for bad input (with the file and key), io_error for files.
#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ratenet::api {

// A result of an analysis, as the file format describes it.
struct ResultField {
    std::string name;
    std::vector<std::string> dims;  // "point" first, then the result's own axes
    std::string units;              // CF style; "1" for counts and dimensionless numbers
    std::string long_name;
};

struct AnalysisInfo {
    std::string name;     // [sweep] analysis = "<name>"
    std::string section;  // its config section
    std::string doc;
    std::vector<ResultField> results;
};

// Every analysis a sweep point can run.
std::vector<AnalysisInfo> analyses();

// What one analysis of one config reduces to: a status (completed, diverged,
// truncated, failed: <message>) and the named results (scalars have one value).
struct Values {
    std::string status;
    std::vector<std::pair<std::string, std::vector<double>>> values;
    double seconds = 0.0;
    // The values of `name`; throws std::out_of_range when absent.
    const std::vector<double>& operator[](const std::string& name) const;
};

// Runs analysis `name` on a config given as TOML text; `source` names it in
// error messages. Errors of the config become status "failed: ...".
Values run_analysis(const std::string& name, const std::string& config_toml, const std::string& source = "config");

// Runs the [sweep] of a config file in this process and writes `output` as
// `ratenet sweep CONFIG -o OUTPUT` does (journal, atomic rename).
struct SweepOptions {
    bool force = false;    // replace an existing output
    bool resume = false;   // keep the finished points of an interrupted run
    std::string shard;     // "I/N": only the points p with p mod N = I
};
void run_sweep(const std::string& config_path, const std::string& output, const SweepOptions& options = {});

// Runs one of the commands that write one file (simulate, permitted,
// fixed_points, lyapunov) on a config file and writes `output` as `ratenet
// simulate|permitted|fixed-points|lyapunov CONFIG -o OUTPUT` does. Returns the
// file's status (completed, diverged, truncated).
std::string run_to_file(const std::string& command, const std::string& config_path, const std::string& output,
                        bool force = false);

// One dataset of a ratenet file, as the file describes it (any group, any kind).
struct Variable {
    std::vector<std::string> dims;  // the axis names (netCDF dimensions)
    std::vector<std::size_t> shape;
    std::vector<double> data;       // row-major, converted to double
    std::string units;
    std::string long_name;
};
// dataset: a path inside the file, e.g. "trajectory/x" or "lyapunov/exponents".
Variable read_variable(const std::string& path, const std::string& dataset);

// The /sweep group of a ratenet file.
struct SweepTable {
    std::string analysis;
    std::vector<std::string> keys;   // swept config keys, then "seed_index"
    Eigen::MatrixXd params;          // points x keys
    std::vector<std::string> status; // per point; "" = not run
    // results/<name> as points x length (NaN where a point has no value).
    std::vector<std::pair<std::string, Eigen::MatrixXd>> results;
    const Eigen::MatrixXd& result(const std::string& name) const;  // throws std::out_of_range
};
SweepTable read_sweep(const std::string& path);

// What in a ratenet file differs from the file format (docs/file-format.md);
// empty when it conforms.
std::vector<std::string> check_file(const std::string& path);

}  // namespace ratenet::api
