#include "ratenet/models/random_gaussian.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "checks.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

using detail::require;
using detail::require_finite;
using detail::str;

namespace {
// The slots a partial Fisher-Yates shuffle has moved (slot -> candidate; every
// other slot holds itself): a small open-addressing table, cleared in O(1) per
// row by a generation stamp. A row moves at most k slots.
class MovedSlots {
public:
    explicit MovedSlots(std::size_t k) {
        std::size_t cap = 16;
        while (cap < 4 * k) cap *= 2;
        mask_ = cap - 1;
        key_.resize(cap);
        value_.resize(cap);
        stamp_.assign(cap, 0);
    }
    void clear() {
        if (++gen_ == 0) {  // after 2^32 rows a stamp would repeat: reset them
            std::fill(stamp_.begin(), stamp_.end(), 0U);
            gen_ = 1;
        }
    }
    std::uint64_t get(std::uint64_t slot) const noexcept {
        for (std::size_t h = hash(slot);; h = (h + 1) & mask_) {
            if (stamp_[h] != gen_) return slot;
            if (key_[h] == slot) return value_[h];
        }
    }
    void set(std::uint64_t slot, std::uint64_t value) noexcept {
        for (std::size_t h = hash(slot);; h = (h + 1) & mask_) {
            if (stamp_[h] != gen_) {
                stamp_[h] = gen_;
                key_[h] = slot;
                value_[h] = value;
                return;
            }
            if (key_[h] == slot) {
                value_[h] = value;
                return;
            }
        }
    }

private:
    std::size_t hash(std::uint64_t slot) const noexcept {
        return static_cast<std::size_t>((slot * 0x9E3779B97F4A7C15ULL) >> 32) & mask_;
    }
    std::size_t mask_ = 0;
    std::vector<std::uint64_t> key_, value_;
    std::vector<std::uint32_t> stamp_;
    std::uint32_t gen_ = 1;  // stamp_[h] == gen_: entry h belongs to the current row
};
}  // namespace

// streams = 2 (and 3, with Rng::normal_fast for the weights): W is drawn in blocks, each from its own substream
// Rng(derive_seed(seed, block), network), so the blocks are drawn in parallel
// and the bits depend on N (and k) only, never on the thread count. Dense: blocks
// of dense_block_cols columns, each drawn in memory order (column-major). Sparse:
// blocks of sparse_block_rows rows, each drawn as streams = 1 draws its rows.

namespace {

// Rows [i0, i1) of a sparse W: each picks k distinct partners by a partial
// Fisher-Yates shuffle of its candidates (every neuron, or every other neuron
// with zero_diagonal), drawing its weights as it goes. The shuffle is virtual:
// only the slots it has moved are stored, so a row costs O(k), not O(N), and
// the draws are those of shuffling the whole candidate list. CSR arrays are
// filled in place: row i holds entries [i k, (i + 1) k), sorted by column.
void draw_sparse_rows(const RandomGaussianParams& p, Rng& rng, Eigen::Index i0, Eigen::Index i1, SparseMatrix& W) {
    const bool fast = p.streams == 3;  // layout 3: normal_fast
    const double kk = static_cast<double>(p.k);
    const double mean = p.mu / kk, sd = p.g / std::sqrt(kk);
    const auto k = static_cast<std::size_t>(p.k);
    std::int64_t* outer = W.outerIndexPtr();
    std::int64_t* inner = W.innerIndexPtr();
    double* value = W.valuePtr();
    MovedSlots moved(k);
    std::vector<std::pair<std::int64_t, double>> row(k);
    const std::uint64_t m = static_cast<std::uint64_t>(p.zero_diagonal ? p.n - 1 : p.n);
    for (Eigen::Index i = i0; i < i1; ++i) {
        moved.clear();
        for (std::size_t s = 0; s < k; ++s) {
            const std::uint64_t r = s + rng.below(m - s);
            // swap(slot s, slot r), then take slot s; slot s is never read again.
            const std::uint64_t chosen = moved.get(r);
            moved.set(r, moved.get(s));
            const auto j = static_cast<std::int64_t>(p.zero_diagonal && chosen >= static_cast<std::uint64_t>(i) ? chosen + 1 : chosen);
            row[s] = {j, mean + sd * (fast ? rng.normal_fast() : rng.normal())};
        }
        std::sort(row.begin(), row.end());
        const auto at = static_cast<std::int64_t>(static_cast<std::size_t>(i) * k);
        outer[i] = at;
        for (std::size_t s = 0; s < k; ++s) {
            inner[at + static_cast<std::int64_t>(s)] = row[s].first;
            value[at + static_cast<std::int64_t>(s)] = row[s].second;
        }
    }
}

}  // namespace

