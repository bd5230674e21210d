// A small driver for bench/lyapunov_vs_numpy.py: runs one Lyapunov spectrum of
// a random network and prints one JSON line with the wall time, the rate of the
// tangent update (the J Q products, timed inside the tangent system) and a dense
// Eigen DGEMM (N x N times N x N) measured in the same process.
//
//   bench_lyapunov_driver --n 1000 --phi tanh|relu [--dynamics euler_map|flow_rk4]
//       [--dt 0.1] [--t-ons 1] [--t-sim 20] [--t-warmup 10] [--k N] [--g 2] [--no-active-rows]
//       [--mixed]   (float32 tangent products: lyapunov.precision = "mixed")
//
// tanh: current form, zero diagonal, W ~ N(0, g^2/N) (Engelken's network).
// relu: rate form, W ~ N(mu/N, g^2/N) with mu = -2, b = 1 (a fraction of active units).
#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "blas_info.hpp"
#include "ratenet/lyapunov.hpp"
#include "ratenet/models.hpp"

extern "C" void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*, const double*,
                       const int*, const double*, const int*, const double*, double*, const int*, std::size_t,
                       std::size_t);
extern "C" void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                       const int*, const float*, const int*, const float*, float*, const int*, std::size_t,
                       std::size_t);

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Times the tangent products and counts their flops (2 n n_active k each).
class TimedSystem final : public ratenet::TangentSystem {
public:
    TimedSystem(const ratenet::Network& net, bool active, bool mixed) : inner_(net, active, mixed), n_(net.size()) {}
    Eigen::Index dimension() const override { return inner_.dimension(); }
    void rhs(double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) override { inner_.rhs(t, x, dxdt); }
    void jacobian_times(double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q, Eigen::MatrixXd& out) override {
        const double before = inner_.mean_active() * static_cast<double>(inner_.products());
        const auto t0 = clock_type::now();
        inner_.jacobian_times(t, x, Q, out);
        seconds += seconds_since(t0);
        const double active = inner_.mean_active() * static_cast<double>(inner_.products()) - before;
        flops += 2.0 * static_cast<double>(n_) * active * static_cast<double>(Q.cols());
    }
    double jacobian_trace(double t, const Eigen::VectorXd& x) override { return inner_.jacobian_trace(t, x); }
    double mean_active() const { return inner_.mean_active(); }
    double mixed_error_rate() const { return inner_.mixed_error_rate(); }
    double seconds = 0.0, flops = 0.0;

private:
    ratenet::NetworkTangentSystem inner_;
    Eigen::Index n_;
};

// GFLOP/s of f() (one n x n x n product) over at least a second.
template <class F>
double gflops(Eigen::Index n, F&& f) {
    f();  // warm up threads and caches
    int reps = 0;
    const auto t0 = clock_type::now();
    double t = 0.0;
    do {
        f();
        ++reps;
        t = seconds_since(t0);
    } while (t < 1.0 || reps < 3);
    return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) * reps / t / 1e9;
}

// The machine's DGEMM rate: Eigen's own product and the linked BLAS's dgemm
// called as a user would (its own threading), N x N times N x N.
struct Dgemm {
    double eigen = 0.0, blas = 0.0, sgemm = 0.0;
};
Dgemm dgemm_rates(Eigen::Index n) {
    Eigen::MatrixXd A = Eigen::MatrixXd::Random(n, n), B = Eigen::MatrixXd::Random(n, n), C(n, n);
    Dgemm d;
    d.eigen = gflops(n, [&] { C.noalias() = A * B; });
    const int ni = static_cast<int>(n);
    const double one = 1.0, zero = 0.0;
    const char no = 'N';
    d.blas = gflops(n, [&] { dgemm_(&no, &no, &ni, &ni, &ni, &one, A.data(), &ni, B.data(), &ni, &zero, C.data(), &ni, 1, 1); });
    Eigen::MatrixXf Af = A.cast<float>(), Bf = B.cast<float>(), Cf(n, n);
    const float onef = 1.0f, zerof = 0.0f;
    d.sgemm = gflops(n, [&] { sgemm_(&no, &no, &ni, &ni, &ni, &onef, Af.data(), &ni, Bf.data(), &ni, &zerof, Cf.data(), &ni, 1, 1); });
    volatile double sink = C(0, 0) + Cf(0, 0);
    (void)sink;
    return d;
}

}  // namespace

