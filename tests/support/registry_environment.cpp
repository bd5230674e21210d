// Linked into every test program: loads the analysis registry before the first
// test, as the ratenet binary does in main(), so that the file description
// holds the sweep results (schema::add_sweep_results).
#include <gtest/gtest.h>

#include "app/registry.hpp"

namespace {
class RegistryEnvironment : public ::testing::Environment {
public:
    void SetUp() override { ratenet::app::analyses(); }
};
const auto* const registry_environment = ::testing::AddGlobalTestEnvironment(new RegistryEnvironment);
}  // namespace
