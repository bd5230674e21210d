// Google Benchmarks of the threshold-linear analyses: permitted-set enumeration (cost
// per permitted set), all fixed points of random CTLNs, exact copositivity.
#include <benchmark/benchmark.h>

#include <cmath>

#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

using namespace ratenet;

namespace {

Eigen::MatrixXd random_sym(Eigen::Index n, std::uint64_t seed) {
    Rng rng(seed, Stream::network);
    Eigen::MatrixXd A(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) A(i, j) = rng.normal();
    Eigen::MatrixXd W = (A + A.transpose()) / std::sqrt(2.0 * static_cast<double>(n));
    W.diagonal().array() -= 0.2;
    return W;
}

Eigen::MatrixXd random_ctln(Eigen::Index n, std::uint64_t seed) {
    Rng rng(seed, Stream::network);
    CtlnParams p;
    p.n = n;
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i)
            if (i != j && rng.uniform() < 0.5) p.edges.emplace_back(j, i);
    return make_ctln(p).W;
}

void BM_permitted_random(benchmark::State& st) {
    const Eigen::MatrixXd W = random_sym(st.range(0), 1);
    PermittedOptions opt;
    opt.store_permitted = false;
    std::uint64_t sets = 0;
    for (auto _ : st) {
        const PermittedResult r = permitted_sets(W, opt);
        sets = r.n_permitted;
        benchmark::DoNotOptimize(r.n_permitted);
    }
    st.counters["sets"] = static_cast<double>(sets);
    st.counters["sets_per_s"] = benchmark::Counter(static_cast<double>(sets), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_permitted_random)->Arg(12)->Arg(16)->Arg(20)->Unit(benchmark::kMillisecond);

void BM_permitted_wta_all(benchmark::State& st) {
    HahnloserWtaParams p;
    p.n = st.range(0);
    p.alpha = 0.5;
    const Eigen::MatrixXd W = make_hahnloser_wta(p).W;
    PermittedOptions opt;
    opt.store_permitted = false;
    opt.max_sets = 1'000'000;
    for (auto _ : st) benchmark::DoNotOptimize(permitted_sets(W, opt).n_permitted);
    st.counters["sets_per_s"] = benchmark::Counter(1e6, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_permitted_wta_all)->Arg(24)->Arg(40)->Unit(benchmark::kMillisecond);

void BM_fixed_points_ctln(benchmark::State& st) {
    const Eigen::MatrixXd W = random_ctln(st.range(0), 2);
    const Eigen::VectorXd b = Eigen::VectorXd::Ones(st.range(0));
    FixedPointOptions opt;
    opt.prune = st.range(1) != 0;
    for (auto _ : st) benchmark::DoNotOptimize(fixed_points(W, b, opt).fixed_points.size());
}
BENCHMARK(BM_fixed_points_ctln)->Args({16, 0})->Args({16, 1})->Args({20, 0})->Args({20, 1})->Unit(benchmark::kMillisecond);

void BM_copositivity_exact(benchmark::State& st) {
    Eigen::MatrixXd W = random_sym(st.range(0), 3);
    W.array() -= 0.3;
    for (auto _ : st) benchmark::DoNotOptimize(copositivity(W).status);
}
BENCHMARK(BM_copositivity_exact)->Arg(12)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
