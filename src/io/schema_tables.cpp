// The description of ratenet's files: every group, dataset and attribute, once.
// docs/file-format.md is generated from this table (`ratenet schema`).
#include <algorithm>

#include "io/schema.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io::schema {

namespace {

using units::model_units;
using units::one;
using units::rate_units;
using units::time_units;

Field ds(std::string_view name, Type t, std::vector<std::string_view> dims, std::string_view units,
         std::string_view long_name, std::string_view meaning, std::string_view when = {}) {
    Field f;
    f.name = name;
    f.type = t;
    f.dims = std::move(dims);
    f.units = units;
    f.long_name = long_name;
    f.meaning = meaning;
    f.when = when;
    return f;
}

Field at(std::string_view name, Type t, std::string_view meaning, std::string_view when = {}) {
    Field f;
    f.name = name;
    f.attribute = true;
    f.type = t;
    f.meaning = meaning;
    f.when = when;
    return f;
}

std::vector<GroupSpec> make() {
    std::vector<GroupSpec> g;
    g.push_back({"", "every file", "Root attributes: what wrote the file, how, and how it ended.", {},
                 {
                     at("format", Type::str, "always `\"ratenet\"`"),
                     at("format_version", Type::i64,
                        "`2`; readers refuse a version newer than they know (version 1 files, without dimensions, units and "
                        "long names on every dataset, are still read)"),
                     at("ratenet_version", Type::str, "e.g. `\"0.1.0\"`"),
                     at("git_commit", Type::str, "source revision of the build"),
                     at("blas", Type::str,
                        "the BLAS/LAPACK behind the dense kernels, as it describes itself (OpenBLAS: version, build "
                        "options and the CPU kernel chosen at load time)"),
                     at("created_utc", Type::str, "ISO 8601 time of creation"),
                     at("command_line", Type::str, "the command as typed"),
                     at("config", Type::str, "the resolved configuration as TOML text (every `--set` applied)"),
                     at("config_path", Type::str, "the configuration file"),
                     at("kind", Type::str, "`simulate`, `permitted`, `fixed_points`, `lyapunov`, `sweep`, `chaos`, `network`"),
                     at("seed_network", Type::u64, "seed of the network stream"),
                     at("seed_initial", Type::u64, "seed of the initial-state stream"),
                     at("seed_noise", Type::u64, "seed of the noise stream"),
                     at("seed_tangent", Type::u64, "seed of the tangent-vector stream"),
                     at("status", Type::str,
                        "`running` (never finished: killed), `completed`, `diverged`, `interrupted` (SIGINT/SIGTERM; a "
                        "`.part`), `truncated` (a budget ran out), `incomplete` (`merge --allow-missing` with points "
                        "missing)"),
                     at("message", Type::str, "what went wrong, empty when completed"),
                 }});

    g.push_back({"network", "all but `chaos`", "The network as run: W, inputs, time constants, transfer function.",
                 {{"post", "postsynaptic neuron i (row of W)"},
                  {"pre", "presynaptic neuron j (column of W)"},
                  {"neuron", "neuron index (0-based)"},
                  {"nonzero", "stored entry of the CSR form of W"},
                  {"row_pointer", "row boundary of the CSR form (N + 1 of them)"}},
                 {
                     ds("W", Type::f64, {"post", "pre"}, model_units, "coupling W",
                        "coupling, `W[i, j]` from neuron j to neuron i", "`W_format = \"dense\"`"),
                     ds("W_data", Type::f64, {"nonzero"}, model_units, "coupling W (CSR values)",
                        "CSR values of W (`scipy.sparse.csr_matrix((W_data, W_indices, W_indptr), shape=W_shape)`)",
                        "`W_format = \"csr\"`"),
                     ds("W_indices", Type::i64, {"nonzero"}, one, "presynaptic neuron j", "CSR column indices",
                        "`W_format = \"csr\"`"),
                     ds("W_indptr", Type::i64, {"row_pointer"}, one, "CSR row pointer", "CSR row pointers",
                        "`W_format = \"csr\"`"),
                     ds("b", Type::f64, {"neuron"}, model_units, "input b", "constant input (outside schedule intervals)"),
                     ds("tau", Type::f64, {"neuron"}, time_units, "time constant tau", "time constants"),
                     ds("transfer_slopes", Type::f64, {"neuron"}, one, "prelu slope", "prelu slopes", "transfer `prelu`"),
                     ds("sinusoid_amplitude", Type::f64, {"neuron"}, model_units, "drive amplitude",
                        "amplitude of the sinusoidal drive amplitude_i sin(2 pi f t + phase_i)", "with a drive"),
                     ds("sinusoid_phase", Type::f64, {"neuron"}, "rad", "drive phase", "its phases", "with a drive"),
                     at("sinusoid_frequency", Type::f64, "frequency f of the drive, cycles per unit time", "with a drive"),
                     at("frozen_noise", Type::str, "`ou` or `white`: the kind of frozen noise added to b(t)",
                        "with frozen noise"),
                     at("frozen_noise_sigma", Type::f64,
                        "its standard deviation (ou) or intensity (white), model units (white: per sqrt(time unit))",
                        "with frozen noise"),
                     at("frozen_noise_tau", Type::f64, "its correlation time (ou; NaN for white), time units",
                        "with frozen noise"),
                     at("frozen_noise_dt", Type::f64, "its sampling step, time units", "with frozen noise"),
                     at("frozen_noise_seed", Type::i64, "the seed of its realisation (`seeds.noise`)", "with frozen noise"),
                     at("n", Type::i64, "number of neurons N"),
                     at("form", Type::str, "`rate` or `current`"),
                     at("equation", Type::str, "the equation integrated, as text"),
                     at("transfer", Type::str, "the transfer function's name (`by_population`: one per population)"),
                     at("transfer_populations", Type::str,
                        "`by_population`: each population's function and parameters, in order, separated by `; `",
                        "transfer `by_population`"),
                     at("transfer_*", Type::f64, "the transfer function's parameters that apply"),
                     at("model", Type::str, "the model's name"),
                     at("model_*", Type::str, "the model's parameters, as given"),
                     at("W_format", Type::str,
                        "`dense`, `csr`, or `recipe` (W not stored: `ratenet network FILE -o W.h5` rebuilds it from the "
                        "file's config and seeds)"),
                     at("W_nonzeros", Type::i64, "entries of W that a recipe leaves out", "`W_format = \"recipe\"`"),
                     at("W_shape", Type::f64_list, "`[N, N]`", "`W_format = \"csr\"`"),
                     at("noise_sigma", Type::f64, "amplitude of the input noise"),
                     at("precision", Type::str, "products with W in the right-hand side: `float64` or `float32`"),
                     at("float32_check_time", Type::f64,
                        "time over which the float32 run was compared with float64 (model time units)",
                        "`simulate` with `network.precision = \"float32\"`"),
                     at("float32_max_abs_error", Type::f64, "largest |x_float32 - x_float64| over that time, in units of x",
                        "`simulate` with `network.precision = \"float32\"`"),
                     at("float32_max_rel_error", Type::f64, "the same divided by the largest |x_float64|",
                        "`simulate` with `network.precision = \"float32\"`"),
                 }});

    g.push_back({"network/schedule", "all but `chaos`, when the input has a schedule",
                 "Piecewise-constant input: b(t) = `b[s]` for `t_start[s] <= t < t_end[s]`.",
                 {{"segment", "schedule interval"}, {"neuron", "neuron index (0-based)"}},
                 {
                     ds("t_start", Type::f64, {"segment"}, time_units, "interval start", "start of each interval"),
                     ds("t_end", Type::f64, {"segment"}, time_units, "interval end", "end of each interval"),
                     ds("b", Type::f64, {"segment", "neuron"}, model_units, "input b", "the input during each interval"),
                 }});

    {
        GroupSpec t{"trajectory", "`simulate`",
                    "The recorded samples, flushed as the run goes: a file cut short by a kill or a full disk holds "
                    "exactly `samples` rows of data (`x` may have rows past them that a failed write left, which are not "
                    "data). `xarray.open_dataset(f, engine=\"h5netcdf\", group=\"trajectory\")` gives a labelled "
                    "`x(t, neuron)`.",
                    {{"t", "sample time", true}, {"neuron", "recorded neuron", true}},
                    {
                        ds("t", Type::f64, {"t"}, time_units, "time", "sample times, exactly `t_start + k dt_out`"),
                        ds("x", Type::real, {"t", "neuron"}, "rate (model units) or current (model units)",
                           "rate x or current h",
                           "state of the recorded neurons (rates x in the rate form, currents h in the current form); "
                           "chunked, optionally float32 and gzip-compressed"),
                        ds("neuron", Type::i64, {"neuron"}, "index", "neuron index (0-based)",
                           "indices of the recorded neurons"),
                        at("method", Type::str, "integrator: `rk4`, `dopri5`, `euler`"),
                        at("t_start", Type::f64, "start time"),
                        at("t_end", Type::f64, "end time asked for"),
                        at("dt", Type::f64, "step (fixed-step methods) or first step"),
                        at("dt_out", Type::f64, "output interval"),
                        at("atol", Type::f64, "absolute tolerance (dopri5)"),
                        at("rtol", Type::f64, "relative tolerance (dopri5)"),
                        at("steady_tol", Type::f64, "stop when max |dx/dt| falls below it (0 = never)"),
                        at("bound", Type::f64, "divergence bound on max |x|"),
                        at("variable", Type::str, "`x (rate)` or `h (current)`"),
                        at("samples", Type::i64, "rows of `t` (kept current at every flush)"),
                        at("status", Type::str, "`running`, then the run's status"),
                        at("message", Type::str, "what went wrong, empty when completed", at_end),
                        at("t_final", Type::f64, "time reached", at_end),
                        at("steady_state", Type::i64, "1 when the run stopped at a steady state", at_end),
                        at("steps", Type::i64, "integrator steps taken", at_end),
                        at("bad_neuron", Type::i64, "-1, or the first diverging neuron", at_end),
                        at("t_bad", Type::f64, "time at which divergence was detected", at_end),
                    }};
        g.push_back(std::move(t));
    }

    g.push_back({"permitted", "`permitted`",
                 "Permitted sets of a threshold-linear network (Hahnloser & Seung 2001). Sets are rows of 0/1 over the "
                 "neurons, by size then lexicographically; the empty set is permitted by convention and not listed.",
                 {{"set", "permitted set"},
                  {"maximal_set", "maximal permitted set"},
                  {"forbidden_set", "minimal forbidden set"},
                  {"size", "set size (0 .. N)"},
                  {"neuron", "neuron index (0-based)"}},
                 {
                     ds("sets", Type::u8, {"set", "neuron"}, one, "member of the permitted set",
                        "every non-empty permitted set, one row each (1 = member)"),
                     ds("maximal", Type::u8, {"maximal_set", "neuron"}, one, "member of the maximal set",
                        "the maximal permitted sets (facets of the complex)"),
                     ds("minimal_forbidden", Type::u8, {"forbidden_set", "neuron"}, one, "member of the forbidden set",
                        "forbidden sets all of whose proper subsets are permitted"),
                     ds("counts_by_size", Type::i64, {"size"}, one, "number of permitted sets",
                        "number of permitted sets of each size (size 0, the empty set, counts 1)"),
                     ds("copositivity_witness", Type::f64, {"neuron"}, model_units, "copositivity witness",
                        "x >= 0 with x'(I - W)x <= 0", "not copositive"),
                     at("criterion", Type::str,
                        "`positive_definite` for symmetric W, or `hurwitz` for the general criterion"),
                     at("status", Type::str, "`completed`, `truncated` or `interrupted`"),
                     at("message", Type::str, "why the enumeration stopped early, empty when completed"),
                     at("n_permitted", Type::i64, "number of permitted sets, the empty set included"),
                     at("n_maximal", Type::i64, "number of maximal sets"),
                     at("n_minimal_forbidden", Type::i64, "number of minimal forbidden sets"),
                     at("n_borderline", Type::i64, "sets within the tolerance of the criterion's boundary"),
                     at("asymmetry", Type::f64, "max |W - W'|"),
                     at("down_closed", Type::i64, "1 when every subset of a permitted set is permitted"),
                     at("seconds", Type::f64, "wall time of the enumeration"),
                     at("copositivity", Type::str, "`copositive`, `not_copositive` or `unknown`"),
                     at("copositivity_method", Type::str, "how copositivity of I - W was decided"),
                     at("positive_definite", Type::i64, "1 when the symmetric part of I - W is positive definite"),
                     at("min_eigenvalue", Type::f64, "smallest eigenvalue of the symmetric part of I - W"),
                 }});

    g.push_back({"permitted/verification", "`permitted --verify`",
                 "Sets checked by simulation: the network restricted to the set, started near its fixed point.",
                 {{"checked_set", "set checked by simulation"}, {"neuron", "neuron index (0-based)"}},
                 {
                     ds("sets", Type::u8, {"checked_set", "neuron"}, one, "member of the checked set", "the sets checked"),
                     ds("permitted", Type::u8, {"checked_set"}, one, "predicted permitted", "the prediction (1 = permitted)"),
                     ds("agrees", Type::u8, {"checked_set"}, one, "simulation agrees", "1 when the simulation agreed"),
                     ds("inconclusive", Type::u8, {"checked_set"}, one, "inconclusive",
                        "1 when the slowest mode was too slow to settle within the horizon (not simulated)"),
                     ds("max_error", Type::f64, {"checked_set"}, model_units, "distance to x*", "the largest distance to x*"),
                     ds("growth_rate", Type::f64, {"checked_set"}, rate_units, "growth rate",
                        "max Re eig(-I + W_SS)"),
                     at("n_agree", Type::i64, "sets where the simulation agreed"),
                     at("n_disagree", Type::i64, "sets where it did not"),
                     at("n_inconclusive", Type::i64, "sets not simulated"),
                 }});

    g.push_back({"fixed_points", "`fixed_points`",
                 "Every fixed point x* = [W x* + b]_+ of a threshold-linear network, one per support. For a "
                 "`threshold_linear` network with gain g and threshold theta the analysis is of "
                 "x = [g W x + g (b - theta)]_+, which has the same fixed points.",
                 {{"fixed_point", "fixed point"}, {"neuron", "neuron index (0-based)"}, {"eigenvalue", "eigenvalue, by real part, largest first"}},
                 {
                     ds("support", Type::u8, {"fixed_point", "neuron"}, one, "member of the support", "support S of each fixed point"),
                     ds("x", Type::f64, {"fixed_point", "neuron"}, model_units, "fixed point x*", "the fixed point x*"),
                     ds("eig_real", Type::f64, {"fixed_point", "eigenvalue"}, rate_units, "Re eigenvalue",
                        "real parts of the Jacobian's eigenvalues at x*: those of diag(1/tau_S) (-I + W_SS) on the "
                        "support and -1/tau_i for each inactive neuron i, sorted by real part, largest first"),
                     ds("eig_imag", Type::f64, {"fixed_point", "eigenvalue"}, rate_units, "Im eigenvalue",
                        "imaginary parts, in the same order"),
                     ds("stable", Type::u8, {"fixed_point"}, one, "stable", "1 when every eigenvalue has negative real part"),
                     ds("n_unstable", Type::i64, {"fixed_point"}, one, "saddle index",
                        "number of eigenvalues with positive real part"),
                     ds("index", Type::i64, {"fixed_point"}, one, "index", "sgn det(I - W_SS)"),
                     ds("class", Type::str, {"fixed_point"}, one, "stability class", "`stable`, `unstable` or `marginal`"),
                     ds("residual", Type::f64, {"fixed_point"}, model_units, "residual", "max_i |x_i - [W x + b]_+,i|"),
                     at("count", Type::i64, "number of fixed points"),
                     at("status", Type::str, "`completed`, `truncated` or `interrupted`"),
                     at("message", Type::str, "why the search stopped early, empty when completed"),
                     at("index_sum", Type::i64, "sum of `index`: +1 for CTLNs (Curto & Morrison's parity); `parity` in version 1"),
                     at("n_stable", Type::i64, "stable fixed points"),
                     at("n_unstable", Type::i64, "unstable fixed points (`n_unstable_points` in version 1; the dataset `n_unstable` is per fixed point)"),
                     at("n_marginal", Type::i64, "marginal fixed points"),
                     at("supports_tested", Type::i64, "supports examined"),
                     at("supports_solved", Type::i64, "supports whose linear system was solved"),
                     at("supports_pruned", Type::i64, "supports skipped by pruning"),
                     at("singular_supports", Type::i64, "supports with a singular I - W_SS"),
                     at("degenerate_supports", Type::i64, "supports with a fixed point on a boundary"),
                     at("tolerance_x", Type::f64, "tolerance on x* >= 0"),
                     at("tolerance_off", Type::f64, "tolerance on the inactive neurons' drive"),
                     at("seconds", Type::f64, "wall time of the search"),
                 }});

    g.push_back({"lyapunov", "`lyapunov`",
                 "The Lyapunov spectrum by the standard QR method (Engelken, Wolf & Abbott 2020).",
                 {{"exponent", "Lyapunov exponent, largest first"}, {"window", "finite-time window"}},
                 {
                     ds("exponents", Type::f64, {"exponent"}, rate_units, "Lyapunov exponent",
                        "Lyapunov exponents, largest first, per unit time"),
                     ds("errors", Type::f64, {"exponent"}, rate_units, "standard error",
                        "standard error of each exponent (block averages)"),
                     ds("participation_ratio", Type::f64, {"exponent"}, one, "participation ratio",
                        "1 / sum_j Q_ji^4 of each Lyapunov vector, averaged over the accumulation (1 .. N)"),
                     ds("local_exponents", Type::f64, {"window", "exponent"}, rate_units, "finite-time exponent",
                        "growth rate of each vector over consecutive windows of t_local (no rows when t_local = 0)"),
                     at("t_local", Type::f64, "length of the finite-time windows (0 = none)"),
                     at("status", Type::str, "`completed`, `diverged` or `interrupted`"),
                     at("message", Type::str, "what went wrong, empty when completed"),
                     at("dynamics", Type::str, "`flow` or `euler_map`"),
                     at("n", Type::i64, "number of neurons N"),
                     at("k", Type::i64, "number of exponents"),
                     at("dt", Type::f64, "step"),
                     at("t_ons", Type::f64, "time between orthonormalisations"),
                     at("t_warmup", Type::f64, "warm-up of the state"),
                     at("t_ons_warmup", Type::f64, "warm-up of the tangent vectors"),
                     at("t_sim", Type::f64, "accumulation time as used (whole ONS intervals)"),
                     at("t_accumulated", Type::f64, "accumulation time done"),
                     at("t_final", Type::f64, "time reached"),
                     at("steps", Type::i64, "steps taken since t = 0"),
                     at("blocks_used", Type::i64, "blocks behind the error bars"),
                     at("kaplan_yorke", Type::f64, "Kaplan-Yorke dimension"),
                     at("kaplan_yorke_lower_bound", Type::i64, "1 when k exponents were too few: the dimension is at least this"),
                     at("entropy_rate", Type::f64, "sum of the positive exponents (Pesin)"),
                     at("entropy_lower_bound", Type::i64, "1 when all k exponents are positive: the rate is at least this"),
                     at("sum", Type::f64, "sum of the k exponents"),
                     at("mean_trace", Type::f64, "time average of the Jacobian's trace (the sum of all N exponents)"),
                     at("lambda1_twin", Type::f64, "largest exponent from a twin trajectory (NaN when not computed)"),
                     at("lambda1_twin_error", Type::f64, "its standard error"),
                     at("volume_rate", Type::f64, "phase-space volume rate (NaN when not computed)"),
                     at("map_unit_contraction", Type::f64, "euler_map: the exponent of a unit contraction (NaN otherwise)"),
                     at("mean_active", Type::f64, "mean number of neurons in the tangent products (active rows)"),
                     at("active_rows", Type::i64, "1 when tangent products used only the active rows"),
                     at("precision", Type::str, "tangent products: float64, or mixed (float32 products, float64 QR and sums)"),
                     at("mixed_error_rate", Type::f64,
                        "mixed: measured float32 error rate of the tangent products, 1/time (NaN for float64)"),
                     at("precision_warning", Type::str, "mixed: why the spectrum is not resolved in float32 (empty when safe)"),
                     at("bound", Type::f64, "divergence bound on max |x|"),
                 }});

    g.push_back({"lyapunov/covariant", "`lyapunov` with `clv_window` > 0",
                 "Covariant Lyapunov vectors (Ginelli et al., PRL 99:130601, 2007) at the ends of the ONS intervals of "
                 "the last `clv_window` of the accumulation before the backward transient `clv_backward`; `t` is "
                 "absolute time.",
                 {{"t", "time of the vectors", true},
                  {"vector", "covariant vector, in QR order (largest exponent first)"},
                  {"neuron", "neuron index (0-based)"}},
                 {
                     ds("t", Type::f64, {"t"}, time_units, "time", "times of the vectors"),
                     ds("exponents", Type::f64, {"vector"}, rate_units, "growth rate",
                        "growth rate of each covariant vector over the window (equals the exponents)"),
                     ds("participation_ratio", Type::f64, {"vector"}, one, "participation ratio",
                        "1 / sum_j V_ji^4 of each covariant vector, averaged over the window (1 .. N)"),
                     ds("angle_unstable_stable", Type::f64, {"t"}, "rad", "angle",
                        "smallest principal angle between the unstable and the stable subspaces (NaN when one is empty)"),
                     ds("vectors", Type::f64, {"t", "neuron", "vector"}, one, "covariant vector",
                        "the unit covariant vectors", "with `clv_vectors = true`"),
                     ds("state", Type::f64, {"t", "neuron"}, model_units, "state", "the state at each time",
                        "with `clv_vectors = true`"),
                     at("n_unstable", Type::i64, "vectors whose exponent exceeds 3 standard errors"),
                     at("n_stable", Type::i64, "vectors whose exponent is below -3 standard errors"),
                     at("clv_window", Type::f64, "window, whole ONS intervals"),
                     at("clv_backward", Type::f64, "backward transient after it"),
                 }});

    g.push_back({"lyapunov/trace", "`lyapunov`",
                 "Running estimates during accumulation (convergence trace); `t` is absolute time (the accumulation "
                 "starts at t_warmup + t_ons_warmup).",
                 {{"t", "time of the estimate", true}, {"vector", "tangent vector, in QR order (not sorted)"}},
                 {
                     ds("t", Type::f64, {"t"}, time_units, "time", "times of the estimates"),
                     ds("exponents", Type::f64, {"t", "vector"}, rate_units, "running exponent estimate",
                        "estimates so far, one column per tangent vector"),
                 }});

    g.push_back({"lyapunov/checkpoint", "`lyapunov`, in `OUT.h5.part` only",
                 "The state of an unfinished run, for `--resume`. The `.part` is replaced as a whole at each checkpoint "
                 "(written under a temporary name, then renamed), so a kill during a checkpoint leaves the previous one "
                 "intact.",
                 {{"neuron", "neuron index (0-based)"},
                  {"vector", "tangent vector, in QR order"},
                  {"block", "accumulation block"},
                  {"twin_neuron", "neuron of the twin trajectory"},
                  {"twin_block", "block of the twin estimate"},
                  {"trace_row", "row of the convergence trace"},
                  {"local_row", "finished finite-time window"}},
                 {
                     ds("x", Type::f64, {"neuron"}, model_units, "state", "the state"),
                     ds("Q", Type::f64, {"neuron", "vector"}, one, "tangent vectors", "the orthonormal tangent vectors"),
                     ds("log_sums", Type::f64, {"vector"}, one, "sum of log R_ii", "accumulated log stretching"),
                     ds("block_sums", Type::f64, {"block", "vector"}, one, "block sums of log R_ii", "per block"),
                     ds("y", Type::f64, {"twin_neuron"}, model_units, "twin state", "the twin trajectory's state (empty without twin)"),
                     ds("twin_block_sums", Type::f64, {"twin_block"}, one, "twin block sums", "per block"),
                     ds("trace_times", Type::f64, {"trace_row"}, time_units, "trace time", "times of the trace so far"),
                     ds("trace_values", Type::f64, {"trace_row", "vector"}, rate_units, "trace estimate", "the trace so far"),
                     ds("pr_sums", Type::f64, {"vector"}, one, "participation ratio sums", "per tangent vector"),
                     ds("local_partial", Type::f64, {"vector"}, one, "local window sum of log R_ii", "the current window"),
                     ds("local_rows", Type::f64, {"local_row", "vector"}, one, "local window sums of log R_ii",
                        "the finished windows"),
                     at("dimension", Type::i64, "dimension of the state"),
                     at("k", Type::i64, "number of tangent vectors"),
                     at("dynamics", Type::str, "`flow_rk4` or `euler_map`"),
                     at("dt", Type::f64, "step"),
                     at("steps_per_ons", Type::i64, "steps between orthonormalisations"),
                     at("n_warmup", Type::i64, "warm-up steps"),
                     at("n_ons_warmup", Type::i64, "tangent warm-up steps"),
                     at("n_accumulate", Type::i64, "accumulation steps"),
                     at("n_blocks", Type::i64, "blocks"),
                     at("trace_rows", Type::i64, "rows of the trace"),
                     at("local_intervals", Type::i64, "ONS intervals per finite-time window (0 = none)"),
                     at("twin", Type::i64, "1 with a twin trajectory"),
                     at("twin_d0", Type::f64, "twin separation"),
                     at("volume_check", Type::i64, "1 with the volume check"),
                     at("phase", Type::str, "`warmup`, `ons_warmup`, `accumulate` or `done`"),
                     at("step", Type::i64, "steps taken since t = 0"),
                     at("t", Type::f64, "time reached"),
                     at("trace_sum", Type::f64, "accumulated Jacobian trace"),
                     at("volume_sum", Type::f64, "accumulated volume rate"),
                     at("trace_partial", Type::f64, "trace of the block under way"),
                     at("volume_partial", Type::f64, "volume of the block under way"),
                     at("twin_failed", Type::i64, "1 when the twin estimate failed"),
                     at("twin_sum", Type::f64, "accumulated twin log stretching"),
                 }});

    g.push_back({"sweep", "`sweep`, `chaos`",
                 "One row per point of the sweep, aligned with `params`. A running sweep commits each finished point "
                 "to `OUT.h5.points/` (one file per point, written under a temporary name and renamed); this group is "
                 "assembled from them at the end, and `--resume` skips the points found there. `ratenet merge` "
                 "assembles the same group from shards. In `results/`, a last axis of length 1 is left out.",
                 {{"point", "sweep point"}, {"key", "swept config key, then seed_index"}},
                 {
                     ds("keys", Type::str, {"key"}, one, "swept key", "the swept config keys (dotted paths), then `seed_index`"),
                     ds("params", Type::f64, {"point", "key"}, one, "parameter value", "one row per point"),
                     ds("status", Type::str, {"point"}, one, "point status",
                        "`completed`, `diverged`, `truncated`, `failed: <message>`, or empty for a point not run yet"),
                     ds("seconds", Type::f64, {"point"}, "s", "wall time", "wall time per point"),
                     at("analysis", Type::str, "the analysis run at every point (the table below)"),
                     at("n_points", Type::i64, "number of points"),
                     at("seeds", Type::i64, "seed indices per parameter combination"),
                     at("ensemble", Type::i64, "simulate: initial conditions integrated together (0 = off)"),
                     at("sweep_hash", Type::str, "identifies the config"),
                     at("shard", Type::str, "`all` or `I/N`"),
                     at("points_done", Type::i64, "points with a result"),
                     at("points_failed", Type::i64, "points that failed"),
                     at("points_diverged", Type::i64, "points that diverged"),
                 }});

    g.push_back({"chaos", "`chaos`",
                 "The transition to chaos: the largest exponent against the coupling. A chaos file holds `/sweep` (the "
                 "Lyapunov sweep underneath) and `/chaos`, and no `/network` (the network changes with g; the config "
                 "attribute has everything).",
                 {{"g", "coupling", true}, {"seed", "seed index"}},
                 {
                     ds("g", Type::f64, {"g"}, one, "coupling g", "coupling values, ascending"),
                     ds("lambda_max", Type::f64, {"g", "seed"}, rate_units, "largest Lyapunov exponent",
                        "largest exponent per g and seed (NaN where divergent)"),
                     ds("divergent", Type::u8, {"g", "seed"}, one, "diverged", "1 when the point diverged"),
                     ds("lambda_mean", Type::f64, {"g"}, rate_units, "mean largest exponent",
                        "mean over the non-divergent seeds"),
                     ds("lambda_sem", Type::f64, {"g"}, rate_units, "standard error", "standard error of the mean"),
                     ds("n_finite", Type::i64, {"g"}, one, "seeds with an exponent", "seeds with an exponent"),
                     ds("n_divergent", Type::i64, {"g"}, one, "seeds that diverged", "seeds that diverged"),
                     at("key", Type::str, "the swept key"),
                     at("g_c_found", Type::i64, "1 when the mean crosses zero upward"),
                     at("g_c", Type::f64,
                        "first upward zero crossing of the mean, linear interpolation (NaN when not found)"),
                     at("g_c_err", Type::f64, "its error, by parametric bootstrap of the means"),
                     at("message", Type::str, "why no crossing was found"),
                     at("g_c_stable_branch_found", Type::i64, "1 when the stable branch could be extrapolated"),
                     at("g_c_stable_branch", Type::f64,
                        "the fixed point's exponent, extrapolated linearly from the stable side to zero: where the fixed "
                        "point loses stability (a finite network's zero crossing lies above it when networks settle on "
                        "other non-chaotic attractors past the bifurcation)"),
                     at("g_c_stable_branch_err", Type::f64, "its error"),
                     at("stable_branch_g", Type::f64_list, "the two g used"),
                     at("stable_branch_message", Type::str, "why it was not found"),
                     at("g_c_meanfield", Type::f64,
                        "g^2 <phi'(h)^2> = 1 at the self-consistent Gaussian field, in units of the swept g; NaN when "
                        "not applicable"),
                     at("meanfield_g_eff_per_g", Type::f64,
                        "the one-population coupling per unit g (1 for random_gaussian; see "
                        "docs/models/excitatory_inhibitory.md)"),
                     at("meanfield_mu_eff_per_g", Type::f64, "the one-population mean coupling per unit g"),
                     at("transition_meanfield", Type::str, "`chaos`, `divergence` or `unknown`"),
                     at("meanfield_message", Type::str, "why the mean-field prediction is missing"),
                     at("g_div_meanfield", Type::f64,
                        "threshold-linear units: where the scale-free part of the activity diverges in the mean-field "
                        "theory, in units of the swept g (NaN otherwise)"),
                 }});

    g.push_back({"chaos/populations", "`chaos` of the `populations` model, when the mean-field g_c is found",
                 "The P-population static mean field at g_c (Kadmon & Sompolinsky 2015): per population, the "
                 "Gaussian field h ~ N(mu, delta).",
                 {{"population", "population"}, {"population_from", "presynaptic population"}},
                 {
                     ds("alpha", Type::f64, {"population"}, one, "fraction", "the populations' fractions N_k / N"),
                     ds("mu", Type::f64, {"population"}, model_units, "mean field", "mean of h"),
                     ds("delta", Type::f64, {"population"}, one, "field variance", "variance of h"),
                     ds("mean_rate", Type::f64, {"population"}, one, "mean rate", "<phi(h)>"),
                     ds("active_fraction", Type::f64, {"population"}, one, "active fraction",
                        "P(phi'(h) != 0); 1 for smooth phi"),
                     ds("stability_matrix", Type::f64, {"population", "population_from"}, one, "stability matrix",
                        "M_kl = g^2 alpha_l G_kl^2 <phi'(h)^2>_l; its spectral radius is 1 at g_c"),
                     at("bulk_radius_per_g", Type::f64,
                        "radius of the eigenvalue bulk of W per unit g, sqrt(rho(alpha_l G_kl^2)) (Aljadeff, Stern & "
                        "Sharpee 2015)"),
                     at("g_c", Type::f64, "the mean-field g_c (as /chaos g_c_meanfield)"),
                     at("source", Type::str, "the reference"),
                 }});

    g.push_back({"chaos/meanfield", "`chaos`, tanh with zero mean coupling and zero input",
                 "The mean-field largest exponent (Sompolinsky, Crisanti & Sommers 1988) against the swept g.",
                 {{"g", "coupling", true}},
                 {
                     ds("g", Type::f64, {"g"}, one, "coupling g", "coupling values"),
                     ds("lambda_max", Type::f64, {"g"}, rate_units, "mean-field largest exponent",
                        "lambda_max = -1 + sqrt(-E0) of the DMFT Schroedinger problem"),
                     ds("status", Type::str, {"g"}, one, "status", "status of each point of the curve"),
                     at("source", Type::str, "the reference"),
                     at("g_eff_per_g", Type::f64, "the one-population coupling per unit g"),
                 }});
    return g;
}

}  // namespace

namespace {
std::vector<GroupSpec>& storage() {
    static std::vector<GroupSpec> g = make();
    return g;
}
bool results_added = false;
std::string sweep_notes;
}  // namespace

const std::string& notes(std::string_view path) {
    static const std::string none;
    return path == "sweep" ? sweep_notes : none;
}

const std::vector<GroupSpec>& groups() {
    if (!results_added)
        throw internal_error("the sweep results are not described yet: load the analysis registry "
                             "(app::analyses()) before writing or checking files");
    return storage();
}

void add_sweep_results(const std::vector<Dim>& dims, const std::vector<Field>& fields, const std::string& doc) {
    if (results_added) throw internal_error("add_sweep_results called twice");
    sweep_notes = doc;
    for (auto& g : storage()) {
        if (g.path != "sweep") continue;
        g.dims.insert(g.dims.end(), dims.begin(), dims.end());
        // After the datasets, before the attributes (the order of the docs).
        auto at = std::find_if(g.fields.begin(), g.fields.end(), [](const Field& f) { return f.attribute; });
        g.fields.insert(at, fields.begin(), fields.end());
    }
    results_added = true;
}

}  // namespace ratenet::io::schema
