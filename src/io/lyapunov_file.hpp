#pragma once
// [lyapunov] options, the /lyapunov group, and checkpoints on disk.
#include <optional>
#include <string>

#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "ratenet/lyapunov.hpp"

namespace ratenet::io {

// [lyapunov]: dynamics, k, dt, t_ons, t_warmup, t_ons_warmup, t_sim, bound,
// n_blocks, trace_rows, twin, twin_d0, volume_check, active_rows. The initial
// state is [initial] when that section is present, else N(0, init_sd^2) drawn
// from seeds.initial; the tangent vectors come from seeds.tangent.
LyapunovOptions read_lyapunov(const Config& cfg, const Network& net, const Seeds& seeds,
                              std::optional<Eigen::Index> k_override = std::nullopt);

// Writes /lyapunov: exponents, errors, convergence trace, every parameter.
void write_lyapunov_group(const h5::File& f, const LyapunovOptions& opt, const LyapunovResult& r, Eigen::Index n);

// /lyapunov/checkpoint: everything LyapunovCheckpoint holds.
void write_checkpoint(const h5::File& f, const LyapunovCheckpoint& cp);
std::optional<LyapunovCheckpoint> read_checkpoint(const h5::File& f);

}  // namespace ratenet::io
