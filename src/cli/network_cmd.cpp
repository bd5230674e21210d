// ratenet network SOURCE [-o OUT]: builds a network and writes it whole. SOURCE
// is a TOML configuration, or any ratenet file, whose stored configuration and
// seeds rebuild the network it ran bit for bit: the way back to W for a file
// written with output.network = "recipe".
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/h5.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

struct NetworkOptions {
    CommonOptions common;
};

bool is_hdf5(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char sig[8] = {};
    in.read(sig, 8);
    return in.gcount() == 8 && std::string(sig, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

// The configuration a ratenet file was run with (overrides applied then), with
// --set applied on top.
io::Config stored_config(const NetworkOptions& o) {
    const std::string& path = o.common.config;
    std::string text;
    try {
        h5::File f(path, h5::File::Mode::read_only);
        if (f.attr_kind("format") != h5::Location::AttrKind::string || f.attr_string("format") != "ratenet")
            throw invalid_parameter("SOURCE", path, "not a ratenet file (no root attribute format = \"ratenet\")");
        if (f.attr_kind("config") != h5::Location::AttrKind::string)
            throw invalid_parameter("SOURCE", path, "has no stored configuration (root attribute config)");
        text = f.attr_string("config");
    } catch (const io_error& e) {
        throw invalid_parameter("SOURCE", path, e.detail());
    }
    try {
        io::Config cfg = io::Config::parse(text, path + " (stored config)", o.common.set);
        cfg.check_sections();
        return cfg;
    } catch (const io_error& e) {
        throw invalid_parameter("SOURCE", path, "its stored configuration does not parse: " + e.detail());
    }
}

int run_network(const NetworkOptions& o) {
    std::error_code ec;
    if (!std::filesystem::exists(o.common.config, ec))
        throw invalid_parameter("SOURCE", o.common.config, "does not exist");
    const bool from_file = is_hdf5(o.common.config);
    const io::Config cfg = from_file ? stored_config(o) : load_config(o.common);
    app::FileRequest req = file_request(o.common, cfg);
    // Never the config's [output] path: that is the run's own file.
    if (!o.common.output) req.output = std::filesystem::path(o.common.config).stem().string() + ".network.h5";
    if (std::filesystem::exists(req.output, ec) && std::filesystem::exists(o.common.config, ec) &&
        std::filesystem::equivalent(req.output, o.common.config, ec))
        throw invalid_parameter("-o", req.output, "is SOURCE itself");
    const app::NetworkRun r = app::network_to_file(cfg, req);
    std::ostringstream ss;
    ss << "wrote " << r.path << ": " << r.n << " neurons, W " << (r.sparse ? "csr" : "dense") << " with "
       << format_value(r.entries) << " stored entries" << (from_file ? ", rebuilt from " + o.common.config : "");
    say(o.common, ss.str());
    return exit_ok;
}

}  // namespace

void setup_network(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<NetworkOptions>();
    auto* sub = app.add_subcommand(
        "network", "Build a network and write it whole (W included): from a config, or rebuilt from a ratenet file");
    add_common_options(sub, o->common, "TOML configuration, or a ratenet .h5 file (its stored configuration and seeds)");
    sub->get_option("--output")->description(
        "output file (default: SOURCE's name with .network.h5 in the current directory; never the config's [output] path)");
    sub->callback([o, &exit_code] { exit_code = guarded([&] { return run_network(*o); }); });
}

}  // namespace ratenet::cli
