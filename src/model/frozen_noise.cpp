#include "ratenet/frozen_noise.hpp"

#include <atomic>
#include <cmath>
#include <limits>

#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

namespace {
constexpr std::uint64_t frozen_noise_stream = 7;
std::atomic<std::uint64_t> next_id{1};
}  // namespace

std::string_view to_string(NoiseKind k) noexcept { return k == NoiseKind::ou ? "ou" : "white"; }

FrozenNoise::FrozenNoise(NoiseKind kind, Eigen::Index n, double sigma, double tau_c, double dt, std::uint64_t seed)
    : kind_(kind), n_(n), sigma_(sigma), tau_c_(kind == NoiseKind::ou ? tau_c : std::numeric_limits<double>::quiet_NaN()), dt_(dt), seed_(seed),
      block_seed_(derive_seed(seed, frozen_noise_stream)), id_(next_id++) {
    if (!(std::isfinite(sigma) && sigma >= 0))
        throw invalid_parameter("frozen_noise_sigma", format_value(sigma), "must be finite and >= 0");
    if (!(std::isfinite(dt) && dt > 0))
        throw invalid_parameter("frozen_noise_dt", format_value(dt), "must be finite and > 0 (time units)");
    if (kind == NoiseKind::ou && !(std::isfinite(tau_c) && tau_c > 0))
        throw invalid_parameter("frozen_noise_tau", format_value(tau_c),
                                "must be finite and > 0 (the Ornstein-Uhlenbeck correlation time)");
    carries_.emplace_back();  // block 0 starts from the stationary draw, no carry
}

// Runs block m from `before` (x_{m block - 1}, ou only): writes its samples and the
// first of block m + 1 into out when given, its last sample into last when given.
void FrozenNoise::generate(std::int64_t m, const Eigen::VectorXd* before, Eigen::MatrixXd* out,
                           Eigen::VectorXd* last) const {
    if (out) out->resize(n_, block + 1);
    if (last) last->resize(n_);
    const bool ou = kind_ == NoiseKind::ou;
    const double white_scale = sigma_ / std::sqrt(dt_);
    const double a = ou ? std::exp(-dt_ / tau_c_) : 0.0;
    const double c = sigma_ * std::sqrt(1.0 - a * a);
    const std::uint64_t s0 = derive_seed(block_seed_, static_cast<std::uint64_t>(m));
    const std::uint64_t s1 = derive_seed(block_seed_, static_cast<std::uint64_t>(m + 1));
    for (Eigen::Index i = 0; i < n_; ++i) {
        Rng rng(s0, static_cast<std::uint64_t>(i));
        double x = before ? (*before)[i] : 0.0;
        for (std::int64_t j = 0; j < block; ++j) {
            const double xi = rng.normal();
            if (!ou)
                x = white_scale * xi;
            else
                x = (m == 0 && j == 0) ? sigma_ * xi : a * x + c * xi;
            if (out) (*out)(i, j) = x;
        }
        if (last) (*last)[i] = x;
        if (out) {
            // The first sample of the next block: the interpolation runs up to it.
            const double xi = Rng(s1, static_cast<std::uint64_t>(i)).normal();
            (*out)(i, block) = ou ? a * x + c * xi : white_scale * xi;
        }
    }
}

void FrozenNoise::fill_block(std::int64_t m, Eigen::MatrixXd& out) const {
    if (kind_ == NoiseKind::ou && m > 0) {
        const Eigen::VectorXd before = carry(m);
        generate(m, &before, &out, nullptr);
    } else {
        generate(m, nullptr, &out, nullptr);
    }
}

Eigen::VectorXd FrozenNoise::carry(std::int64_t m) const {
    std::lock_guard<std::mutex> lock(carry_mutex_);
    while (static_cast<std::int64_t>(carries_.size()) <= m) {
        const auto k = static_cast<std::int64_t>(carries_.size()) - 1;  // the block to run through
        Eigen::VectorXd last;
        generate(k, k > 0 ? &carries_[static_cast<std::size_t>(k)] : nullptr, nullptr, &last);
        carries_.push_back(std::move(last));
    }
    return carries_[static_cast<std::size_t>(m)];
}

// Each thread keeps the block it read last: the integrators move forward in time,
// so a block is built once per thread and read block (256) grid steps long.
struct FrozenNoise::Cache {
    std::uint64_t id = 0;
    std::int64_t m = -1;
    Eigen::MatrixXd values;
};

const Eigen::MatrixXd& FrozenNoise::cached_block(std::int64_t m) const {
    thread_local Cache cache;
    if (cache.id != id_ || cache.m != m) {
        fill_block(m, cache.values);
        cache.id = id_;
        cache.m = m;
    }
    return cache.values;
}

void FrozenNoise::add(double t, Eigen::Ref<Eigen::VectorXd> out) const {
    if (sigma_ == 0.0) return;
    const double s = std::max(t, 0.0) / dt_;
    const auto k = static_cast<std::int64_t>(std::floor(s));
    const double w = s - static_cast<double>(k);  // in [0, 1)
    const std::int64_t m = k / block, j = k % block;
    const Eigen::MatrixXd& v = cached_block(m);
    out += (1.0 - w) * v.col(j) + w * v.col(j + 1);
}

Eigen::MatrixXd FrozenNoise::samples(std::int64_t k0, std::int64_t cols) const {
    Eigen::MatrixXd out(n_, cols);
    for (std::int64_t c = 0; c < cols; ++c) {
        const std::int64_t k = k0 + c;
        out.col(c) = cached_block(k / block).col(k % block);
    }
    return out;
}

}  // namespace ratenet
