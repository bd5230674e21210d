#pragma once
// Subcommands registered by main.cpp, one file each.
#include <CLI/CLI.hpp>

namespace ratenet::cli {
void setup_lyapunov(CLI::App& app, int& exit_code);
void setup_permitted(CLI::App& app, int& exit_code);
void setup_fixed_points(CLI::App& app, int& exit_code);
void setup_chaos(CLI::App& app, int& exit_code);
void setup_schema(CLI::App& app, int& exit_code);
void setup_completion(CLI::App& app, int& exit_code);
void setup_network(CLI::App& app, int& exit_code);
}  // namespace ratenet::cli
