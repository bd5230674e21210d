// End-to-end tests of the ratenet executable (RATENET_BINARY), each in a fresh
// temporary directory: exit codes (0 success, 1 runtime failure such as
// divergence, 2 for every usage or configuration error), one-line error messages
// naming file, key and value, the FINAL.part / FINAL protocol (including a run
// killed with SIGKILL and one stopped with SIGINT), --force, --set, and the
// info, models and --version commands.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "model/vector_math.hpp"
#include "ratenet/build_info.hpp"
#include "ratenet/models.hpp"
#include "ratenet/transfer.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;

namespace {

const char* job_toml = R"(# test job: a 4-neuron winner-take-all circuit
[model]
name = "hahnloser_wta"
n = 4
alpha = 1.5
beta = 1.0

[network]
form = "rate"
tau = 1.0

[transfer]
name = "relu"

[input]
b = [0.5, 0.6, 0.7, 0.8]

[initial]
random_std = 0.1

[simulate]
method = "rk4"
dt = 0.01
t_end = 2.0
dt_out = 0.1
)";

// A chaotic network that runs far longer than any test waits.
const char* long_toml = R"([model]
name = "random_gaussian"
n = 200
g = 2.0

[network]
form = "current"

[transfer]
name = "tanh"

[initial]
random_std = 1.0

[simulate]
method = "dopri5"
t_end = 1e6
dt_out = 0.1
record = [0, 1, 2, 3, 4]
)";

// dh/dt = -h + J [h]_+ with g = 3 and no input grows exponentially (science.md).
const char* diverge_toml = R"([model]
name = "random_gaussian"
n = 100
g = 3.0

[network]
form = "current"

[transfer]
name = "relu"

[initial]
random_std = 1.0

[simulate]
method = "dopri5"
t_end = 500.0
dt_out = 0.5
)";

std::string args(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + sh_quote(w);
    return s;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Exit code and output of a run, for failure messages.
std::string trace(const RunResult& r) { return "exit " + std::to_string(r.code) + ", stderr: " + r.err + ", stdout: " + r.out; }

struct Rows {
    hsize_t t = 0, x = 0;
};
Rows trajectory_rows(const std::string& path) {
    h5::File f(path, h5::File::Mode::read_only);
    auto g = f.group("trajectory");
    return {g.shape("t").at(0), g.shape("x").at(0)};
}

}  // namespace

TEST(Cli, VersionAndHelp) {
    TempDir dir;
    const RunResult v = run_ratenet("--version", dir.path().string());
    EXPECT_EQ(v.code, 0) << trace(v);
    EXPECT_TRUE(contains(v.out, std::string("ratenet ") + ratenet::build::version)) << v.out;
    EXPECT_TRUE(contains(v.out, "BLAS: ")) << v.out;
    EXPECT_TRUE(contains(v.out, std::string("tanh: ") + ratenet::vmath::tanh_kernel())) << v.out;
    const RunResult h = run_ratenet("--help", dir.path().string());
    EXPECT_EQ(h.code, 0) << trace(h);
    for (const char* sub : {"simulate", "demo", "models", "info"}) EXPECT_TRUE(contains(h.out, sub)) << sub;
    // No subcommand, or an unknown one: usage errors.
    EXPECT_EQ(run_ratenet("", dir.path().string()).code, 2);
    EXPECT_EQ(run_ratenet("simulat x.toml", dir.path().string()).code, 2);
    EXPECT_EQ(run_ratenet("simulate", dir.path().string()).code, 2);  // CONFIG is required
}

TEST(Cli, ModelsListsEveryModelAndTransfer) {
    TempDir dir;
    const RunResult r = run_ratenet("models", dir.path().string());
    ASSERT_EQ(r.code, 0) << trace(r);
    ASSERT_FALSE(ratenet::model_specs().empty());
    for (const auto& m : ratenet::model_specs()) {
        EXPECT_TRUE(contains(r.out, "\n" + m.name + "\n") || r.out.rfind(m.name + "\n", 0) == 0) << m.name;
        for (const auto& p : m.params) EXPECT_TRUE(contains(r.out, "model." + p.name)) << m.name << "." << p.name;
    }
    for (const auto& t : ratenet::transfer_names()) EXPECT_TRUE(contains(r.out, " " + t)) << t;
}

