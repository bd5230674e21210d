#include "io/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "ratenet/errors.hpp"

namespace ratenet::io {

namespace {
// The sections of the network and of the commands; the analyses' own sections
// come from the analysis registry (add_known_sections).
std::vector<std::string>& sections() {
    static std::vector<std::string> s = {"model", "network", "transfer", "input", "initial",
                                         "seeds", "output",  "sweep",    "chaos"};
    return s;
}
}  // namespace

const std::vector<std::string>& known_sections() { return sections(); }

void add_known_sections(const std::vector<std::string>& more) {
    for (const auto& m : more)
        if (std::find(sections().begin(), sections().end(), m) == sections().end()) sections().push_back(m);
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string hint(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string c = closest(word, candidates);
    return c.empty() ? "" : " (did you mean \"" + c + "\"?)";
}

// Splits "a.b.c" into components; a double-quoted component may hold dots
// (sweep.params."model.g").
std::vector<std::string> split_key(const std::string& dotted) {
    std::vector<std::string> parts;
    std::string cur;
    bool quoted = false;
    for (char ch : dotted) {
        if (ch == '"') {
            quoted = !quoted;
        } else if (ch == '.' && !quoted) {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    parts.push_back(cur);
    return parts;
}

}  // namespace

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    return best_d <= limit ? best : "";
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
    std::ifstream in(path);
    if (!in) throw io_error(path, "cannot open the configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path, overrides);
}

Config Config::parse(const std::string& text, const std::string& name, const std::vector<std::string>& overrides) {
    Config c;
    c.path_ = name;
    try {
        c.root_ = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        const auto& src = e.source();
        throw invalid_parameter("line " + std::to_string(src.begin.line) + ", column " + std::to_string(src.begin.column),
                                "", std::string("TOML syntax error: ") + std::string(e.description()), name);
    }
    for (const auto& ov : overrides) {
        const auto eq = ov.find('=');
        if (eq == std::string::npos || eq == 0)
            throw invalid_parameter("--set", ov, "must have the form key.path=value", name);
        c.set(ov.substr(0, eq), ov.substr(eq + 1));
    }
    return c;
}

bool Config::has(const std::string& section) const { return root_.contains(section); }

Section Config::section(const std::string& name) const {
    const toml::node* n = root_.get(name);
    if (n && !n->is_table()) fail(name, Section::show(*n), "must be a table ([" + name + "])");
    return Section(*this, name, n ? n->as_table() : nullptr);
}

void Config::set(const std::string& key, const std::string& value_text) {
    toml::table parsed;
    try {
        parsed = toml::parse("v = " + value_text);
    } catch (const toml::parse_error&) {
        // Not a TOML value: take it as a bare string (--set transfer.name=tanh).
        set(key, toml::value<std::string>(value_text));
        return;
    }
    toml::node* v = parsed.get("v");
    if (!v) throw invalid_parameter(key, value_text, "is not a TOML value", path_);
    v->visit([&](auto& nd) { set(key, std::move(nd)); });
}

void Config::set(const std::string& key, toml::node&& value) {
    const auto parts = split_key(key);
    toml::table* tbl = &root_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i].empty()) throw invalid_parameter(key, "", "is not a valid key path", path_);
        toml::node* n = tbl->get(parts[i]);
        if (!n) {
            tbl->insert(parts[i], toml::table{});
            n = tbl->get(parts[i]);
        }
        if (!n->is_table())
            throw invalid_parameter(key, "", "cannot set a key inside " + parts[i] + ", which is not a table", path_);
        tbl = n->as_table();
    }
    value.visit([&](auto&& nd) { tbl->insert_or_assign(parts.back(), std::move(nd)); });
}

const toml::node* Config::find(const std::string& dotted) const {
    const toml::node* n = &root_;
    for (const auto& p : split_key(dotted)) {
        if (!n->is_table()) return nullptr;
        n = n->as_table()->get(p);
        if (!n) return nullptr;
    }
    return n;
}

std::string Config::text() const {
    std::stringstream ss;
    ss << toml::toml_formatter(root_);
    return ss.str();
}

