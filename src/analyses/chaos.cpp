#include "ratenet/chaos.hpp"

#include <cmath>
#include <limits>

#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet {

void validate_coupling_grid(const std::vector<double>& g) {
    if (g.empty()) throw invalid_parameter("g", "[]", "needs at least one coupling");
    for (std::size_t i = 0; i < g.size(); ++i)
        if (!std::isfinite(g[i])) throw invalid_parameter("g", format_value(g[i]), "must be finite");
    for (std::size_t i = 1; i < g.size(); ++i)
        if (!(g[i] > g[i - 1]))
            throw invalid_parameter("g", format_value(g[i]),
                                    "must be strictly increasing (value " + std::to_string(i) + " is not above value " +
                                        std::to_string(i - 1) + " = " + format_value(g[i - 1]) + ")");
}

ChaosCurve chaos_curve(const std::vector<double>& g, const Eigen::MatrixXd& lambda,
                       const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>& divergent) {
    if (static_cast<Eigen::Index>(g.size()) != lambda.rows() || lambda.rows() != divergent.rows() ||
        lambda.cols() != divergent.cols())
        throw invalid_parameter("lambda", "[" + std::to_string(lambda.rows()) + " x " + std::to_string(lambda.cols()) + "]",
                                "must have one row per g and match the divergence matrix");
    validate_coupling_grid(g);
    ChaosCurve c;
    c.g = g;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (Eigen::Index i = 0; i < lambda.rows(); ++i) {
        double sum = 0, sum2 = 0;
        int n = 0, nd = 0;
        for (Eigen::Index s = 0; s < lambda.cols(); ++s) {
            nd += divergent(i, s) != 0;
            if (std::isfinite(lambda(i, s))) {
                sum += lambda(i, s);
                sum2 += lambda(i, s) * lambda(i, s);
                ++n;
            }
        }
        const double mean = n ? sum / n : nan;
        const double var = n > 1 ? std::max(0.0, (sum2 - n * mean * mean) / (n - 1)) : 0.0;
        c.mean.push_back(mean);
        c.sem.push_back(n ? std::sqrt(var / n) : nan);
        c.n_finite.push_back(n);
        c.n_divergent.push_back(nd);
    }
    return c;
}

void CrossingOptions::validate() const {
    if (bootstrap < 0) throw invalid_parameter("bootstrap", std::to_string(bootstrap), "must be >= 0");
}

namespace {
// Standard deviation of the roots found by `draw(rng, root)` (false: no root) over
// `resamples` draws, with Welford's running mean and variance (no cancellation
// when resamples agree); 0 with fewer than two roots. `missed` counts the misses.
template <class Draw>
double bootstrap_sd(int resamples, Rng& rng, Draw&& draw, int& missed) {
    double mean = 0, m2 = 0;
    int n = 0;
    missed = 0;
    for (int b = 0; b < resamples; ++b) {
        double r;
        if (draw(rng, r)) {
            ++n;
            const double d = r - mean;
            mean += d / n;
            m2 += d * (r - mean);
        } else {
            ++missed;
        }
    }
    return n > 1 ? std::sqrt(m2 / (n - 1)) : 0.0;
}

// First upward crossing of values over g (finite entries only); false if none.
bool crossing(const std::vector<double>& g, const std::vector<double>& v, double& root, double& lo, double& hi) {
    double gp = 0, vp = 0;
    bool have = false;
    for (std::size_t i = 0; i < g.size(); ++i) {
        if (!std::isfinite(v[i])) continue;
        if (have && vp < 0 && v[i] >= 0) {
            root = gp + (g[i] - gp) * (-vp) / (v[i] - vp);
            lo = gp;
            hi = g[i];
            return true;
        }
        gp = g[i];
        vp = v[i];
        have = true;
    }
    return false;
}
}  // namespace