// README's lists of built-in models and transfer functions name every one there is.
TEST(Cli, ReadmeNamesEveryModelAndTransfer) {
    const std::string readme = read_text(std::string(RATENET_SOURCE_DIR) + "/README.md");
    const auto start = readme.find("Built-in models:"), end = readme.find("Integrators:");
    ASSERT_NE(start, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    const std::string models = readme.substr(start, end - start);
    for (const auto& m : ratenet::model_specs()) EXPECT_TRUE(contains(models, "`" + m.name + "`")) << m.name;
    const auto t0 = readme.find("Transfer functions");
    ASSERT_LT(t0, start);
    for (const auto& t : ratenet::transfer_names())
        EXPECT_TRUE(contains(readme.substr(t0, start - t0), "`" + t + "`")) << t;
}

// docs/models/NAME.md shows the config keys as the model declares them.
TEST(Cli, ModelPagesShowTheDeclaration) {
    TempDir dir;
    for (const auto& m : ratenet::model_specs()) {
        const RunResult r = run_ratenet("models --markdown " + m.name, dir.path().string());
        ASSERT_EQ(r.code, 0) << trace(r);
        EXPECT_EQ(count_lines(r.out), m.params.size() + 2) << r.out;
        const std::string page = read_text(std::string(RATENET_SOURCE_DIR) + "/docs/models/" + m.name + ".md");
        EXPECT_TRUE(contains(page, r.out)) << "docs/models/" << m.name << ".md does not hold the table\n" << r.out
                                           << "regenerate it with ./build/ratenet models --markdown " << m.name;
    }
    EXPECT_EQ(run_ratenet("models --markdown no_such_model", dir.path().string()).code, 2);
    // docs/config.md's [transfer] table, likewise.
    const RunResult t = run_ratenet("models --transfer-markdown", dir.path().string());
    ASSERT_EQ(t.code, 0) << trace(t);
    EXPECT_TRUE(contains(read_text(std::string(RATENET_SOURCE_DIR) + "/docs/config.md"), t.out)) << t.out;
    for (const auto& n : ratenet::transfer_names()) EXPECT_TRUE(contains(t.out, "`" + n + "`")) << n;
}

TEST(Cli, SimulateWritesFileAndInfoReadsIt) {
    TempDir dir;
    write_text(dir / "job.toml", job_toml);
    const RunResult r = run_ratenet(args({"simulate", "job.toml", "-o", "out.h5"}), dir.path().string());
    ASSERT_EQ(r.code, 0) << trace(r);
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_TRUE(contains(r.out, "wrote out.h5: 21 samples of 4 neurons")) << r.out;
    ASSERT_TRUE(fs::exists(dir / "out.h5"));
    EXPECT_FALSE(fs::exists(dir / "out.h5.part"));
    {
        h5::File f(dir / "out.h5", h5::File::Mode::read_only);
        EXPECT_EQ(f.attr_string("status"), "completed");
        EXPECT_EQ(f.attr_string("kind"), "simulate");
        EXPECT_EQ(f.attr_string("config_path"), "job.toml");
        EXPECT_TRUE(contains(f.attr_string("command_line"), "simulate job.toml -o out.h5"));
        auto g = f.group("trajectory");
        EXPECT_EQ(g.shape("x"), (std::vector<hsize_t>{21, 4}));
        const auto t = g.read_doubles("t");
        for (std::size_t k = 0; k < t.size(); ++k) EXPECT_EQ(t[k], static_cast<double>(k) * 0.1);
        EXPECT_EQ(g.attr_string("status"), "completed");
    }
    const RunResult i = run_ratenet(args({"info", "out.h5"}), dir.path().string());
    ASSERT_EQ(i.code, 0) << trace(i);
    EXPECT_TRUE(contains(i.out, "ratenet simulate file, format version 2")) << i.out;
    EXPECT_TRUE(contains(i.out, "status: completed")) << i.out;
    EXPECT_TRUE(contains(i.out, "network: 4 neurons, model hahnloser_wta, form rate, transfer relu")) << i.out;
    EXPECT_TRUE(contains(i.out, "trajectory: 21 samples x 4 neurons, method rk4, status completed, t = 0 .. 2")) << i.out;
    EXPECT_TRUE(contains(i.out, "/trajectory/x  [21 x 4]")) << i.out;
}

TEST(Cli, DefaultOutputPathIsConfigStem) {
    TempDir dir;
    fs::create_directories(dir.path() / "sub");
    write_text(dir / "sub/myjob.toml", job_toml);
    const RunResult r = run_ratenet(args({"simulate", "sub/myjob.toml", "-q"}), dir.path().string());
    ASSERT_EQ(r.code, 0) << trace(r);
    EXPECT_TRUE(r.out.empty()) << "--quiet printed: " << r.out;
    EXPECT_TRUE(fs::exists(dir / "myjob.h5"));  // in the current directory
}

TEST(Cli, SetOverridesKeys) {
    TempDir dir;
    write_text(dir / "job.toml", job_toml);
    const RunResult r = run_ratenet(args({"simulate", "job.toml", "-o", "o.h5", "--set", "model.n=3", "--set",
                                          "input.b=[1.0, 0.2, 0.3]", "--set", "simulate.t_end=1", "--set",
                                          "transfer.name=softplus", "--set", "network.tau=[1, 2, 3]"}),
                                    dir.path().string());
    ASSERT_EQ(r.code, 0) << trace(r);
    h5::File f(dir / "o.h5", h5::File::Mode::read_only);
    auto n = f.group("network");
    EXPECT_EQ(n.attr_int("n"), 3);
    EXPECT_EQ(n.attr_string("transfer"), "softplus");
    EXPECT_EQ(n.read_doubles("b"), (std::vector<double>{1.0, 0.2, 0.3}));
    EXPECT_EQ(n.read_doubles("tau"), (std::vector<double>{1.0, 2.0, 3.0}));
    EXPECT_EQ(f.group("trajectory").shape("x"), (std::vector<hsize_t>{11, 3}));
    // The recorded config is the resolved one.
    const std::string cfg = f.attr_string("config");
    EXPECT_TRUE(contains(cfg, "n = 3")) << cfg;
    EXPECT_TRUE(contains(cfg, "softplus")) << cfg;
}

TEST(Cli, ForceOverwritesAndItsAbsenceProtects) {
    TempDir dir;
    write_text(dir / "job.toml", job_toml);
    ASSERT_EQ(run_ratenet(args({"simulate", "job.toml", "-o", "o.h5"}), dir.path().string()).code, 0);
    const std::string before = read_text(dir / "o.h5");
    const RunResult again =
        run_ratenet(args({"simulate", "job.toml", "-o", "o.h5", "--set", "simulate.t_end=1"}), dir.path().string());
    EXPECT_EQ(again.code, 2) << trace(again);
    EXPECT_EQ(count_lines(again.err), 1u) << again.err;
    EXPECT_TRUE(contains(again.err, "o.h5")) << again.err;
    EXPECT_TRUE(contains(again.err, "--force")) << again.err;
    EXPECT_EQ(read_text(dir / "o.h5"), before);  // untouched
    EXPECT_FALSE(fs::exists(dir / "o.h5.part"));
    const RunResult forced = run_ratenet(
        args({"simulate", "job.toml", "-o", "o.h5", "--set", "simulate.t_end=1", "--force"}), dir.path().string());
    ASSERT_EQ(forced.code, 0) << trace(forced);
    EXPECT_EQ(trajectory_rows(dir / "o.h5").t, 11u);  // the new run, not the old 21 samples
}

TEST(Cli, ConfigErrorsExitTwoWithOneLineNamingFileKeyValue) {
    struct Case {
        std::vector<std::string> set;
        std::vector<std::string> expect;  // substrings of the message
    };
    const std::vector<Case> cases = {
        {{"model.n=\"ten\""}, {"job.toml: model.n = \"ten\": must be an integer"}},
        {{"network.tau=-1"}, {"job.toml: network.tau = -1: must be > 0"}},
        {{"model.alpah=1.2"}, {"job.toml: model.alpah = 1.2: unknown key", "did you mean \"alpha\""}},
        {{"model.name=rign"}, {"job.toml: model.name = \"rign\": unknown model", "did you mean \"ring\""}},
        {{"model.name=no_such_thing"}, {"job.toml: model.name = \"no_such_thing\": unknown model", "ratenet models"}},
        {{"transfer.name=clipped_linear", "transfer.r_max=-2"}, {"job.toml: transfer.r_max = -2: must be > 0"}},
        {{"transfer.name=power_law", "transfer.n=0.5"}, {"job.toml: transfer.n = 0.5: must be >= 1"}},
        {{"transfer.name=tahn"}, {"job.toml: transfer.name = \"tahn\"", "did you mean \"tanh\""}},
        {{"simulate.record=[0, 4]"}, {"job.toml: simulate.record[1] = 4: must be a neuron index in 0 .. 3"}},
        {{"simulate.dt_out=0"}, {"job.toml: simulate.dt_out = 0: must be > 0"}},
        {{"simulate.method=euler", "simulate.dt=1"}, {"job.toml: simulate.dt = 1: must be <= dt_out"}},
        {{"model.n=10000000"}, {"job.toml: model.n = 10000000: the coupling matrix W would need", "GiB"}},
        {{"outptu.path=x.h5"}, {"job.toml: outptu: unknown section", "did you mean \"output\""}},
    };
    for (const auto& c : cases) {
        TempDir dir;
        write_text(dir / "job.toml", job_toml);
        std::vector<std::string> words{"simulate", "job.toml", "-o", "out.h5"};
        for (const auto& s : c.set) {
            words.push_back("--set");
            words.push_back(s);
        }
        const RunResult r = run_ratenet(args(words), dir.path().string());
        SCOPED_TRACE(c.set.back() + " -> " + trace(r));
        EXPECT_EQ(r.code, 2);
        EXPECT_EQ(count_lines(r.err), 1u);
        EXPECT_TRUE(r.out.empty());
        for (const auto& e : c.expect) EXPECT_TRUE(contains(r.err, e)) << "missing: " << e;
        // Nothing under the final name, and no half-written file either.
        EXPECT_FALSE(fs::exists(dir / "out.h5"));
        EXPECT_FALSE(fs::exists(dir / "out.h5.part"));
    }
}

TEST(Cli, MissingConfigAndSyntaxError) {
    TempDir dir;
    const RunResult m = run_ratenet(args({"simulate", "nope.toml", "-o", "o.h5"}), dir.path().string());
    EXPECT_EQ(m.code, 2) << trace(m);
    EXPECT_EQ(count_lines(m.err), 1u) << m.err;
    EXPECT_TRUE(contains(m.err, "nope.toml")) << m.err;
    EXPECT_FALSE(fs::exists(dir / "o.h5"));

    write_text(dir / "bad.toml", "[model]\nname = \"ring\"\nn = = 4\n");
    const RunResult s = run_ratenet(args({"simulate", "bad.toml", "-o", "o.h5"}), dir.path().string());
    EXPECT_EQ(s.code, 2) << trace(s);
    EXPECT_EQ(count_lines(s.err), 1u) << s.err;
    EXPECT_TRUE(contains(s.err, "bad.toml: line 3")) << s.err;
    EXPECT_TRUE(contains(s.err, "TOML syntax error")) << s.err;
    EXPECT_FALSE(fs::exists(dir / "o.h5"));
    EXPECT_FALSE(fs::exists(dir / "o.h5.part"));

    // A missing directory for the output is a usage error too.
    write_text(dir / "job.toml", job_toml);
    const RunResult d = run_ratenet(args({"simulate", "job.toml", "-o", "no/such/dir/o.h5"}), dir.path().string());
    EXPECT_EQ(d.code, 2) << trace(d);
    EXPECT_EQ(count_lines(d.err), 1u) << d.err;
    EXPECT_TRUE(contains(d.err, "no/such/dir")) << d.err;
}

TEST(Cli, DivergenceExitsOneAndKeepsTheTrajectory) {
    TempDir dir;
    write_text(dir / "div.toml", diverge_toml);
    const RunResult r = run_ratenet(args({"simulate", "div.toml", "-o", "div.h5"}), dir.path().string());
    EXPECT_EQ(r.code, 1) << trace(r);
    EXPECT_TRUE(contains(r.err, "diverged")) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    // Divergence is a result: the file is committed under its final name.
    ASSERT_TRUE(fs::exists(dir / "div.h5"));
    EXPECT_FALSE(fs::exists(dir / "div.h5.part"));
    h5::File f(dir / "div.h5", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("status"), "diverged");
    auto g = f.group("trajectory");
    EXPECT_EQ(g.attr_string("status"), "diverged");
    const auto bad = g.attr_int("bad_neuron");
    EXPECT_GE(bad, 0);
    EXPECT_LT(bad, 100);
    EXPECT_GT(g.attr_double("t_bad"), 0.0);
    EXPECT_LT(g.attr_double("t_bad"), 500.0);
    const auto x = g.read_doubles("x");
    ASSERT_FALSE(x.empty());
    for (double v : x) ASSERT_TRUE(std::isfinite(v));
    EXPECT_EQ(g.attr_int("samples"), static_cast<std::int64_t>(g.shape("t")[0]));
}

TEST(Cli, InfoRefusesForeignAndMissingFiles) {
    TempDir dir;
    {
        h5::File f(dir / "foreign.h5", h5::File::Mode::create_truncate);
        f.write("data", std::vector<double>{1, 2, 3});
    }
    const RunResult fr = run_ratenet(args({"info", "foreign.h5"}), dir.path().string());
    EXPECT_EQ(fr.code, 2) << trace(fr);
    EXPECT_EQ(count_lines(fr.err), 1u) << fr.err;
    EXPECT_TRUE(contains(fr.err, "foreign.h5")) << fr.err;
    EXPECT_TRUE(contains(fr.err, "not a ratenet file")) << fr.err;

    const RunResult mr = run_ratenet(args({"info", "missing.h5"}), dir.path().string());
    EXPECT_EQ(mr.code, 2) << trace(mr);
    EXPECT_EQ(count_lines(mr.err), 1u) << mr.err;
    EXPECT_TRUE(contains(mr.err, "missing.h5")) << mr.err;

    write_text(dir / "text.h5", "this is not HDF5\n");
    const RunResult tr = run_ratenet(args({"info", "text.h5"}), dir.path().string());
    EXPECT_EQ(tr.code, 2) << trace(tr);
    EXPECT_EQ(count_lines(tr.err), 1u) << tr.err;
}

TEST(Cli, KilledRunLeavesReadablePartFile) {
    TempDir dir;
    write_text(dir / "long.toml", long_toml);
    const pid_t pid = spawn_ratenet({"simulate", "long.toml", "-o", "FINAL.h5", "--set", "simulate.flush_seconds=0.2"},
                                    dir.path().string());
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
    EXPECT_FALSE(fs::exists(dir / "FINAL.h5"));
    ASSERT_TRUE(fs::exists(dir / "FINAL.h5.part")) << read_text(dir / "spawn.stderr");
    h5::File f(dir / "FINAL.h5.part", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("format"), "ratenet");
    EXPECT_EQ(f.attr_string("status"), "running");  // never finished
    auto g = f.group("trajectory");
    const auto tn = g.shape("t").at(0), xn = g.shape("x").at(0);
    EXPECT_EQ(tn, xn);
    EXPECT_GT(tn, 0u);
    EXPECT_EQ(g.shape("x").at(1), 5u);
    const auto t = g.read_doubles("t");
    for (std::size_t k = 0; k < t.size(); k += 97) EXPECT_EQ(t[k], static_cast<double>(k) * 0.1);
    for (double v : g.read_doubles("x")) ASSERT_TRUE(std::isfinite(v));
    // And info reads it.
    const RunResult i = run_ratenet(args({"info", "FINAL.h5.part"}), dir.path().string());
    EXPECT_EQ(i.code, 0) << trace(i);
    EXPECT_TRUE(contains(i.out, "status: running")) << i.out;
}

TEST(Cli, InterruptedRunLeavesPartWithStatusInterrupted) {
    TempDir dir;
    write_text(dir / "long.toml", long_toml);
    const pid_t pid = spawn_ratenet({"simulate", "long.toml", "-o", "FINAL.h5", "--set", "simulate.flush_seconds=0.2"},
                                    dir.path().string());
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_EQ(kill(pid, SIGINT), 0);
    const int code = wait_child(pid);
    EXPECT_NE(code, 0);
    EXPECT_EQ(code, 128 + SIGINT);  // the shell convention for a SIGINT stop
    const std::string err = read_text(dir / "spawn.stderr");
    EXPECT_TRUE(contains(err, "interrupted")) << err;
    EXPECT_TRUE(contains(err, "FINAL.h5.part")) << err;
    EXPECT_FALSE(fs::exists(dir / "FINAL.h5"));
    ASSERT_TRUE(fs::exists(dir / "FINAL.h5.part"));
    h5::File f(dir / "FINAL.h5.part", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("status"), "interrupted");
    auto g = f.group("trajectory");
    EXPECT_EQ(g.attr_string("status"), "interrupted");
    const auto tn = g.shape("t").at(0);
    EXPECT_EQ(tn, g.shape("x").at(0));
    EXPECT_GT(tn, 0u);
    // Every delivered sample was written (nothing lost in the buffer on a clean stop).
    EXPECT_EQ(g.attr_int("samples"), static_cast<std::int64_t>(tn));
}

TEST(Cli, DemoRuns) {
    TempDir dir;
    const RunResult r = run_ratenet(args({"demo", "-o", "d"}), dir.path().string());
    ASSERT_EQ(r.code, 0) << trace(r);
    for (const char* name : {"wta", "random_tanh"}) {
        const std::string p = dir / (std::string("d/") + name + ".h5");
        ASSERT_TRUE(fs::exists(p)) << p;
        EXPECT_TRUE(fs::exists(dir / (std::string("d/") + name + ".toml")));
        h5::File f(p, h5::File::Mode::read_only);
        EXPECT_EQ(f.attr_string("status"), "completed");
    }
    // A second run refuses to overwrite them (they may be the user's by now), before
    // touching any; --force overwrites them.
    const std::string before = read_text(dir / "d/wta.toml");
    write_text(dir / "d/wta.toml", before + "# the user's edit\n");
    const RunResult again = run_ratenet(args({"demo", "-o", "d"}), dir.path().string());
    EXPECT_EQ(again.code, 2) << trace(again);
    EXPECT_TRUE(contains(again.err, "--force")) << again.err;
    EXPECT_EQ(read_text(dir / "d/wta.toml"), before + "# the user's edit\n");
    EXPECT_EQ(run_ratenet(args({"demo", "-o", "d", "--force"}), dir.path().string()).code, 0);
    EXPECT_EQ(read_text(dir / "d/wta.toml"), before);
}

namespace {

// output.network = "recipe": W is left out, and `ratenet network FILE` rebuilds
// it bit for bit from the file's stored config and seeds (dense and CSR).
TEST(Cli, RecipeFilesRebuildWBitForBit) {
    TempDir dir;
    const std::string src = std::string(RATENET_SOURCE_DIR) + "/configs/";
    for (const std::string& cfg : std::vector<std::string>{"random_tanh.toml", "random_sparse_relu.toml"}) {
        const std::string d = dir.path().string();
        const RunResult full = run_ratenet(args({"simulate", src + cfg, "-o", "full.h5", "--force", "-q",
                                                 "--set", "simulate.t_end=1", "--set", "simulate.dt_out=0.5"}), d);
        ASSERT_EQ(full.code, 0) << trace(full);
        const RunResult rec = run_ratenet(args({"simulate", src + cfg, "-o", "rec.h5", "--force", "-q", "--set",
                                                "simulate.t_end=1", "--set", "simulate.dt_out=0.5", "--set",
                                                "output.network=recipe"}), d);
        ASSERT_EQ(rec.code, 0) << trace(rec);
        const RunResult back = run_ratenet(args({"network", "rec.h5", "-o", "W.h5", "--force"}), d);
        ASSERT_EQ(back.code, 0) << trace(back);
        EXPECT_TRUE(contains(back.out, "rebuilt from rec.h5")) << back.out;
        h5::File f(dir / "full.h5", h5::File::Mode::read_only), r(dir / "rec.h5", h5::File::Mode::read_only),
            w(dir / "W.h5", h5::File::Mode::read_only);
        auto gf = f.group("network"), gr = r.group("network"), gw = w.group("network");
        EXPECT_EQ(gr.attr_string("W_format"), "recipe") << cfg;
        EXPECT_FALSE(gr.exists("W") || gr.exists("W_data")) << cfg;
        EXPECT_EQ(w.attr_string("kind"), "network");
        const std::string fmt = gf.attr_string("W_format");
        EXPECT_EQ(gw.attr_string("W_format"), fmt);
        {
            const std::string ds = fmt == "csr" ? "W_data" : "W";
            const auto a = gf.read_doubles(ds), b = gw.read_doubles(ds);
            ASSERT_EQ(a.size(), b.size()) << cfg;
            EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0) << cfg << " " << ds;
        }
        EXPECT_EQ(static_cast<double>(gr.attr_int("W_nonzeros")),
                  static_cast<double>(fmt == "csr" ? gf.read_doubles("W_data").size() : gf.read_doubles("W").size()));
        // The same trajectory either way: only the storage differs.
        const auto xf = f.group("trajectory").read_doubles("x"), xr = r.group("trajectory").read_doubles("x");
        EXPECT_EQ(xf, xr) << cfg;
    }
}

TEST(Cli, RecipeAndNetworkRefuseBadInputByName) {
    TempDir dir;
    const std::string d = dir.path().string();
    const std::string src = std::string(RATENET_SOURCE_DIR) + "/configs/";
    const RunResult bad = run_ratenet(args({"simulate", src + "random_tanh.toml", "-o", "x.h5", "--set",
                                            "output.network=partial"}), d);
    EXPECT_EQ(bad.code, 2);
    EXPECT_TRUE(contains(bad.err, "output.network = \"partial\"")) << bad.err;
    EXPECT_FALSE(fs::exists(dir / "x.h5"));
    // (matrix_npy.toml's paths are relative to the repository root)
    const RunResult matrix = run_ratenet(args({"simulate", "configs/matrix_npy.toml", "-o", dir / "m.h5",
                                               "--set", "output.network=recipe"}), RATENET_SOURCE_DIR);
    EXPECT_EQ(matrix.code, 2);
    EXPECT_TRUE(contains(matrix.err, "model \"matrix\" reads W from a file")) << matrix.err;
    EXPECT_FALSE(fs::exists(dir / "m.h5"));
    const RunResult missing = run_ratenet(args({"network", "nothing.h5"}), d);
    EXPECT_EQ(missing.code, 2);
    EXPECT_TRUE(contains(missing.err, "nothing.h5")) << missing.err;
    write_text(dir / "foreign.h5", std::string("\x89HDF\r\n\x1a\n", 8) + "not really");
    const RunResult foreign = run_ratenet(args({"network", "foreign.h5", "-o", "out.h5"}), d);
    EXPECT_EQ(foreign.code, 2);
    EXPECT_FALSE(fs::exists(dir / "out.h5"));
    const RunResult ok = run_ratenet(args({"network", src + "random_tanh.toml", "-q"}), d);
    ASSERT_EQ(ok.code, 0) << trace(ok);
    EXPECT_TRUE(fs::exists(dir / "random_tanh.network.h5"));
    const RunResult self = run_ratenet(args({"network", "random_tanh.network.h5", "-o", "random_tanh.network.h5"}), d);
    EXPECT_EQ(self.code, 2);
    EXPECT_TRUE(contains(self.err, "SOURCE itself")) << self.err;
}

}  // namespace
