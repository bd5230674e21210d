#pragma once
// Mean-field (DMFT) predictions for large random rate networks in current form,
//   dh/dt = -h + J phi(h) + b,   J_ij ~ N(mu / N, g^2 / N),
// see ../shared/reference/science.md, "Random networks and chaos".
//
// 1. Gaussian expectations: Gauss-Hermite rules (Golub-Welsch, nodes refined by
//    Newton, weights from the Christoffel sum so that tiny tail weights keep
//    their relative accuracy), the trapezoid rule (the default for smooth phi: far more
//    accurate for tanh-like integrands of large variance, see gaussian_trapezoid), and
//    nested integrals  int Dz [int Dx f(a x + b z)]^2.
// 2. The static fixed point: h_i ~ N(m, Delta0) with
//      m = b + mu <phi(h)>,   Delta0 = g^2 <phi(h)^2>,
//    and its stability: unstable when g^2 <phi'(h)^2> > 1 (Kadmon & Sompolinsky,
//    PRX 5:041030, 2015). critical_coupling() follows the fixed point from g = 0
//    upwards (continuation, so it stays on the branch a network reaches from weak
//    coupling) and locates g_c by a bracketing root finder.
// 3. The chaotic phase of the tanh network (Sompolinsky, Crisanti & Sommers, PRL
//    61:259, 1988): Delta0 from the energy condition, the autocorrelation
//    Delta(tau), and the largest Lyapunov exponent from the ground state of
//    [-d^2/dtau^2 - g^2 q(tau)] psi = E psi, lambda_max = -1 + sqrt(-E0).
//    Delta(tau) is the separatrix of Delta'' = Delta - g^2 C(Delta) into Delta = 0, found by
//    RK4 from (Delta0, 0) and continued as Delta_s exp(-kappa tau) once small,
//    kappa^2 = 1 - g^2 q(inf), q(inf) = <tanh'(sqrt(Delta0) z)>^2 > 0: the potential is a well
//    on a constant floor and the continuum starts at E_c = -g^2 q(inf) > -1. The spectrum is
//    found on [-L, L] with finite differences split by parity (even: ground state E0, odd:
//    the zero mode psi = Delta', E = -1, a built-in check), eigenvalues by Sturm bisection,
//    at steps h and h/2 with Richardson extrapolation.
//    Near onset Delta ~ sech(kappa tau) and -g^2 q is the Poeschl-Teller well
//    -6 kappa^2 sech^2(kappa tau) on the floor E_c: bound states E_c - 4 kappa^2 = E0 and
//    E_c - kappa^2 = -1, so E0 = -1 - 3 kappa^2 and lambda_max ~ 3 kappa^2 / 2 ~ (g - 1)^2 / 2.
//
// Conventions worth knowing:
//  * Delta0 -> 0 limit. At zero variance the field is the constant m; the stability
//    factor then uses the limit Delta0 -> 0+, <phi'^2> = (phi'(m-)^2 + phi'(m+)^2) / 2,
//    not the left derivative alone. This matters only at a kink: for the zero-input,
//    zero-mean ReLU network the fixed point is h = 0 for every g, and any perturbation
//    is a zero-mean Gaussian field of which exactly half is active, so its variance
//    is multiplied by g^2 / 2 per step of the static map: decay below g = sqrt 2,
//    growth above it. The network is scale invariant (homogeneous of degree one),
//    so growth has no bound: critical_coupling() reports g_c = sqrt 2 with
//    Transition::divergence.
//  * Threshold-linear phi = G [h - theta]_+ (single population). With a = (m - theta)/sqrt(Delta0)
//    the variance equation reads 1 = g^2 G^2 F2(a), F2(a) = (a^2 + 1) Phi(a) + a phi(a), and the
//    stability factor is g^2 G^2 Phi(a) with active fraction f = Phi(a). Both equal one only at
//    a = 0, so g_c = sqrt(2) / G and f = 1/2 whatever b, mu and theta are, as long as the
//    static solution exists there (b > theta when mu < 0). The scale-free part (b and theta
//    negligible at large activity) grows without bound above g_div = 1 / (G sqrt(F2(a*))),
//    a* = mu G (a* Phi(a*) + phi(a*)); g_div = g_c for mu = 0 and g_div > g_c for mu < 0 (bounded
//    chaos in between). g_div is a static estimate: it marks where a growing fixed pattern
//    exists, not a dynamic mean-field result.
//  * The DMFT integrals C(Delta) and q(Delta) are written with |Delta| in the reference; they
//    are only ever evaluated for 0 <= Delta <= Delta0 here (the autocorrelation of the
//    chaotic state decays monotonically to 0).
//
// Nothing here prints, reads files or parses text; failures are statuses with messages.
#include <string>
#include <string_view>
#include <vector>

