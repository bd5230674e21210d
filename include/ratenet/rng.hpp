#pragma once
// ratenet's random numbers. The streams are defined here, not by the standard
// library's distributions (whose algorithms differ between implementations), so
// a seed gives the same bits on every platform:
//   - engine: xoshiro256** (Blackman & Vigna 2018), state seeded by SplitMix64;
//   - stream (seed, id): state words are SplitMix64 outputs started at
//     seed XOR mix64(id + golden), so distinct ids give independent streams;
//   - uniform(): the top 53 bits of a draw, times 2^-53, in [0, 1);
//   - normal(): Marsaglia's polar method with ratenet's own logarithm (only
//     IEEE-exact operations), both variates of a pair used in order;
//   - normal_fast(): the same method with fast_log (layout 3 of random_gaussian).
#include <array>
#include <cstdint>

namespace ratenet {

// The SplitMix64 finaliser: a bijective 64-bit mixer.
std::uint64_t mix64(std::uint64_t x) noexcept;
// A seed derived from a base seed and an index (a sweep point, a trial), independent
// of how the work is split.
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t index) noexcept;
// Natural logarithm from +, *, / only: identical bits on every IEEE-754 machine.
double portable_log(double x) noexcept;
// The same from +, *, / and exact bit operations, faster: the exponent and
// mantissa split from the bits, log m = 2 atanh(s) as a 12-term polynomial in s^2
// (|s| < 0.1716: truncation below 1e-19 relative). Within 4 ulp of log for
// positive normal x; its bits are defined by this code (not by portable_log's).
double fast_log(double x) noexcept;

// Purposes of the streams drawn from one seed set.
enum class Stream : std::uint64_t { network = 1, initial = 2, noise = 3, tangent = 4, bootstrap = 5, drive = 6 };

class Rng {
public:
    struct State {
        std::array<std::uint64_t, 4> s{};
        bool has_spare = false;
        double spare = 0.0;
    };

    Rng(std::uint64_t seed, std::uint64_t stream) noexcept;
    Rng(std::uint64_t seed, Stream stream) noexcept : Rng(seed, static_cast<std::uint64_t>(stream)) {}

    std::uint64_t next() noexcept;
    double uniform() noexcept;                       // [0, 1)
    double uniform(double lo, double hi) noexcept;   // [lo, hi)
    double normal() noexcept;                        // N(0, 1)
    double normal(double mean, double sd) noexcept { return mean + sd * normal(); }
    // N(0, 1) by the polar method with fast_log: a different stream of normals
    // from the same engine draws (layout 3, docs/reproducibility.md).
    double normal_fast() noexcept;
    // Uniform integer in [0, n), without modulo bias (Lemire's method).
    std::uint64_t below(std::uint64_t n) noexcept;

    const State& state() const noexcept { return st_; }
    void set_state(const State& s) noexcept { st_ = s; }

private:
    State st_;
};

}  // namespace ratenet