void Config::check_sections() const {
    for (const auto& [k, v] : root_) {
        const std::string key(k.str());
        const auto& known = known_sections();
        if (std::find(known.begin(), known.end(), key) == known.end())
            fail(key, "", "unknown section" + hint(key, known));
    }
}

void Config::fail(const std::string& key, const std::string& value, const std::string& rule) const {
    throw invalid_parameter(key, value, rule, path_);
}

Section::Section(const Config& cfg, std::string name, const toml::table* tbl)
    : cfg_(&cfg), name_(std::move(name)), tbl_(tbl) {}

namespace {
KeyCensus* census = nullptr;
void count_key(const std::string& section, const std::string& key, const std::string& def) {
    if (!census) return;
    auto& d = census->keys[section][key];
    if (d.empty()) d = def;
}
}  // namespace

void set_key_census(KeyCensus* c) { census = c; }

bool Section::has(const std::string& key) const {
    count_key(name_, key, "");
    return tbl_ && tbl_->contains(key);
}

const toml::node* Section::get(const std::string& key) {
    count_key(name_, key, "");
    asked_.insert(key);
    return tbl_ ? tbl_->get(key) : nullptr;
}

const toml::node* Section::raw(const std::string& key) { return get(key); }

std::string Section::show(const toml::node& n) {
    std::stringstream ss;
    n.visit([&](auto&& v) {
        if constexpr (toml::is_string<decltype(v)>)
            ss << '"' << v.get() << '"';
        else if constexpr (toml::is_table<decltype(v)>)
            ss << "{...}";
        else if constexpr (toml::is_floating_point<decltype(v)>)
            ss << format_value(v.get());  // shortest round trip: 0.1, not 0.10000000000000001
        else
            ss << toml::toml_formatter(v);
    });
    std::string s = ss.str();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

void Section::fail(const std::string& key, const std::string& value, const std::string& rule) const {
    cfg_->fail(full_key(key), value, rule);
}

double Section::number(const std::string& key, double def) {
    count_key(name_, key, format_value(def));
    return number_opt(key).value_or(def);
}

std::optional<double> Section::number_opt(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value_exact<double>()) {
        if (!std::isfinite(*v)) fail(key, show(*n), "must be finite");
        return *v;
    }
    if (auto i = n->value_exact<std::int64_t>()) return static_cast<double>(*i);
    fail(key, show(*n), "must be a number");
}

std::int64_t Section::integer(const std::string& key, std::int64_t def) {
    count_key(name_, key, std::to_string(def));
    const toml::node* n = get(key);
    if (!n) return def;
    if (auto i = n->value_exact<std::int64_t>()) return *i;
    if (auto d = n->value_exact<double>(); d && std::isfinite(*d) && *d == std::floor(*d) && std::abs(*d) < 9e15)
        return static_cast<std::int64_t>(*d);
    fail(key, show(*n), "must be an integer");
}

std::uint64_t Section::seed(const std::string& key, std::uint64_t def) {
    count_key(name_, key, std::to_string(def));
    const toml::node* n = get(key);
    if (!n) return def;
    auto i = n->value_exact<std::int64_t>();
    if (!i || *i < 0) fail(key, show(*n), "must be an integer >= 0");
    return static_cast<std::uint64_t>(*i);
}

bool Section::boolean(const std::string& key, bool def) {
    count_key(name_, key, def ? "true" : "false");
    const toml::node* n = get(key);
    if (!n) return def;
    if (auto b = n->value_exact<bool>()) return *b;
    fail(key, show(*n), "must be true or false");
}

std::string Section::string(const std::string& key, const std::string& def) {
    count_key(name_, key, "\"" + def + "\"");
    const toml::node* n = get(key);
    if (!n) return def;
    if (auto s = n->value_exact<std::string>()) return *s;
    fail(key, show(*n), "must be a string");
}

