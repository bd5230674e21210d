// The file description (io/schema.hpp): every kind of file the binary writes
// conforms to it, the checker finds what does not, the writer refuses what the
// description does not hold, and docs/file-format.md is its output.
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

#include "cli_util.hpp"
#include "io/h5.hpp"
#include "io/lyapunov_file.hpp"
#include "io/schema.hpp"
#include "ratenet/errors.hpp"

using namespace ratenet_test;
namespace h5 = ratenet::h5;
namespace schema = ratenet::io::schema;

namespace {

const std::string source_dir = RATENET_SOURCE_DIR;

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

std::vector<std::string> problems_of(const std::string& path) {
    h5::File f(path, h5::File::Mode::read_only);
    return schema::check(f);
}

const std::string tln4 = R"(
[model]
name = "hahnloser_wta"
n = 4
[network]
form = "rate"
[transfer]
name = "relu"
)";

const std::string tanh_net = R"(
[model]
name = "random_gaussian"
n = 12
g = 2.0
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[simulate]
method = "rk4"
dt = 0.1
t_end = 4.0
dt_out = 1.0
[lyapunov]
dt = 0.05
t_ons = 1.0
t_warmup = 2.0
t_ons_warmup = 2.0
t_sim = 6.0
k = 3
)";

// A file of each kind and shape the binary writes (the configs/ files are
// checked by test_configs): sparse W with a schedule and prelu, permitted sets
// with verification, every sweep analysis, an ensemble sweep.
struct Case {
    std::string name, config, command;
};

std::vector<Case> cases() {
    return {
        {"simulate_csr_schedule_prelu", R"(
[model]
name = "random_gaussian"
n = 6
g = 1.5
k = 2
[network]
form = "rate"
[input]
b = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
[[input.schedule]]
t_start = 0.0
t_end = 1.0
b = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
[transfer]
name = "prelu"
slopes = [0.1, 0.1, 0.2, 0.2, 0.3, 0.3]
[simulate]
method = "rk4"
dt = 0.05
t_end = 2.0
dt_out = 0.5
float32 = true
)",
         "simulate c.toml -o out.h5 -q"},
        {"permitted_verify", tln4, "permitted c.toml -o out.h5 --verify -q"},
        {"fixed_points", tln4, "fixed-points c.toml -o out.h5 -q"},
        {"lyapunov", tanh_net, "lyapunov c.toml -o out.h5 -q"},
        {"sweep_simulate_ensemble", tanh_net + "[sweep]\nseeds = 2\nensemble = 3\n[sweep.params]\n\"model.g\" = [0.5, 2.0]\n",
         "sweep c.toml -o out.h5 -q"},
        {"sweep_lyapunov", tanh_net + "[sweep]\nanalysis = \"lyapunov\"\n[sweep.params]\n\"model.g\" = [0.5, 2.0]\n",
         "sweep c.toml -o out.h5 -q"},
        {"sweep_fixed_points", tln4 + "[sweep]\nanalysis = \"fixed_points\"\n[sweep.params]\n\"model.beta\" = [0.5, 2.0]\n",
         "sweep c.toml -o out.h5 -q"},
    };
}

}  // namespace

TEST(Schema, EveryKindOfFileConforms) {
    for (const auto& c : cases()) {
        TempDir d;
        write_text(d / "c.toml", c.config);
        const auto r = run_ratenet(c.command, d.path());
        ASSERT_EQ(r.code, 0) << c.name << ": " << r.err;
        const auto p = problems_of(d / "out.h5");
        EXPECT_TRUE(p.empty()) << c.name << ":\n" << joined(p);
        // The command line checker agrees.
        const auto chk = run_ratenet("schema --check out.h5", d.path());
        EXPECT_EQ(chk.code, 0) << c.name << ": " << chk.out << chk.err;
    }
}

