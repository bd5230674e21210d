// ratenet info FILE.h5: a summary of any ratenet file, safe on files from
// anywhere: every shape and type is checked before use, and text from the file
// is escaped before it reaches the terminal.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.hpp"
#include "cli/simulate.hpp"
#include "cli/sweep.hpp"
#include "io/h5.hpp"
#include "io/output.hpp"
#include "io/sweep_file.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

std::string shape_text(const std::vector<hsize_t>& dims) {
    if (dims.empty()) return "scalar";
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
    return s;
}

// An attribute as text, whatever its type; "" when absent.
std::string attr_text(const h5::Location& loc, const std::string& name) {
    switch (loc.attr_kind(name)) {
        case h5::Location::AttrKind::missing: return "";
        case h5::Location::AttrKind::string:
            return loc.attr_size(name) == 1 ? loc.attr_string(name) : "[" + std::to_string(loc.attr_size(name)) + " strings]";
        case h5::Location::AttrKind::number:
            return loc.attr_size(name) == 1 ? format_value(loc.attr_double(name))
                                            : "[" + std::to_string(loc.attr_size(name)) + " numbers]";
        case h5::Location::AttrKind::other: return "[unsupported type]";
    }
    return "";
}

std::string summarise(const std::string& path) {
    std::unique_ptr<h5::File> f;
    try {
        f = std::make_unique<h5::File>(path, h5::File::Mode::read_only);
    } catch (const io_error& e) {
        throw invalid_parameter("FILE", path, e.detail());
    }
    if (f->attr_kind("format") != h5::Location::AttrKind::string || attr_text(*f, "format") != "ratenet")
        throw invalid_parameter("FILE", path, "not a ratenet file (no root attribute format = \"ratenet\")");
    std::ostringstream out;
    const std::string version = attr_text(*f, "format_version");
    const bool newer = f->attr_kind("format_version") == h5::Location::AttrKind::number && f->attr_size("format_version") == 1 &&
                       f->attr_double("format_version") > static_cast<double>(io::format_version);
    out << printable(path) << ": ratenet " << printable(attr_text(*f, "kind")) << " file, format version "
        << printable(version) << (newer ? " (newer than this ratenet understands)" : "") << "\n";
    for (const char* a : {"ratenet_version", "git_commit", "created_utc", "command_line", "status", "message"}) {
        const std::string v = attr_text(*f, a);
        if (!v.empty()) out << "  " << a << ": " << printable(v) << "\n";
    }
    const auto objects = f->walk();
    auto find = [&](const std::string& p) -> const h5::ObjectInfo* {
        for (const auto& o : objects)
            if (o.path == p) return &o;
        return nullptr;
    };
    if (const auto* net = find("network"); net && net->group) {
        auto g = f->group("network");
        out << "  network: " << printable(attr_text(g, "n")) << " neurons, model " << printable(attr_text(g, "model"))
            << ", form " << printable(attr_text(g, "form")) << ", transfer " << printable(attr_text(g, "transfer"))
            << ", W " << printable(attr_text(g, "W_format")) << "\n";
    }
    if (const auto* tr = find("trajectory"); tr && tr->group) {
        auto g = f->group("trajectory");
        const auto* x = find("trajectory/x");
        const auto* t = find("trajectory/t");
        out << "  trajectory: ";
        if (x && x->shape.size() == 2) out << x->shape[0] << " samples x " << x->shape[1] << " neurons";
        else out << "x " << (x ? "has shape " + shape_text(x->shape) + " (expected samples x neurons)" : "missing");
        out << ", method " << printable(attr_text(g, "method")) << ", status " << printable(attr_text(g, "status"));
        if (t && t->shape.size() == 1 && t->shape[0] > 0)  // two values, not the whole axis
            out << ", t = " << format_value(g.read_double_at("t", 0)) << " .. "
                << format_value(g.read_double_at("t", t->shape[0] - 1));
        out << "\n";
    }
    if (const auto* sw = find("sweep"); sw && sw->group) {
        // The registry's description of the results: their ranges, named and in units.
        try {
            const io::SweepFileContents c = io::read_sweep_file(path);
            std::int64_t done = 0;
            for (const auto& r : c.rows) done += r.has_value();
            out << "  sweep: analysis " << printable(c.analysis) << ", " << done << " of " << c.n_points
                << " points, shard " << printable(c.shard) << result_ranges(c.analysis, c.rows) << "\n";
        } catch (const ratenet_error& e) {
            out << "  sweep: cannot be summarised: " << printable(e.what()) << "\n";
        }
    }
    out << "contents:\n";
    for (const auto& o : objects) {
        if (o.group) out << "  /" << printable(o.path) << "/\n";
        else {
            bool dim = false;  // a dimension (an axis name, netCDF style)
            try {
                dim = f->is_dimension(o.path);
            } catch (const io_error&) {
            }
            out << "  /" << printable(o.path) << "  [" << shape_text(o.shape) << "]" << (dim ? "  (dimension)" : "") << "\n";
        }
    }
    return out.str();
}

}  // namespace

void setup_info(CLI::App& app, int& exit_code) {
    auto path = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("info", "Summarise a ratenet HDF5 file");
    sub->add_option("file", *path, "a file written by ratenet (a .part file too)")->required();
    sub->callback([path, &exit_code] {
        exit_code = guarded([&] {
            try {
                std::cout << summarise(*path);
            } catch (const io_error& e) {
                // The file opened but is damaged or not what it claims to be.
                throw invalid_parameter("FILE", *path, "cannot be summarised: " + e.detail());
            }
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
