#pragma once
// Threshold-linear networks in rate form, tau dx/dt = -x + [W x + b]_+ :
// permitted and forbidden sets, all fixed points with their stability, and
// boundedness (copositivity of I - W). Definitions: docs and
// ../shared/reference/science.md (Hahnloser & Seung 2001; Curto & Morrison).
//
// Sets of neurons are bitmasks (bit i <=> neuron i), so the enumerations accept
// N <= 64 and refuse larger networks. Every enumeration has a budget (number of
// sets, seconds) and reports status truncated, with the counts found so far,
// when it runs out. Nothing here prints, reads files or parses text.
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ratenet/network.hpp"

namespace ratenet {

// ---------------------------------------------------------------- sets as bitmasks

using SetMask = std::uint64_t;
inline constexpr Eigen::Index max_set_neurons = 64;

// Indices of the members, ascending.
std::vector<Eigen::Index> set_members(SetMask s);
// The set of the given indices; throws invalid_parameter("set", ...) for an index outside [0, 64).
SetMask make_set(const std::vector<Eigen::Index>& members);
int set_size(SetMask s) noexcept;
// "{0,2,5}" (0-based), for messages and tables.
std::string format_set(SetMask s);

// truncated: a budget (sets, supports, seconds) ran out; interrupted: the
// caller's stop flag was raised. Both keep what was found so far.
enum class EnumerationStatus { completed, truncated, interrupted };
std::string_view to_string(EnumerationStatus s) noexcept;

// ---------------------------------------------------------------- permitted sets

// symmetric_pd:    S permitted iff (I - W)_SS positive definite (Hahnloser & Seung; W symmetric).
// general_hurwitz: S permitted iff -I + W_SS is Hurwitz (every eigenvalue has real part < 0),
//                  i.e. the steady state with active set S is stable; asked for with general = true.
//                  For non-symmetric W this family need not be closed under subsets.
enum class PermittedCriterion { symmetric_pd, general_hurwitz };
std::string_view to_string(PermittedCriterion c) noexcept;

struct PermittedOptions {
    // W counts as symmetric when max|W - W'| <= symmetry_tol * max(1, max|W|); it is then
    // symmetrised, (W + W')/2, before the analysis.
    double symmetry_tol = 1e-10;
    // Use the general criterion (-I + W_SS Hurwitz) instead of refusing a non-symmetric W.
    bool general = false;
    // Positive definiteness by incremental Cholesky: S + j is permitted iff the new pivot
    // d = a_jj - |l|^2 > tol_pd * max(1, max_i |(I - W)_ii|). A rounding-level threshold:
    // sets with smallest eigenvalue within about tol_pd * cond of zero are borderline
    // (counted in n_borderline, their verdict may depend on the order of the pivots).
    double tol_pd = 1e-12;
    // Pivots with |d| <= borderline_tol * scale are counted as borderline.
    double borderline_tol = 1e-8;
    // General criterion: max Re(eig(-I + W_SS)) < -tol_hurwitz.
    double tol_hurwitz = 1e-12;
    // Budgets. max_sets bounds the permitted sets found (memory: about 24 bytes per set);
    // max_seconds = 0 means no time limit (negative values are refused).
    std::uint64_t max_sets = 4'000'000;
    double max_seconds = 0.0;
    // Polled during the enumeration: when it becomes true the search ends with
    // status interrupted and the sets found so far (the CLI points it at its
    // SIGINT/SIGTERM flag). Not owned; null = never.
    const std::atomic<bool>* stop = nullptr;
    // Keep the list of all permitted sets (the counts, maximal and minimal forbidden
    // sets are always reported).
    bool store_permitted = true;
    // The general criterion tests all 2^N - 1 subsets: refused above this size (hard cap 26).
    Eigen::Index general_max_n = 20;