#include "ratenet/models/excitatory_inhibitory.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet {

// ---------------------------------------------------------------- quadrature

// Nodes and weights of a Gauss rule.
struct QuadratureRule {
    std::vector<double> nodes;
    std::vector<double> weights;
    int order() const noexcept { return static_cast<int>(nodes.size()); }
};

// Probabilists' Gauss-Hermite rule: E[f(z)], z ~ N(0, 1), ~ sum_i w_i f(z_i); exact for
// polynomials of degree <= 2 order - 1; sum w_i = 1. order in [1, 200] (the weights of the
// outermost nodes underflow beyond), else invalid_parameter.
QuadratureRule gauss_hermite(int order);
// The trapezoid rule for E[f(z)]: points equispaced nodes on [-zmax, zmax], weights
// h pdf(z_i) normalised to sum 1. For f analytic in a strip |Im z| < d it converges like
// exp(-2 pi d / h), much faster than Gauss-Hermite (exp(-2 d sqrt(2 order))) when the
// strip is narrow against the Gaussian: tanh(s z) has poles at Im z = pi / (2 s), and at
// g = 3 (s^2 = Delta0 ~ 5.4) Gauss-Hermite of order 96 is only good to ~1e-6 where 121
// trapezoid points reach ~1e-12. points in [3, 2001], zmax in [4, 30].
QuadratureRule gaussian_trapezoid(int points, double zmax = 9.0);

enum class GaussianRule { gauss_hermite, trapezoid };
QuadratureRule gaussian_rule(GaussianRule kind, int order);

// Gauss-Legendre rule on [-1, 1]; order in [1, 400].
QuadratureRule gauss_legendre(int order);

// E[f(m + s z)], z ~ N(0, 1).
template <class F>
double gaussian_expectation(const QuadratureRule& gh, F&& f, double m = 0.0, double s = 1.0) {
    double sum = 0.0;
    for (std::size_t i = 0; i < gh.nodes.size(); ++i) sum += gh.weights[i] * f(m + s * gh.nodes[i]);
    return sum;
}

// int Dz [ int Dx f(a x + b z) ]^2 with x, z independent standard normals.
template <class F>
double nested_gaussian_square(const QuadratureRule& outer, const QuadratureRule& inner, double a, double b,
                              F&& f) {
    double sum = 0.0;
    for (std::size_t k = 0; k < outer.nodes.size(); ++k) {
        const double shift = b * outer.nodes[k];
        double in = 0.0;
        for (std::size_t i = 0; i < inner.nodes.size(); ++i) in += inner.weights[i] * f(a * inner.nodes[i] + shift);
        sum += outer.weights[k] * in * in;
    }
    return sum;
}

// ---------------------------------------------------------------- static fixed point

struct MeanFieldOptions {
    Transfer phi;            // any kind but prelu (one slope per neuron has no single-population form)
    double g = 1.0;          // coupling strength, >= 0
    double mu = 0.0;         // mean coupling (J_ij mean mu / N), or mu * g (below)
    // The mean coupling is mu * g rather than mu: families where one overall gain
    // scales mean and fluctuations alike (excitatory_inhibitory).
    bool mu_scales_with_g = false;
    double b = 0.0;          // constant input
    // Rule for smooth phi (see gaussian_trapezoid for why the trapezoid is the default: with
    // Gauss-Hermite of order 96, E[tanh'(2 z)] is off by 6e-6, with 121 trapezoid points by 4e-13).
    GaussianRule rule = GaussianRule::trapezoid;
    int quadrature_order = 121;  // points: Gauss-Hermite [8, 200], trapezoid [8, 2001]
    double tol = 1e-13;      // residuals relative to 1 + |m| + |b| and 1 + Delta0
    int max_iterations = 200;   // Newton; then as many damped fixed-point steps times 50
    double bound = 1e12;     // |m| or Delta0 beyond this counts as divergence

    // Throws invalid_parameter naming the key ("g", "quadrature_order", "phi", ...).
    void validate() const;
};

enum class StaticStatus { converged, not_converged, diverged };
std::string_view to_string(StaticStatus s) noexcept;

// The Gaussian moments of phi at h ~ N(m, Delta0).
struct GaussianMoments {
    double phi = 0.0;        // <phi(h)>
    double phi2 = 0.0;       // <phi(h)^2>
    double dphi2 = 0.0;      // <phi'(h)^2>  (Delta0 -> 0+ limit at Delta0 = 0, see above)
    double active = 0.0;     // P(phi'(h) != 0), the active fraction (same limit)
};
// Closed forms for relu and threshold_linear, the given rule for smooth kinds (tanh, sigmoid,
// softplus, gelu, silu), Gauss-Legendre pieces split at the kinks for clipped_linear,
// leaky_relu, elu, power_law.
GaussianMoments gaussian_moments(const Transfer& phi, double m, double delta0,
                                 GaussianRule rule = GaussianRule::trapezoid, int quadrature_order = 121);

