// Micro-benchmarks of the Lyapunov engine's pieces: the tangent product J Q
// (dense tanh; threshold-linear with and without the active-row path), and one
// Euler-map ONS interval of the full engine. Counters report GFLOP/s of the product.
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "ratenet/dynamics.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"

namespace {

ratenet::Network network(Eigen::Index n, bool relu) {
    ratenet::RandomGaussianParams p;
    p.n = n;
    p.g = 2.0;
    p.mu = relu ? -2.0 : 0.0;
    ratenet::Network net;
    net.W = ratenet::make_random_gaussian(p).W;
    net.tau = Eigen::VectorXd::Ones(n);
    net.form = relu ? ratenet::Form::rate : ratenet::Form::current;
    net.phi.kind = relu ? ratenet::TransferKind::relu : ratenet::TransferKind::tanh;
    net.input.b = Eigen::VectorXd::Constant(n, relu ? 1.0 : 0.0);
    return net;
}

// args: n, relu (0/1), active rows (0/1)
void BM_jacobian_times(benchmark::State& state) {
    const Eigen::Index n = state.range(0);
    const bool relu = state.range(1) != 0, active = state.range(2) != 0;
    const ratenet::Network net = network(n, relu);
    const Eigen::VectorXd x = Eigen::VectorXd::Random(n);
    const Eigen::MatrixXd Q = Eigen::MatrixXd::Random(n, n);
    Eigen::MatrixXd out(n, n);
    ratenet::Workspace ws(n);
    double used = 0.0;
    for (auto _ : state) {
        used += static_cast<double>(ratenet::jacobian_times(net, 0.0, x, Q, out, ws, active));
        benchmark::DoNotOptimize(out.data());
    }
    const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * used;
    state.counters["GFLOPs"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
    state.counters["active"] = used / static_cast<double>(state.iterations());
}
BENCHMARK(BM_jacobian_times)
    ->Args({500, 0, 1})->Args({1000, 0, 1})
    ->Args({500, 1, 0})->Args({500, 1, 1})->Args({1000, 1, 0})->Args({1000, 1, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_dgemm(benchmark::State& state) {
    const Eigen::Index n = state.range(0);
    const Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n);
    Eigen::MatrixXd C(n, n);
    for (auto _ : state) {
        C.noalias() = A * B;
        benchmark::DoNotOptimize(C.data());
    }
    const double flops = 2.0 * static_cast<double>(n * n * n) * static_cast<double>(state.iterations());
    state.counters["GFLOPs"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_dgemm)->Arg(500)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One full-spectrum Euler-map run of 5 ONS intervals (dt 0.1, t_ons 1).
void BM_engine_euler(benchmark::State& state) {
    const Eigen::Index n = state.range(0);
    const ratenet::Network net = network(n, false);
    ratenet::LyapunovOptions opt;
    opt.dynamics = ratenet::LyapunovDynamics::euler_map;
    opt.dt = 0.1;
    opt.t_warmup = 0;
    opt.t_ons_warmup = 0;
    opt.t_sim = 5;
    opt.n_blocks = 5;
    for (auto _ : state) {
        auto r = ratenet::lyapunov_spectrum(net, opt);
        benchmark::DoNotOptimize(r.exponents.data());
    }
}
BENCHMARK(BM_engine_euler)->Arg(500)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
