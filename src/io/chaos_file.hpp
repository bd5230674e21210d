#pragma once
// `ratenet chaos`: the [chaos] section turned into a Lyapunov sweep over the
// coupling, and the /chaos group (the study itself is app/chaos_study.hpp).
#include <optional>
#include <vector>

#include "io/config.hpp"
#include "io/output.hpp"
#include "io/sweep_plan.hpp"
#include "ratenet/chaos.hpp"

namespace ratenet::io {

// [chaos] as options, read once (the defaults are ChaosStudyOptions'); the
// bootstrap draws from seeds.network. Refuses bad values naming the key.
ChaosStudyOptions read_chaos_options(const Config& cfg);

// The config with a [sweep] section that runs the largest Lyapunov exponent
// (lyapunov.k = 1 unless set) over chaos.g (key chaos.key, default "model.g")
// for chaos.seeds seeds. Refuses a config that has its own [sweep].
Config chaos_sweep_config(const Config& cfg);

// Writes /chaos: per-g statistics, g_c with its uncertainty, the mean-field g_c
// and, for tanh, the mean-field largest exponent (/chaos/meanfield).
void write_chaos_group(OutputFile& out, const ChaosStudy& study);

}  // namespace ratenet::io
