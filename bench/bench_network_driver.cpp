// Times ratenet's construction of a random Gaussian network (models/random_gaussian.cpp)
// for bench/network_vs_scipy.py, and reports the peak resident memory against the
// size of the matrix built. Prints JSON.
//   bench_network_driver N K [SEED]     (K = 0: dense)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "blas_info.hpp"
#include "ratenet/models.hpp"

using namespace ratenet;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s N K [SEED] [STREAMS]\n", argv[0]);
        return 2;
    }
    RandomGaussianParams p;
    p.n = std::atol(argv[1]);
    p.k = std::atol(argv[2]);
    p.g = 1.5;
    p.seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    if (argc > 4) p.streams = std::atol(argv[4]);  // model.streams: 1 serial, 2 parallel blocks
    const auto t0 = std::chrono::steady_clock::now();
    const Connectivity c = make_random_gaussian(p);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // The matrix's own bytes: CSR values, column indices and row pointers (int64), or n^2 doubles.
    const double bytes = c.sparse ? static_cast<double>(c.W_sparse.nonZeros()) * 16.0 + 8.0 * static_cast<double>(p.n + 1)
                                  : 8.0 * static_cast<double>(p.n) * static_cast<double>(p.n);
    double checksum = 0;  // keeps the work observable
    if (c.sparse)
        for (Eigen::Index i = 0; i < c.W_sparse.nonZeros(); i += 997) checksum += c.W_sparse.valuePtr()[i];
    else
        checksum = c.W(0, 0) + c.W(p.n - 1, p.n - 1);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("{\"n\": %ld, \"k\": %ld, \"seconds\": %.6f, \"matrix_bytes\": %.0f, \"peak_rss_bytes\": %.0f, "
                "\"checksum\": %.17g, \"streams\": %ld, \"blas\": \"%s\"}\n",
                static_cast<long>(p.n), static_cast<long>(p.k), seconds, bytes, 1024.0 * static_cast<double>(ru.ru_maxrss),
                checksum, static_cast<long>(p.streams), ratenet::bench::blas_info().c_str());
    return 0;
}
