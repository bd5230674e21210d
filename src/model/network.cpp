#include "ratenet/network.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ratenet/errors.hpp"

#ifdef __linux__
#include <sys/mman.h>

#include <cstdint>
#endif

namespace ratenet {

std::string_view to_string(Form f) noexcept { return f == Form::rate ? "rate" : "current"; }

const Eigen::VectorXd& Input::at(double t) const noexcept {
    for (const auto& seg : schedule)
        if (t >= seg.t_start && t < seg.t_end) return seg.b;
    return b;
}

const Eigen::VectorXd& Input::with_drive(const Eigen::VectorXd& base, double t, Eigen::VectorXd& buf) const {
    if (!has_drive()) return base;
    if (sinusoid) {
        const double w = 2.0 * std::numbers::pi * sinusoid->frequency;
        buf = base + (sinusoid->amplitude.array() * (w * t + sinusoid->phase.array()).sin()).matrix();
    } else {
        buf = base;
    }
    if (frozen_noise) frozen_noise->add(t, buf);
    return buf;
}

const Eigen::VectorXd& Input::at(double t, Eigen::VectorXd& buf) const { return with_drive(at(t), t, buf); }

std::vector<double> Input::breakpoints(double t0, double t1) const {
    std::vector<double> out;
    for (const auto& seg : schedule)
        for (double e : {seg.t_start, seg.t_end})
            if (e > t0 && e < t1) out.push_back(e);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

namespace {
std::string shape_text(Eigen::Index r, Eigen::Index c) {
    return "[" + std::to_string(r) + " x " + std::to_string(c) + "]";
}
void check_vector(const Eigen::VectorXd& v, Eigen::Index n, const std::string& key) {
    if (v.size() != n)
        throw invalid_parameter(key, "[" + std::to_string(v.size()) + " values]",
                                "must have one value per neuron (" + std::to_string(n) + ")");
    for (Eigen::Index i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
            throw invalid_parameter(key + "[" + std::to_string(i) + "]", format_value(v[i]), "must be finite");
}
}  // namespace

void Network::validate() const {
    const Eigen::Index n = size();
    if (n < 1) throw invalid_parameter("n", std::to_string(n), "the network needs at least one neuron");
    if (sparse) {
        if (W_sparse.rows() != n || W_sparse.cols() != n)
            throw invalid_parameter("W", shape_text(W_sparse.rows(), W_sparse.cols()),
                                    "must be square N x N with N = " + std::to_string(n));
        const double* v = W_sparse.valuePtr();
        for (Eigen::Index k = 0; k < W_sparse.nonZeros(); ++k)
            if (!std::isfinite(v[k])) throw invalid_parameter("W", format_value(v[k]), "entries must be finite");
    } else {
        if (W.rows() != n || W.cols() != n)
            throw invalid_parameter("W", shape_text(W.rows(), W.cols()),
                                    "must be square N x N with N = " + std::to_string(n));
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index i = 0; i < n; ++i)
                if (!std::isfinite(W(i, j)))
                    throw invalid_parameter("W[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                                            format_value(W(i, j)), "must be finite");
    }
    check_vector(tau, n, "tau");
    for (Eigen::Index i = 0; i < n; ++i)
        if (!(tau[i] > 0)) throw invalid_parameter("tau", format_value(tau[i]), "must be > 0");
    check_vector(input.b, n, "b");
    double last_end = -INFINITY;
    for (std::size_t s = 0; s < input.schedule.size(); ++s) {
        const auto& seg = input.schedule[s];
        const std::string key = "schedule[" + std::to_string(s) + "]";
        if (!(seg.t_end > seg.t_start))
            throw invalid_parameter(key + ".t_end", format_value(seg.t_end), "must be > t_start");
        if (seg.t_start < last_end)
            throw invalid_parameter(key + ".t_start", format_value(seg.t_start),
                                    "segments must be sorted by time and must not overlap");
        last_end = seg.t_end;
        check_vector(seg.b, n, key + ".b");
    }
    if (!(input.noise_sigma >= 0) || !std::isfinite(input.noise_sigma))
        throw invalid_parameter("noise_sigma", format_value(input.noise_sigma), "must be finite and >= 0");
    if (input.sinusoid) {
        check_vector(input.sinusoid->amplitude, n, "sinusoid_amplitude");
        check_vector(input.sinusoid->phase, n, "sinusoid_phase");
        const double f = input.sinusoid->frequency;
        if (!(std::isfinite(f) && f > 0))
            throw invalid_parameter("sinusoid_frequency", format_value(f), "must be finite and > 0 (cycles per unit time)");
    }
    if (input.frozen_noise && input.frozen_noise->size() != n)
        throw invalid_parameter("frozen_noise", std::to_string(input.frozen_noise->size()) + " neurons",
                                "must have N = " + std::to_string(n) + " neurons");
    phi.validate(n);
}

Eigen::MatrixXd Network::dense_W() const { return sparse ? Eigen::MatrixXd(W_sparse) : W; }

namespace {
// Asks for transparent huge pages over a large buffer (see coupling_matrix).
void advise_huge_pages([[maybe_unused]] const void* data, [[maybe_unused]] std::size_t bytes) {
#ifdef __linux__
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
    if (bytes >= 8 * huge) {
        // Whole huge pages inside the buffer; advice only: a refusal changes nothing.
        const auto begin = reinterpret_cast<std::uintptr_t>(data);
        const std::uintptr_t first = (begin + huge - 1) & ~(huge - 1), last = (begin + bytes) & ~(huge - 1);
        if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
#endif
}

float to_float32(double w) {
    const auto f = static_cast<float>(w);
    if (!std::isfinite(f))
        throw invalid_parameter("W", format_value(w), "exceeds the float32 range (3.4e38): use float64 products");
    return f;
}
}  // namespace

Eigen::MatrixXd coupling_matrix(Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd W(rows, cols);
    advise_huge_pages(W.data(), static_cast<std::size_t>(W.size()) * sizeof(double));
    return W;
}

std::shared_ptr<const CouplingF32> float32_coupling(const Network& net) {
    auto c = std::make_shared<CouplingF32>();
    if (net.sparse) {
        // Same pattern, values rounded: copy the structure, then the values.
        c->W_sparse = net.W_sparse.cast<float>();
        const float* f = c->W_sparse.valuePtr();
        for (Eigen::Index k = 0; k < c->W_sparse.nonZeros(); ++k)
            if (!std::isfinite(f[k])) (void)to_float32(net.W_sparse.valuePtr()[k]);
    } else {
        const Eigen::Index n = net.W.rows(), m = net.W.cols();
        c->W.resize(n, m);
        advise_huge_pages(c->W.data(), static_cast<std::size_t>(c->W.size()) * sizeof(float));
        // By columns, first touch on the thread that later reads them in gemv's panels.
#pragma omp parallel for schedule(static)
        for (Eigen::Index j = 0; j < m; ++j)
            for (Eigen::Index i = 0; i < n; ++i) c->W(i, j) = static_cast<float>(net.W(i, j));
        for (Eigen::Index j = 0; j < m; ++j)
            for (Eigen::Index i = 0; i < n; ++i)
                if (!std::isfinite(c->W(i, j))) (void)to_float32(net.W(i, j));
    }
    return c;
}

}  // namespace ratenet