Crossing find_crossing(const ChaosCurve& c, const CrossingOptions& opt) {
    opt.validate();
    Crossing out;
    if (!crossing(c.g, c.mean, out.g_c, out.g_low, out.g_high)) {
        out.message = "the mean largest exponent does not cross zero in the range of g";
        return out;
    }
    out.found = true;
    if (opt.bootstrap == 0) return out;
    Rng rng(opt.seed, Stream::bootstrap);
    std::vector<double> v(c.mean.size());
    int missed = 0;
    out.g_c_err = bootstrap_sd(
        opt.bootstrap, rng,
        [&](Rng& r, double& root) {
            for (std::size_t i = 0; i < v.size(); ++i)
                v[i] = std::isfinite(c.mean[i]) ? c.mean[i] + (std::isfinite(c.sem[i]) ? c.sem[i] : 0.0) * r.normal()
                                                : c.mean[i];
            double lo, hi;
            return crossing(c.g, v, root, lo, hi);
        },
        missed);
    if (missed) out.message = std::to_string(missed) + " of " + std::to_string(opt.bootstrap) + " resamples had no crossing";
    return out;
}

void ChaosStudyOptions::validate() const {
    if (seeds < 1) throw invalid_parameter("seeds", std::to_string(seeds), "must be >= 1");
    if (meanfield_points < 0 || meanfield_points > 10000)
        throw invalid_parameter("meanfield_points", std::to_string(meanfield_points), "must be in 0 .. 10000");
    crossing.validate();
    stable_branch.validate();
}

void StableBranchOptions::validate() const {
    if (!(std::isfinite(margin) && margin >= 0.0)) throw invalid_parameter("stable_margin", format_value(margin), "must be >= 0");
    if (bootstrap < 0) throw invalid_parameter("bootstrap", std::to_string(bootstrap), "must be >= 0");
}

namespace {
// Indices of the two largest g before the first upward crossing of the means whose
// mean + 3 sem < -margin; false if there are fewer than two.
bool stable_pair(const ChaosCurve& c, double margin, std::size_t& i1, std::size_t& i2) {
    std::size_t end = c.g.size();
    double r, lo, hi;
    if (crossing(c.g, c.mean, r, lo, hi))
        for (std::size_t i = 0; i < c.g.size(); ++i)
            if (c.g[i] == hi) end = i;
    int found = 0;
    for (std::size_t i = end; i-- > 0 && found < 2;) {
        const double sem = std::isfinite(c.sem[i]) ? c.sem[i] : 0.0;
        if (std::isfinite(c.mean[i]) && c.mean[i] + 3.0 * sem < -margin) {
            if (found == 0) i2 = i; else i1 = i;
            ++found;
        }
    }
    return found == 2;
}

// Zero of the line through (g1, l1), (g2, l2), if it rises and the zero lies at or
// beyond g2 (an extrapolation forwards).
bool line_zero(double g1, double l1, double g2, double l2, double& root) {
    if (!(l2 > l1)) return false;
    root = g2 - l2 * (g2 - g1) / (l2 - l1);
    return std::isfinite(root) && root >= g2;
}
}  // namespace

StableBranch stable_branch_edge(const ChaosCurve& c, const StableBranchOptions& opt) {
    opt.validate();
    StableBranch out;
    std::size_t i1 = 0, i2 = 0;
    if (!stable_pair(c, opt.margin, i1, i2)) {
        out.message = "fewer than two g with a clearly negative mean exponent (mean + 3 sem < -" +
                      format_value(opt.margin) + ")";
        return out;
    }
    out.g_1 = c.g[i1];
    out.g_2 = c.g[i2];
    if (!line_zero(out.g_1, c.mean[i1], out.g_2, c.mean[i2], out.g_c)) {
        out.message = "the mean exponent does not rise between g = " + format_value(out.g_1) + " and " +
                      format_value(out.g_2);
        return out;
    }
    out.found = true;
    if (opt.bootstrap == 0) return out;
    // Its own draws (index 1 off the bootstrap seed), independent of the crossing's.
    Rng rng(derive_seed(opt.seed, 1), Stream::bootstrap);
    const auto sem = [&](std::size_t i) { return std::isfinite(c.sem[i]) ? c.sem[i] : 0.0; };
    int missed = 0;
    out.g_c_err = bootstrap_sd(
        opt.bootstrap, rng,
        [&](Rng& r, double& root) {
            const double l1 = c.mean[i1] + sem(i1) * r.normal();
            const double l2 = c.mean[i2] + sem(i2) * r.normal();
            return line_zero(out.g_1, l1, out.g_2, l2, root);
        },
        missed);
    if (missed)
        out.message = std::to_string(missed) + " of " + std::to_string(opt.bootstrap) + " resamples had no rising line";
    return out;
}

}  // namespace ratenet
