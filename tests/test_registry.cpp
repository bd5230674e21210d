// The analysis registry: every entry runs, returns exactly the results it
// describes, and is what the sweep, the file description and the docs use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "app/registry.hpp"
#include "app/sweep.hpp"
#include "cli_util.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/schema.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"

using namespace ratenet;
using namespace ratenet_test;
namespace schema = ratenet::io::schema;

namespace {

const std::string source_dir = RATENET_SOURCE_DIR;

// A small config for each analysis: a 4-neuron winner-take-all circuit, or a
// 12-neuron random tanh network for the Lyapunov spectrum.
std::string config_for(std::string_view analysis) {
    if (analysis == "lyapunov")
        return R"([model]
name = "random_gaussian"
n = 12
g = 2.0
[network]
form = "current"
[transfer]
name = "tanh"
[lyapunov]
t_warmup = 10.0
t_sim = 40.0
k = 3
)";
    return R"([model]
name = "hahnloser_wta"
n = 4
[input]
b = [0.2, 1.0, 0.3, 0.1]
[simulate]
t_end = 10.0
[autocorrelation]
t_warmup = 5.0
t_sim = 20.0
max_lag = 2.0
)";
}

}  // namespace

TEST(Registry, EveryEntryReturnsExactlyItsFields) {
    ASSERT_GE(app::analyses().size(), 5u);
    for (const auto& a : app::analyses()) {
        SCOPED_TRACE(std::string(a.name));
        const io::Config cfg = io::Config::parse(config_for(a.name), std::string(a.name) + ".toml");
        EXPECT_NO_THROW(a.validate(cfg));
        const io::PointResult r = app::run_point(a, cfg, {});
        EXPECT_TRUE(r.status == "completed") << r.status;
        std::set<std::string> got, want;
        for (const auto& [name, v] : r.values) {
            got.insert(name);
            for (double x : v) EXPECT_FALSE(std::isinf(x)) << name;
        }
        for (const auto& f : a.fields) want.insert(std::string(f.name));
        EXPECT_EQ(got, want);
        EXPECT_GT(r.seconds, 0.0);
        EXPECT_FALSE(app::summary(a, r).empty());
    }
}

// The analyses' sections are known to the config reader through the registry
// alone: a config with one passes, a misspelt one gets the closest name.
TEST(Registry, SectionsAreKnownToTheConfigReader) {
    const auto& known = io::known_sections();
    for (const auto& a : app::analyses()) {
        EXPECT_NE(std::find(known.begin(), known.end(), std::string(a.section)), known.end()) << a.section;
        const io::Config ok = io::Config::parse("[" + std::string(a.section) + "]\n", "ok.toml");
        EXPECT_NO_THROW(ok.check_sections());
    }
    const io::Config typo = io::Config::parse("[autocorrelaton]\nmax_lag = 3.0\n", "typo.toml");
    try {
        typo.check_sections();
        FAIL() << "no error";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "autocorrelaton");
        EXPECT_NE(e.rule().find("autocorrelation"), std::string::npos) << e.rule();
    }
}

// The file description holds every result of every analysis, under results/.
TEST(Registry, FileDescriptionHoldsEveryResult) {
    const schema::GroupSpec& g = schema::group("sweep");
    for (const auto& a : app::analyses())
        for (const auto& f : a.fields) {
            const schema::Field* d = schema::find(g, "results/" + std::string(f.name), false);
            ASSERT_NE(d, nullptr) << f.name;
            EXPECT_EQ(d->units, f.units);
            EXPECT_EQ(d->long_name, f.long_name);
            EXPECT_FALSE(f.units.empty());
            EXPECT_FALSE(f.long_name.empty());
            EXPECT_EQ(f.dims.front(), "point");
            for (const auto& dim : f.dims)
                EXPECT_TRUE(std::any_of(g.dims.begin(), g.dims.end(), [&](const schema::Dim& x) { return x.name == dim; }))
                    << dim;
        }
}

TEST(Registry, UnknownNamesGetTheClosestOne) {
    try {
        app::find_analysis("lyapunv", "sweep.analysis");
        FAIL() << "no error";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.key(), "sweep.analysis");
        EXPECT_NE(e.rule().find("did you mean \"lyapunov\""), std::string::npos) << e.rule();
        EXPECT_NE(e.rule().find("autocorrelation"), std::string::npos) << e.rule();
    }
    const io::Config cfg = io::Config::parse("[model]\nname = \"hahnloser_wta\"\n[sweep]\nanalysis = \"fixed_point\"\n"
                                             "[sweep.params]\n\"model.n\" = [3, 4]\n",
                                             "typo.toml");
    try {
        app::read_sweep_plan(cfg);
        FAIL() << "no error";
    } catch (const invalid_parameter& e) {
        EXPECT_EQ(e.file(), "typo.toml");
        EXPECT_EQ(e.key(), "sweep.analysis");
        EXPECT_NE(e.rule().find("did you mean \"fixed_points\""), std::string::npos) << e.rule();
    }
}