struct StaticResult {
    StaticStatus status = StaticStatus::not_converged;
    std::string message;
    double m = 0.0;            // mean field
    double delta0 = 0.0;       // static variance
    double mean_rate = 0.0;    // <phi(h)>
    double active_fraction = 0.0;  // P(phi'(h) != 0); for smooth phi: 1
    double stability = 0.0;    // g^2 <phi'(h)^2>; the fixed point is stable when < 1
    double residual_m = 0.0;   // m - b - mu <phi>
    double residual_delta = 0.0;  // Delta0 - g^2 <phi^2>
    int iterations = 0;
};

// Solves the static equations at opt.g, from (m_guess, delta0_guess) when given
// (delta0_guess < 0: start from m = b, Delta0 = 0).
StaticResult solve_static(const MeanFieldOptions& opt, double m_guess = 0.0, double delta0_guess = -1.0);

struct CriticalOptions {
    double g_step = 0.05;    // continuation step in g from g = 0
    double g_max = 10.0;     // search range (0, g_max]
    double g_tol = 1e-12;    // root-finder tolerance in g

    void validate() const;
};

enum class CriticalStatus {
    found,               // g_c located
    none_below_g_max,    // the fixed point stays stable up to g_max
    static_divergence,   // the static solution runs away before it loses stability
    failed               // a static solve did not converge
};
std::string_view to_string(CriticalStatus s) noexcept;

// What happens above g_c.
enum class Transition {
    unknown,     // not classified (no g_c, or phi of a kind without a statement)
    chaos,       // bounded phi, or threshold-linear with g_c < g_div: bounded chaotic activity
    divergence   // activity grows without bound above g_c ("divergent above g_c")
};
std::string_view to_string(Transition t) noexcept;

struct CriticalResult {
    CriticalStatus status = CriticalStatus::failed;
    Transition transition = Transition::unknown;
    std::string message;
    double g_c = 0.0;             // found: critical coupling
    StaticResult at_g_c;          // the static solution at g_c (active_fraction = f)
    double g_static_divergence = 0.0;  // static_divergence: last g with a finite solution
    // relu / threshold_linear: the scale-free divergence threshold g_div (see above);
    // 0 when not applicable, infinity when the scale-free part never grows.
    double g_divergence = 0.0;
};

// g_c where g^2 <phi'(h)^2> = 1 along the fixed-point branch continued from g = 0
// (opt.g is ignored).
CriticalResult critical_coupling(const MeanFieldOptions& opt, const CriticalOptions& copt = {});

// The excitatory_inhibitory family (models/excitatory_inhibitory.hpp) as one
// Gaussian population. Its W_ij depends on the presynaptic population only, so
// every neuron, excitatory or inhibitory, receives input with the same
// statistics: the populations' order parameters coincide (m_E = m_I, Delta_E =
// Delta_I) and the Kadmon-Sompolinsky stability matrix M_kl = alpha_l g_kl^2
// <phi'^2>_l has identical rows, so its spectral radius is its trace,
// sum_l alpha_l g_kl^2 <phi'^2>. The family is then the one-population theory with
//   g_eff  = g sqrt(alpha_E w_E^2 + alpha_I w_I^2)          (N Var W_ij, averaged)
//   mu_eff = g sqrt(p N / (1 - p)) (alpha_E w_E + alpha_I w_I)  (N E W_ij, averaged)
// (alpha = population fraction, N = n_e + n_i; the diagonal's 1/N share is
// neglected). Both scale with g: per unit g,
struct EffectiveCoupling {
    double g = 0.0;   // g_eff / g
    double mu = 0.0;  // mu_eff / g
};
EffectiveCoupling excitatory_inhibitory_coupling(const ExcitatoryInhibitoryParams& p);
// Mean-field options in units of g_eff (g = g_eff; mu_scales_with_g set so that
// mu * g_eff = mu_eff): a critical g_eff found by critical_coupling is the
// family's g_c times EffectiveCoupling::g.
MeanFieldOptions excitatory_inhibitory_meanfield(const ExcitatoryInhibitoryParams& p, const Transfer& phi, double b);

// ---------------------------------------------------------------- tanh chaos (SCS 1988)

