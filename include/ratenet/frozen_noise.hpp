#pragma once
// Frozen noise: one seeded realisation of a random input per neuron, a fixed
// function of time, so that the driven network is a deterministic (non-autonomous)
// ODE and its Lyapunov spectrum is defined (Engelken, Wolf & Abbott 2020, Sec.
// "input"; Molgedey, Schuchhardt & Schuster, PRL 69:3717, 1992).
//
// The noise is sampled on the grid t_k = k dt (k >= 0) and linearly interpolated
// between samples, so it is continuous and every integrator sees the same input:
//   ou:    x_0 = sigma xi_0,  x_k = a x_{k-1} + sigma sqrt(1 - a^2) xi_k,  a = exp(-dt / tau_c):
//          the stationary Ornstein-Uhlenbeck process (std sigma, correlation time
//          tau_c) exactly on the grid;
//   white: x_k = sigma xi_k / sqrt(dt): band-limited white noise of intensity sigma,
//          whose integral over a time T has variance sigma^2 T (as sigma W(T)) and
//          whose correlations vanish beyond one grid step.
// xi_{i,k} ~ N(0, 1): the samples k of block m = floor(k / 256) are the normals of
// Rng(derive_seed(derive_seed(seed, 7), m), i), drawn in order (docs/reproducibility.md).
// Any time can be evaluated in any order, by any thread, with the same bits.
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace ratenet {

enum class NoiseKind { ou, white };
std::string_view to_string(NoiseKind k) noexcept;

class FrozenNoise {
public:
    static constexpr std::int64_t block = 256;  // samples per substream

    // Throws invalid_parameter (frozen_noise_sigma, _tau, _dt) on bad values.
    FrozenNoise(NoiseKind kind, Eigen::Index n, double sigma, double tau_c, double dt, std::uint64_t seed);

    NoiseKind kind() const noexcept { return kind_; }
    Eigen::Index size() const noexcept { return n_; }
    double sigma() const noexcept { return sigma_; }
    double tau_c() const noexcept { return tau_c_; }  // NaN for white noise
    double dt() const noexcept { return dt_; }
    std::uint64_t seed() const noexcept { return seed_; }

    // out += noise(t); t < 0 is read as 0.
    void add(double t, Eigen::Ref<Eigen::VectorXd> out) const;
    // The grid samples x_k, k = k0 .. k0 + cols - 1, as columns (for tests and checks).
    Eigen::MatrixXd samples(std::int64_t k0, std::int64_t cols) const;

private:
    struct Cache;
    void generate(std::int64_t m, const Eigen::VectorXd* before, Eigen::MatrixXd* out, Eigen::VectorXd* last) const;
    // Samples of block m and the first of block m + 1: N x (block + 1).
    void fill_block(std::int64_t m, Eigen::MatrixXd& out) const;
    // The OU value just before block m (x_{m block - 1}), built once, in order.
    Eigen::VectorXd carry(std::int64_t m) const;
    const Eigen::MatrixXd& cached_block(std::int64_t m) const;

    NoiseKind kind_;
    Eigen::Index n_;
    double sigma_, tau_c_, dt_;
    std::uint64_t seed_, block_seed_;
    std::uint64_t id_;  // tells thread-local caches apart
    mutable std::mutex carry_mutex_;
    mutable std::vector<Eigen::VectorXd> carries_;  // carries_[m]: x before block m (m >= 1)
};

}  // namespace ratenet