    void validate() const;  // throws invalid_parameter naming the option
};

struct PermittedResult {
    EnumerationStatus status = EnumerationStatus::completed;
    std::string message;                  // why truncated, or a note on the criterion; else empty
    PermittedCriterion criterion = PermittedCriterion::symmetric_pd;
    Eigen::Index n = 0;
    double asymmetry = 0.0;               // max|W - W'|
    // All permitted sets, ascending as integers (so every subset comes before its
    // supersets); the empty set is permitted by convention but not listed.
    std::vector<SetMask> permitted;
    // Permitted sets with no permitted proper superset (the facets of the complex; for
    // a down-closed family: no permitted one-element extension). Contains the empty set
    // only when no singleton is permitted. Not computed (empty) when truncated.
    std::vector<SetMask> maximal;
    // Forbidden sets whose proper subsets are all permitted (for a down-closed family:
    // all of whose (|S|-1)-subsets are permitted). Exact for the part enumerated.
    std::vector<SetMask> minimal_forbidden;
    std::vector<std::uint64_t> count_by_size;  // permitted sets by size, index 0..n (size 0: the empty set)
    std::uint64_t n_permitted = 0;             // non-empty permitted sets
    std::uint64_t n_tests = 0;                 // pivot (or eigenvalue) tests performed
    std::uint64_t n_borderline = 0;            // tests whose verdict lies within borderline_tol
    bool down_closed = true;                   // always true for symmetric_pd; checked for general_hurwitz
    double seconds = 0.0;
};

// Permitted and forbidden sets of W (N x N, N <= 64). A non-symmetric W is refused
// (invalid_parameter, key "W") unless opt.general is set.
PermittedResult permitted_sets(const Eigen::MatrixXd& W, const PermittedOptions& opt = {});

// ---------------------------------------------------------------- fixed points

enum class FixedPointClass {
    stable,    // max Re(lambda) < -tol_eig
    unstable,  // max Re(lambda) > +tol_eig
    marginal   // neither: the linearisation does not decide
};
std::string_view to_string(FixedPointClass c) noexcept;

struct FixedPointOptions {
    // Tolerances, relative to scale = max(1, |b|_inf):
    //   on the support   x_i > tol_x * scale                (strictly active)
    //   off the support  (W x + b)_k <= tol_off * scale      (inactive, boundary allowed)
    double tol_x = 1e-9;
    double tol_off = 1e-9;
    // I - W_SS with reciprocal condition estimate (1-norm) below rcond_min is singular:
    // the support is skipped and counted in n_singular.
    double rcond_min = 1e-12;
    // Stability class margin on the real parts of the eigenvalues.
    double tol_eig = 1e-9;
    // Time constants for the spectrum: eigenvalues of diag(1/tau_S)(-I + W_SS). Empty = all 1.
    // The fixed points themselves do not depend on tau.
    Eigen::VectorXd tau;
    // Free (undecided) neurons above this are refused (hard cap 40): the search visits
    // up to 2^(free neurons) supports.
    Eigen::Index max_n = 30;
    // Prune with the proven necessary conditions (see fixed_points.cpp).
    bool prune = true;
    // Budgets: supports examined, fixed points stored, seconds (0 = no limit).
    std::uint64_t max_supports = 0;
    std::uint64_t max_fixed_points = 1'000'000;
    double max_seconds = 0.0;
    // Polled during the search; true ends it with status interrupted (see PermittedOptions).
    const std::atomic<bool>* stop = nullptr;

