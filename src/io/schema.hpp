#pragma once
// One description of every group, dataset and attribute of ratenet's HDF5
// files. The writers go through schema::Writer, which refuses a name the
// description does not hold (or holds with another type) and gives every
// dataset its units, long name and named dimensions; check() compares a file
// with the description; markdown() prints docs/file-format.md from it. So the
// files, the checks and the docs cannot drift apart.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "io/h5.hpp"

namespace ratenet::io::schema {

// Types as stored. real: float64, or float32 where the config asks for it.
enum class Type { f64, real, i64, u64, u8, str, f64_list };
std::string_view to_string(Type t);

// Units (CF style): the model's time unit is the unit of tau.
namespace units {
inline constexpr std::string_view time_units = "time (units of tau)";
inline constexpr std::string_view rate_units = "1/time (units of tau)";
inline constexpr std::string_view model_units = "model units";
inline constexpr std::string_view one = "1";
}  // namespace units

// A named axis. coordinate: a dataset of the dimension's own name holds its
// values (times, neuron indices, couplings); otherwise the dimension has no
// values (netCDF's "dimension but not a variable"): it names the axis only.
struct Dim {
    std::string_view name;
    std::string_view meaning;
    bool coordinate = false;
};

// The `when` of fields written when a run ends (absent from a killed run's .part).
inline constexpr std::string_view at_end = "at the end of the run";

struct Field {
    std::string_view name;  // a dataset path relative to its group, or an attribute name;
                            // an attribute name ending in '*' stands for every name with that prefix
    bool attribute = false;
    Type type = Type::f64;
    std::vector<std::string_view> dims;  // datasets: one name per axis, outermost first
    std::string_view units;              // datasets: CF units ("1" for dimensionless numbers and indices)
    std::string_view long_name;          // datasets: a short label for plots
    std::string_view meaning;            // for the docs
    std::string_view when;               // "" = always present; otherwise when it is
    // The last axis is left out when it has length 1 (per-point results of a sweep).
    bool squeeze_last = false;
};

struct GroupSpec {
    std::string_view path;   // "" for the root
    std::string_view kinds;  // the file kinds that hold it, for the docs
    std::string_view intro;  // for the docs
    std::vector<Dim> dims;
    std::vector<Field> fields;
};

// Every group of every file kind, in the order of docs/file-format.md. Throws
// internal_error until the sweep results have been added (below).
const std::vector<GroupSpec>& groups();
// The per-point results of a sweep (results/<name> in /sweep, with their extra
// axes) are described by the analysis registry (app/registry.hpp), which adds
// them here once, when it is first used, before any file is written or checked.
// doc (markdown) is printed after the group's intro.
void add_sweep_results(const std::vector<Dim>& dims, const std::vector<Field>& fields, const std::string& doc);
// Text added to a group's docs that way ("" for most groups).
const std::string& notes(std::string_view path);
// The group's description; throws internal_error for an undescribed group.
const GroupSpec& group(std::string_view path);
// The field (dataset or attribute) of a group, nullptr when undescribed.
const Field* find(const GroupSpec& g, std::string_view name, bool attribute);

// Writes one group of a file through its description. Every dataset gets its
// `units` and `long_name`; finish() creates the group's dimensions and
// attaches them to every axis. A name the description does not hold, a type
// other than the described one, or a rank other than the described one is a
// program error (internal_error), caught by the tests.
class Writer {
public:
    // Creates the group (require: opens it when it exists).
    Writer(const h5::File& f, std::string_view path, bool require = false);
    const h5::Location& location() const noexcept { return g_; }

    void write(const std::string& name, const double* data, const std::vector<hsize_t>& dims, int gzip = 0);
    void write(const std::string& name, const std::int64_t* data, const std::vector<hsize_t>& dims);
    void write(const std::string& name, const std::uint8_t* data, const std::vector<hsize_t>& dims);
    void write(const std::string& name, const std::vector<double>& v) { write(name, v.data(), {v.size()}); }
    void write(const std::string& name, const std::vector<std::int64_t>& v) { write(name, v.data(), {v.size()}); }
    void write_strings(const std::string& name, const std::vector<std::string>& v);
    void write_rows(const std::string& name, hsize_t rows, hsize_t cols, int gzip,
                    const std::function<void(hsize_t r0, hsize_t nr, double* buf)>& fill);
    // A dataset created elsewhere in this group (an extendable one): described
    // like the others. units / long_name replace the description's when given.
    void created(const std::string& name, const std::vector<hsize_t>& dims, Type stored,
                 std::string_view units = {}, std::string_view long_name = {});

    void attr(const std::string& name, const std::string& v) { check_attr(name, Type::str); g_.attr(name, v); }
    void attr(const std::string& name, const char* v) { attr(name, std::string(v)); }
    void attr(const std::string& name, double v) { check_attr(name, Type::f64); g_.attr(name, v); }
    void attr(const std::string& name, std::int64_t v) { check_attr(name, Type::i64); g_.attr(name, v); }
    void attr(const std::string& name, std::uint64_t v) { check_attr(name, Type::u64); g_.attr(name, v); }
    void attr(const std::string& name, bool v) { attr(name, static_cast<std::int64_t>(v)); }
    void attr(const std::string& name, const std::vector<double>& v) { check_attr(name, Type::f64_list); g_.attr(name, v); }

    // Creates the dimensions used so far and attaches them. Call once, after
    // the last dataset (sizes along one dimension must agree).
    void finish();

private:
    const Field& dataset_field(const std::string& name, Type stored, std::size_t rank) const;
    void check_attr(const std::string& name, Type t) const;
    void describe(const std::string& name, const Field& f, const std::vector<hsize_t>& dims, std::string_view units,
                  std::string_view long_name);
    const GroupSpec& spec_;
    h5::Group g_;
    // Datasets written, with the dimension names of their axes.
    std::vector<std::pair<std::string, std::vector<std::string_view>>> written_;
    std::map<std::string_view, hsize_t> sizes_;
    bool finished_ = false;
};

// What in a file differs from the description: undescribed groups, datasets
// and attributes, wrong types or dimensions, missing units, missing fields
// that are always present. Empty when the file conforms. `complete`: the run
// finished (fields written at the end must be there).
std::vector<std::string> check(const h5::File& f, bool complete = true);

// docs/file-format.md, generated from the description.
std::string markdown();

}  // namespace ratenet::io::schema
