#pragma once
// `ratenet chaos` after its sweep: the largest exponents of the points turned
// into the curve against g, both estimates of g_c, and the mean-field
// prediction for the same family.
#include <optional>
#include <vector>

#include "io/config.hpp"
#include "io/point.hpp"
#include "io/sweep_plan.hpp"
#include "ratenet/chaos.hpp"

namespace ratenet::app {

// cfg is the chaos sweep's config (io::chaos_sweep_config), plan its sweep and
// rows its points (every one present).
ChaosStudy chaos_study(const io::Config& cfg, const io::SweepPlan& plan,
                       const std::vector<std::optional<io::PointResult>>& rows);

}  // namespace ratenet::app
