#pragma once
// Every config key ratenet reads, by section: recorded by running the readers
// on a config that has every section (io::KeyCensus), so the shell completion
// and the test of docs/config.md see what the code reads, not a copy of it.
#include <string>
#include <vector>

#include "io/config.hpp"

namespace ratenet::app {

// The keys the readers ask for, with their defaults as text. [model] holds the
// keys of one model only (the census config's); config_keys() adds the rest.
io::KeyCensus config_key_census();

// "section.key" for every key a config may set, sorted: the census plus every
// model's and every transfer function's parameters.
std::vector<std::string> config_keys();

}  // namespace ratenet::app
