#pragma once
// hahnloser_wta: the winner-take-all circuit of Hahnloser et al.
//
//   W = alpha I - beta 1 1'  (+ gamma between ring neighbours i, i+1 mod n)
//
// Parameters: n neurons; alpha self-excitation; beta global inhibition; gamma
// nearest-neighbour excitation on a ring (0 = none). With relu units in the rate
// form: every set is permitted iff alpha < 1; for alpha > 1 only singletons are
// permitted (needs alpha - beta < 1); the dynamics are bounded iff
// 1 - alpha + beta > 0; winner-take-all iff alpha > 1 and beta > alpha - 1, the
// winner's rate being x_i = b_i / (1 - alpha + beta) (analogue amplification).
// Source: Hahnloser, Sarpeshkar, Mahowald, Douglas & Seung, "Digital selection and
// analogue amplification coexist in a cortex-inspired silicon circuit", Nature
// 405:947 (2000); Hahnloser & Seung, NIPS 13 (2001).
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ratenet/models/connectivity.hpp"

namespace ratenet {

struct HahnloserWtaParams {
    Eigen::Index n = 10;
    double alpha = 1.5;   // self-excitation
    double beta = 1.0;    // global inhibition
    double gamma = 0.0;   // excitation between ring neighbours
};
Connectivity make_hahnloser_wta(const HahnloserWtaParams& p);

}  // namespace ratenet