TEST(Schema, CheckpointConforms) {
    TempDir d;
    ratenet::LyapunovCheckpoint cp;
    cp.dimension = 5;
    cp.k = 2;
    cp.n_blocks = 3;
    cp.x = Eigen::VectorXd::Ones(5);
    cp.Q = Eigen::MatrixXd::Identity(5, 2);
    cp.log_sums = Eigen::VectorXd::Zero(2);
    cp.block_sums = Eigen::MatrixXd::Zero(3, 2);
    cp.trace_times = {1.0, 2.0};
    cp.trace_values = {Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2)};
    cp.pr_sums = Eigen::VectorXd::Constant(2, 3.0);
    cp.local_partial = Eigen::VectorXd::Zero(2);
    cp.local_rows = {Eigen::VectorXd::Ones(2)};
    cp.local_intervals = 4;
    {
        h5::File f(d / "c.h5", h5::File::Mode::create_truncate);
        ratenet::io::write_checkpoint(f, cp);
    }
    h5::File f(d / "c.h5", h5::File::Mode::read_only);
    // Only /lyapunov/checkpoint is written here: the root's attributes and
    // /lyapunov's fields are missing, nothing of the checkpoint.
    const auto p = schema::check(f);
    EXPECT_FALSE(p.empty());
    for (const auto& x : p) EXPECT_EQ(x.find("checkpoint"), std::string::npos) << x;
    const auto back = ratenet::io::read_checkpoint(f);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->trace_times, cp.trace_times);
    EXPECT_EQ(back->pr_sums, cp.pr_sums);
    ASSERT_EQ(back->local_rows.size(), 1u);
    EXPECT_EQ(back->local_rows[0], cp.local_rows[0]);
    EXPECT_EQ(back->local_intervals, 4);
    EXPECT_EQ(f.group("lyapunov/checkpoint").dimensions_of("Q"), (std::vector<std::string>{"neuron", "vector"}));
}

// The checker is not blind: each kind of departure from the description is found.
TEST(Schema, CheckerFindsDepartures) {
    TempDir d;
    write_text(d / "c.toml", tln4);
    ASSERT_EQ(run_ratenet("fixed-points c.toml -o fp.h5 -q", d.path()).code, 0);
    ASSERT_TRUE(problems_of(d / "fp.h5").empty());
    struct Edit {
        std::string what;
        std::function<void(const h5::File&)> apply;
        std::string expect;
    };
    const std::vector<Edit> edits{
        {"undescribed attribute", [](const h5::File& f) { f.group("fixed_points").attr("bogus", 1.0); },
         "attribute bogus not described"},
        {"attribute of another type", [](const h5::File& f) { f.group("fixed_points").attr("count", std::string("3")); },
         "attribute count is not int64"},
        {"undescribed dataset", [](const h5::File& f) { f.group("fixed_points").write("extra", std::vector<double>{1.0}); },
         "/fixed_points/extra: dataset not described"},
        {"undescribed group", [](const h5::File& f) { f.create_group("elsewhere"); }, "/elsewhere: group not described"},
    };
    for (std::size_t k = 0; k < edits.size(); ++k) {
        const std::string copy = d / ("e" + std::to_string(k) + ".h5");
        fs::copy_file(d / "fp.h5", copy);
        {
            h5::File f(copy, h5::File::Mode::read_write);
            edits[k].apply(f);
        }
        const auto p = problems_of(copy);
        EXPECT_NE(joined(p).find(edits[k].expect), std::string::npos) << edits[k].what << ":\n" << joined(p);
        EXPECT_EQ(run_ratenet("schema --check " + sh_quote(copy), d.path()).code, 1) << edits[k].what;
    }
    // A missing attribute, and a dataset without units or dimensions: a version 1 style file.
    write_text(d / "s.toml", tanh_net);
    ASSERT_EQ(run_ratenet("simulate s.toml -o s.h5 -q", d.path()).code, 0);
    {
        h5::File f(d / "v1.h5", h5::File::Mode::create_truncate);
        f.attr("format", std::string("ratenet"));
        f.create_group("trajectory").write("t", std::vector<double>{0.0, 1.0});
    }
    const auto p = joined(problems_of(d / "v1.h5"));
    for (const char* want : {"/: attribute format_version is missing", "/trajectory/t: no units", "/trajectory/t: no long_name",
                             "/trajectory: dataset x is missing", "/trajectory: attribute method is missing"})
        EXPECT_NE(p.find(want), std::string::npos) << want << "\n" << p;
}