// run_point holds every entry to its description.
TEST(Registry, UndescribedValuesAreProgramErrors) {
    app::Analysis a = app::find_analysis("fixed_points");
    a.run = [](const io::Config&, const app::PointContext&) {
        return io::PointResult{"completed", {{"count", {1.0}}, {"bogus", {2.0}}}, 0.0};
    };
    const io::Config cfg = io::Config::parse(config_for("fixed_points"), "x.toml");
    EXPECT_THROW(app::run_point(a, cfg, {}), internal_error);
    a.run = [](const io::Config&, const app::PointContext&) {
        return io::PointResult{"completed", {{"count", {1.0, 2.0}}}, 0.0};  // a scalar with two values
    };
    EXPECT_THROW(app::run_point(a, cfg, {}), internal_error);
    app::Analysis l = app::find_analysis("lyapunov");
    l.run = [](const io::Config&, const app::PointContext&) {
        return io::PointResult{"completed", {{"exponents", {1.0, 2.0}}, {"errors", {1.0}}}, 0.0};  // one axis, two lengths
    };
    EXPECT_THROW(app::run_point(l, cfg, {}), internal_error);
    // A bad config is the point's status, never an exception.
    const io::Config bad = io::Config::parse("[model]\nname = \"hahnloser_wta\"\nn = -3\n", "bad.toml");
    const auto r = app::run_point(app::find_analysis("fixed_points"), bad, {});
    EXPECT_EQ(r.status.rfind("failed: bad.toml: model.n = -3", 0), 0u) << r.status;
    EXPECT_TRUE(r.values.empty());
}

// An analysis added through the registry needs nothing else to be swept:
// the autocorrelation, end to end through the binary, conforms to the file
// description, and its summary names the results as the registry does.
TEST(Registry, AutocorrelationSweepsEndToEnd) {
    TempDir dir;
    write_text(dir / "ac.toml", R"([model]
name = "random_gaussian"
n = 60
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[autocorrelation]
t_warmup = 20.0
t_sim = 100.0
max_lag = 10.0
dt_sample = 0.5
[sweep]
analysis = "autocorrelation"
seeds = 2
[sweep.params]
"model.g" = [0.5, 2.5]
)");
    const auto r = run_ratenet("sweep ac.toml -o ac.h5", dir.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("wrote ac.h5: 4 of 4 points (autocorrelation)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("correlation time (tau_c): "), std::string::npos) << r.out;
    h5::File f(dir / "ac.h5", h5::File::Mode::read_only);
    EXPECT_TRUE(schema::check(f).empty());
    auto g = f.group("sweep");
    EXPECT_EQ(g.shape("results/autocovariance"), (std::vector<hsize_t>{4, 21}));
    const auto var = g.read_doubles("results/variance");
    // Below g = 1 the network settles at h = 0; above it, it is chaotic.
    EXPECT_LT(var[0], 1e-6);
    EXPECT_LT(var[1], 1e-6);
    EXPECT_GT(var[2], 0.1);
    EXPECT_GT(var[3], 0.1);
    const auto cov = g.read_doubles("results/autocovariance");
    EXPECT_DOUBLE_EQ(cov[2 * 21], var[2]);  // C(0) is the variance
    const auto check = run_ratenet("schema --check ac.h5", dir.path());
    EXPECT_EQ(check.code, 0) << check.out;
    // The rate's curve is recorded beside the state's; tanh(h) varies less than h.
    const auto rvar = g.read_doubles("results/rate_variance");
    EXPECT_GT(rvar[2], 0.01);
    EXPECT_LT(rvar[2], var[2]);
    // The mean-field theory of this network: Delta(0) = 0 below g = 1, the energy
    // condition's Delta0 above it, the same for both seeds (it does not depend on the draw).
    const auto dvar = g.read_doubles("results/dmft_variance");
    EXPECT_EQ(dvar[0], 0.0);
    EXPECT_NEAR(dvar[2], ratenet::tanh_delta0(2.5, ratenet::gaussian_trapezoid(121)), 1e-10);
    EXPECT_EQ(dvar[2], dvar[3]);
    EXPECT_EQ(g.read_doubles("results/dmft_autocovariance")[2 * 21], dvar[2]);

    // Where the theory does not apply (an input), its fields are NaN.
    std::string text = read_text(dir / "ac.toml");
    text.replace(text.find("[initial]"), 9, "[input]\nb = 0.1\n[initial]");
    write_text(dir / "ac_input.toml", text);
    ASSERT_EQ(run_ratenet("sweep ac_input.toml -o ac_input.h5", dir.path()).code, 0);
    h5::File fi(dir / "ac_input.h5", h5::File::Mode::read_only);
    for (double v : fi.group("sweep").read_doubles("results/dmft_variance")) EXPECT_TRUE(std::isnan(v));

    // The key of earlier versions is refused by name, with exit 2 and no output.
    text = read_text(dir / "ac.toml");
    text.replace(text.find("[autocorrelation]"), 17, "[autocorrelation]\nvariable = \"rate\"");
    write_text(dir / "ac_old.toml", text);
    const auto old = run_ratenet("sweep ac_old.toml -o ac_old.h5", dir.path());
    EXPECT_EQ(old.code, 2);
    EXPECT_NE(old.err.find("autocorrelation.variable = \"rate\": no longer a key"), std::string::npos) << old.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "ac_old.h5"));
}