int main(int argc, char** argv) {
    Eigen::Index n = 500, k = 0;
    std::string phi = "tanh", dynamics = "euler_map";
    double dt = 0.1, t_ons = 1.0, t_sim = 20.0, t_warmup = 10.0, g = 2.0;
    bool active = true, mixed = false;
    for (int i = 1; i < argc; ++i) {
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "missing value after %s\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        const std::string a = argv[i];
        if (a == "--n") n = std::atol(next());
        else if (a == "--k") k = std::atol(next());
        else if (a == "--phi") phi = next();
        else if (a == "--dynamics") dynamics = next();
        else if (a == "--dt") dt = std::atof(next());
        else if (a == "--t-ons") t_ons = std::atof(next());
        else if (a == "--t-sim") t_sim = std::atof(next());
        else if (a == "--t-warmup") t_warmup = std::atof(next());
        else if (a == "--g") g = std::atof(next());
        else if (a == "--no-active-rows") active = false;
        else if (a == "--mixed") mixed = true;
        else {
            std::fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    ratenet::RandomGaussianParams p;
    p.n = n;
    p.g = g;
    p.seed = 1;
    ratenet::Network net;
    net.tau = Eigen::VectorXd::Ones(n);
    if (phi == "tanh") {
        net.form = ratenet::Form::current;
        net.phi.kind = ratenet::TransferKind::tanh;
        net.input.b = Eigen::VectorXd::Zero(n);
    } else {
        p.mu = -2.0;
        net.form = ratenet::Form::rate;
        net.phi.kind = ratenet::TransferKind::relu;
        net.input.b = Eigen::VectorXd::Ones(n);
    }
    net.W = ratenet::make_random_gaussian(p).W;

    ratenet::LyapunovOptions opt;
    if (!ratenet::parse_lyapunov_dynamics(dynamics, opt.dynamics)) {
        std::fprintf(stderr, "unknown dynamics %s\n", dynamics.c_str());
        return 2;
    }
    opt.dt = dt;
    opt.t_ons = t_ons;
    opt.t_sim = t_sim;
    opt.t_warmup = t_warmup;
    opt.t_ons_warmup = 0.0;
    if (k > 0) opt.k = k;
    TimedSystem sys(net, active, mixed);
    const auto t0 = clock_type::now();
    const auto r = ratenet::lyapunov_spectrum(sys, opt);
    const double wall = seconds_since(t0);
    const Dgemm rates = dgemm_rates(n);
    const double dgemm = std::max(rates.eigen, rates.blas);
    const double tangent = sys.flops / sys.seconds / 1e9;
    std::printf("{\"n\": %ld, \"k\": %ld, \"phi\": \"%s\", \"dynamics\": \"%s\", \"dt\": %g, \"t_ons\": %g, "
                "\"t_sim\": %g, \"t_warmup\": %g, \"status\": \"%s\", \"seconds\": %.4f, \"tangent_seconds\": %.4f, "
                "\"tangent_gflops\": %.2f, \"dgemm_gflops\": %.2f, \"eigen_dgemm_gflops\": %.2f, "
                "\"blas_dgemm_gflops\": %.2f, \"tangent_vs_dgemm\": %.3f, "
                "\"mean_active\": %.1f, \"lambda_max\": %.5f, \"mean_exponent\": %.6f, \"threads\": %d, "
                "\"precision\": \"%s\", \"mixed_error_rate\": %.3e, \"sgemm_gflops\": %.2f, \"blas\": \"%s\"}\n",
                static_cast<long>(n), static_cast<long>(r.exponents.size()), phi.c_str(), dynamics.c_str(), dt, t_ons,
                t_sim, t_warmup, std::string(ratenet::to_string(r.status)).c_str(), wall, sys.seconds, tangent, dgemm,
                rates.eigen, rates.blas, tangent / dgemm, sys.mean_active(), r.exponents.size() ? r.exponents[0] : 0.0,
                r.exponents.size() ? r.exponents.mean() : 0.0, Eigen::nbThreads(), mixed ? "mixed" : "float64",
                mixed ? sys.mixed_error_rate() : 0.0, rates.sgemm, ratenet::bench::blas_info().c_str());
    return r.status == ratenet::RunStatus::completed ? 0 : 1;
}
