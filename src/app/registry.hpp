#pragma once
// The analysis registry: one entry per analysis a sweep point can run. An
// entry names the analysis and its config section, reads and checks its
// options (naming the key), runs it on one config, and describes what one
// point reduces to: the fields results/<name> of /sweep, with dimensions,
// units and long names. The sweep engine, the sweep's HDF5 group, the file
// description (and so `ratenet schema`, docs/file-format.md and the checker),
// `ratenet info` and the CLI's point summaries all take the names from here;
// run_point() refuses a value the entry does not describe.
//
// Adding an analysis: its core header and .cpp, a config reader in io/job.cpp,
// one entry in registry.cpp, and a test.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/config.hpp"
#include "io/point.hpp"
#include "io/schema.hpp"

namespace ratenet::app {

// What a point's run may use besides its config.
struct PointContext {
    std::int64_t ensemble = 0;                 // simulate: initial conditions integrated together (0 = off)
    const std::atomic<bool>* stop = nullptr;   // SIGINT/SIGTERM: the point ends with status interrupted
};

struct Analysis {
    std::string_view name;      // [sweep] analysis = "<name>"
    std::string_view section;   // its config section
    std::string_view doc;       // one line, for the docs and `ratenet schema`
    // Axes of its results besides `point` (e.g. exponent), and the results:
    // results/<name>, f64, NaN where a point has no value.
    std::vector<io::schema::Dim> dims;
    std::vector<io::schema::Field> fields;
    // Reads every section the analysis needs from a point's config and checks
    // it, throwing the invalid_parameter a point would record.
    void (*validate)(const io::Config& cfg);
    // Runs the analysis: a status and values named by `fields`. Throws on bad
    // input; run_point() turns that into status "failed: ...".
    io::PointResult (*run)(const io::Config& cfg, const PointContext& ctx);
    // The length of a result axis besides `point` for this config (planning
    // the output size); nullptr when the results are scalars.
    std::int64_t (*axis_length)(const io::Config& cfg, std::string_view axis, const PointContext& ctx);
};

// Every analysis, in the order of the docs. The first call also hands the
// results' description to the file description (schema::add_sweep_results).
const std::vector<Analysis>& analyses();

// The entry named `name`; an unknown name is refused as `key` = "name" with
// the closest name and the list (invalid_parameter, no file).
const Analysis& find_analysis(std::string_view name, const std::string& key = "analysis");

// The description of one result field of an analysis, nullptr when undescribed.
const io::schema::Field* find_field(const Analysis& a, std::string_view name);

// Runs one point: errors of its config become status "failed: <message>"
// (never thrown), so a sweep goes on past a bad point; the wall time is
// recorded. A value the entry does not describe is a program error
// (internal_error), as is a value of the wrong length.
io::PointResult run_point(const Analysis& a, const io::Config& cfg, const PointContext& ctx);

// The numbers one point of this config records (scalars, plus the length of
// each vector result), for planning the output size.
std::int64_t values_per_point(const Analysis& a, const io::Config& cfg, const PointContext& ctx);

// "name = value, name = value" of the point's scalar results, for the CLI.
std::string summary(const Analysis& a, const io::PointResult& r);

}  // namespace ratenet::app
