#include "io/schema.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "ratenet/errors.hpp"

namespace ratenet::io::schema {

std::string_view to_string(Type t) {
    switch (t) {
        case Type::f64: return "float64";
        case Type::real: return "float64 or float32";
        case Type::i64: return "int64";
        case Type::u64: return "uint64";
        case Type::u8: return "uint8";
        case Type::str: return "string";
        case Type::f64_list: return "float64 list";
    }
    return "?";
}

const GroupSpec& group(std::string_view path) {
    for (const auto& g : groups())
        if (g.path == path) return g;
    throw internal_error("schema: no description of group /" + std::string(path));
}

namespace {
bool matches(std::string_view pattern, std::string_view name) {
    if (!pattern.empty() && pattern.back() == '*') return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
    return pattern == name;
}
std::string where(const GroupSpec& g) { return "/" + std::string(g.path); }
}  // namespace

const Field* find(const GroupSpec& g, std::string_view name, bool attribute) {
    for (const auto& f : g.fields)
        if (f.attribute == attribute && matches(f.name, name)) return &f;
    return nullptr;
}

// ---------------------------------------------------------------- writer

Writer::Writer(const h5::File& f, std::string_view path, bool require)
    : spec_(group(path)),
      g_(path.empty() ? f.group("/")
                      : (require ? f.require_group(std::string(path)) : f.create_group(std::string(path)))) {}

const Field& Writer::dataset_field(const std::string& name, Type stored, std::size_t rank) const {
    const Field* f = find(spec_, name, false);
    if (!f) throw internal_error("schema: " + where(spec_) + "/" + name + " is not described");
    const bool type_ok = f->type == stored || (f->type == Type::real && (stored == Type::f64));
    if (!type_ok)
        throw internal_error("schema: " + where(spec_) + "/" + name + " is described as " + std::string(to_string(f->type)) +
                               ", written as " + std::string(to_string(stored)));
    const std::size_t want = f->dims.size();
    if (rank != want && !(f->squeeze_last && rank + 1 == want))
        throw internal_error("schema: " + where(spec_) + "/" + name + " has " + std::to_string(want) + " axes, written with " +
                               std::to_string(rank));
    return *f;
}

void Writer::check_attr(const std::string& name, Type t) const {
    const Field* f = find(spec_, name, true);
    if (!f) throw internal_error("schema: attribute " + name + " of " + where(spec_) + " is not described");
    if (f->type != t)
        throw internal_error("schema: attribute " + name + " of " + where(spec_) + " is described as " +
                               std::string(to_string(f->type)) + ", written as " + std::string(to_string(t)));
}

void Writer::describe(const std::string& name, const Field& f, const std::vector<hsize_t>& dims, std::string_view units,
                      std::string_view long_name) {
    auto d = g_.dataset(name);
    d.attr("units", std::string(units.empty() ? f.units : units));
    d.attr("long_name", std::string(long_name.empty() ? f.long_name : long_name));
    std::vector<std::string_view> axes(f.dims.begin(), f.dims.begin() + static_cast<std::ptrdiff_t>(dims.size()));
    for (std::size_t a = 0; a < dims.size(); ++a) {
        const auto [it, fresh] = sizes_.emplace(axes[a], dims[a]);
        if (!fresh && it->second != dims[a])
            throw internal_error("schema: dimension " + std::string(axes[a]) + " of " + where(spec_) + " has sizes " +
                                   std::to_string(it->second) + " and " + std::to_string(dims[a]) + " (" + name + ")");
    }
    written_.emplace_back(name, std::move(axes));
}

void Writer::write(const std::string& name, const double* data, const std::vector<hsize_t>& dims, int gzip) {
    const Field& f = dataset_field(name, Type::f64, dims.size());
    g_.write(name, data, dims, gzip);
    describe(name, f, dims, {}, {});
}
void Writer::write(const std::string& name, const std::int64_t* data, const std::vector<hsize_t>& dims) {
    const Field& f = dataset_field(name, Type::i64, dims.size());
    g_.write(name, data, dims);
    describe(name, f, dims, {}, {});
}
void Writer::write(const std::string& name, const std::uint8_t* data, const std::vector<hsize_t>& dims) {
    const Field& f = dataset_field(name, Type::u8, dims.size());
    g_.write(name, data, dims);
    describe(name, f, dims, {}, {});
}
void Writer::write_strings(const std::string& name, const std::vector<std::string>& v) {
    const Field& f = dataset_field(name, Type::str, 1);
    g_.write_strings(name, v);
    describe(name, f, {v.size()}, {}, {});
}
void Writer::write_rows(const std::string& name, hsize_t rows, hsize_t cols, int gzip,
                        const std::function<void(hsize_t, hsize_t, double*)>& fill) {
    const Field& f = dataset_field(name, Type::f64, 2);
    g_.write_rows(name, rows, cols, gzip, fill);
    describe(name, f, {rows, cols}, {}, {});
}
void Writer::created(const std::string& name, const std::vector<hsize_t>& dims, Type stored, std::string_view units,
                     std::string_view long_name) {
    describe(name, dataset_field(name, stored, dims.size()), dims, units, long_name);
}

void Writer::finish() {
    if (finished_) throw internal_error("schema: " + where(spec_) + " finished twice");
    finished_ = true;
    for (const auto& d : spec_.dims) {
        const auto it = sizes_.find(d.name);
        if (it == sizes_.end()) continue;
        const std::string name(d.name);
        if (d.coordinate)
            g_.coordinate(name);
        else
            g_.dimension(name, it->second);
    }
    for (const auto& [name, axes] : written_)
        for (std::size_t a = 0; a < axes.size(); ++a) {
            if (axes[a] == name) continue;  // a coordinate is its own dimension
            g_.attach(name, static_cast<unsigned>(a), std::string(axes[a]));
        }
}

// ---------------------------------------------------------------- check

namespace {

// Attributes HDF5's dimension scales and the writer add to datasets.
bool dataset_bookkeeping(const std::string& a) {
    return a == "units" || a == "long_name" || a == "DIMENSION_LIST" || a == "REFERENCE_LIST" || a == "CLASS" ||
           a == "NAME" || a == "_Netcdf4Dimid";
}

bool attr_type_ok(const h5::Location& loc, const std::string& name, Type t) {
    const H5T_class_t c = loc.attr_class(name);
    const std::int64_t n = loc.attr_size(name);
    switch (t) {
        case Type::str: return c == H5T_STRING && n == 1;
        case Type::f64: return c == H5T_FLOAT && n == 1;
        case Type::i64:
        case Type::u64: return c == H5T_INTEGER && n == 1;
        case Type::f64_list: return c == H5T_FLOAT;
        default: return false;
    }
}

bool dataset_type_ok(const h5::Location& loc, const std::string& name, Type t) {
    const H5T_class_t c = loc.dataset_class(name);
    switch (t) {
        case Type::f64:
        case Type::real: return c == H5T_FLOAT;
        case Type::i64:
        case Type::u64:
        case Type::u8: return c == H5T_INTEGER;
        case Type::str: return c == H5T_STRING;
        default: return false;
    }
}

const GroupSpec* find_group(std::string_view path) {
    for (const auto& g : groups())
        if (g.path == path) return &g;
    return nullptr;
}

}  // namespace

std::vector<std::string> check(const h5::File& f, bool complete) {
    std::vector<std::string> problems;
    auto bad = [&](const std::string& s) { problems.push_back(s); };
    // Every described group present: its attributes and datasets.
    const auto objects = f.walk();
    std::set<std::string> groups_seen{""};
    for (const auto& o : objects)
        if (o.group) groups_seen.insert(o.path);
    for (const auto& path : groups_seen) {
        const GroupSpec* spec = find_group(path);
        if (!spec) {
            // An intermediate group of described dataset paths (sweep/results).
            const auto slash = path.rfind('/');
            const GroupSpec* parent = slash == std::string::npos ? find_group("") : find_group(path.substr(0, slash));
            const std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
            bool holds = false;
            if (parent)
                for (const auto& fl : parent->fields)
                    if (!fl.attribute && fl.name.substr(0, leaf.size() + 1) == leaf + "/") holds = true;
            if (!holds) bad("/" + path + ": group not described");
            continue;
        }
        const h5::Group g = path.empty() ? f.group("/") : f.group(path);
        for (const auto& a : g.attr_names()) {
            const Field* fl = find(*spec, a, true);
            if (!fl)
                bad(where(*spec) + ": attribute " + a + " not described");
            else if (!attr_type_ok(g, a, fl->type))
                bad(where(*spec) + ": attribute " + a + " is not " + std::string(to_string(fl->type)));
        }
        for (const auto& fl : spec->fields) {
            if (!fl.when.empty() && !(complete && fl.when == at_end)) continue;
            const std::string name(fl.name);
            if (fl.attribute) {
                if (name.back() != '*' && !g.has_attr(name)) bad(where(*spec) + ": attribute " + name + " is missing");
            } else if (!g.exists(name) && name.find('/') == std::string::npos) {
                bad(where(*spec) + ": dataset " + name + " is missing");
            }
        }
    }
    // Every dataset described, typed, labelled and dimensioned as described.
    for (const auto& o : objects) {
        if (o.group) continue;
        const std::string& path = o.path;
        // The owning described group: the longest described prefix.
        const GroupSpec* spec = nullptr;
        std::string rel;
        for (const auto& g : groups()) {
            const std::string prefix = g.path.empty() ? "" : std::string(g.path) + "/";
            if (path.compare(0, prefix.size(), prefix) == 0 && (!spec || g.path.size() > spec->path.size())) {
                const std::string r = path.substr(prefix.size());
                if (find(g, r, false) || (r.find('/') == std::string::npos &&
                                          std::any_of(g.dims.begin(), g.dims.end(), [&](const Dim& d) { return d.name == r; }))) {
                    spec = &g;
                    rel = r;
                }
            }
        }
        if (!spec) {
            bad("/" + path + ": dataset not described");
            continue;
        }
        const h5::Group g = spec->path.empty() ? f.group("/") : f.group(std::string(spec->path));
        const Field* fl = find(*spec, rel, false);
        const auto ds = g.dataset(rel);
        for (const auto& a : ds.attr_names())
            if (!dataset_bookkeeping(a)) bad("/" + path + ": attribute " + a + " not described");
        if (!fl) {  // a dimension without values
            if (!g.is_dimension(rel)) bad("/" + path + ": a dimension's dataset that is not a dimension");
            continue;
        }
        if (!dataset_type_ok(g, rel, fl->type)) bad("/" + path + ": not " + std::string(to_string(fl->type)));
        for (const char* a : {"units", "long_name"})
            if (!ds.has_attr(a)) bad("/" + path + ": no " + std::string(a));
        const auto dims = g.dimensions_of(rel);
        const std::size_t want = fl->dims.size();
        if (dims.size() != want && !(fl->squeeze_last && dims.size() + 1 == want)) {
            bad("/" + path + ": " + std::to_string(dims.size()) + " axes, described with " + std::to_string(want));
            continue;
        }
        for (std::size_t a = 0; a < dims.size(); ++a) {
            if (fl->dims[a] == fl->name && g.is_dimension(rel)) continue;  // a coordinate
            if (dims[a] != fl->dims[a])
                bad("/" + path + ": axis " + std::to_string(a) + " is \"" + dims[a] + "\", described as \"" +
                    std::string(fl->dims[a]) + "\"");
        }
    }
    return problems;
}

// ---------------------------------------------------------------- docs

namespace {
std::string code(std::string_view s) { return "`" + std::string(s) + "`"; }
std::string cell(std::string_view s) {
    std::string out(s);
    std::string::size_type p = 0;
    while ((p = out.find('|', p)) != std::string::npos) {
        out.replace(p, 1, "\\|");
        p += 2;
    }
    return out;
}
}  // namespace

std::string markdown() {
    std::ostringstream o;
    o << "# ratenet HDF5 file format (version 2)\n\n"
         "<!-- Generated by `ratenet schema` from src/io/schema_tables.cpp and the analysis registry "
         "(src/app/registry.cpp); a test fails when they differ. -->\n\n"
         "Every file ratenet writes is HDF5 (1.10 format, readable by h5py, h5dump, MATLAB and Julia) and netCDF-4 "
         "compatible: every dataset has named dimensions (HDF5 dimension scales), `units` and `long_name`, so "
         "`xarray.open_dataset(f, engine=\"h5netcdf\", group=G)` opens every group G below with labelled axes. "
         "Arrays are stored in C (row-major) order; indices are 0-based; times are in the model's time unit (the "
         "unit of `tau`). A file is written as `NAME.part` and renamed to `NAME` only when the run finishes; "
         "`NAME.part` files hold interrupted runs, readable up to the last flush.\n\n"
         "A dimension without values (the axis of sets, fixed points, sweep points) is stored as netCDF-4 stores it: "
         "an empty dataset of the dimension's name, which takes no space. A dimension with values (`t`, `neuron` of "
         "a trajectory, `g`) is a dataset of the same name. Version 1 files (ratenet before dimensions were added) "
         "hold the same datasets and attributes without them.\n";
    for (const auto& g : groups()) {
        o << "\n## `/" << g.path << "`\n\n" << "Files: " << g.kinds << ". " << g.intro << "\n";
        if (!notes(g.path).empty()) o << "\n" << notes(g.path);
        if (!g.dims.empty()) {
            o << "\n| dimension | meaning |\n|---|---|\n";
            for (const auto& d : g.dims)
                o << "| " << code(d.name) << " | " << cell(d.meaning) << (d.coordinate ? " (has values: the dataset of that name)" : "")
                  << " |\n";
        }
        bool any = false;
        for (const auto& f : g.fields)
            if (!f.attribute) {
                if (!any) o << "\n| dataset | type | dimensions | units | meaning |\n|---|---|---|---|---|\n";
                any = true;
                std::string dims;
                for (std::size_t a = 0; a < f.dims.size(); ++a) dims += (a ? ", " : "") + std::string(f.dims[a]);
                o << "| " << code(f.name) << " | " << to_string(f.type) << " | " << dims << (f.squeeze_last ? " (last left out when 1)" : "")
                  << " | " << cell(f.units) << " | " << cell(f.meaning) << (f.when.empty() ? "" : " (" + std::string(f.when) + ")") << " |\n";
            }
        any = false;
        for (const auto& f : g.fields)
            if (f.attribute) {
                if (!any) o << "\n| attribute | type | meaning |\n|---|---|---|\n";
                any = true;
                o << "| " << code(f.name) << " | " << to_string(f.type) << " | " << cell(f.meaning)
                  << (f.when.empty() ? "" : " (" + std::string(f.when) + ")") << " |\n";
            }
    }
    return o.str();
}

}  // namespace ratenet::io::schema
