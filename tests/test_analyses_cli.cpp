// End to end: the analysis subcommands (permitted, fixed-points, lyapunov,
// sweep, merge, chaos) run by the real binary, their HDF5 output read back and
// checked against theory, and their bad-input errors (exit 2, one line, no file).
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <thread>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "ratenet/meanfield.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;

namespace {

const std::string ctln3 = R"(
[model]
name = "ctln"
n = 3
edges = [[0, 1], [1, 2], [2, 0]]
[network]
form = "rate"
[transfer]
name = "relu"
)";

const std::string tanh_net = R"(
[model]
name = "random_gaussian"
n = 40
g = 2.0
[network]
form = "current"
[transfer]
name = "tanh"
[lyapunov]
dt = 0.05
t_ons = 1.0
t_warmup = 20.0
t_ons_warmup = 10.0
t_sim = 60.0
)";

std::vector<double> doubles(const std::string& file, const std::string& name) {
    h5::File f(file, h5::File::Mode::read_only);
    return f.read_doubles(name);
}

}  // namespace

TEST(FixedPointsCli, ThreeCycleHasOneUnstableFixedPoint) {
    TempDir d;
    write_text(d / "c.toml", ctln3);
    const auto r = run_ratenet("fixed-points c.toml -o fp.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "fp.h5", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("kind"), "fixed_points");
    auto g = f.group("fixed_points");
    EXPECT_EQ(g.attr_int("count"), 1);
    EXPECT_EQ(g.attr_int("index_sum"), 1);  // `parity` in format version 1
    const auto x = g.read_doubles("x");
    ASSERT_EQ(x.size(), 3u);
    for (double v : x) EXPECT_NEAR(v, 1.0 / (3.0 + 0.5 - 0.25), 1e-12);  // theta / (3 + delta - eps)
    const auto er = g.read_doubles("eig_real");
    const auto ei = g.read_doubles("eig_imag");
    EXPECT_NEAR(er[0], 0.125, 1e-9);
    EXPECT_NEAR(std::abs(ei[0]), 0.649519052838329, 1e-9);  // sqrt(3)/2 (eps + delta)
    EXPECT_NEAR(er[2], -3.25, 1e-9);
    EXPECT_EQ(g.shape("stable").at(0), 1u);
    EXPECT_EQ(g.read_strings("class").at(0), "unstable");
}

TEST(FixedPointsCli, RefusesNonThresholdLinearNetworks) {
    TempDir d;
    write_text(d / "c.toml", ctln3);
    const auto r = run_ratenet("fixed-points c.toml -o fp.h5 --set transfer.name=tanh", d.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("transfer.name"), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u);
    EXPECT_FALSE(fs::exists(d / "fp.h5"));
}

TEST(PermittedCli, WinnerTakeAllPermitsOnlySingletons) {
    TempDir d;
    write_text(d / "w.toml", R"(
[model]
name = "hahnloser_wta"
n = 6
alpha = 1.5
beta = 1.0
[transfer]
name = "relu"
)");
    const auto r = run_ratenet("permitted w.toml -o p.h5 --verify", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "p.h5", h5::File::Mode::read_only);
    auto g = f.group("permitted");
    EXPECT_EQ(g.attr_int("n_permitted"), 6);
    EXPECT_EQ(g.attr_int("n_maximal"), 6);
    EXPECT_EQ(g.attr_int("n_minimal_forbidden"), 15);  // every pair
    const auto counts = g.read_ints("counts_by_size");
    ASSERT_EQ(counts.size(), 7u);
    EXPECT_EQ(counts[1], 6);
    EXPECT_EQ(counts[2], 0);
    EXPECT_EQ(f.group("permitted/verification").attr_int("n_disagree"), 0);
    // alpha < 1: every set is permitted.
    const auto r2 = run_ratenet("permitted w.toml -o p2.h5 --set model.alpha=0.5", d.path());
    ASSERT_EQ(r2.code, 0) << r2.err;
    h5::File f2(d / "p2.h5", h5::File::Mode::read_only);
    EXPECT_EQ(f2.group("permitted").attr_int("n_permitted"), 63);
}

TEST(PermittedCli, RefusesNonSymmetricW) {
    TempDir d;
    write_text(d / "c.toml", ctln3);
    const auto r = run_ratenet("permitted c.toml -o p.h5", d.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("symmetric"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(d / "p.h5"));
}

TEST(LyapunovCli, SumOfExponentsIsMinusN) {
    TempDir d;
    write_text(d / "t.toml", tanh_net);
    const auto r = run_ratenet("lyapunov t.toml -o l.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "l.h5", h5::File::Mode::read_only);
    auto g = f.group("lyapunov");
    const auto ex = g.read_doubles("exponents");
    ASSERT_EQ(ex.size(), 40u);
    double sum = 0;
    for (double v : ex) sum += v;
    // Zero diagonal, continuous time: the trace of -I + J diag(phi') is exactly -N.
    EXPECT_NEAR(sum, -40.0, 1e-6 * 40);
    EXPECT_NEAR(g.attr_double("mean_trace"), -40.0, 1e-9);
    for (std::size_t i = 1; i < ex.size(); ++i) EXPECT_GE(ex[i - 1], ex[i]);
    EXPECT_EQ(g.read_doubles("errors").size(), 40u);
}

TEST(LyapunovCli, KilledRunResumesToTheSameBits) {
    TempDir d;
    write_text(d / "t.toml", tanh_net);
    ASSERT_EQ(run_ratenet("lyapunov t.toml -o full.h5 -q --set lyapunov.t_sim=1500", d.path()).code, 0);
    const pid_t pid = spawn_ratenet({"lyapunov", "t.toml", "-o", "cut.h5", "-q", "--set", "lyapunov.t_sim=1500",
                                     "--checkpoint-every", "0.05"},
                                    d.path().string());
    // Wait for a first checkpoint, then kill without warning.
    for (int i = 0; i < 200 && !fs::exists(d / "cut.h5.part"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    kill(pid, SIGKILL);
    wait_child(pid);
    if (fs::exists(d / "cut.h5")) GTEST_SKIP() << "the run finished before it could be killed";
    ASSERT_TRUE(fs::exists(d / "cut.h5.part"));
    const auto r = run_ratenet("lyapunov t.toml -o cut.h5 -q --set lyapunov.t_sim=1500 --resume", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(doubles(d / "full.h5", "lyapunov/exponents"), doubles(d / "cut.h5", "lyapunov/exponents"));
    EXPECT_FALSE(fs::exists(d / "cut.h5.part"));
}

TEST(LyapunovCli, ResumeRefusesAnotherConfig) {
    TempDir d;
    write_text(d / "t.toml", tanh_net);
    const pid_t pid = spawn_ratenet({"lyapunov", "t.toml", "-o", "cut.h5", "-q", "--set", "lyapunov.t_sim=2000",
                                     "--checkpoint-every", "0.05"},
                                    d.path().string());
    for (int i = 0; i < 200 && !fs::exists(d / "cut.h5.part"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(pid, SIGTERM);  // SIGTERM: clean stop with a final checkpoint
    EXPECT_NE(wait_child(pid), 0);
    ASSERT_TRUE(fs::exists(d / "cut.h5.part"));
    const auto r = run_ratenet("lyapunov t.toml -o cut.h5 --set lyapunov.t_sim=1000 --resume", d.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("different configuration"), std::string::npos) << r.err;
}

TEST(LyapunovCli, BadOptionsAreConfigErrors) {
    TempDir d;
    write_text(d / "t.toml", tanh_net);
    for (const std::string& args : {std::string("--k 0"), std::string("--k 41"), std::string("--set lyapunov.t_ons=0"),
                                    std::string("--set lyapunov.t_sim=0.5"), std::string("--set lyapunov.dynamics=\"leapfrog\"")}) {
        const auto r = run_ratenet("lyapunov t.toml -o l.h5 " + args, d.path());
        EXPECT_EQ(r.code, 2) << args << ": " << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << args << ": " << r.err;
        EXPECT_FALSE(fs::exists(d / "l.h5"));
    }
}

// The Lyapunov vectors through the binary: finite-time exponents, participation
// ratios and covariant vectors in the file, each checked against the file's
// own other fields (recomputed here), and the windows refused by name.
TEST(LyapunovCli, LyapunovVectorsInTheFile) {
    TempDir d;
    write_text(d / "t.toml", tanh_net + "k = 6\nt_local = 5.0\nclv_window = 20.0\nclv_backward = 30.0\nclv_vectors = true\n");
    const auto r = run_ratenet("lyapunov t.toml -o l.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("finite-time lambda_1 over 12 windows of 5"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("covariant vectors at 20 times"), std::string::npos) << r.out;
    EXPECT_EQ(run_ratenet("schema --check l.h5", d.path()).code, 0);
    h5::File f(d / "l.h5", h5::File::Mode::read_only);
    auto g = f.group("lyapunov");
    const auto ex = g.read_doubles("exponents");
    // Finite-time exponents: 12 windows of 5 tile t_sim = 60 and average to the exponents.
    EXPECT_EQ(g.shape("local_exponents"), (std::vector<hsize_t>{12, 6}));
    const auto loc = g.read_doubles("local_exponents");
    for (std::size_t i = 0; i < 6; ++i) {
        double m = 0;
        for (std::size_t w = 0; w < 12; ++w) m += loc[w * 6 + i] / 12;
        EXPECT_NEAR(m, ex[i], 1e-12) << i;
    }
    EXPECT_EQ(g.attr_double("t_local"), 5.0);
    // Covariant vectors: unit columns; their participation ratios recomputed from them.
    auto c = f.group("lyapunov/covariant");
    EXPECT_EQ(c.shape("vectors"), (std::vector<hsize_t>{20, 40, 6}));
    EXPECT_EQ(c.shape("state"), (std::vector<hsize_t>{20, 40}));
    const auto v = c.read_doubles("vectors");
    const auto pr = c.read_doubles("participation_ratio");
    for (std::size_t i = 0; i < 6; ++i) {
        double mean_pr = 0;
        for (std::size_t t = 0; t < 20; ++t) {
            double s2 = 0, s4 = 0;
            for (std::size_t j = 0; j < 40; ++j) {
                const double x = v[(t * 40 + j) * 6 + i];
                s2 += x * x;
                s4 += x * x * x * x;
            }
            ASSERT_NEAR(s2, 1.0, 1e-12);
            mean_pr += 1.0 / s4 / 20;
        }
        EXPECT_NEAR(pr[i], mean_pr, 1e-9 * mean_pr) << i;
        EXPECT_GE(pr[i], 1.0);
        EXPECT_LE(pr[i], 40.0);
    }
    for (double a : c.read_doubles("angle_unstable_stable"))
        if (!std::isnan(a)) {
            EXPECT_GE(a, 0.0);
            EXPECT_LE(a, M_PI / 2 + 1e-12);
        }
    EXPECT_EQ(c.attr_double("clv_window"), 20.0);
    // Windows that do not fit are refused by name, with nothing written.
    for (const std::string& args : {std::string("--set lyapunov.clv_backward=50"), std::string("--set lyapunov.t_local=100"),
                                    std::string("--set lyapunov.clv_window=-1")}) {
        const auto b = run_ratenet("lyapunov t.toml -o bad.h5 " + args, d.path());
        EXPECT_EQ(b.code, 2) << args;
        EXPECT_EQ(count_lines(b.err), 1u) << b.err;
        EXPECT_NE(b.err.find(args.find("t_local") != std::string::npos ? "lyapunov.t_local" : "lyapunov.clv_window"),
                  std::string::npos)
            << b.err;
        EXPECT_FALSE(fs::exists(d / "bad.h5"));
    }
}

TEST(SweepCli, BadSweepsAreRefused) {
    TempDir d;
    write_text(d / "s.toml", std::string(tanh_net) + R"(
[simulate]
method = "rk4"
dt = 0.1
t_end = 5.0
dt_out = 1.0
[sweep]
seeds = 2
[sweep.params]
"model.g" = [0.5, 1.5]
)");
    struct Case {
        std::string args, needle;
    };
    const std::vector<Case> cases = {
        {"--set 'sweep.params={\"model.gg\"=[1.0]}'", "did you mean"},
        {"--set 'sweep.params={\"model.g\"=[]}'", "empty"},
        {"--shard 2/2", "--shard"},
        {"--shard x", "--shard"},
        {"--set sweep.analysis=\"psd\"", "sweep.analysis"},
    };
    for (const auto& c : cases) {
        const auto r = run_ratenet("sweep s.toml -o s.h5 " + c.args, d.path());
        EXPECT_EQ(r.code, 2) << c.args << ": " << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
        EXPECT_FALSE(fs::exists(d / "s.h5"));
    }
    // A good sweep: four points, the grid in /sweep/params.
    const auto ok = run_ratenet("sweep s.toml -o s.h5 -q", d.path());
    ASSERT_EQ(ok.code, 0) << ok.err;
    h5::File f(d / "s.h5", h5::File::Mode::read_only);
    const auto params = f.read_doubles("sweep/params");
    EXPECT_EQ(params, (std::vector<double>{0.5, 0, 0.5, 1, 1.5, 0, 1.5, 1}));
    EXPECT_EQ(f.read_strings("sweep/status"), (std::vector<std::string>(4, "completed")));
}

TEST(SweepCli, FailingPointIsRecordedAndTheSweepGoesOn) {
    TempDir d;
    // tau = -1 only at the second value: that point fails, the others run.
    write_text(d / "s.toml", std::string(tanh_net) + R"(
[simulate]
method = "rk4"
dt = 0.1
t_end = 5.0
dt_out = 1.0
[sweep]
[sweep.params]
"network.tau" = [1.0, -1.0, 2.0]
)");
    const auto r = run_ratenet("sweep s.toml -o s.h5 -q", d.path());
    // The first and last points are validated up front; the middle one fails at run time.
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "s.h5", h5::File::Mode::read_only);
    const auto st = f.read_strings("sweep/status");
    ASSERT_EQ(st.size(), 3u);
    EXPECT_EQ(st[0], "completed");
    EXPECT_EQ(st[1].rfind("failed: ", 0), 0u) << st[1];
    EXPECT_NE(st[1].find("network.tau"), std::string::npos) << st[1];
    EXPECT_EQ(st[2], "completed");
}

TEST(ChaosCli, DivergentReluPointsAreReportedAsDivergent) {
    TempDir d;
    const std::string cfg = std::string(RATENET_SOURCE_DIR) + "/configs/chaos_relu_divergent.toml";
    const auto r = run_ratenet("chaos " + sh_quote(cfg) + " -o c.h5 -q --set model.n=150 --set chaos.seeds=1", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    auto g = f.group("chaos");
    const auto gs = g.read_doubles("g");
    const auto div = g.read_ints("n_divergent");
    const auto mean = g.read_doubles("lambda_mean");
    for (std::size_t i = 0; i < gs.size(); ++i) {
        if (gs[i] < 1.3) {
            EXPECT_EQ(div[i], 0) << "g = " << gs[i];
            EXPECT_LT(mean[i], 0.0) << "g = " << gs[i];
        }
        if (gs[i] > 1.6) {
            EXPECT_EQ(div[i], 1) << "g = " << gs[i];
            EXPECT_TRUE(std::isnan(mean[i])) << "g = " << gs[i];
        }
    }
    EXPECT_NEAR(g.attr_double("g_c_meanfield"), std::sqrt(2.0), 1e-6);
    EXPECT_EQ(g.attr_string("transition_meanfield"), "divergence");
    const auto st = f.read_strings("sweep/status");
    int diverged = 0;
    for (const auto& s : st) diverged += s == "diverged";
    EXPECT_EQ(diverged, 2);
}

TEST(SweepCli, FixedPointsOverCtlnParameters) {
    TempDir d;
    write_text(d / "c.toml", ctln3 + R"(
[sweep]
analysis = "fixed_points"
[sweep.params]
"model.delta" = [0.5, 1.0]
)");
    // The quoted key holds a dot: it names one key of sweep.params.
    const auto r = run_ratenet("sweep c.toml -o s.h5 -q --set 'sweep.params.\"model.eps\"=[0.1, 0.25]'", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "s.h5", h5::File::Mode::read_only);
    EXPECT_EQ(f.read_strings("sweep/keys"), (std::vector<std::string>{"model.delta", "model.eps", "seed_index"}));
    // The 3-cycle keeps its single unstable fixed point for every legal (eps, delta).
    EXPECT_EQ(f.read_doubles("sweep/results/count"), std::vector<double>(4, 1.0));
    EXPECT_EQ(f.read_doubles("sweep/results/n_unstable"), std::vector<double>(4, 1.0));
    EXPECT_EQ(f.read_doubles("sweep/results/index_sum"), std::vector<double>(4, 1.0));
}

// The excitatory_inhibitory family gets its mean-field g_c through the one-population
// reduction, in units of the family's g: the file's value equals the reduction
// applied by hand to the config's parameters, and g_eff per g is recorded.
TEST(ChaosCli, ExcitatoryInhibitoryMeanField) {
    TempDir d;
    const std::string cfg = std::string(RATENET_SOURCE_DIR) + "/configs/chaos_excitatory_inhibitory.toml";
    const auto r = run_ratenet("chaos " + sh_quote(cfg) +
                                   " -o c.h5 -q --set model.n_e=80 --set model.n_i=20 --set lyapunov.t_sim=10"
                                   " --set lyapunov.t_warmup=10 --set chaos.seeds=1",
                               d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    auto g = f.group("chaos");
    ratenet::ExcitatoryInhibitoryParams p;
    p.n_e = 80;
    p.n_i = 20;
    p.p = 0.2;
    p.w_e = 1.0;
    p.w_i = -5.0;
    const auto c = ratenet::excitatory_inhibitory_coupling(p);
    EXPECT_DOUBLE_EQ(g.attr_double("meanfield_g_eff_per_g"), c.g);
    EXPECT_DOUBLE_EQ(g.attr_double("meanfield_mu_eff_per_g"), c.mu);
    ratenet::Transfer phi;
    phi.kind = ratenet::TransferKind::clipped_linear;
    phi.r_max = 1.0;
    const auto cr = ratenet::critical_coupling(ratenet::excitatory_inhibitory_meanfield(p, phi, 0.5));
    ASSERT_EQ(cr.status, ratenet::CriticalStatus::found) << cr.message;
    EXPECT_NEAR(g.attr_double("g_c_meanfield"), cr.g_c / c.g, 1e-12);
    EXPECT_EQ(g.attr_string("transition_meanfield"), "chaos");
}
