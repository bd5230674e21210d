#include "io/chaos_file.hpp"

#include <cmath>
#include <limits>

#include "io/job.hpp"
#include "io/schema.hpp"
#include "ratenet/chaos.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"

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

void write_chaos_group(OutputFile& out, const Config& cfg, const SweepPlan& plan,
                       const std::vector<std::optional<PointResult>>& rows) {
    const ChaosStudyOptions study = read_chaos_options(cfg);
    const std::string& key = study.key;
    const auto mf_points = study.meanfield_points;
    const CrossingOptions& copt = study.crossing;
    const StableBranchOptions& bopt = study.stable_branch;
    const std::vector<double>& g = plan.values.at(0);
    const auto G = static_cast<Eigen::Index>(g.size()), S = static_cast<Eigen::Index>(plan.seeds);
    Eigen::MatrixXd lambda = Eigen::MatrixXd::Constant(G, S, nan);
    Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> div =
        Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>::Zero(G, S);
    for (Eigen::Index i = 0; i < G; ++i)
        for (Eigen::Index k = 0; k < S; ++k) {
            const auto& row = rows[static_cast<std::size_t>(i * S + k)];
            if (!row) continue;
            div(i, k) = row->status == "diverged" ? 1 : 0;
            for (const auto& [name, v] : row->values)
                if (name == "lambda_max" && !v.empty() && row->status == "completed") lambda(i, k) = v[0];
        }
    // Sort by g (a list may be given in any order).
    std::vector<Eigen::Index> order(static_cast<std::size_t>(G));
    for (Eigen::Index i = 0; i < G; ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return g[static_cast<std::size_t>(a)] < g[static_cast<std::size_t>(b)]; });
    std::vector<double> gs;
    Eigen::MatrixXd ls(G, S);
    Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic> ds(G, S);
    for (Eigen::Index r = 0; r < G; ++r) {
        const auto i = order[static_cast<std::size_t>(r)];
        gs.push_back(g[static_cast<std::size_t>(i)]);
        ls.row(r) = lambda.row(i);
        ds.row(r) = div.row(i);
    }
    const ChaosCurve c = chaos_curve(gs, ls, ds);
    const Crossing x = find_crossing(c, copt);
    const StableBranch sb = stable_branch_edge(c, bopt);

    schema::Writer grp(out.h5(), "chaos");
    grp.write("g", gs);
    std::vector<double> lrm(static_cast<std::size_t>(G * S));
    std::vector<std::uint8_t> drm(static_cast<std::size_t>(G * S));
    for (Eigen::Index i = 0; i < G; ++i)
        for (Eigen::Index k = 0; k < S; ++k) {
            lrm[static_cast<std::size_t>(i * S + k)] = ls(i, k);
            drm[static_cast<std::size_t>(i * S + k)] = ds(i, k);
        }
    grp.write("lambda_max", lrm.data(), {static_cast<hsize_t>(G), static_cast<hsize_t>(S)});
    grp.write("divergent", drm.data(), {static_cast<hsize_t>(G), static_cast<hsize_t>(S)});
    grp.write("lambda_mean", c.mean);
    grp.write("lambda_sem", c.sem);
    std::vector<std::int64_t> nf(c.n_finite.begin(), c.n_finite.end()), nd(c.n_divergent.begin(), c.n_divergent.end());
    grp.write("n_finite", nf);
    grp.write("n_divergent", nd);
    grp.attr("key", key);
    grp.attr("g_c_found", x.found);
    grp.attr("g_c", x.found ? x.g_c : nan);
    grp.attr("g_c_err", x.found ? x.g_c_err : nan);
    grp.attr("message", x.message);
    grp.attr("g_c_stable_branch_found", sb.found);
    grp.attr("g_c_stable_branch", sb.found ? sb.g_c : nan);
    grp.attr("g_c_stable_branch_err", sb.found ? sb.g_c_err : nan);
    grp.attr("stable_branch_g", std::vector<double>{sb.g_1, sb.g_2});
    grp.attr("stable_branch_message", sb.message);

    // Mean-field theory for the same family: one Gaussian population; the
    // excitatory_inhibitory family reduces to one exactly (see meanfield.hpp), in
    // units of g_eff = g_scale * g.
    const Seeds seeds = read_seeds(cfg);
    std::string mf_message;
    double g_c_mf = nan;
    double g_scale = nan, mu_scale = nan;
    std::string transition = "unknown";
    try {
        const Config c0 = point_config(cfg, plan, 0);
        const Network net = read_network(c0, seeds);
        const bool ei = net.model.name == "excitatory_inhibitory";
        if (net.model.name != "random_gaussian" && !ei) {
            mf_message = "mean-field prediction implemented for random_gaussian and excitatory_inhibitory only";
        } else if (net.form != Form::current) {
            mf_message = "mean-field prediction implemented for the current form only";
        } else if (key != "model.g") {
            mf_message = "mean-field prediction needs the swept key model.g";
        } else {
            Section m = c0.section("model");
            const double b = net.input.b.mean();
            if ((net.input.b.array() != b).any()) mf_message = "non-uniform input replaced by its mean; ";
            MeanFieldOptions mo;
            if (ei) {
                const ExcitatoryInhibitoryParams ep =
                    excitatory_inhibitory_params(read_model_params(m, *find_model("excitatory_inhibitory")));
                const EffectiveCoupling ec = excitatory_inhibitory_coupling(ep);
                mo = excitatory_inhibitory_meanfield(ep, net.phi, b);
                g_scale = ec.g;
                mu_scale = ec.mu;
            } else {
                mo.phi = net.phi;
                mo.mu = m.number("mu", 0.0);
                mo.b = b;
                g_scale = 1.0;
                mu_scale = mo.mu;
            }
            const CriticalResult cr = critical_coupling(mo);
            transition = std::string(to_string(cr.transition));
            if (cr.status == CriticalStatus::found)
                g_c_mf = cr.g_c / g_scale;
            else
                mf_message += cr.message;
            const double mean_coupling = ei ? mu_scale : mo.mu;
            if (net.phi.kind == TransferKind::tanh && b == 0.0 && mean_coupling == 0.0 && mf_points > 0) {
                // The SCS curve, in units of the family's g.
                std::vector<double> gm, ge;
                const double lo = std::min(gs.front(), 1.0 / g_scale), hi = gs.back();
                for (std::int64_t k = 0; k < mf_points; ++k) {
                    gm.push_back(lo + (hi - lo) * static_cast<double>(k) /
                                          static_cast<double>(std::max<std::int64_t>(1, mf_points - 1)));
                    ge.push_back(g_scale * gm.back());
                }
                const auto curve = tanh_lyapunov_curve(ge);
                std::vector<double> lm;
                std::vector<std::string> st;
                for (const auto& pnt : curve) {
                    lm.push_back(pnt.status == ChaosStatus::failed ? nan : pnt.lambda_max);
                    st.emplace_back(to_string(pnt.status));
                }
                schema::Writer mg(out.h5(), "chaos/meanfield");
                mg.write("g", gm);
                mg.write("lambda_max", lm);
                mg.write_strings("status", st);
                mg.attr("source", "Sompolinsky, Crisanti & Sommers, PRL 61:259 (1988): ground state of the DMFT "
                                  "Schroedinger problem, lambda_max = -1 + sqrt(-E0)");
                mg.attr("g_eff_per_g", g_scale);
                mg.finish();
            }
        }
    } catch (const std::exception& e) {
        mf_message = std::string("mean-field prediction failed: ") + e.what();
    }
    grp.attr("meanfield_g_eff_per_g", g_scale);
    grp.attr("meanfield_mu_eff_per_g", mu_scale);
    grp.attr("g_c_meanfield", g_c_mf);
    grp.attr("transition_meanfield", transition);
    grp.attr("meanfield_message", mf_message);
    grp.finish();
}

}  // namespace ratenet::io