    void validate(Eigen::Index n) const;
};

struct FixedPoint {
    SetMask support = 0;
    Eigen::VectorXd x;            // full state, length N, zero off the support
    // Eigenvalues of the active block diag(1/tau_S)(-I + W_SS), |S| of them, by real part
    // descending. The full Jacobian adds -1/tau_k for every inactive neuron k
    // (see full_spectrum).
    Eigen::VectorXd eig_real, eig_imag;
    FixedPointClass stability = FixedPointClass::stable;
    int n_unstable = 0;           // eigenvalues with real part > tol_eig (saddle index)
    int index = 0;                // sgn det(I - W_SS), +1 or -1 (+1 for the empty support)
    double residual = 0.0;        // max_i |x_i - [W x + b]_+,i|
    double min_active = 0.0;      // min_{i in S} x_i (inf for the empty support)
    double max_inactive = 0.0;    // max_{k not in S} (W x + b)_k (-inf when S is everything)
    bool boundary = false;        // some inactive (W x + b)_k within tol_off * scale of 0
    double rcond = 1.0;           // reciprocal condition estimate of I - W_SS
};

struct FixedPointResult {
    EnumerationStatus status = EnumerationStatus::completed;
    std::string message;
    Eigen::Index n = 0;
    std::vector<FixedPoint> fixed_points;  // by support size, then support ascending
    std::uint64_t n_supports = 0;          // supports decided (solved or pruned)
    std::uint64_t n_solved = 0;            // supports whose linear system was solved
    std::uint64_t n_pruned = 0;            // supports rejected by a necessary condition without a solve
    std::uint64_t n_singular = 0;          // supports with I - W_SS numerically singular (skipped)
    std::uint64_t n_degenerate = 0;        // rejected, but only within tolerance (some |x_i| <= tol_x * scale)
    std::vector<Eigen::Index> never_active;   // neurons proven inactive at every fixed point
    std::vector<Eigen::Index> always_active;  // neurons proven active at every fixed point
    int n_stable = 0, n_unstable = 0, n_marginal = 0;
    int index_sum = 0;                     // sum of the indices (+1 for a generic CTLN: parity)
    double seconds = 0.0;
};

// All fixed points of tau dx/dt = -x + [W x + b]_+ (any W, N <= 64 with at most
// opt.max_n undecided neurons).
FixedPointResult fixed_points(const Eigen::MatrixXd& W, const Eigen::VectorXd& b, const FixedPointOptions& opt = {});

// The full Jacobian spectrum at a fixed point: the active block's eigenvalues followed by
// -1/tau_k for each inactive neuron (tau empty = all 1). Returns (real, imag).
std::pair<Eigen::VectorXd, Eigen::VectorXd> full_spectrum(const FixedPoint& fp, const Eigen::VectorXd& tau = {});

// ---------------------------------------------------------------- boundedness

enum class Copositivity {
    copositive,      // x'(I - W)x > 0 for every x >= 0, x != 0: bounded for every input
    not_copositive,  // a witness x >= 0, x != 0 with x'(I - W)x <= 0 was found
    unknown          // N above the exact limit and the cheap tests and search decided nothing
};
std::string_view to_string(Copositivity c) noexcept;

struct CopositivityOptions {
    // Exact test for N <= exact_max_n (hard cap 30): all 2^N - 1 principal submatrices.
    Eigen::Index exact_max_n = 20;
    // Eigenvalue and positivity margins, relative to max(1, max|M|), M = sym(I - W).
    double tol = 1e-10;
    // Above the limit: projected-gradient search for a witness from this many random starts.
    int search_starts = 200;
    std::uint64_t seed = 1;
    double max_seconds = 0.0;  // 0 = no limit
    // Polled; true ends the test with status unknown and method "... interrupted".
    const std::atomic<bool>* stop = nullptr;
    void validate() const;
};

struct CopositivityResult {
    Copositivity status = Copositivity::unknown;
    std::string method;            // how it was decided: "positive definite", "kaplan (exact)", ...
    bool positive_definite = false;  // sym(I - W) positive definite: I - W is a P-matrix, one fixed
                                     // point for every b (globally stable when W is symmetric)
    double min_eigenvalue = 0.0;   // smallest eigenvalue of sym(I - W)
    Eigen::VectorXd witness;       // x >= 0, sum 1, with x'(I - W)x <= 0 (not_copositive only)
    double witness_value = 0.0;    // x'(I - W)x for the witness
    SetMask witness_support = 0;
    std::uint64_t n_subsets = 0;   // principal submatrices examined
    bool symmetric = true;         // W symmetric (else the symmetric part was tested)
    double seconds = 0.0;
};

// Strict copositivity of I - W (of its symmetric part (M + M')/2, which is all x'Mx sees)
// by Kaplan's criterion: M is strictly copositive iff no principal submatrix has a
// positive eigenvector with a non-positive eigenvalue.
CopositivityResult copositivity(const Eigen::MatrixXd& W, const CopositivityOptions& opt = {});

// ---------------------------------------------------------------- verification by simulation

struct SimulationCheckOptions {
    std::size_t n_permitted = 10;   // permitted sets sampled (maximal sets first)
    std::size_t n_forbidden = 10;   // forbidden sets sampled (minimal forbidden sets)
    int n_initial = 3;              // initial conditions per set
    double target_min = 0.5;        // target x_S drawn uniformly from [target_min, target_max]
    double target_max = 1.5;
    double off_margin = 1.0;        // inactive inputs push (W x + b)_k below -off_margin
    double spread = 0.5;            // permitted: initial x_i = x*_i (1 + spread u), u in [-1, 1];
                                    // inactive neurons start in [0, spread * max x*]
    double perturbation = 1e-2;     // forbidden: start at x* + perturbation * max x* * u
    double t_end = 1000.0;          // time units of tau = 1
    double steady_tol = 1e-10;      // stop when |dx/dt|_inf < steady_tol
    double tol = 1e-6;              // reached: |x(t_end) - x*|_inf <= tol * max(1, |x*|_inf)
    std::uint64_t seed = 1;
    // Polled between runs and by the integrator; true ends the check early
    // (the result then has interrupted = true and the sets checked so far).
    const std::atomic<bool>* stop = nullptr;
    void validate() const;
};

struct SetCheck {
    SetMask set = 0;
    bool permitted = false;         // the prediction under test
    int n_runs = 0;
    int n_reached = 0;              // runs that ended at the target fixed point
    double max_error = 0.0;         // largest |x(t_end) - x*|_inf over the runs
    double min_error = 0.0;         // smallest over the runs
    double growth_rate = 0.0;       // max Re eig(-I + W_SS): < 0 permitted (decay rate), > 0 forbidden
    double t_end = 0.0;             // horizon used: max(t_end, 40 / |growth_rate|), at most 100 t_end
    bool agrees = false;            // permitted: every run reached x*; forbidden: none did
    bool inconclusive = false;      // the slowest mode is too slow for the horizon: not simulated
    std::string note;               // integrator trouble, if any
};

struct SimulationCheckResult {
    std::vector<SetCheck> sets;
    std::size_t n_agree = 0;
    std::size_t n_disagree = 0;
    std::size_t n_inconclusive = 0;  // sets whose slowest mode needs more than 100 t_end
    bool interrupted = false;        // opt.stop was raised: the sets checked so far
    bool all_agree() const noexcept { return n_disagree == 0; }
};

// For sampled permitted sets S: chooses b making S the support of a steady state x*
// (x_S* drawn > 0, b_S = (I - W_SS) x_S*, b_k = -(off_margin + sum_j |W_kj| R) off S,
// with R bounding the state in practice), integrates from several random initial
// conditions (Method::dopri5) and checks convergence to x*. For sampled forbidden sets
// the same construction gives an unstable x*; starting next to it the trajectory must
// leave. Uses ratenet::Rng(opt.seed, ...) for every draw; W must be the one analysed.
SimulationCheckResult verify_permitted_by_simulation(const Eigen::MatrixXd& W, const PermittedResult& result,
                                                     const SimulationCheckOptions& opt = {});

// A network reduced to the form the enumerations take, x = [W x + b]_+ with
// time constants tau: a threshold-linear unit g [u - theta]_+ becomes relu with
// W -> g W and b -> g (b - theta), which has the same fixed points and the same
// permitted sets. The current form, other transfer functions and N > 64 are
// refused: invalid_parameter naming network.form, transfer.name or model.n,
// whose rule names `analysis`.
struct ReluForm {
    Eigen::MatrixXd W;
    Eigen::VectorXd b;
    Eigen::VectorXd tau;
};
ReluForm relu_form(const Network& net, std::string_view analysis);

}  // namespace ratenet
