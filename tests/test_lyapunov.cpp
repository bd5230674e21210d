#include <gtest/gtest.h>

#include "ratenet/lyapunov.hpp"

TEST(Lyapunov, Placeholder) { SUCCEED(); }
