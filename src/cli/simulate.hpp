#pragma once
#include <CLI/CLI.hpp>

namespace ratenet::cli {
// ratenet simulate CONFIG [-o OUT.h5] [--set k=v]... [--force] [--quiet]
void setup_simulate(CLI::App& app, int& exit_code);
// ratenet demo [-o DIR]: the built-in default job.
void setup_demo(CLI::App& app, int& exit_code);
// ratenet models
void setup_models(CLI::App& app, int& exit_code);
// ratenet info FILE.h5
void setup_info(CLI::App& app, int& exit_code);
}  // namespace ratenet::cli
