#include <cmath>
#include <cstdio>
#include <ratenet/integrate.hpp>
#include <ratenet/models.hpp>

// Keeps the last sample.
struct Last : ratenet::TrajectoryObserver {
    Eigen::VectorXd x;
    void observe(double, const Eigen::VectorXd& s) override { x = s; }
};

int main() {
    ratenet::HahnloserWtaParams p;
    p.n = 4;
    auto c = ratenet::make_hahnloser_wta(p);
    ratenet::Network net;
    net.W = c.W;
    net.tau = Eigen::VectorXd::Ones(4);
    net.input.b = Eigen::Vector4d(0.2, 1.0, 0.3, 0.1);
    ratenet::IntegratorOptions opt;
    opt.t_end = 60;
    Last last;
    auto r = ratenet::integrate(net, Eigen::Vector4d(0.1, 0.1, 0.1, 0.1), opt, last);
    const double expect = 1.0 / (1 - p.alpha + p.beta);
    std::printf("status %d, winner rate %.6f (expected %.6f)\n", static_cast<int>(r.status), last.x[1], expect);
    return std::abs(last.x[1] - expect) < 1e-5 ? 0 : 1;
}