// Delta0 of the chaotic state: Delta0^2 / 2 = g^2 (<Phi^2> - <Phi>^2), Phi = ln cosh,
// Phi evaluated at sqrt(Delta0) z, expectations with the given rule. 0 for g <= 1. The root
// is bracketed on 1/2 - g^2 Var(Phi)/Delta0^2, which has no double root at 0.
double tanh_delta0(double g, const QuadratureRule& rule);

// The energy-condition residual Delta0^2 / 2 - g^2 (<Phi^2> - <Phi>^2) (for tests and checks).
double tanh_energy_residual(double g, double delta0, const QuadratureRule& rule);

// C(Delta) = <tanh(h1) tanh(h2)>, q(Delta) = <tanh'(h1) tanh'(h2)> for jointly Gaussian h1, h2
// of variance Delta0 and covariance Delta in [0, Delta0], by nested Gauss-Hermite. dC/dDelta = q.
struct TanhCorrelation {
    double c = 0.0;
    double q = 0.0;
    double dq = 0.0;   // dq/dDelta = <tanh''(h1) tanh''(h2)>
};
TanhCorrelation tanh_correlation(double delta, double delta0, const QuadratureRule& gh);

struct TanhChaosOptions {
    // Rule for Delta0 and the nested C, q integrals (the same rule for both keeps the energy
    // condition consistent with the tables, which the separatrix Delta(tau) is sensitive to).
    GaussianRule rule = GaussianRule::trapezoid;
    int quadrature_order = 121;  // points per dimension: Gauss-Hermite [8, 200], trapezoid [8, 2001]
    int table_points = 401;      // Delta nodes of the cubic-Hermite tables of C and q, >= 16
    double dtau = 0.01;          // eigenproblem grid step; solved at h and h / 2, Richardson
    double half_width = 40.0;    // minimal L of the grid [-L, L]
    double decay_lengths = 30.0; // and L >= decay_lengths / kappa (tail decay rate kappa)
    // At most this many steps on [0, L]: near g = 1, L ~ 1/kappa ~ 1/(g - 1) grows and the step
    // h grows beyond dtau (the potential then varies on the scale 1/kappa too).
    long max_steps = 20'000;
    double tail_switch = 1e-3;   // Delta < tail_switch * Delta0: continue as the exponential tail

    void validate() const;
};

enum class ChaosStatus {
    stable,    // g <= 1: h = 0 is a stable fixed point, lambda_max = g - 1
    chaotic,   // g > 1: lambda_max from the ground state
    failed     // see message
};
std::string_view to_string(ChaosStatus s) noexcept;

struct TanhChaosPoint {
    ChaosStatus status = ChaosStatus::failed;
    std::string message;
    double g = 0.0;
    double delta0 = 0.0;
    double kappa = 0.0;          // Delta(tau) ~ exp(-kappa tau), kappa^2 = 1 - g^2 q(inf)
    double q_zero = 0.0;         // q at tau = 0, <tanh'(sqrt(Delta0) z)^2>
    double q_inf = 0.0;          // q at tau -> inf, <tanh'(sqrt(Delta0) z)>^2
    double e_continuum = 0.0;    // -g^2 q_inf: bottom of the continuous spectrum
    double e0 = 0.0;             // ground state (even), Richardson-extrapolated
    double e_zero_mode = 0.0;    // lowest odd state: should be -1 (psi = Delta'); 0 for g <= 1
    double e0_coarse = 0.0;      // ground state on the dtau grid alone
    double lambda_max = 0.0;     // -1 + sqrt(-e0)
    double half_width = 0.0;     // L used
    double step = 0.0;           // h used (coarse grid; the fine grid has h / 2)
    double energy_drift = 0.0;   // max |Delta'^2 / 2 - V(Delta)| along the integration, / Delta0^2
};

// One value of g.
TanhChaosPoint tanh_chaos(double g, const TanhChaosOptions& opt = {});
// lambda_max for each g (each with its own status; one failure does not stop the rest).
std::vector<TanhChaosPoint> tanh_lyapunov_curve(const std::vector<double>& g, const TanhChaosOptions& opt = {});

// The autocorrelation on tau = 0, step, 2 step, ... (tau >= 0; Delta is even in tau).
struct TanhAutocorrelation {
    ChaosStatus status = ChaosStatus::failed;
    std::string message;
    double delta0 = 0.0, kappa = 0.0, step = 0.0;
    std::vector<double> delta;   // Delta(k step)
    std::vector<double> q;       // q(Delta(k step))
};
// Delta(tau) for 0 <= tau <= tau_max (RK4 of Delta'' = Delta - g^2 C(Delta), then the tail).
TanhAutocorrelation tanh_autocorrelation(double g, double tau_max, double step = 0.005,
                                         const TanhChaosOptions& opt = {});

}  // namespace ratenet
