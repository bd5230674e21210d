// Ensemble mode against a loop over trials: S initial conditions of one dense
// random tanh network integrated together (one matrix-matrix product per
// right-hand side) or one after another (one matrix-vector product each).
// Prints JSON with both times and the largest difference of the final states.
//   bench_ensemble_driver N S STEPS
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "blas_info.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/models.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;
using clk = std::chrono::steady_clock;

namespace {
struct LastOne : TrajectoryObserver {
    Eigen::VectorXd x;
    void observe(double, const Eigen::VectorXd& s) override { x = s; }
};
struct LastAll : EnsembleObserver {
    Eigen::MatrixXd X;
    void observe(double, const Eigen::MatrixXd& s) override { X = s; }
};
}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s N S STEPS\n", argv[0]);
        return 2;
    }
    const Eigen::Index n = std::atol(argv[1]), s = std::atol(argv[2]);
    const long steps = std::atol(argv[3]);
    RandomGaussianParams p;
    p.n = n;
    p.g = 2.0;
    Network net;
    net.W = make_random_gaussian(p).W;
    net.form = Form::current;
    net.phi.kind = TransferKind::tanh;
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::Zero(n);
    Rng rng(2, Stream::initial);
    Eigen::MatrixXd X0(n, s);
    for (Eigen::Index j = 0; j < s; ++j)
        for (Eigen::Index i = 0; i < n; ++i) X0(i, j) = rng.normal();
    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.dt = 0.05;
    opt.t_end = 0.05 * static_cast<double>(steps);
    opt.dt_out = opt.t_end;

    LastAll all;
    auto t0 = clk::now();
    integrate_ensemble(net, X0, opt, all);
    const double t_ens = std::chrono::duration<double>(clk::now() - t0).count();

    LastOne one;
    double diff = 0.0;
    t0 = clk::now();
    Eigen::MatrixXd loop(n, s);
    for (Eigen::Index j = 0; j < s; ++j) {
        integrate(net, X0.col(j), opt, one);
        loop.col(j) = one.x;
    }
    const double t_loop = std::chrono::duration<double>(clk::now() - t0).count();
    diff = (loop - all.X).cwiseAbs().maxCoeff();
    std::printf("{\"n\": %ld, \"members\": %ld, \"steps\": %ld, \"ensemble_seconds\": %.6f, \"loop_seconds\": %.6f, "
                "\"speedup\": %.3f, \"max_difference\": %.3e, \"blas\": \"%s\"}\n",
                static_cast<long>(n), static_cast<long>(s), steps, t_ens, t_loop, t_loop / t_ens, diff,
                ratenet::bench::blas_info().c_str());
    return 0;
}
