#pragma once
// The transition to chaos from a measured curve: the largest Lyapunov exponent
// against the coupling g, several seeds per g. Statistics per g and the critical
// coupling g_c where the mean crosses zero, with an uncertainty.
#include <limits>
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

// The couplings of a chaos study: at least one, finite, strictly increasing.
// Throws invalid_parameter("g", ...). Checked before any point runs.
void validate_coupling_grid(const std::vector<double>& g);

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

// Where the fixed point loses stability, seen from the stable side. There the largest
// exponent is the leading eigenvalue of the Jacobian at the fixed point (for a
// random tanh network g - 1, the edge of the circular law), which reaches zero
// linearly at the bifurcation. The estimate extrapolates the line through the two
// largest g (below the first crossing, if any) whose mean is clearly negative,
// mean + 3 sem < -margin, to zero. It does not see what a finite network does
// above the bifurcation: near onset many finite networks settle on other fixed
// points or limit cycles (exponent <= 0), which pushes the zero crossing of the
// mean above g_c; the two estimates together show that gap.
struct StableBranchOptions {
    double margin = 0.05;          // exponents above -margin are too close to zero to use
    int bootstrap = 2000;          // parametric resamples of the means, as for the crossing
    std::uint64_t seed = 1;        // bootstrap stream
    void validate() const;
};

// What `ratenet chaos` ([chaos] in a config) sweeps and how it reads the curve.
// The defaults live here only: the config reader starts from them.
struct ChaosStudyOptions {
    std::string key = "model.g";         // the swept config key
    std::int64_t seeds = 4;              // networks per coupling
    std::int64_t meanfield_points = 41;  // points of the mean-field curve (0 = none)
    CrossingOptions crossing;            // crossing.bootstrap is also the stable branch's
    StableBranchOptions stable_branch;
    // Names the key at fault ("seeds", "meanfield_points", "bootstrap", "stable_margin").
    void validate() const;
};

struct StableBranch {
    bool found = false;
    std::string message;
    double g_c = 0.0;              // zero of the extrapolated line
    double g_c_err = 0.0;          // standard deviation over resampled means
    double g_1 = 0.0, g_2 = 0.0;   // the two points used (g_1 < g_2)
};

StableBranch stable_branch_edge(const ChaosCurve& c, const StableBranchOptions& opt = {});

// The mean-field largest exponent of the same family against g (tanh with zero
// mean coupling and zero input only).
struct MeanFieldChaosCurve {
    std::vector<double> g;             // in units of the family's g
    std::vector<double> lambda_max;    // NaN where the DMFT failed
    std::vector<std::string> status;
    double g_eff_per_g = 1.0;          // the one-population coupling per unit g
};

// Everything a chaos study found: the curve, both estimates of g_c and the
// mean-field prediction. Written to /chaos (docs/file-format.md).
struct ChaosStudy {
    std::string key;                   // the swept config key
    ChaosCurve curve;                  // sorted by g
    Eigen::MatrixXd lambda;            // G x S, the largest exponent per coupling and seed (NaN: none)
    Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> divergent;  // G x S
    Crossing crossing;
    StableBranch stable_branch;
    // Mean field, in units of g_eff = meanfield_g_eff_per_g * g; NaN when not available
    // (meanfield_message says why).
    double meanfield_g_eff_per_g = 0.0;
    double meanfield_mu_eff_per_g = 0.0;
    double g_c_meanfield = 0.0;
    std::string transition_meanfield = "unknown";
    std::string meanfield_message;
    bool has_meanfield_curve = false;
    MeanFieldChaosCurve meanfield;
    // Threshold-linear: where the scale-free part of the activity diverges, in units of g
    // (NaN otherwise).
    double g_div_meanfield = std::numeric_limits<double>::quiet_NaN();
    // The populations model: its P-population mean field at g_c (Kadmon & Sompolinsky 2015).
    struct Populations {
        bool present = false;
        Eigen::VectorXd alpha, mu, delta, mean_rate, active_fraction;  // per population, at g_c
        Eigen::MatrixXd stability_matrix;  // M_kl = g^2 alpha_l G_kl^2 <phi'^2>_l at g_c (radius 1)
        double bulk_radius_per_g = 0.0;    // sqrt(rho(alpha_l G_kl^2)): eig(W)'s bulk radius per unit g
    } populations;
};

}  // namespace ratenet
