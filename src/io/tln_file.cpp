#include "io/tln_file.hpp"

#include <algorithm>
#include <cmath>

#include "io/job.hpp"
#include "io/schema.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

ReluForm tln_problem(const Config& cfg, const Network& net, const std::string& analysis) {
    try {
        return relu_form(net, analysis);
    } catch (const invalid_parameter& e) {
        throw e.in_file(cfg.path());
    }
}

PermittedJob read_permitted(const Config& cfg) {
    Section s = cfg.section("permitted");
    PermittedJob j;
    auto& o = j.options;
    o.general = s.boolean("general", o.general);
    o.symmetry_tol = s.number("symmetry_tol", o.symmetry_tol);
    o.tol_pd = s.number("tol_pd", o.tol_pd);
    const auto max_sets = s.integer("max_sets", static_cast<std::int64_t>(o.max_sets));
    if (max_sets < 1) s.fail("max_sets", std::to_string(max_sets), "must be >= 1");
    o.max_sets = static_cast<std::uint64_t>(max_sets);
    o.max_seconds = s.number("max_seconds", o.max_seconds);
    o.store_permitted = s.boolean("store_permitted", o.store_permitted);
    j.copositivity.exact_max_n = s.integer("copositivity_max_n", j.copositivity.exact_max_n);
    j.verify = s.boolean("verify", false);
    for (const auto& [key, target] : {std::pair<const char*, std::size_t*>{"verify_permitted", &j.verify_options.n_permitted},
                                      std::pair<const char*, std::size_t*>{"verify_forbidden", &j.verify_options.n_forbidden}}) {
        const auto v = s.integer(key, 10);
        if (v < 0) s.fail(key, std::to_string(v), "must be >= 0 (sets checked by simulation)");
        *target = static_cast<std::size_t>(v);
    }
    j.verify_options.seed = read_seeds(cfg).initial;
    try {
        o.validate();
        j.verify_options.validate();
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "permitted");
    }
    try {
        j.copositivity.validate();
    } catch (const invalid_parameter& e) {
        // The core names its own option; the config calls it copositivity_max_n.
        const std::string key = e.key() == "exact_max_n" ? "copositivity_max_n" : e.key();
        throw invalid_parameter(key, e.value(), e.rule()).in_file(cfg.path(), "permitted");
    }
    s.finish();
    return j;
}

FixedPointOptions read_fixed_points(const Config& cfg, const Network& net) {
    Section s = cfg.section("fixed_points");
    FixedPointOptions o;
    o.tol_x = s.number("tol_x", o.tol_x);
    o.tol_off = s.number("tol_off", o.tol_off);
    o.rcond_min = s.number("rcond_min", o.rcond_min);
    o.tol_eig = s.number("tol_eig", o.tol_eig);
    o.prune = s.boolean("prune", o.prune);
    o.max_n = s.integer("max_n", o.max_n);
    const auto ms = s.integer("max_supports", 0);
    if (ms < 0) s.fail("max_supports", std::to_string(ms), "must be >= 0 (0 = no limit)");
    o.max_supports = static_cast<std::uint64_t>(ms);
    o.max_seconds = s.number("max_seconds", o.max_seconds);
    o.tau = net.tau;
    try {
        o.validate(net.size());
    } catch (const invalid_parameter&) {
        rethrow_in(cfg, "fixed_points");
    }
    s.finish();
    return o;
}

namespace {

void write_sets(schema::Writer& g, const std::string& name, const std::vector<SetMask>& sets, Eigen::Index n) {
    std::vector<std::uint8_t> m(sets.size() * static_cast<std::size_t>(n), 0);
    for (std::size_t r = 0; r < sets.size(); ++r)
        for (Eigen::Index i = 0; i < n; ++i)
            m[r * static_cast<std::size_t>(n) + static_cast<std::size_t>(i)] = (sets[r] >> i) & 1u ? 1 : 0;
    g.write(name, m.data(), {sets.size(), static_cast<hsize_t>(n)});
}

// Permitted sets by size, then lexicographically by members.
std::vector<SetMask> by_size(std::vector<SetMask> v) {
    // For sets of one size, the member lists compare at the lowest neuron in
    // which they differ: the set holding it comes first. O(1) per comparison.
    std::sort(v.begin(), v.end(), [](SetMask a, SetMask b) {
        const int sa = set_size(a), sb = set_size(b);
        if (sa != sb) return sa < sb;
        const SetMask d = a ^ b;
        return d != 0 && (a & (d & (~d + 1))) != 0;
    });
    return v;
}

}  // namespace

