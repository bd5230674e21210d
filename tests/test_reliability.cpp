// Regression tests for data loss, crashes and late checks (the hostile corpus in
// tests/hostile/ drives the same paths through the binary). Each test names the
// failure it guards against; each failed before its fix.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli_util.hpp"
#include "io/claim.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "io/matrix_file.hpp"
#include "io/output.hpp"
#include "io/sweep_file.hpp"
#include "io/sweep_plan.hpp"
#include "ratenet/chaos.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/integrate.hpp"
#include "ratenet/rng.hpp"
#include "ratenet/tln.hpp"

using namespace ratenet;
using ratenet_test::TempDir;
namespace fs = std::filesystem;

namespace {

// dx/dt = -x + b with relu (b > 0 keeps it linear): x(t) = b + (x0 - b) e^-(t - t0).
Network decay_net(Eigen::Index n) {
    Network net;
    net.form = Form::rate;
    net.phi.kind = TransferKind::relu;
    net.W = Eigen::MatrixXd::Zero(n, n);
    net.tau = Eigen::VectorXd::Ones(n);
    net.input.b = Eigen::VectorXd::LinSpaced(n, 1.0, 2.0);
    return net;
}

struct Samples : TrajectoryObserver {
    std::vector<double> t;
    std::vector<Eigen::VectorXd> x;
    std::int64_t stop_after = -1;  // should_stop() once this many samples arrived
    void observe(double tt, const Eigen::VectorXd& xx) override {
        t.push_back(tt);
        x.push_back(xx);
    }
    bool should_stop() override { return stop_after >= 0 && static_cast<std::int64_t>(t.size()) >= stop_after; }
};

std::string error_text(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

// ---------------------------------------------------------------- one writer per output name

TEST(OutputClaim, SecondClaimOnTheSameNameIsRefusedWithThePid) {
    TempDir dir;
    const std::string out = dir / "o.h5";
    {
        io::OutputClaim first(out, false);
        // flock locks belong to the open file description: a second claim conflicts
        // even from the same process, exactly as from another one.
        const std::string msg = error_text([&] { io::OutputClaim second(out, true); });
        EXPECT_NE(msg.find("is being written by another ratenet process (pid " + std::to_string(getpid()) + ")"),
                  std::string::npos)
            << msg;
        EXPECT_TRUE(fs::exists(out + ".lock"));
    }
    EXPECT_FALSE(fs::exists(out + ".lock")) << "the lock file is removed with the claim";
    io::OutputClaim again(out, false);  // free again
}

TEST(OutputClaim, RefusesEmptyNamesDirectoriesAndMissingParents) {
    TempDir dir;
    EXPECT_NE(error_text([&] { io::OutputClaim c("", false); }).find("must not be empty"), std::string::npos);
    EXPECT_NE(error_text([&] { io::OutputClaim c(dir.path().string(), true); }).find("is a directory"), std::string::npos);
    EXPECT_NE(error_text([&] { io::OutputClaim c(dir / "no/such/out.h5", true); }).find("does not exist"),
              std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "no"));
}

TEST(OutputClaim, ALeftoverPartIsKeptUnlessForced) {
    TempDir dir;
    const std::string out = dir / "o.h5";
    ratenet_test::write_text(out + ".part", "samples of a killed run");
    io::OutputClaim c(out, false);
    EXPECT_NE(error_text([&] { c.refuse_leftover_part(false); }).find("--force"), std::string::npos);
    EXPECT_EQ(ratenet_test::read_text(out + ".part"), "samples of a killed run");
    c.refuse_leftover_part(true);
    EXPECT_FALSE(fs::exists(out + ".part"));
}

TEST(OutputClaim, ReplaceAtomicallyNamesTheTargetAndLeavesNoTemporary) {
    TempDir dir;
    const std::string out = dir / "f.h5";
    ratenet_test::write_text(out, "old");
    const std::string msg = error_text([&] {
        io::replace_atomically(out, [&](const std::string& tmp) {
            ratenet_test::write_text(tmp, "half");
            throw io_error(tmp, "disk trouble");
        });
    });
    EXPECT_EQ(msg.find(".tmp"), std::string::npos) << msg;
    EXPECT_NE(msg.find(out), std::string::npos) << msg;
    EXPECT_EQ(ratenet_test::read_text(out), "old");
    for (const auto& e : fs::directory_iterator(dir.path())) EXPECT_EQ(e.path().filename(), "f.h5");
}

// ---------------------------------------------------------------- nothing behind after a refusal

TEST(OutputFile, APartWithoutResultsIsRemovedWhenAnExceptionUnwinds) {
    TempDir dir;
    const std::string out = dir / "o.h5";
    try {
        io::OutputFile f(out, false);
        io::RunInfo info;
        info.kind = "permitted";
        f.write_header(info);
        throw invalid_parameter("W", "[3 x 3]", "must be symmetric");  // a late check
    } catch (const invalid_parameter&) {
    }
    EXPECT_FALSE(fs::exists(out + ".part"));
    EXPECT_FALSE(fs::exists(out + ".lock"));
    // With results marked, the same unwinding keeps the file.
    try {
        io::OutputFile f(out, false);
        io::RunInfo info;
        info.kind = "simulate";
        f.write_header(info);
        f.mark_data();
        throw io_error(out, "no space left on device");
    } catch (const io_error&) {
    }
    ASSERT_TRUE(fs::exists(out + ".part"));
    h5::File f(out + ".part", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("status"), "running");
}

TEST(TrajectoryWriter, SamplesAttributeFollowsTheRowsAfterEveryFlush) {
    TempDir dir;
    const std::string out = dir / "t.h5";
    const Network net = decay_net(3);
    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.t_end = 10.0;
    opt.dt = 0.01;
    opt.dt_out = 0.01;
    io::RecordOptions rec;
    rec.flush_seconds = 1e-9;  // flush after every sample
    io::OutputFile f(out, false);
    io::TrajectoryWriter w(f, net, opt, rec, nullptr);
    const Eigen::VectorXd x = Eigen::VectorXd::Zero(3);
    for (int k = 0; k < 7; ++k) {
        w.observe(0.01 * k, x);
        h5::File r(out + ".part", h5::File::Mode::read_only);
        auto g = r.group("trajectory");
        EXPECT_EQ(g.attr_int("samples"), k + 1);
        EXPECT_EQ(g.shape("t")[0], static_cast<hsize_t>(k + 1));
        EXPECT_EQ(g.shape("x")[0], static_cast<hsize_t>(k + 1));
    }
}

// ---------------------------------------------------------------- integrate

// dopri5 with a grid spacing at or below the old end-of-segment slack
// (1e-12 |t_end|) asked the dense output for a state before its first step: a
// segfault. The samples must now match the exact solution.
TEST(Integrate, Dopri5GridFinerThanTheRoundingSlackAtLargeTimes) {
    const Network net = decay_net(2);
    IntegratorOptions opt;
    opt.method = Method::dopri5;
    opt.t_start = 1e6;
    opt.t_end = 1e6 + 1e-3;
    opt.dt_out = 1e-6;
    opt.atol = 1e-12;
    opt.rtol = 1e-10;
    const Eigen::VectorXd x0 = Eigen::VectorXd::Zero(2);
    Samples s;
    const RunResult r = integrate(net, x0, opt, s);
    ASSERT_EQ(r.status, RunStatus::completed) << r.message;
    ASSERT_EQ(s.t.size(), 1001u);
    for (std::size_t k = 0; k < s.t.size(); k += 50) {
        const double dt = s.t[k] - opt.t_start;
        for (Eigen::Index i = 0; i < 2; ++i)
            EXPECT_NEAR(s.x[k][i], net.input.b[i] * (1.0 - std::exp(-dt)), 1e-9) << "sample " << k;
    }
}

// The observer's own errors (a full disk) used to be caught as "integrator
// failed": a divergence with the I/O error hidden in its message.
TEST(Integrate, AnObserverErrorPropagatesInsteadOfBecomingADivergence) {
    struct Failing : TrajectoryObserver {
        int n = 0;
        void observe(double, const Eigen::VectorXd&) override {
            if (++n == 5) throw io_error("out.h5.part", "no space left on device");
        }
    } obs;
    const Network net = decay_net(2);
    for (Method m : {Method::rk4, Method::dopri5}) {
        IntegratorOptions opt;
        opt.method = m;
        opt.t_end = 1.0;
        opt.dt_out = 0.1;
        obs.n = 0;
        EXPECT_THROW(integrate(net, Eigen::VectorXd::Zero(2), opt, obs), io_error) << to_string(m);
    }
}

// A stop request during a step that covers many grid points used to wait for
// the next step (minutes, on a dense grid): it is now seen within one sample.
TEST(Integrate, StopIsSeenBetweenSamplesOfOneStep) {
    const Network net = decay_net(2);
    IntegratorOptions opt;
    opt.method = Method::dopri5;
    opt.t_end = 100.0;
    opt.dt = 10.0;
    opt.dt_out = 1e-4;  // thousands of samples per accepted step near equilibrium
    Samples s;
    s.stop_after = 10;
    const RunResult r = integrate(net, Eigen::VectorXd::Constant(2, 1.5), opt, s);
    EXPECT_EQ(r.status, RunStatus::interrupted);
    EXPECT_EQ(s.t.size(), 10u);
    EXPECT_EQ(r.samples, 10);
}

// ---------------------------------------------------------------- enumerations stop on request

TEST(Enumerations, StopFlagEndsPermittedFixedPointsAndCopositivityAsInterrupted) {
    const Eigen::Index n = 30;
    Eigen::MatrixXd W = Eigen::MatrixXd::Constant(n, n, 0.01);
    W.diagonal().setZero();
    std::atomic<bool> stop{true};
    PermittedOptions po;
    po.stop = &stop;
    const PermittedResult p = permitted_sets(W, po);
    EXPECT_EQ(p.status, EnumerationStatus::interrupted);
    EXPECT_EQ(to_string(p.status), "interrupted");
    EXPECT_LT(p.n_permitted, std::uint64_t{1} << 20) << "stopped early, not at the end";
    FixedPointOptions fo;
    fo.stop = &stop;
    fo.prune = false;
    const FixedPointResult f = fixed_points(W, Eigen::VectorXd::Ones(n), fo);
    EXPECT_EQ(f.status, EnumerationStatus::interrupted);
    EXPECT_NE(f.message.find("interrupted"), std::string::npos) << f.message;
    // Without the flag both run to completion (the flag, not the size, stopped them).
    stop = false;
    po.max_sets = 64;
    EXPECT_EQ(permitted_sets(W, po).status, EnumerationStatus::truncated);
}

TEST(Enumerations, NegativeTimeBudgetsAreRefused) {
    PermittedOptions po;
    po.max_seconds = -1;
    EXPECT_THROW(po.validate(), invalid_parameter);
    FixedPointOptions fo;
    fo.max_seconds = -1;
    EXPECT_THROW(fo.validate(3), invalid_parameter);
    CopositivityOptions co;
    co.max_seconds = -1;
    EXPECT_THROW(co.validate(), invalid_parameter);
}

TEST(Chaos, CouplingGridIsCheckedBeforeAnyPointRuns) {
    EXPECT_THROW(validate_coupling_grid({1.0, 1.0}), invalid_parameter);
    EXPECT_THROW(validate_coupling_grid({}), invalid_parameter);
    EXPECT_THROW(validate_coupling_grid({1.0, NAN}), invalid_parameter);
    EXPECT_NO_THROW(validate_coupling_grid({0.5, 1.0, 1.5}));
}

// ---------------------------------------------------------------- hostile input files

TEST(MatrixFile, NpyHeaderClaimingMoreThanTheFileHoldsIsRefusedBeforeAllocating) {
    TempDir dir;
    const std::string path = dir / "big.npy";
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    {
        std::ofstream out(path, std::ios::binary);
        out.write("\x93NUMPY\x01\x00", 8);
        const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
        out.write(len, 2);
        out << header;
        out << std::string(256, '\0');
    }
    const auto t0 = std::chrono::steady_clock::now();
    const std::string msg = error_text([&] { (void)io::read_matrix(path, "W"); });
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
    EXPECT_NE(msg.find("claims 20000 x 20000"), std::string::npos) << msg;
    EXPECT_NE(msg.find("holds only"), std::string::npos) << msg;
}

TEST(H5, ScalarReadsOfArrayAttributesAreRefused) {
    TempDir dir;
    const std::string path = dir / "a.h5";
    {
        h5::File f(path, h5::File::Mode::create_truncate);
        f.attr("v", std::vector<double>(64, 1.0));
    }
    h5::File f(path, h5::File::Mode::read_only);
    EXPECT_THROW((void)f.attr_double("v"), io_error);
    EXPECT_THROW((void)f.attr_int("v"), io_error);
    EXPECT_EQ(f.attr_size("v"), 64);
    EXPECT_EQ(f.attr_kind("v"), h5::Location::AttrKind::number);
}

TEST(SweepFile, ShapesAreCheckedAgainstThePointCount) {
    TempDir dir;
    const std::string path = dir / "s.h5";
    {
        h5::File f(path, h5::File::Mode::create_truncate);
        f.attr("format", "ratenet");
        f.attr("ratenet_version", "x");
        f.attr("config", "");
        f.attr("kind", "sweep");
        auto g = f.create_group("sweep");
        g.attr("sweep_hash", "0");
        g.attr("analysis", "simulate");
        g.attr("n_points", std::int64_t{1000});
        g.write_strings("status", {"completed", "completed"});
        g.write("seconds", std::vector<double>{1.0, 2.0});
    }
    const std::string msg = error_text([&] { (void)io::read_sweep_file(path); });
    EXPECT_NE(msg.find("n_points = 1000"), std::string::npos) << msg;
}

TEST(Journal, AFlippedBitIsDetectedAndThePointRunsAgain) {
    TempDir dir;
    io::Journal j(dir / "out.h5.points", "abc");
    j.open(false);
    io::PointResult r;
    r.status = "completed";
    r.seconds = 0.5;
    r.values.emplace_back("lambda_max", std::vector<double>{0.125, -2.0, 3.5});
    j.write(7, r);
    ASSERT_TRUE(j.has(7));
    const io::PointResult back = j.read(7);
    EXPECT_EQ(back.values.at(0).second, r.values.at(0).second);
    // Flip one bit inside the stored values.
    const std::string file = dir / "out.h5.points/p000000007.bin";
    std::string bytes = ratenet_test::read_text(file);
    bytes[bytes.size() - 20] = static_cast<char>(bytes[bytes.size() - 20] ^ 0x04);
    ratenet_test::write_text(file, bytes);
    EXPECT_NE(error_text([&] { (void)j.read(7); }).find("checksum"), std::string::npos);
    std::string damaged;
    EXPECT_FALSE(j.has(7, &damaged));
    EXPECT_NE(damaged.find("checksum"), std::string::npos) << damaged;
    EXPECT_FALSE(fs::exists(file)) << "a damaged point is removed so that it runs again";
}

TEST(SweepPlan, HugeSweepsAreCountedAndRefusedBeforeExpansion) {
    const std::string text = R"([model]
name = "hahnloser_wta"
[sweep]
seeds = 2
[sweep.params]
"model.alpha" = { linspace = [0.0, 1.0, 1000000000] }
)";
    const io::Config cfg = io::Config::parse(text, "huge.toml");
    const auto t0 = std::chrono::steady_clock::now();
    const std::string msg = error_text([&] { (void)io::read_sweep_plan(cfg); });
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
    EXPECT_NE(msg.find("2e+09 points"), std::string::npos) << msg;
    const io::Config bad = io::Config::parse(R"([model]
name = "hahnloser_wta"
[sweep.params]
"seed_index" = [1, 2]
)",
                                             "bad.toml");
    EXPECT_NE(error_text([&] { (void)io::read_sweep_plan(bad); }).find("section.key"), std::string::npos);
}