Connectivity make_random_gaussian(const RandomGaussianParams& p) {
    require(p.n >= 1, "n", str(p.n), "must be >= 1");
    require_finite("g", p.g);
    require(p.g >= 0, "g", str(p.g), "must be >= 0");
    require_finite("mu", p.mu);
    const Eigen::Index max_k = p.zero_diagonal ? p.n - 1 : p.n;
    require(p.k >= 0 && p.k <= max_k, "k", str(p.k),
            "must be in [0, " + str(max_k) + "] (0 = dense; at most N" + (p.zero_diagonal ? " - 1" : "") + ")");
    require(!(p.symmetric && p.k > 0), "symmetric", "true", "is not available with sparse k > 0");
    require(p.streams >= 1 && p.streams <= 3, "streams", str(p.streams),
            "must be 1 (the serial layout of ratenet 0.1), 2 (blocks drawn in parallel) or 3 (blocks drawn in "
            "parallel with the faster normal)");
    Connectivity c;
    c.info = {"random_gaussian",
              {{"n", str(p.n)}, {"g", str(p.g)}, {"mu", str(p.mu)}, {"zero_diagonal", p.zero_diagonal ? "true" : "false"},
               {"symmetric", p.symmetric ? "true" : "false"}, {"k", str(p.k)}, {"streams", str(p.streams)},
               {"seed", std::to_string(p.seed)}}};
    if (p.k == 0) {
        const double n = static_cast<double>(p.n);
        const double mean = p.mu / n, sd = p.g / std::sqrt(n);
        c.W = coupling_matrix(p.n, p.n);
        if (p.streams == 1) {
            // Row by row, every entry (the diagonal too, then zeroed), so the stream
            // does not depend on zero_diagonal.
            Rng rng(p.seed, Stream::network);
            for (Eigen::Index i = 0; i < p.n; ++i)
                for (Eigen::Index j = 0; j < p.n; ++j) {
                    const double z = rng.normal();
                    if (!p.symmetric || j >= i) c.W(i, j) = mean + sd * z;
                }
        } else {
            const Eigen::Index blocks = (p.n + dense_block_cols - 1) / dense_block_cols;
            double* W = c.W.data();
#pragma omp parallel for schedule(dynamic, 1)
            for (Eigen::Index b = 0; b < blocks; ++b) {
                Rng rng(derive_seed(p.seed, static_cast<std::uint64_t>(b)), Stream::network);
                const Eigen::Index j1 = std::min(p.n, (b + 1) * dense_block_cols);
                for (Eigen::Index j = b * dense_block_cols; j < j1; ++j) {
                    double* col = W + j * p.n;
                    if (p.streams == 3)
                        for (Eigen::Index i = 0; i < p.n; ++i) col[i] = mean + sd * rng.normal_fast();
                    else
                        for (Eigen::Index i = 0; i < p.n; ++i) col[i] = mean + sd * rng.normal();
                }
            }
        }
        // symmetric: the entries on and above the diagonal, mirrored.
        if (p.symmetric)
            for (Eigen::Index i = 0; i < p.n; ++i)
                for (Eigen::Index j = 0; j < i; ++j) c.W(i, j) = c.W(j, i);
        if (p.zero_diagonal) c.W.diagonal().setZero();
        return c;
    }
    const auto k = static_cast<std::size_t>(p.k);
    c.W_sparse.resize(p.n, p.n);
    c.W_sparse.resizeNonZeros(static_cast<Eigen::Index>(static_cast<std::size_t>(p.n) * k));
    if (p.streams == 1) {
        Rng rng(p.seed, Stream::network);
        draw_sparse_rows(p, rng, 0, p.n, c.W_sparse);
    } else {
        const Eigen::Index blocks = (p.n + sparse_block_rows - 1) / sparse_block_rows;
#pragma omp parallel for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < blocks; ++b) {
            Rng rng(derive_seed(p.seed, static_cast<std::uint64_t>(b)), Stream::network);
            draw_sparse_rows(p, rng, b * sparse_block_rows, std::min(p.n, (b + 1) * sparse_block_rows), c.W_sparse);
        }
    }
    c.W_sparse.outerIndexPtr()[p.n] = static_cast<std::int64_t>(static_cast<std::size_t>(p.n) * k);
    c.sparse = true;
    return c;
}

}  // namespace ratenet
