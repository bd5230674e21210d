// Times one enumeration and prints one JSON object (for permitted_vs_bruteforce.py).
//   bench_permitted_driver permitted    random_sym N SEED [G] [SHIFT]   W = G (A + A')/sqrt(2N) + SHIFT I
//   bench_permitted_driver permitted    wta_all    N                    W = 0.5 I - 1 11': every set permitted
//   bench_permitted_driver permitted    wta_single N                    W = 1.5 I - 1 11': singletons only
//   bench_permitted_driver fixed_points ctln       N SEED [P]           random graph, edge probability P
// Options: --max-sets M, --print-w (adds "W" to the JSON, for the brute force).
// Depends on ratenet_core only (not on the command line program).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "blas_info.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

using namespace ratenet;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
int usage() {
    std::fprintf(stderr, "usage: bench_permitted_driver permitted|fixed_points KIND N [SEED] [A] [B] [--max-sets M] [--print-w]\n");
    return 2;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) return usage();
    const std::string mode = argv[1], kind = argv[2];
    const long n = std::atol(argv[3]);
    std::vector<std::string> pos;
    std::uint64_t max_sets = 50'000'000;
    bool print_w = false;
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--max-sets" && i + 1 < argc) max_sets = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--print-w") print_w = true;
        else pos.push_back(a);
    }
    auto arg = [&](std::size_t i, double dflt) { return i < pos.size() ? std::atof(pos[i].c_str()) : dflt; };
    const auto seed = static_cast<std::uint64_t>(arg(0, 1));
    if (n < 1 || n > 64) return usage();
    const auto N = static_cast<Eigen::Index>(n);
    Eigen::MatrixXd W;
    Eigen::VectorXd b = Eigen::VectorXd::Ones(N);
    if (kind == "random_sym") {
        const double g = arg(1, 1.0), shift = arg(2, -0.2);
        Rng rng(seed, Stream::network);
        Eigen::MatrixXd A(N, N);
        for (Eigen::Index i = 0; i < N; ++i)
            for (Eigen::Index j = 0; j < N; ++j) A(i, j) = rng.normal();
        W = g * (A + A.transpose()) / std::sqrt(2.0 * static_cast<double>(N));
        W.diagonal().array() += shift;
    } else if (kind == "wta_all" || kind == "wta_single") {
        HahnloserWtaParams p;
        p.n = N;
        p.alpha = kind == "wta_all" ? 0.5 : 1.5;
        p.beta = 1.0;
        W = make_hahnloser_wta(p).W;
    } else if (kind == "ctln") {
        Rng rng(seed, Stream::network);
        CtlnParams p;
        p.n = N;
        const double prob = arg(1, 0.5);
        for (Eigen::Index j = 0; j < N; ++j)
            for (Eigen::Index i = 0; i < N; ++i)
                if (i != j && rng.uniform() < prob) p.edges.emplace_back(j, i);
        W = make_ctln(p).W;
    } else {
        return usage();
    }
    std::printf("{\"mode\": \"%s\", \"kind\": \"%s\", \"n\": %ld, \"seed\": %llu", mode.c_str(), kind.c_str(), n,
                static_cast<unsigned long long>(seed));
    const auto t0 = std::chrono::steady_clock::now();
    if (mode == "permitted") {
        PermittedOptions opt;
        opt.max_sets = max_sets;
        opt.store_permitted = false;
        const PermittedResult r = permitted_sets(W, opt);
        const double s = seconds_since(t0);
        std::printf(", \"status\": \"%s\", \"seconds\": %.6g, \"n_permitted\": %llu, \"n_maximal\": %zu, "
                    "\"n_minimal_forbidden\": %zu, \"n_tests\": %llu, \"us_per_set\": %.4g, \"max_size\": %zu",
                    std::string(to_string(r.status)).c_str(), s, static_cast<unsigned long long>(r.n_permitted),
                    r.maximal.size(), r.minimal_forbidden.size(), static_cast<unsigned long long>(r.n_tests),
                    1e6 * s / static_cast<double>(std::max<std::uint64_t>(1, r.n_permitted)),
                    r.count_by_size.size() - 1 -
                        static_cast<std::size_t>(std::find_if(r.count_by_size.rbegin(), r.count_by_size.rend(),
                                                              [](std::uint64_t c) { return c > 0; }) -
                                                 r.count_by_size.rbegin()));
    } else if (mode == "fixed_points") {
        FixedPointOptions opt;
        const FixedPointResult r = fixed_points(W, b, opt);
        const double s = seconds_since(t0);
        std::printf(", \"status\": \"%s\", \"seconds\": %.6g, \"n_fixed_points\": %zu, \"n_supports\": %llu, "
                    "\"n_solved\": %llu, \"n_pruned\": %llu, \"index_sum\": %d",
                    std::string(to_string(r.status)).c_str(), s, r.fixed_points.size(),
                    static_cast<unsigned long long>(r.n_supports), static_cast<unsigned long long>(r.n_solved),
                    static_cast<unsigned long long>(r.n_pruned), r.index_sum);
    } else {
        return usage();
    }
    if (print_w) {
        std::printf(", \"W\": [");
        for (Eigen::Index i = 0; i < N; ++i) {
            std::printf("%s[", i ? ", " : "");
            for (Eigen::Index j = 0; j < N; ++j) std::printf("%s%.17g", j ? ", " : "", W(i, j));
            std::printf("]");
        }
        std::printf("]");
    }
    std::printf(", \"blas\": \"%s\"}\n", ratenet::bench::blas_info().c_str());
    return 0;
}
