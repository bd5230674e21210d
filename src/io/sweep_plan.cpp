#include "io/sweep_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "io/job.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

namespace ratenet::io {

std::int64_t SweepPlan::n_points() const {
    std::int64_t n = seeds;
    for (const auto& v : values) n *= static_cast<std::int64_t>(v.size());
    return n;
}

std::vector<double> SweepPlan::point(std::int64_t p) const {
    std::vector<double> out(keys.size());
    std::int64_t rest = p / seeds;
    for (std::size_t k = keys.size(); k-- > 0;) {
        const auto m = static_cast<std::int64_t>(values[k].size());
        out[k] = values[k][static_cast<std::size_t>(rest % m)];
        rest /= m;
    }
    return out;
}

std::vector<std::string> SweepPlan::columns() const {
    std::vector<std::string> c = keys;
    c.emplace_back("seed_index");
    return c;
}

std::string text_hash(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char ch : text) {
        h ^= static_cast<unsigned char>(ch);
        h *= 0x100000001b3ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

namespace {

// Sweeps are refused above this many points (counted before anything is expanded).
constexpr double max_sweep_points = 1e8;

// The number of values a [sweep.params] entry stands for, without expanding it
// (0 when the entry is malformed: read_range then says why).
double range_count(const toml::node& node) {
    if (const toml::array* arr = node.as_array()) return static_cast<double>(arr->size());
    if (const toml::table* tbl = node.as_table()) {
        const toml::node* spec = tbl->get("linspace") ? tbl->get("linspace") : tbl->get("logspace");
        const toml::array* a = spec ? spec->as_array() : nullptr;
        if (!a || a->size() != 3) return 0;
        if (auto num = a->get(2)->value_exact<std::int64_t>()) return static_cast<double>(*num);
    }
    return 0;
}

std::vector<double> read_range(const Config& cfg, const std::string& key, const toml::node& node) {
    const std::string full = "sweep.params.\"" + key + "\"";
    std::vector<double> vals;
    auto number = [&](const toml::node& n, const std::string& where) {
        if (auto d = n.value_exact<double>()) return *d;
        if (auto i = n.value_exact<std::int64_t>()) return static_cast<double>(*i);
        cfg.fail(where, Section::show(n), "must be a number");
    };
    if (const toml::array* arr = node.as_array()) {
        for (std::size_t i = 0; i < arr->size(); ++i) vals.push_back(number(*arr->get(i), full + "[" + std::to_string(i) + "]"));
    } else if (const toml::table* tbl = node.as_table()) {
        if (tbl->size() != 1 || !(tbl->contains("linspace") || tbl->contains("logspace")))
            cfg.fail(full, Section::show(node), "must be a list, { linspace = [start, stop, num] } or { logspace = [start, stop, num] }");
        const bool log = tbl->contains("logspace");
        const toml::array* spec = tbl->get(log ? "logspace" : "linspace")->as_array();
        if (!spec || spec->size() != 3)
            cfg.fail(full, Section::show(node), "a range needs three values [start, stop, num]");
        const double a = number(*spec->get(0), full), b = number(*spec->get(1), full);
        const auto num = spec->get(2)->value_exact<std::int64_t>();
        if (!num || *num < 1) cfg.fail(full, Section::show(node), "num must be an integer >= 1");
        for (std::int64_t i = 0; i < *num; ++i) {
            const double f = *num == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(*num - 1);
            const double v = a + (b - a) * f;
            vals.push_back(log ? std::pow(10.0, v) : v);
        }
    } else {
        cfg.fail(full, Section::show(node), "must be a list of values or a linspace/logspace range");
    }
    if (vals.empty()) cfg.fail(full, "[]", "the range is empty: give at least one value");
    for (double v : vals)
        if (!std::isfinite(v)) cfg.fail(full, format_value(v), "values must be finite");
    return vals;
}

}  // namespace

SweepPlan read_sweep_plan(const Config& cfg, const std::string& analysis_override) {
    SweepPlan plan;
    Section s = cfg.section("sweep");
    plan.analysis = s.string("analysis", "simulate");
    if (!analysis_override.empty()) plan.analysis = analysis_override;
    plan.seeds = s.integer("seeds", 1);
    if (plan.seeds < 1) s.fail("seeds", std::to_string(plan.seeds), "must be >= 1");
    plan.ensemble = s.integer("ensemble", 0);
    if (plan.ensemble < 0) s.fail("ensemble", std::to_string(plan.ensemble), "must be >= 0 (0 = off)");
    if (plan.ensemble > 0 && plan.analysis != "simulate")
        s.fail("ensemble", std::to_string(plan.ensemble), "is only for analysis = \"simulate\"");
    const toml::node* params = s.raw("params");
    if (params) {
        const toml::table* t = params->as_table();
        if (!t) s.fail("params", Section::show(*params), "must be a table of \"key.path\" = values");
        // Count first: a sweep of 2e9 points is refused at once, not after expanding it.
        double count = static_cast<double>(plan.seeds);
        for (const auto& [k, v] : *t) count *= std::max(1.0, range_count(v));
        if (count > max_sweep_points)
            s.fail("params", format_value(count) + " points",
                   "more than the " + format_value(max_sweep_points) + " points a sweep may have");
        for (const auto& [k, v] : *t) {
            const std::string key(k.str());
            const auto dot = key.find('.');
            const std::string section = key.substr(0, dot);
            const auto& known = known_sections();
            if (dot == std::string::npos || dot == 0 || dot + 1 == key.size() ||
                std::find(known.begin(), known.end(), section) == known.end())
                cfg.fail("sweep.params.\"" + key + "\"", "",
                         "must name a config key as section.key (e.g. \"model.g\"); seed indices are swept with "
                         "sweep.seeds");
            if (key.rfind("sweep.", 0) == 0 || key.rfind("seeds.", 0) == 0 || key.rfind("output.", 0) == 0)
                cfg.fail("sweep.params.\"" + key + "\"", "", "cannot sweep the sweep, seed or output settings (use sweep.seeds)");
            if (cfg.find(key) && cfg.find(key)->is_table())
                cfg.fail("sweep.params.\"" + key + "\"", "", "names a table, not a value");
            plan.keys.push_back(key);
            plan.values.push_back(read_range(cfg, key, v));
        }
    }
    for (const auto& vals : plan.values) {
        bool whole = true;
        for (double v : vals) whole = whole && v == std::floor(v) && std::abs(v) < 9e15;
        plan.integer_key.push_back(whole);
    }
    s.finish();
    // Integer-valued keys (sizes, counts) are set as integers, so that n = 100 is
    // not refused as 100.0; a float key given whole values is still read as a number.
    plan.hash = text_hash(cfg.text());
    if (static_cast<double>(plan.n_points()) > max_sweep_points)
        s.fail("params", std::to_string(plan.n_points()) + " points",
               "more than the " + format_value(max_sweep_points) + " points a sweep may have");
    return plan;
}

Config point_config(const Config& base, const SweepPlan& plan, std::int64_t p) {
    Config c = base;
    const auto vals = plan.point(p);
    for (std::size_t k = 0; k < plan.keys.size(); ++k) {
        if (plan.integer_key[k])
            c.set(plan.keys[k], toml::value<std::int64_t>(static_cast<std::int64_t>(vals[k])));
        else
            c.set(plan.keys[k], toml::value<double>(vals[k]));
    }
    const Seeds s = read_seeds(base);
    const auto si = static_cast<std::uint64_t>(plan.seed_index(p));
    c.set("seeds.network", toml::value<std::int64_t>(static_cast<std::int64_t>(derive_seed(s.network, si) >> 1)));
    c.set("seeds.initial", toml::value<std::int64_t>(static_cast<std::int64_t>(derive_seed(s.initial, si) >> 1)));
    c.set("seeds.noise", toml::value<std::int64_t>(static_cast<std::int64_t>(derive_seed(s.noise, si) >> 1)));
    c.set("seeds.tangent", toml::value<std::int64_t>(static_cast<std::int64_t>(derive_seed(s.tangent, si) >> 1)));
    return c;
}

}  // namespace ratenet::io
