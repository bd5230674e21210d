// Progress in batch logs (stderr not a terminal): one record per interval for
// simulate, lyapunov, sweep and chaos; nothing with -q; and --resume says what
// it reused.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <regex>
#include <thread>

#include "cli_util.hpp"

using namespace ratenet_test;

namespace {

const std::string tanh_net = R"([model]
name = "random_gaussian"
n = 100
g = 2.0
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
)";

// The records of a run: "ratenet: WHAT P% (DONE of TOTAL), S s elapsed, ETA E s".
std::vector<double> percents(const std::string& err, const std::string& what) {
    std::vector<double> out;
    const std::regex rec("ratenet: " + what + " ([0-9.]+)% \\(([0-9.e+]+) of ([0-9.e+]+)\\), [0-9]+ s elapsed, ETA [0-9]+ s\n");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), rec); it != std::sregex_iterator(); ++it)
        out.push_back(std::stod((*it)[1]));
    return out;
}

// Sets RATENET_PROGRESS_SECONDS for the runs of one test.
struct Interval {
    explicit Interval(const char* s) { setenv("RATENET_PROGRESS_SECONDS", s, 1); }
    ~Interval() { unsetenv("RATENET_PROGRESS_SECONDS"); }
};

}  // namespace

TEST(Progress, BatchLogsGetRecordsAtAFixedInterval) {
    TempDir d;
    write_text(d / "net.toml", tanh_net + "[simulate]\nt_end = 4000.0\ndt_out = 1.0\n[lyapunov]\nt_warmup = 20.0\n"
                                          "t_sim = 250.0\nk = 10\n");
    Interval every("0.1");
    for (const auto& [cmd, what] : {std::pair<std::string, std::string>{"simulate", "simulate"}, {"lyapunov", "lyapunov"}}) {
        SCOPED_TRACE(cmd);
        const auto r = run_ratenet(cmd + " net.toml -o " + cmd + ".h5", d.path());
        ASSERT_EQ(r.code, 0) << r.err;
        const auto p = percents(r.err, what);
        ASSERT_GE(p.size(), 2u) << "stderr:\n" << r.err;
        for (std::size_t i = 1; i < p.size(); ++i) EXPECT_GE(p[i], p[i - 1]);  // progress only goes forward
        EXPECT_LE(p.back(), 100.0);
        // -q: nothing at all.
        const auto q = run_ratenet(cmd + " net.toml -q --force -o " + cmd + ".h5", d.path());
        ASSERT_EQ(q.code, 0) << q.err;
        EXPECT_EQ(q.err, "");
    }
    // The default interval is a minute: a short run prints no record.
    unsetenv("RATENET_PROGRESS_SECONDS");
    const auto r = run_ratenet("lyapunov net.toml --force -o lyapunov.h5 --set lyapunov.t_sim=50", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(percents(r.err, "lyapunov").empty()) << r.err;
}

TEST(Progress, SweepsAndChaosCountPoints) {
    TempDir d;
    write_text(d / "sw.toml", tanh_net + "[simulate]\nt_end = 150.0\n[sweep]\nseeds = 4\n[sweep.params]\n"
                                         "\"model.g\" = [0.5, 1.5, 2.5]\n");
    Interval every("0.05");
    const auto r = run_ratenet("sweep sw.toml -o sw.h5", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(percents(r.err, "sweep points").empty()) << r.err;
    write_text(d / "ch.toml", tanh_net + "[lyapunov]\nt_warmup = 10.0\nt_sim = 40.0\n[chaos]\ng = [0.5, 1.5, 2.5]\nseeds = 2\n");
    const auto c = run_ratenet("chaos ch.toml -o ch.h5", d.path());
    ASSERT_EQ(c.code, 0) << c.err;
    EXPECT_FALSE(percents(c.err, "chaos points").empty()) << c.err;
}

TEST(Progress, ResumeSaysWhatItReused) {
    TempDir d;
    write_text(d / "sw.toml", tanh_net + "[simulate]\nt_end = 400.0\n[sweep]\nseeds = 10\n[sweep.params]\n"
                                         "\"model.g\" = [1.5, 2.5]\n");
    const pid_t pid = spawn_ratenet({"sweep", "sw.toml", "-o", "sw.h5", "-q"}, d.path().string());
    // Interrupt once a few points are committed.
    auto committed = [&] {
        std::size_t n = 0;
        if (fs::exists(d / "sw.h5.points"))
            for (const auto& e : fs::directory_iterator(d / "sw.h5.points")) n += e.path().extension() == ".bin";
        return n;
    };
    for (int i = 0; i < 500 && committed() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(pid, SIGINT);
    wait_child(pid);
    if (fs::exists(d / "sw.h5")) GTEST_SKIP() << "the sweep finished before it could be interrupted";
    const std::size_t before = committed();
    ASSERT_GE(before, 3u);
    const auto r = run_ratenet("sweep sw.toml -o sw.h5 --resume", d.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("resumed: " + std::to_string(before) + " finished point(s) reused from sw.h5.points"),
              std::string::npos)
        << r.out;

    write_text(d / "ly.toml", tanh_net + "[lyapunov]\nt_warmup = 10.0\nt_sim = 1000.0\nk = 5\n");
    const pid_t lp = spawn_ratenet({"lyapunov", "ly.toml", "-o", "ly.h5", "-q", "--checkpoint-every", "0.05"},
                                   d.path().string());
    for (int i = 0; i < 500 && !fs::exists(d / "ly.h5.part"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    kill(lp, SIGTERM);
    wait_child(lp);
    if (fs::exists(d / "ly.h5")) GTEST_SKIP() << "the run finished before it could be interrupted";
    const auto l = run_ratenet("lyapunov ly.toml -o ly.h5 --resume", d.path());
    ASSERT_EQ(l.code, 0) << l.err;
    const std::regex said("resumed from the checkpoint at t = ([0-9.e+]+) in ly.h5.part\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(l.out, m, said)) << l.out;
    EXPECT_GT(std::stod(m[1]), 0.0);
    EXPECT_LT(std::stod(m[1]), 1010.0);
}