TEST(Schema, WriterRefusesWhatIsNotDescribed) {
    TempDir d;
    h5::File f(d / "w.h5", h5::File::Mode::create_truncate);
    schema::Writer w(f, "fixed_points");
    EXPECT_THROW(w.attr("bogus", 1.0), ratenet::internal_error);
    EXPECT_THROW(w.attr("count", 1.0), ratenet::internal_error);  // described as int64
    EXPECT_THROW(w.write("bogus", std::vector<double>{1.0}), ratenet::internal_error);
    const std::vector<double> x(6, 0.0);
    EXPECT_THROW(w.write("x", x.data(), {6}), ratenet::internal_error);  // (fixed_point, neuron): two axes
    EXPECT_NO_THROW(w.write("x", x.data(), {2, 3}));
    // Sizes along one dimension must agree.
    EXPECT_THROW(w.write("support", std::vector<std::uint8_t>(8, 0).data(), {2, 4}), ratenet::internal_error);
    EXPECT_THROW(schema::Writer(f, "no_such_group"), ratenet::internal_error);
    w.finish();
    EXPECT_THROW(w.finish(), ratenet::internal_error);
}

TEST(Schema, DocsAreTheDescription) {
    const std::string doc = read_text(source_dir + "/docs/file-format.md");
    EXPECT_EQ(doc, schema::markdown()) << "docs/file-format.md differs from the description; regenerate it with\n"
                                          "  ./build/ratenet schema > docs/file-format.md";
    const auto r = run_ratenet("schema", source_dir);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, doc);
}

// Every described group, dataset and attribute is documented, and every
// dataset has units, a long name and one dimension per axis.
TEST(Schema, DescriptionIsComplete) {
    for (const auto& g : schema::groups()) {
        for (const auto& f : g.fields) {
            EXPECT_FALSE(f.meaning.empty()) << g.path << " " << f.name;
            if (f.attribute) continue;
            EXPECT_FALSE(f.units.empty()) << g.path << "/" << f.name;
            EXPECT_FALSE(f.long_name.empty()) << g.path << "/" << f.name;
            EXPECT_FALSE(f.dims.empty()) << g.path << "/" << f.name;
            for (auto dim : f.dims) {
                bool declared = false;
                for (const auto& dd : g.dims) declared = declared || dd.name == dim;
                EXPECT_TRUE(declared) << g.path << "/" << f.name << ": dimension " << dim << " is not declared";
            }
        }
        for (const auto& dd : g.dims) {
            bool used = false;
            for (const auto& f : g.fields)
                for (auto dim : f.dims) used = used || dim == dd.name;
            EXPECT_TRUE(used) << g.path << ": dimension " << dd.name << " is not used";
            if (dd.coordinate) {
                EXPECT_NE(schema::find(g, dd.name, false), nullptr) << g.path << ": coordinate " << dd.name;
            }
        }
    }
}

TEST(Errors, AssertNamesTheConditionAndThePlace) {
    const int two = 2;
    try {
        RATENET_ASSERT(two + two == 5);
        FAIL() << "no throw";
    } catch (const ratenet::internal_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("two + two == 5"), std::string::npos) << what;
        EXPECT_NE(what.find("test_schema.cpp:"), std::string::npos) << what;
    }
    EXPECT_NO_THROW(RATENET_ASSERT(two + two == 4));
}
