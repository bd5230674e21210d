// Google Benchmark: the right-hand side and one integrator step of dense random
// networks. Run: build/bench/bench_core [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include "ratenet/dynamics.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;

namespace {

Network random_net(Eigen::Index n, TransferKind kind, Form form) {
    RandomGaussianParams p;
    p.n = n;
    p.g = 1.5;
    auto c = make_random_gaussian(p);
    Network net;
    net.W = std::move(c.W);
    net.form = form;
    net.phi.kind = kind;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::Constant(n, 0.1);
    return net;
}

Eigen::VectorXd random_state(Eigen::Index n) {
    Rng rng(5, Stream::initial);
    Eigen::VectorXd x(n);
    for (Eigen::Index i = 0; i < n; ++i) x[i] = rng.normal();
    return x;
}

// One right-hand side; bytes processed = one pass over W.
template <TransferKind Kind, Form F>
void BM_rhs(benchmark::State& st) {
    const Eigen::Index n = st.range(0);
    const Network net = random_net(n, Kind, F);
    const Eigen::VectorXd x = random_state(n);
    Eigen::VectorXd f(n);
    Workspace ws(n);
    for (auto _ : st) {
        rhs(net, 0.0, x, f, ws);
        benchmark::DoNotOptimize(f.data());
    }
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * n * n * 8);
}
BENCHMARK(BM_rhs<TransferKind::tanh, Form::current>)->Arg(100)->Arg(1000)->Arg(4000);
BENCHMARK(BM_rhs<TransferKind::relu, Form::rate>)->Arg(100)->Arg(1000)->Arg(4000);

void BM_matvec(benchmark::State& st) {
    const Eigen::Index n = st.range(0);
    const Network net = random_net(n, TransferKind::tanh, Form::current);
    const Eigen::VectorXd x = random_state(n);
    Eigen::VectorXd y(n);
    for (auto _ : st) {
        y.noalias() = net.W * x;
        benchmark::DoNotOptimize(y.data());
    }
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * n * n * 8);
}
BENCHMARK(BM_matvec)->Arg(100)->Arg(1000)->Arg(4000);

// Keeps nothing: measures integration alone.
struct Null : TrajectoryObserver {
    void observe(double, const Eigen::VectorXd&) override {}
};

void BM_rk4_100_steps(benchmark::State& st) {
    const Eigen::Index n = st.range(0);
    const Network net = random_net(n, TransferKind::tanh, Form::current);
    const Eigen::VectorXd x = random_state(n);
    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.dt = 0.05;
    opt.dt_out = 5.0;
    opt.t_end = 5.0;
    Null obs;
    for (auto _ : st) benchmark::DoNotOptimize(integrate(net, x, opt, obs).steps);
}
BENCHMARK(BM_rk4_100_steps)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
