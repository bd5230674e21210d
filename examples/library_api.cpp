// ratenet as a library: list the analyses, run one on a config, simulate a
// network to a ratenet file and read its trajectory back, run a sweep to a
// file, read it back and check it against the file format. Exits non-zero if
// anything is not as expected.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ratenet/errors.hpp>
#include <ratenet/models.hpp>
#include <ratenet/run.hpp>

namespace api = ratenet::api;

int main() {
    // Every analysis a sweep can run, and what it reports.
    for (const auto& a : api::analyses()) {
        std::printf("%-16s [%s] %s\n", a.name.c_str(), a.section.c_str(), a.doc.c_str());
        for (const auto& r : a.results) std::printf("    %-22s %s (%s)\n", r.name.c_str(), r.long_name.c_str(), r.units.c_str());
    }

    // One analysis on one config: the fixed points of a 3-neuron CTLN cycle
    // (Curto & Morrison): one unstable fixed point with full support.
    const api::Values fp = api::run_analysis("fixed_points", R"(
[model]
name = "ctln"
n = 3
edges = [[0, 1], [1, 2], [2, 0]]
)", "ctln_3cycle");
    std::printf("ctln 3-cycle: %s, %g fixed point(s), %g stable\n", fp.status.c_str(), fp["count"][0], fp["n_stable"][0]);
    if (fp.status != "completed" || fp["count"][0] != 1 || fp["n_stable"][0] != 0) return 1;

    // A simulation written to a file, as `ratenet simulate` writes it, and its
    // trajectory read back with its axis names and units: a winner-take-all
    // circuit (Hahnloser et al. 2000) settles with only the most driven neuron
    // active, at b / (1 - alpha + beta).
    const auto dir = std::filesystem::temp_directory_path() / "ratenet_library_api";
    std::filesystem::create_directories(dir);
    const std::string wta = (dir / "wta.toml").string(), wta_out = (dir / "wta.h5").string();
    std::ofstream(wta) << R"([model]
name = "hahnloser_wta"
n = 4
[input]
b = [0.2, 1.0, 0.3, 0.1]
[initial]
x0 = 0.1
[simulate]
t_end = 60.0
dt_out = 0.5
)";
    const std::string status = api::run_to_file("simulate", wta, wta_out, true);
    const api::Variable x = api::read_variable(wta_out, "trajectory/x");
    const ratenet::HahnloserWtaParams p;
    const double expected = 1.0 / (1 - p.alpha + p.beta), winner = x.data[(x.shape[0] - 1) * x.shape[1] + 1];
    std::printf("simulate: %s; x has axes (%s, %s) in %s; winner rate %.6f (expected %.6f)\n", status.c_str(),
                x.dims[0].c_str(), x.dims[1].c_str(), x.units.c_str(), winner, expected);
    if (status != "completed" || x.dims != std::vector<std::string>{"t", "neuron"} || std::abs(winner - expected) > 1e-5)
        return 1;

    // A sweep of the autocorrelation of a random tanh network over the coupling,
    // written to a ratenet file as `ratenet sweep` writes it.
    const std::string config = (dir / "sweep.toml").string(), output = (dir / "sweep.h5").string();
    std::ofstream(config) << R"([model]
name = "random_gaussian"
n = 100
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[autocorrelation]
t_warmup = 50.0
t_sim = 200.0
max_lag = 20.0
dt_sample = 0.5
[sweep]
analysis = "autocorrelation"
[sweep.params]
"model.g" = [0.5, 1.5, 2.5]
)";
    try {
        api::run_sweep(config, output, {.force = true});
    } catch (const ratenet::ratenet_error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    const api::SweepTable t = api::read_sweep(output);
    const Eigen::MatrixXd& var = t.result("variance");
    const Eigen::MatrixXd& tau_c = t.result("tau_c");
    for (Eigen::Index p = 0; p < t.params.rows(); ++p)
        std::printf("g = %.1f: %s, C(0) = %.3g, tau_c = %.3g\n", t.params(p, 0), t.status[static_cast<std::size_t>(p)].c_str(),
                    var(p, 0), tau_c(p, 0));
    // Below g = 1 the network settles at h = 0; well above it, it fluctuates.
    if (t.params.rows() != 3 || !(var(0, 0) < 1e-6) || !(var(2, 0) > 0.1)) return 1;
    const auto problems = api::check_file(output);
    for (const auto& p : problems) std::printf("%s\n", p.c_str());
    std::printf("%s %s the ratenet file format\n", output.c_str(), problems.empty() ? "conforms to" : "differs from");
    std::filesystem::remove_all(dir);
    return problems.empty() ? 0 : 1;
}
