// Times ratenet's RK4 integration of a dense random tanh network (current form)
// for bench/simulate_vs_numpy.py, and one dense matrix-vector product of the same
// size (the memory-bandwidth floor of a right-hand side). Prints JSON.
//   bench_simulate_driver N STEPS [DT] [float64|float32]   (float32: network.precision = "float32")
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "blas_info.hpp"
#include "ratenet/dynamics.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;
using clk = std::chrono::steady_clock;

namespace {
struct Null : TrajectoryObserver {
    Eigen::VectorXd last;
    void observe(double, const Eigen::VectorXd& x) override { last = x; }
};
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s N STEPS [DT]\n", argv[0]);
        return 2;
    }
    const Eigen::Index n = std::atol(argv[1]);
    const long steps = std::atol(argv[2]);
    const double dt = argc > 3 ? std::atof(argv[3]) : 0.05;
    RandomGaussianParams p;
    p.n = n;
    p.g = 2.0;
    p.seed = 1;
    auto c = make_random_gaussian(p);
    Network net;
    net.W = std::move(c.W);
    net.form = Form::current;
    net.phi.kind = TransferKind::tanh;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::Zero(n);
    const std::string precision = argc > 4 ? argv[4] : "float64";
    if (precision == "float32") net.W32 = float32_coupling(net);
    else if (precision != "float64") {
        std::fprintf(stderr, "precision must be float64 or float32\n");
        return 2;
    }
    Rng rng(2, Stream::initial);
    Eigen::VectorXd x0(n);
    for (Eigen::Index i = 0; i < n; ++i) x0[i] = rng.normal();

    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.dt = dt;
    opt.t_end = dt * static_cast<double>(steps);
    opt.dt_out = opt.t_end;
    Null obs;
    integrate(net, x0, opt, obs);  // warm caches and threads
    auto t0 = clk::now();
    const RunResult r = integrate(net, x0, opt, obs);
    const double t_int = seconds_since(t0);

    // One right-hand side and one bare matrix-vector product, averaged.
    Workspace ws(n);
    Eigen::VectorXd f(n), y(n);
    const int reps = n >= 2000 ? 50 : 400;
    t0 = clk::now();
    for (int k = 0; k < reps; ++k) rhs(net, 0.0, x0, f, ws);
    const double t_rhs = seconds_since(t0) / reps;
    t0 = clk::now();
    for (int k = 0; k < reps; ++k) y.noalias() = net.W * x0;
    const double t_mv = seconds_since(t0) / reps;
    // The float32 floor: one float32 matrix-vector product (what a float32 RHS reads).
    const Eigen::MatrixXf Wf = net.W.cast<float>();
    const Eigen::VectorXf xf = x0.cast<float>();
    Eigen::VectorXf yf(n);
    t0 = clk::now();
    for (int k = 0; k < reps; ++k) yf.noalias() = Wf * xf;
    const double t_mv32 = seconds_since(t0) / reps;
    std::printf("{\"n\": %ld, \"steps\": %ld, \"seconds\": %.6f, \"seconds_per_step\": %.6e, \"rhs_seconds\": %.6e, "
                "\"matvec_seconds\": %.6e, \"x_final_0\": %.17g, \"status\": \"%s\", \"precision\": \"%s\", "
                "\"matvec32_seconds\": %.6e, \"blas\": \"%s\"}\n",
                static_cast<long>(n), static_cast<long>(r.steps), t_int, t_int / static_cast<double>(r.steps), t_rhs,
                t_mv, obs.last[0], std::string(to_string(r.status)).c_str(), precision.c_str(),
                t_mv32, bench::blas_info().c_str());
    return 0;
}