// ---------------------------------------------------------------- docs are claims

namespace {
std::set<std::string> flags_in(const std::string& text, const std::regex& re) {
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1].str());
    return out;
}
}  // namespace

// Every command section of docs/commands.md lists exactly the flags its --help shows.
TEST(Docs, CommandFlagsMatchHelp) {
    const std::string doc = ratenet_test::read_text(std::string(RATENET_SOURCE_DIR) + "/docs/commands.md");
    const std::regex heading("\n## `ratenet ([a-z-]+)");
    std::vector<std::pair<std::string, std::size_t>> sections;
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), heading); it != std::sregex_iterator(); ++it)
        sections.emplace_back((*it)[1].str(), static_cast<std::size_t>(it->position()));
    TempDir dir;
    // One section per command `ratenet --help` lists, and no other.
    {
        const auto top = ratenet_test::run_ratenet("--help", dir.path().string());
        std::set<std::string> listed, documented;
        std::istringstream lines(top.out.substr(top.out.find("Subcommands:")));
        std::string line;
        std::getline(lines, line);
        for (; std::getline(lines, line);) {
            std::istringstream words(line);
            std::string w;
            if (words >> w) listed.insert(w);
        }
        for (const auto& s : sections) documented.insert(s.first);
        EXPECT_EQ(documented, listed) << "docs/commands.md has one section per command";
        ASSERT_EQ(sections.size(), listed.size()) << "a command documented twice";
    }
    for (std::size_t s = 0; s < sections.size(); ++s) {
        const auto& [cmd, pos] = sections[s];
        const std::size_t end = s + 1 < sections.size() ? sections[s + 1].second : doc.size();
        std::string table;
        std::istringstream lines(doc.substr(pos, end - pos));
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("| `-", 0) == 0) table += line.substr(0, line.find(" | ", 2)) + "\n";
        const auto documented = flags_in(table, std::regex("`(-{1,2}[a-z][a-z-]*)"));
        const auto r = ratenet_test::run_ratenet(cmd + " --help", dir.path().string());
        ASSERT_EQ(r.code, 0) << cmd;
        // The first word of each option line: "-o,--output" -> -o, --output.
        std::set<std::string> shown;
        std::istringstream help(r.out.substr(r.out.find("Options:")));
        for (std::string line; std::getline(help, line);) {
            const auto first = line.find_first_not_of(' ');
            if (first == std::string::npos || line[first] != '-') continue;
            const std::string word = line.substr(first, line.find(' ', first) - first);
            for (const auto& f : flags_in(word, std::regex("(-{1,2}[a-z][a-z-]*)"))) shown.insert(f);
        }
        shown.erase("-h");
        shown.erase("--help");
        EXPECT_EQ(documented, shown) << "docs/commands.md, section ratenet " << cmd;
    }
}

