#include <hdf5.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common.hpp"
#include "cli/simulate.hpp"
#include "io/h5.hpp"
#include "io/output.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

struct VisitCtx {
    std::ostringstream* out;
    hid_t file;
};

herr_t visit_cb(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
    auto* ctx = static_cast<VisitCtx*>(data);
    if (std::string(name) == ".") return 0;
    if (info->type == H5O_TYPE_DATASET) {
        hid_t ds = H5Dopen2(obj, name, H5P_DEFAULT);
        hid_t sp = H5Dget_space(ds);
        const int rank = H5Sget_simple_extent_ndims(sp);
        std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
        if (rank > 0) H5Sget_simple_extent_dims(sp, dims.data(), nullptr);
        *ctx->out << "  /" << name << "  [";
        for (std::size_t i = 0; i < dims.size(); ++i) *ctx->out << (i ? " x " : "") << dims[i];
        *ctx->out << "]\n";
        H5Sclose(sp);
        H5Dclose(ds);
    } else if (info->type == H5O_TYPE_GROUP) {
        *ctx->out << "  /" << name << "/\n";
    }
    return 0;
}

}  // namespace

void setup_info(CLI::App& app, int& exit_code) {
    auto path = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("info", "Summarise a ratenet HDF5 file");
    sub->add_option("file", *path, "a file written by ratenet")->required();
    sub->callback([path, &exit_code] {
        exit_code = guarded([&] {
            std::unique_ptr<h5::File> f;
            try {
                f = std::make_unique<h5::File>(*path, h5::File::Mode::read_only);
            } catch (const io_error& e) {
                throw invalid_parameter("FILE", *path, e.detail());
            }
            if (!f->has_attr("format") || f->attr_string("format") != "ratenet")
                throw invalid_parameter("FILE", *path, "not a ratenet file (no root attribute format = \"ratenet\")");
            std::ostringstream out;
            const auto version = f->attr_int("format_version");
            out << *path << ": ratenet " << f->attr_string("kind") << " file, format version " << version
                << (version > io::format_version ? " (newer than this ratenet understands)" : "") << "\n";
            for (const char* a : {"ratenet_version", "git_commit", "created_utc", "command_line", "status", "message"})
                if (f->has_attr(a)) {
                    const std::string v = f->attr_string(a);
                    if (!v.empty()) out << "  " << a << ": " << v << "\n";
                }
            if (f->exists("network")) {
                auto g = f->group("network");
                out << "  network: " << g.attr_int("n") << " neurons, model " << g.attr_string("model") << ", form "
                    << g.attr_string("form") << ", transfer " << g.attr_string("transfer") << ", W "
                    << g.attr_string("W_format") << "\n";
            }
            if (f->exists("trajectory")) {
                auto g = f->group("trajectory");
                const auto shape = g.shape("x");
                out << "  trajectory: " << shape[0] << " samples x " << (shape.size() > 1 ? shape[1] : 1)
                    << " neurons, method " << g.attr_string("method") << ", status " << g.attr_string("status");
                if (shape[0] > 0) {
                    const auto t = g.read_doubles("t");
                    out << ", t = " << format_value(t.front()) << " .. " << format_value(t.back());
                }
                out << "\n";
            }
            out << "contents:\n";
            VisitCtx ctx{&out, f->id()};
            H5Ovisit(f->id(), H5_INDEX_NAME, H5_ITER_NATIVE, visit_cb, &ctx);
            std::cout << out.str();
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
