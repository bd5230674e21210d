#pragma once
// Shared helpers of the threshold-linear analyses (permitted sets, fixed points,
// copositivity): a hash set of bitmasks and a wall-clock budget. Internal.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

namespace ratenet::detail {

// Open addressing with linear probing over non-zero masks (0, the empty set, is the
// empty-slot marker and never stored). 8 bytes per slot, load kept below 1/2.
class MaskSet {
public:
    explicit MaskSet(std::size_t expected = 1024) {
        std::size_t cap = 16;
        while (cap < 2 * expected) cap *= 2;
        slots_.assign(cap, 0);
    }
    // Returns true when m was new.
    bool insert(SetMask m) {
        if (2 * (size_ + 1) > slots_.size()) grow();
        return place(m);
    }
    bool contains(SetMask m) const noexcept {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(mix64(m)) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == m) return true;
            if (slots_[i] == 0) return false;
        }
    }
    std::size_t size() const noexcept { return size_; }

private:
    bool place(SetMask m) {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(mix64(m)) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == m) return false;
            if (slots_[i] == 0) {
                slots_[i] = m;
                ++size_;
                return true;
            }
        }
    }
    void grow() {
        std::vector<SetMask> old(slots_.size() * 2, 0);
        old.swap(slots_);
        size_ = 0;
        for (SetMask m : old)
            if (m != 0) place(m);
    }
    std::vector<SetMask> slots_;
    std::size_t size_ = 0;
};

// Wall-clock budget and stop request; both are read every 1024 polls only
// (a poll is one set or support, microseconds at most).
class Deadline {
public:
    explicit Deadline(double max_seconds, const std::atomic<bool>* stop = nullptr)
        : max_seconds_(max_seconds), stop_(stop), start_(std::chrono::steady_clock::now()) {}
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    bool expired() {
        if (++polls_ % 1024 != 0) return false;
        if (stop_ && stop_->load(std::memory_order_relaxed)) {
            interrupted_ = true;
            return true;
        }
        return max_seconds_ > 0 && elapsed() > max_seconds_;
    }
    // expired() returned true because a stop was requested (not the budget).
    bool interrupted() const noexcept { return interrupted_; }
    // The reason for messages.
    std::string why() const {
        return interrupted_ ? std::string("interrupted") : "time budget of " + format_value(max_seconds_) + " s exhausted";
    }
    EnumerationStatus status() const noexcept {
        return interrupted_ ? EnumerationStatus::interrupted : EnumerationStatus::truncated;
    }

private:
    double max_seconds_;
    const std::atomic<bool>* stop_;
    std::chrono::steady_clock::time_point start_;
    std::uint64_t polls_ = 0;
    bool interrupted_ = false;
};

inline std::string shape_text(const Eigen::MatrixXd& M) {
    return "[" + std::to_string(M.rows()) + " x " + std::to_string(M.cols()) + "]";
}

// Square, finite, 1 <= N <= 64: the common requirements of the set enumerations.
inline void check_square_finite(const Eigen::MatrixXd& W, const char* key = "W") {
    if (W.rows() != W.cols() || W.rows() < 1)
        throw invalid_parameter(key, shape_text(W), "must be a square N x N matrix with N >= 1");
    if (!W.allFinite()) throw invalid_parameter(key, shape_text(W), "entries must be finite");
    if (W.rows() > max_set_neurons)
        throw invalid_parameter(key, shape_text(W),
                                "set enumeration handles N <= 64 neurons (sets are 64-bit masks); N = " +
                                    std::to_string(W.rows()));
}

inline SetMask bit(Eigen::Index i) noexcept { return SetMask{1} << static_cast<unsigned>(i); }

}  // namespace ratenet::detail