// docs/config.md and docs/reproducibility.md: a sweep point's seeds are
// derive_seed(base, seed_index) >> 1, for every stream, whatever the point's values.
TEST(Docs, SweepPointSeedsAreShiftedDerivedSeeds) {
    const auto cfg = ratenet::io::Config::parse(R"([model]
name = "random_gaussian"
n = 4
[seeds]
network = 11
initial = 22
noise = 33
tangent = 44
[sweep]
seeds = 3
[sweep.params]
"model.g" = [0.5, 1.5]
)",
                                                "s.toml");
    const auto plan = ratenet::io::read_sweep_plan(cfg);
    ASSERT_EQ(plan.n_points(), 6);
    for (std::int64_t p = 0; p < plan.n_points(); ++p) {
        const auto s = ratenet::io::read_seeds(ratenet::io::point_config(cfg, plan, p));
        const auto si = static_cast<std::uint64_t>(plan.seed_index(p));
        EXPECT_EQ(s.network, ratenet::derive_seed(11, si) >> 1) << p;
        EXPECT_EQ(s.initial, ratenet::derive_seed(22, si) >> 1) << p;
        EXPECT_EQ(s.noise, ratenet::derive_seed(33, si) >> 1) << p;
        EXPECT_EQ(s.tangent, ratenet::derive_seed(44, si) >> 1) << p;
    }
}

// README: the commands that read a config all take -o, --set, --force and -q.
TEST(Docs, ReadmeCommonFlags) {
    const std::string readme = ratenet_test::read_text(std::string(RATENET_SOURCE_DIR) + "/README.md");
    std::smatch m;
    const std::string flat = std::regex_replace(readme, std::regex("\\s+"), " ");
    ASSERT_TRUE(std::regex_search(flat, m, std::regex("The commands that read a config \\(([^)]*)\\) take ([^;]*);")));
    const auto commands = flags_in(m[1].str(), std::regex("`([a-z-]+)`"));
    ASSERT_GE(commands.size(), 6u);
    const auto claimed = flags_in(m[2].str(), std::regex("`(-{1,2}[a-z]+)"));
    EXPECT_EQ(claimed, (std::set<std::string>{"-o", "--set", "--force", "-q"}));
    TempDir dir;
    for (const auto& c : commands) {
        const auto r = ratenet_test::run_ratenet(c + " --help", dir.path().string());
        ASSERT_EQ(r.code, 0) << c;
        for (const auto& f : claimed)
            EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|[ ,])" + f + "([ ,=]|$)", std::regex::multiline)))
                << c << " --help does not show " << f;
    }
}