// `sweep --dry-run` plans without running or writing, and its size estimate
// is within a factor of 1.5 of the file a real run writes, for scalar results
// (2000 fixed-point points) and vector ones (autocorrelation, 21 lags).
TEST(Registry, DryRunPlansTheSweepItWouldRun) {
    TempDir dir;
    write_text(dir / "fp.toml", R"([model]
name = "hahnloser_wta"
n = 5
[input]
b = [0.2, 1.0, 0.3, 0.1, 0.5]
[sweep]
analysis = "fixed_points"
seeds = 2
[sweep.params]
"model.alpha" = { linspace = [0.0, 1.5, 500] }
"model.beta" = [0.5, 1.0]
)");
    write_text(dir / "ac.toml", R"([model]
name = "random_gaussian"
n = 20
[network]
form = "current"
[transfer]
name = "tanh"
[initial]
random_std = 1.0
[autocorrelation]
t_warmup = 5.0
t_sim = 40.0
max_lag = 10.0
dt_sample = 0.5
[sweep]
analysis = "autocorrelation"
seeds = 50
[sweep.params]
"model.g" = [0.5, 2.5]
)");
    auto size_of = [&](const std::string& text) {
        const auto at = text.find(", about ");
        EXPECT_NE(at, std::string::npos) << text;
        return std::stod(text.substr(at + 8)) * (1 << 20);
    };
    const auto fp = run_ratenet("sweep fp.toml --dry-run --shards 8", dir.path());
    ASSERT_EQ(fp.code, 0) << fp.err;
    EXPECT_NE(fp.out.find(": 2000 points (analysis fixed_points), 2 swept key(s), 2 seed(s) each"), std::string::npos)
        << fp.out;
    EXPECT_NE(fp.out.find("  0  0  0.5  0\n  1  0  0.5  1\n  2  0  1  0\n"), std::string::npos) << fp.out;
    EXPECT_NE(fp.out.find("(5 result values per point)"), std::string::npos) << fp.out;
    EXPECT_NE(fp.out.find("sbatch --array=0-7"), std::string::npos) << fp.out;
    const auto ac = run_ratenet("sweep ac.toml --dry-run", dir.path());
    ASSERT_EQ(ac.code, 0) << ac.err;
    EXPECT_NE(ac.out.find("(199 result values per point)"), std::string::npos) << ac.out;  // 9 x 21 lags + 10 scalars
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 2) << "a dry run wrote files";
    // The real runs, against the estimates.
    for (const auto& [cfg, plan] : {std::pair<std::string, const ratenet_test::RunResult*>{"fp", &fp}, {"ac", &ac}}) {
        const auto r = run_ratenet("sweep " + cfg + ".toml -q", dir.path());
        ASSERT_EQ(r.code, 0) << r.err;
        const double actual = static_cast<double>(fs::file_size(dir / (cfg + ".h5")));
        const double planned = size_of(plan->out);
        EXPECT_GT(planned / actual, 1 / 1.5) << cfg << ": planned " << planned << ", wrote " << actual;
        EXPECT_LT(planned / actual, 1.5) << cfg << ": planned " << planned << ", wrote " << actual;
    }
    // More shards than points, and --shards without --dry-run, are refused (exit 2).
    const auto many = run_ratenet("sweep ac.toml --dry-run --shards 101", dir.path());
    EXPECT_EQ(many.code, 2);
    EXPECT_NE(many.err.find("--shards = 101: more shards than sweep points (100)"), std::string::npos) << many.err;
    EXPECT_EQ(run_ratenet("sweep ac.toml --shards 2", dir.path()).code, 2);
}
