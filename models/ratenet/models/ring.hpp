#pragma once
// ring: the ring model of orientation tuning.
//
//   W_ij = (J0 + J1 cos(theta_i - theta_j)) / N,   theta_i = 2 pi i / N
//
// Parameters: n, j0 (uniform coupling, usually inhibitory), j1 (tuned coupling).
// Source: Ben-Yishai, Bar-Or & Sompolinsky, "Theory of orientation tuning in
// visual cortex", PNAS 92:3844 (1995).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct RingParams {
    Eigen::Index n = 64;
    double j0 = -2.0;  // uniform coupling
    double j1 = 3.0;   // tuned coupling
};
Connectivity make_ring(const RingParams& p);

}  // namespace ratenet