void write_permitted_group(const h5::File& f, const PermittedResult& r, const CopositivityResult& c,
                           const SimulationCheckResult* verify) {
    schema::Writer g(f, "permitted");
    write_sets(g, "sets", by_size(r.permitted), r.n);
    write_sets(g, "maximal", by_size(r.maximal), r.n);
    write_sets(g, "minimal_forbidden", by_size(r.minimal_forbidden), r.n);
    std::vector<std::int64_t> counts(r.count_by_size.begin(), r.count_by_size.end());
    g.write("counts_by_size", counts);
    g.attr("criterion", r.criterion == PermittedCriterion::symmetric_pd ? "positive_definite" : "hurwitz");
    g.attr("status", std::string(to_string(r.status)));
    g.attr("message", r.message);
    g.attr("n_permitted", static_cast<std::int64_t>(r.n_permitted));
    g.attr("n_maximal", static_cast<std::int64_t>(r.maximal.size()));
    g.attr("n_minimal_forbidden", static_cast<std::int64_t>(r.minimal_forbidden.size()));
    g.attr("n_borderline", static_cast<std::int64_t>(r.n_borderline));
    g.attr("asymmetry", r.asymmetry);
    g.attr("down_closed", r.down_closed);
    g.attr("seconds", r.seconds);
    g.attr("copositivity", std::string(to_string(c.status)));
    g.attr("copositivity_method", c.method);
    g.attr("positive_definite", c.positive_definite);
    g.attr("min_eigenvalue", c.min_eigenvalue);
    if (c.witness.size() > 0) g.write("copositivity_witness", c.witness.data(), {static_cast<hsize_t>(c.witness.size())});
    if (verify) {
        schema::Writer v(f, "permitted/verification");
        std::vector<SetMask> sets;
        std::vector<std::uint8_t> predicted, agrees, inconclusive;
        std::vector<double> err, growth;
        for (const auto& s : verify->sets) {
            sets.push_back(s.set);
            predicted.push_back(s.permitted ? 1 : 0);
            agrees.push_back(s.agrees ? 1 : 0);
            inconclusive.push_back(s.inconclusive ? 1 : 0);
            err.push_back(s.max_error);
            growth.push_back(s.growth_rate);
        }
        write_sets(v, "sets", sets, r.n);
        v.write("permitted", predicted.data(), {predicted.size()});
        v.write("agrees", agrees.data(), {agrees.size()});
        v.write("inconclusive", inconclusive.data(), {inconclusive.size()});
        v.write("max_error", err);
        v.write("growth_rate", growth);
        v.attr("n_agree", static_cast<std::int64_t>(verify->n_agree));
        v.attr("n_disagree", static_cast<std::int64_t>(verify->n_disagree));
        v.attr("n_inconclusive", static_cast<std::int64_t>(verify->n_inconclusive));
        v.finish();
    }
    g.finish();
}

void write_fixed_points_group(const h5::File& f, const FixedPointResult& r, const FixedPointOptions& opt) {
    schema::Writer g(f, "fixed_points");
    const auto F = r.fixed_points.size();
    const auto n = static_cast<std::size_t>(r.n);
    std::vector<SetMask> supports;
    std::vector<double> x(F * n), er(F * n), ei(F * n), residual;
    std::vector<std::uint8_t> stable;
    std::vector<std::int64_t> n_unstable, index;
    std::vector<std::string> cls;
    for (std::size_t k = 0; k < F; ++k) {
        const auto& fp = r.fixed_points[k];
        supports.push_back(fp.support);
        const auto [re, im] = full_spectrum(fp, opt.tau);
        // Sorted by real part, largest first (stable order for equal parts).
        std::vector<Eigen::Index> ord(static_cast<std::size_t>(re.size()));
        for (std::size_t i = 0; i < ord.size(); ++i) ord[i] = static_cast<Eigen::Index>(i);
        std::stable_sort(ord.begin(), ord.end(), [&](Eigen::Index a, Eigen::Index b) { return re[a] > re[b]; });
        for (std::size_t i = 0; i < n; ++i) {
            x[k * n + i] = fp.x[static_cast<Eigen::Index>(i)];
            er[k * n + i] = re[ord[i]];
            ei[k * n + i] = im[ord[i]];
        }
        stable.push_back(fp.stability == FixedPointClass::stable ? 1 : 0);
        n_unstable.push_back(fp.n_unstable);
        index.push_back(fp.index);
        cls.emplace_back(to_string(fp.stability));
        residual.push_back(fp.residual);
    }
    write_sets(g, "support", supports, r.n);
    g.write("x", x.data(), {F, n});
    g.write("eig_real", er.data(), {F, n});
    g.write("eig_imag", ei.data(), {F, n});
    g.write("stable", stable.data(), {F});
    g.write("n_unstable", n_unstable);
    g.write("index", index);
    g.write_strings("class", cls);
    g.write("residual", residual);
    g.attr("count", static_cast<std::int64_t>(F));
    g.attr("status", std::string(to_string(r.status)));
    g.attr("message", r.message);
    g.attr("index_sum", static_cast<std::int64_t>(r.index_sum));
    g.attr("n_stable", static_cast<std::int64_t>(r.n_stable));
    g.attr("n_unstable", static_cast<std::int64_t>(r.n_unstable));
    g.attr("n_marginal", static_cast<std::int64_t>(r.n_marginal));
    g.attr("supports_tested", static_cast<std::int64_t>(r.n_supports));
    g.attr("supports_solved", static_cast<std::int64_t>(r.n_solved));
    g.attr("supports_pruned", static_cast<std::int64_t>(r.n_pruned));
    g.attr("singular_supports", static_cast<std::int64_t>(r.n_singular));
    g.attr("degenerate_supports", static_cast<std::int64_t>(r.n_degenerate));
    g.attr("tolerance_x", opt.tol_x);
    g.attr("tolerance_off", opt.tol_off);
    g.attr("seconds", r.seconds);
    g.finish();
}

}  // namespace ratenet::io