std::optional<std::vector<double>> Section::numbers(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) fail(key, show(*n), "must be an array of numbers");
    std::vector<double> out;
    out.reserve(arr->size());
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        std::optional<double> v = e.value_exact<double>();
        if (!v) {
            if (auto iv = e.value_exact<std::int64_t>()) v = static_cast<double>(*iv);
        }
        if (!v) fail(key + "[" + std::to_string(i) + "]", show(e), "must be a number");
        if (!std::isfinite(*v)) fail(key + "[" + std::to_string(i) + "]", show(e), "must be finite");
        out.push_back(*v);
    }
    return out;
}

std::optional<std::vector<std::int64_t>> Section::integers(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) fail(key, show(*n), "must be an array of integers");
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        auto v = arr->get(i)->value_exact<std::int64_t>();
        if (!v) fail(key + "[" + std::to_string(i) + "]", show(*arr->get(i)), "must be an integer");
        out.push_back(*v);
    }
    return out;
}

std::optional<std::vector<std::vector<double>>> Section::rows(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) fail(key, show(*n), "must be an array of rows, each an array of numbers");
    std::vector<std::vector<double>> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string k = key + "[" + std::to_string(i) + "]";
        const toml::node* item = arr->get(i);
        const toml::array* row = item ? item->as_array() : nullptr;
        if (!row) fail(k, item ? show(*item) : "", "must be a row: an array of numbers");
        std::vector<double> r;
        for (std::size_t j = 0; j < row->size(); ++j) {
            const toml::node* e = row->get(j);
            std::optional<double> v = e ? e->value_exact<double>() : std::nullopt;
            if (!v && e)
                if (auto iv = e->value_exact<std::int64_t>()) v = static_cast<double>(*iv);
            if (!v) fail(k + "[" + std::to_string(j) + "]", e ? show(*e) : "", "must be a number");
            r.push_back(*v);
        }
        if (!out.empty() && r.size() != out.front().size())
            fail(k, show(*item), "must have as many values as the first row (" + std::to_string(out.front().size()) + ")");
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<Eigen::VectorXd> Section::vector(const std::string& key, Eigen::Index n) {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    if (!node->is_array()) {
        asked_.erase(key);  // number_opt re-marks it
        const double v = *number_opt(key);
        return Eigen::VectorXd::Constant(n, v);
    }
    asked_.erase(key);
    auto vals = numbers(key);
    if (static_cast<Eigen::Index>(vals->size()) != n)
        fail(key, "[" + std::to_string(vals->size()) + " values]",
             "must be a number or an array of one value per neuron (" + std::to_string(n) + ")");
    return Eigen::Map<const Eigen::VectorXd>(vals->data(), n);
}

std::vector<std::pair<Eigen::Index, Eigen::Index>> Section::pairs(const std::string& key) {
    std::vector<std::pair<Eigen::Index, Eigen::Index>> out;
    const toml::node* n = get(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr) fail(key, show(*n), "must be an array of [from, to] pairs");
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::array* p = arr->get(i)->as_array();
        const std::string k = key + "[" + std::to_string(i) + "]";
        if (!p || p->size() != 2) fail(k, show(*arr->get(i)), "must be a pair [from, to] of node indices");
        auto a = p->get(0)->value_exact<std::int64_t>();
        auto b = p->get(1)->value_exact<std::int64_t>();
        if (!a || !b) fail(k, show(*arr->get(i)), "node indices must be integers");
        out.emplace_back(*a, *b);
    }
    return out;
}

std::vector<Section> Section::tables(const std::string& key) {
    std::vector<Section> out;
    const toml::node* n = get(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) fail(key, show(*n), "must be an array of tables ([[" + full_key(key) + "]])");
    for (std::size_t i = 0; i < arr->size(); ++i)
        out.emplace_back(*cfg_, full_key(key) + "[" + std::to_string(i) + "]", arr->get(i)->as_table());
    return out;
}

void Section::finish() const {
    if (!tbl_) return;
    std::vector<std::string> known(asked_.begin(), asked_.end());
    for (const auto& [k, v] : *tbl_) {
        const std::string key(k.str());
        if (!asked_.count(key)) fail(key, show(v), "unknown key" + hint(key, known));
    }
}

}  // namespace ratenet::io
