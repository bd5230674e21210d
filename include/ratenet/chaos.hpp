#pragma once
// The transition to chaos from a measured curve: the largest Lyapunov exponent
// against the coupling g, several seeds per g. Statistics per g and the critical
// coupling g_c where the mean crosses zero, with an uncertainty.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace ratenet {

struct ChaosCurve {
    std::vector<double> g;           // sorted ascending
    std::vector<double> mean;        // mean of lambda_max over the finite seeds (NaN if none)
    std::vector<double> sem;         // standard error (0 with one seed, NaN with none)
    std::vector<int> n_finite;       // seeds with a finite exponent
    std::vector<int> n_divergent;    // seeds that diverged
};

// lambda(i, s): exponent of coupling i, seed s (NaN where the point diverged or failed);
// divergent(i, s) marks divergence.
ChaosCurve chaos_curve(const std::vector<double>& g, const Eigen::MatrixXd& lambda,
                       const Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>& divergent);

struct CrossingOptions {
    int bootstrap = 2000;          // parametric resamples of the means
    std::uint64_t seed = 1;        // bootstrap stream
    void validate() const;
};

struct Crossing {
    bool found = false;
    std::string message;
    double g_c = 0.0;        // linear interpolation of the mean between the bracketing points
    double g_c_err = 0.0;    // standard deviation of g_c over resampled means ~ N(mean, sem^2)
    double g_low = 0.0, g_high = 0.0;  // the bracket
};

// The first upward zero crossing of the mean curve (mean < 0 at g_i, >= 0 at g_{i+1}),
// ignoring g without finite values. The uncertainty resamples every mean from a
// normal with its standard error (ratenet's bootstrap stream) and repeats the search;
// resamples without a crossing are left out and counted in the message.
Crossing find_crossing(const ChaosCurve& c, const CrossingOptions& opt = {});

}  // namespace ratenet
