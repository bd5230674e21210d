// Every example config in configs/*.toml must run (a config nobody can run is a
// bug). The list is globbed from RATENET_SOURCE_DIR when this binary starts, and
// each config runs with the working directory RATENET_SOURCE_DIR (configs use
// paths relative to the repository root, e.g. configs/data/W_small.npy).
//
// Convention: a config whose job is not `ratenet simulate` says so on its FIRST
// line with a comment
//
//     # ratenet: <subcommand>          e.g.  # ratenet: permitted
//
// and is run as `ratenet <subcommand> CONFIG -o OUT.h5 --force`; the subcommand
// must be listed by `ratenet --help`, otherwise the test fails. Every other config
// is run as `ratenet simulate CONFIG -o OUT.h5 --force --set simulate.t_end=T`
// with T cut down (at most t_start + max(1, 4 dt_out)) to keep the test fast.
// Either way the run must exit 0 and write a file whose root status is
// "completed".
//
// A config that is too slow for a unit test as written may add, anywhere in its
// leading comment block, lines
//
//     # ratenet-test: --set lyapunov.t_sim=20 --set chaos.seeds=1
//
// whose words (split at whitespace, no quoting) are appended to the command line
// of this test only (after the t_end cut, so they win).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <toml++/toml.h>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "io/schema.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;

namespace {

const std::string source_dir = RATENET_SOURCE_DIR;

std::vector<std::string> config_names() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(source_dir) / "configs", ec))
        if (e.is_regular_file() && e.path().extension() == ".toml") out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// "# ratenet: permitted" on the first line -> "permitted"; otherwise "simulate".
std::string subcommand_of(const std::string& path) {
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    static const std::regex re(R"(^#\s*ratenet:\s*([A-Za-z0-9_-]+)\s*$)");
    std::smatch m;
    if (std::regex_match(first, m, re)) return m[1];
    return "simulate";
}

// The words of every "# ratenet-test: ..." line in the leading comment block.
std::vector<std::string> test_arguments(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string line;
    static const std::regex re(R"(^#\s*ratenet-test:\s*(.*)$)");
    while (std::getline(in, line)) {
        if (line.empty() || line[0] != '#') break;
        std::smatch m;
        if (std::regex_match(line, m, re)) {
            std::istringstream words(m[1].str());
            std::string w;
            while (words >> w) out.push_back(w);
        }
    }
    return out;
}

bool binary_has_subcommand(const std::string& sub) {
    static const RunResult help = run_ratenet("--help", source_dir);
    // CLI11 lists subcommands one per line, indented, name first.
    const std::regex re("(^|\n)[ \t]+" + sub + "[ \t\n]");
    return help.code == 0 && std::regex_search(help.out, re);
}

std::string param_name(const testing::TestParamInfo<std::string>& info) {
    std::string s = info.param.substr(0, info.param.size() - 5);  // drop ".toml"
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

class Configs : public testing::TestWithParam<std::string> {};

}  // namespace

TEST(ConfigsList, FoundTheExamples) {
    const auto names = config_names();
    EXPECT_GE(names.size(), 8u);  // the glob works and did not come back empty
    for (const char* expected : {"hahnloser_wta.toml", "ctln_3cycle.toml", "random_tanh.toml", "matrix_npy.toml"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

TEST(ConfigsList, SubcommandConvention) {
    TempDir dir;
    write_text(dir / "a.toml", "# ratenet: permitted\n[model]\n");
    write_text(dir / "b.toml", "#ratenet:fixed-points  \n");
    write_text(dir / "c.toml", "# A simulate config\n# ratenet: lyapunov (not on the first line)\n");
    write_text(dir / "d.toml", "[model]\n");
    write_text(dir / "e.toml", "# ratenet: chaos\n# ratenet-test: --set chaos.seeds=1\n#ratenet-test:  -q\n[model]\n"
                               "# ratenet-test: --set ignored=1\n");
    EXPECT_EQ(test_arguments(dir / "e.toml"), (std::vector<std::string>{"--set", "chaos.seeds=1", "-q"}));
    EXPECT_TRUE(test_arguments(dir / "d.toml").empty());
    EXPECT_EQ(subcommand_of(dir / "a.toml"), "permitted");
    EXPECT_EQ(subcommand_of(dir / "b.toml"), "fixed-points");
    EXPECT_EQ(subcommand_of(dir / "c.toml"), "simulate");
    EXPECT_EQ(subcommand_of(dir / "d.toml"), "simulate");
    EXPECT_TRUE(binary_has_subcommand("simulate"));
    EXPECT_TRUE(binary_has_subcommand("info"));
    EXPECT_FALSE(binary_has_subcommand("no-such-command"));
}

TEST_P(Configs, RunsAndCompletes) {
    const std::string name = GetParam();
    const std::string rel = "configs/" + name;
    const std::string sub = subcommand_of(source_dir + "/" + rel);
    TempDir dir;
    const std::string out = dir / (name + ".h5");
    std::string cmd = sub + " " + sh_quote(rel) + " -o " + sh_quote(out) + " --force";
    if (sub == "simulate") {
        toml::table tbl;
        ASSERT_NO_THROW(tbl = toml::parse_file(source_dir + "/" + rel)) << rel;
        const double t_start = tbl["simulate"]["t_start"].value<double>().value_or(0.0);
        const double t_end = tbl["simulate"]["t_end"].value<double>().value_or(100.0);
        const double dt_out = tbl["simulate"]["dt_out"].value<double>().value_or(0.1);
        const double t_short = std::min(t_end, t_start + std::max(1.0, 4 * dt_out));
        std::ostringstream ss;
        ss.precision(17);
        ss << t_short;
        cmd += " --set " + sh_quote("simulate.t_end=" + ss.str());
    } else {
        ASSERT_TRUE(binary_has_subcommand(sub))
            << rel << " asks for `ratenet " << sub << "` on its first line, but `ratenet --help` does not list it";
    }
    for (const auto& w : test_arguments(source_dir + "/" + rel)) cmd += " " + sh_quote(w);
    const RunResult r = run_ratenet(cmd, source_dir);
    ASSERT_EQ(r.code, 0) << "ratenet " << cmd << "\nstderr: " << r.err << "\nstdout: " << r.out;
    ASSERT_TRUE(fs::exists(out)) << r.out;
    EXPECT_FALSE(fs::exists(out + ".part"));
    h5::File f(out, h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("format"), "ratenet");
    EXPECT_EQ(f.attr_string("status"), "completed") << f.attr_string("message");
    // Every dataset and attribute as docs/file-format.md describes it.
    for (const auto& p : ratenet::io::schema::check(f)) ADD_FAILURE() << rel << ": " << p;
    if (sub == "simulate") {
        auto g = f.group("trajectory");
        EXPECT_EQ(g.attr_string("status"), "completed");
        EXPECT_GT(g.shape("t").at(0), 1u);
        for (double v : g.read_doubles("x")) ASSERT_TRUE(std::isfinite(v));
    }
}

INSTANTIATE_TEST_SUITE_P(AllConfigs, Configs, testing::ValuesIn(config_names()), param_name);
