#include "app/chaos_study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/chaos_file.hpp"
#include "io/job.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/meanfield.hpp"
#include "ratenet/meanfield_populations.hpp"

namespace ratenet::app {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The populations model: its P-population theory along the ray g (the swept key
// is model.g, which scales every block gain), in units of g itself.
void populations_prediction(io::Section& m, const Network& net, ChaosStudy& st) {
    const PopulationsParams pp = populations_params(io::read_model_params(m, *find_model("populations")));
    const PopulationLayout L = populations_layout(pp);
    PopulationMeanFieldOptions mo;
    mo.phi = net.phi.kind == TransferKind::by_population ? net.phi.parts : std::vector<Transfer>{net.phi};
    mo.alpha = L.alpha;
    mo.gains = L.gains;
    mo.means = L.means;
    mo.means_scale_with_g = L.means_scale_with_g;
    // The input each population receives: its neurons' mean b (from [input] or the model).
    const auto P = L.alpha.size();
    mo.b = Eigen::VectorXd::Zero(P);
    Eigen::Index i0 = 0;
    bool uniform = true;
    for (Eigen::Index k = 0; k < P; ++k) {
        const auto nk = L.sizes[static_cast<std::size_t>(k)];
        const auto seg = net.input.b.segment(i0, nk);
        mo.b[k] = seg.mean();
        uniform = uniform && (seg.array() == mo.b[k]).all();
        i0 += nk;
    }
    if (!uniform) st.meanfield_message = "non-uniform input within a population replaced by its mean; ";
    st.meanfield_g_eff_per_g = bulk_radius(L.alpha, L.gains, 1.0);
    st.meanfield_mu_eff_per_g = std::numeric_limits<double>::quiet_NaN();
    const PopulationCriticalResult cr = populations_critical_coupling(mo);
    st.transition_meanfield = std::string(to_string(cr.transition));
    st.g_div_meanfield = cr.g_divergence > 0 ? cr.g_divergence : nan;
    auto& out = st.populations;
    out.alpha = L.alpha;
    out.bulk_radius_per_g = st.meanfield_g_eff_per_g;
    if (cr.status == CriticalStatus::found) {
        st.g_c_meanfield = cr.g_c;
        out.present = true;
        out.mu = cr.at_g_c.mu;
        out.delta = cr.at_g_c.delta;
        out.mean_rate = cr.at_g_c.mean_rate;
        out.active_fraction = cr.at_g_c.active_fraction;
        out.stability_matrix = cr.at_g_c.stability_matrix;
    } else {
        st.meanfield_message += cr.message;
    }
}

// Mean-field theory for the same family: one Gaussian population; the
// excitatory_inhibitory family reduces to one exactly (see meanfield.hpp), in
// units of g_eff = g_scale * g.
void meanfield_prediction(const io::Config& cfg, const io::SweepPlan& plan, std::int64_t mf_points, ChaosStudy& st) {
    st.meanfield_g_eff_per_g = st.meanfield_mu_eff_per_g = st.g_c_meanfield = nan;
    const auto& gs = st.curve.g;
    const io::Seeds seeds = io::read_seeds(cfg);
    const io::Config c0 = io::point_config(cfg, plan, 0);
    const Network net = io::read_network(c0, seeds);
    const bool ei = net.model.name == "excitatory_inhibitory", pops = net.model.name == "populations";
    if (net.model.name != "random_gaussian" && !ei && !pops) {
        st.meanfield_message =
            "mean-field prediction implemented for random_gaussian, excitatory_inhibitory and populations only";
        return;
    }
    if (net.form != Form::current) {
        st.meanfield_message = "mean-field prediction implemented for the current form only";
        return;
    }
    if (st.key != "model.g") {
        st.meanfield_message = "mean-field prediction needs the swept key model.g";
        return;
    }
    io::Section m = c0.section("model");
    if (pops) {
        populations_prediction(m, net, st);
        return;
    }
    const double b = net.input.b.mean();
    if ((net.input.b.array() != b).any()) st.meanfield_message = "non-uniform input replaced by its mean; ";
    MeanFieldOptions mo;
    double g_scale = 1.0, mu_scale = 0.0;
    if (ei) {
        const ExcitatoryInhibitoryParams ep =
            excitatory_inhibitory_params(io::read_model_params(m, *find_model("excitatory_inhibitory")));
        const EffectiveCoupling ec = excitatory_inhibitory_coupling(ep);
        mo = excitatory_inhibitory_meanfield(ep, net.phi, b);
        g_scale = ec.g;
        mu_scale = ec.mu;
    } else {
        mo.phi = net.phi;
        mo.mu = m.number("mu", 0.0);
        mo.b = b;
        mu_scale = mo.mu;
    }
    st.meanfield_g_eff_per_g = g_scale;
    st.meanfield_mu_eff_per_g = mu_scale;
    const CriticalResult cr = critical_coupling(mo);
    st.transition_meanfield = std::string(to_string(cr.transition));
    if (cr.g_divergence > 0) st.g_div_meanfield = cr.g_divergence / g_scale;
    if (cr.status == CriticalStatus::found)
        st.g_c_meanfield = cr.g_c / g_scale;
    else
        st.meanfield_message += cr.message;
    const double mean_coupling = ei ? mu_scale : mo.mu;
    if (net.phi.kind == TransferKind::tanh && b == 0.0 && mean_coupling == 0.0 && mf_points > 0) {
        // The SCS curve, in units of the family's g.
        MeanFieldChaosCurve& mc = st.meanfield;
        std::vector<double> ge;
        const double lo = std::min(gs.front(), 1.0 / g_scale), hi = gs.back();
        for (std::int64_t k = 0; k < mf_points; ++k) {
            mc.g.push_back(lo + (hi - lo) * static_cast<double>(k) /
                                    static_cast<double>(std::max<std::int64_t>(1, mf_points - 1)));
            ge.push_back(g_scale * mc.g.back());
        }
        for (const auto& pnt : tanh_lyapunov_curve(ge)) {
            mc.lambda_max.push_back(pnt.status == ChaosStatus::failed ? nan : pnt.lambda_max);
            mc.status.emplace_back(to_string(pnt.status));
        }
        mc.g_eff_per_g = g_scale;
        st.has_meanfield_curve = true;
    }
}

}  // namespace

ChaosStudy chaos_study(const io::Config& cfg, const io::SweepPlan& plan,
                       const std::vector<std::optional<io::PointResult>>& rows) {
    const ChaosStudyOptions opt = io::read_chaos_options(cfg);
    RATENET_ASSERT(static_cast<std::int64_t>(rows.size()) == plan.n_points() && plan.values.size() == 1);
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
    // Sorted by g (a list may be given in any order).
    std::vector<Eigen::Index> order(static_cast<std::size_t>(G));
    for (Eigen::Index i = 0; i < G; ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(),
              [&](Eigen::Index a, Eigen::Index b) { return g[static_cast<std::size_t>(a)] < g[static_cast<std::size_t>(b)]; });
    ChaosStudy st;
    st.key = opt.key;
    std::vector<double> gs;
    st.lambda.resize(G, S);
    st.divergent.resize(G, S);
    for (Eigen::Index r = 0; r < G; ++r) {
        const auto i = order[static_cast<std::size_t>(r)];
        gs.push_back(g[static_cast<std::size_t>(i)]);
        st.lambda.row(r) = lambda.row(i);
        st.divergent.row(r) = div.row(i);
    }
    st.curve = chaos_curve(gs, st.lambda, st.divergent);
    st.crossing = find_crossing(st.curve, opt.crossing);
    st.stable_branch = stable_branch_edge(st.curve, opt.stable_branch);
    try {
        meanfield_prediction(cfg, plan, opt.meanfield_points, st);
    } catch (const std::exception& e) {
        st.has_meanfield_curve = false;
        st.meanfield_message = std::string("mean-field prediction failed: ") + e.what();
    }
    return st;
}

}  // namespace ratenet::app
