// ratenet schema: the file format, printed from the description every writer
// goes through (docs/file-format.md is its output); --check compares a file
// with it.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/h5.hpp"
#include "io/schema.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {
struct SchemaOptions {
    std::string check;  // a file to compare with the description; empty: print the description
};

int run_schema(const SchemaOptions& o) {
    if (o.check.empty()) {
        std::cout << io::schema::markdown();
        return exit_ok;
    }
    std::vector<std::string> problems;
    try {
        h5::File f(o.check, h5::File::Mode::read_only);
        const bool complete = !f.has_attr("status") || f.attr_kind("status") != h5::Location::AttrKind::string ||
                              f.attr_string("status") != "running";
        problems = io::schema::check(f, complete);
    } catch (const io_error& e) {
        throw invalid_parameter("--check", o.check, "cannot be read: " + e.detail());
    }
    for (const auto& p : problems) std::cout << printable(o.check) << ": " << printable(p) << "\n";
    if (!problems.empty()) return exit_runtime;
    std::cout << printable(o.check) << ": conforms to the ratenet file format (version 2)\n";
    return exit_ok;
}
}  // namespace

void setup_schema(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<SchemaOptions>();
    auto* sub = app.add_subcommand("schema", "Print the HDF5 file format (docs/file-format.md), or check a file against it");
    sub->add_option("--check", o->check, "a ratenet file: list what differs from the format (exit 1 if anything)");
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run_schema(*o); }); });
}

}  // namespace ratenet::cli
