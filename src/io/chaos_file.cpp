#include "io/chaos_file.hpp"

#include <cmath>
#include <limits>

#include "io/job.hpp"
#include "io/schema.hpp"
#include "ratenet/chaos.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

ChaosStudyOptions read_chaos_options(const Config& cfg) {
    Section s = cfg.section("chaos");
    if (!s.present()) cfg.fail("chaos", "", "missing section [chaos] (g = list or { linspace = [a, b, n] }, seeds = S)");
    ChaosStudyOptions o;
    o.key = s.string("key", o.key);
    if (!s.raw("g")) s.fail("g", "", "missing: the couplings, a list or { linspace = [start, stop, num] }");
    o.seeds = s.integer("seeds", o.seeds);
    o.meanfield_points = s.integer("meanfield_points", o.meanfield_points);
    const auto boot = s.integer("bootstrap", o.crossing.bootstrap);
    if (boot < 0) s.fail("bootstrap", std::to_string(boot), "must be >= 0");
    if (boot > 100000000) s.fail("bootstrap", std::to_string(boot), "must be <= 100000000 (resamples)");
    o.crossing.bootstrap = o.stable_branch.bootstrap = static_cast<int>(boot);
    o.stable_branch.margin = s.number("stable_margin", o.stable_branch.margin);
    o.crossing.seed = o.stable_branch.seed = read_seeds(cfg).network;
    try {
        o.validate();
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "chaos");
    }
    s.finish();
    return o;
}

Config chaos_sweep_config(const Config& cfg) {
    if (cfg.has("sweep")) cfg.fail("sweep", "", "`ratenet chaos` builds its own sweep from [chaos]; remove [sweep]");
    const ChaosStudyOptions o = read_chaos_options(cfg);
    const toml::node* g = cfg.section("chaos").raw("g");
    Config out = cfg;
    toml::table params;
    g->visit([&](auto&& v) { params.insert(o.key, v); });
    toml::table sweep;
    sweep.insert("analysis", "lyapunov");
    sweep.insert("seeds", o.seeds);
    sweep.insert("params", std::move(params));
    out.set("sweep", std::move(sweep));
    if (!cfg.find("lyapunov.k")) out.set("lyapunov.k", toml::value<std::int64_t>(1));
    return out;
}

void write_chaos_group(OutputFile& out, const ChaosStudy& st) {
    const ChaosCurve& c = st.curve;
    const auto G = st.lambda.rows(), S = st.lambda.cols();
    schema::Writer grp(out.h5(), "chaos");
    grp.write("g", c.g);
    std::vector<double> lrm(static_cast<std::size_t>(G * S));
    std::vector<std::uint8_t> drm(static_cast<std::size_t>(G * S));
    for (Eigen::Index i = 0; i < G; ++i)
        for (Eigen::Index k = 0; k < S; ++k) {
            lrm[static_cast<std::size_t>(i * S + k)] = st.lambda(i, k);
            drm[static_cast<std::size_t>(i * S + k)] = st.divergent(i, k);
        }
    grp.write("lambda_max", lrm.data(), {static_cast<hsize_t>(G), static_cast<hsize_t>(S)});
    grp.write("divergent", drm.data(), {static_cast<hsize_t>(G), static_cast<hsize_t>(S)});
    grp.write("lambda_mean", c.mean);
    grp.write("lambda_sem", c.sem);
    std::vector<std::int64_t> nf(c.n_finite.begin(), c.n_finite.end()), nd(c.n_divergent.begin(), c.n_divergent.end());
    grp.write("n_finite", nf);
    grp.write("n_divergent", nd);
    const Crossing& x = st.crossing;
    const StableBranch& sb = st.stable_branch;
    grp.attr("key", st.key);
    grp.attr("g_c_found", x.found);
    grp.attr("g_c", x.found ? x.g_c : nan);
    grp.attr("g_c_err", x.found ? x.g_c_err : nan);
    grp.attr("message", x.message);
    grp.attr("g_c_stable_branch_found", sb.found);
    grp.attr("g_c_stable_branch", sb.found ? sb.g_c : nan);
    grp.attr("g_c_stable_branch_err", sb.found ? sb.g_c_err : nan);
    grp.attr("stable_branch_g", std::vector<double>{sb.g_1, sb.g_2});
    grp.attr("stable_branch_message", sb.message);
    if (st.has_meanfield_curve) {
        schema::Writer mg(out.h5(), "chaos/meanfield");
        mg.write("g", st.meanfield.g);
        mg.write("lambda_max", st.meanfield.lambda_max);
        mg.write_strings("status", st.meanfield.status);
        mg.attr("source", "Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988): ground state of the DMFT "
                          "Schroedinger problem, lambda_max = -1 + sqrt(-E0)");
        mg.attr("g_eff_per_g", st.meanfield.g_eff_per_g);
        mg.finish();
    }
    grp.attr("meanfield_g_eff_per_g", st.meanfield_g_eff_per_g);
    grp.attr("meanfield_mu_eff_per_g", st.meanfield_mu_eff_per_g);
    grp.attr("g_c_meanfield", st.g_c_meanfield);
    grp.attr("transition_meanfield", st.transition_meanfield);
    grp.attr("meanfield_message", st.meanfield_message);
    grp.attr("g_div_meanfield", st.g_div_meanfield);
    grp.finish();
    if (st.populations.present) {
        const auto& P = st.populations;
        const auto np = static_cast<hsize_t>(P.alpha.size());
        schema::Writer pg(out.h5(), "chaos/populations");
        pg.write("alpha", P.alpha.data(), {np});
        pg.write("mu", P.mu.data(), {np});
        pg.write("delta", P.delta.data(), {np});
        pg.write("mean_rate", P.mean_rate.data(), {np});
        pg.write("active_fraction", P.active_fraction.data(), {np});
        // Row-major P x P (Eigen is column-major).
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> M = P.stability_matrix;
        pg.write("stability_matrix", M.data(), {np, np});
        pg.attr("bulk_radius_per_g", P.bulk_radius_per_g);
        pg.attr("g_c", st.g_c_meanfield);
        pg.attr("source", "Kadmon & Sompolinsky, PRX 5:041030 (2015): the static P-population mean field at g_c");
        pg.finish();
    }
}

}  // namespace ratenet::io
