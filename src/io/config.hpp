#pragma once
// Configuration files (TOML). A Config holds the parsed document after the
// command line's --set overrides; a Section reads typed values from one table and
// remembers which keys it was asked for, so that finish() can reject unknown
// keys with a "did you mean" hint. Every error names the file, the key, the value
// and the rule: `configs/x.toml: network.tau = -1: must be > 0`.
#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <utility>
#include <vector>

namespace ratenet::io {

class Section;

class Config {
public:
    // Reads and parses path, then applies overrides ("key.path=value", value in TOML
    // syntax; a bare word is taken as a string).
    static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
    static Config parse(const std::string& text, const std::string& name,
                        const std::vector<std::string>& overrides = {});

    const std::string& path() const noexcept { return path_; }
    const toml::table& root() const noexcept { return root_; }
    bool has(const std::string& section) const;
    Section section(const std::string& name) const;
    // Sets a dotted key to a TOML value given as text (an override).
    void set(const std::string& key, const std::string& value_text);
    void set(const std::string& key, toml::node&& value);
    // The node at a dotted key, or nullptr.
    const toml::node* find(const std::string& dotted) const;
    // The whole configuration as TOML text, overrides applied.
    std::string text() const;
    // Rejects top-level tables that no part of ratenet reads.
    void check_sections() const;

    [[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& rule) const;

private:
    std::string path_;
    toml::table root_;
};

class Section {
public:
    Section(const Config& cfg, std::string name, const toml::table* tbl);

    bool present() const noexcept { return tbl_ != nullptr; }
    bool has(const std::string& key) const;
    const std::string& name() const noexcept { return name_; }
    std::string full_key(const std::string& key) const { return name_ + "." + key; }

    double number(const std::string& key, double def);
    std::optional<double> number_opt(const std::string& key);
    std::int64_t integer(const std::string& key, std::int64_t def);
    std::uint64_t seed(const std::string& key, std::uint64_t def);
    bool boolean(const std::string& key, bool def);
    std::string string(const std::string& key, const std::string& def);
    // A scalar broadcast to n values, or an array of exactly n numbers.
    std::optional<Eigen::VectorXd> vector(const std::string& key, Eigen::Index n);
    // An array of numbers of any length.
    std::optional<std::vector<double>> numbers(const std::string& key);
    std::optional<std::vector<std::int64_t>> integers(const std::string& key);
    // An array of arrays of numbers, all of one length (a matrix, row by row).
    std::optional<std::vector<std::vector<double>>> rows(const std::string& key);
    // An array of [a, b] integer pairs.
    std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs(const std::string& key);
    // Array of tables (e.g. [[input.schedule]]).
    std::vector<Section> tables(const std::string& key);
    const toml::node* raw(const std::string& key);
    // Marks a key as known without reading it.
    void accept(const std::string& key) { asked_.insert(key); }

    // Unknown keys are errors (with the closest known key as a hint).
    void finish() const;
    [[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& rule) const;
    // The text of a value for messages.
    static std::string show(const toml::node& n);

private:
    const toml::node* get(const std::string& key);
    const Config* cfg_;
    std::string name_;
    const toml::table* tbl_;
    std::set<std::string> asked_;
};

// The closest candidate within a small edit distance, or "".
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

// The top-level tables ratenet reads: the network's and the commands', and
// those the analysis registry adds (app/registry.hpp) when it is loaded.
const std::vector<std::string>& known_sections();
void add_known_sections(const std::vector<std::string>& sections);

// Every key the readers ask for, by section, with its default as text ("" when
// the reader has none): recorded while a census is set, so a test can hold
// docs/config.md to what the code reads. Not thread-safe; for tests.
struct KeyCensus {
    std::map<std::string, std::map<std::string, std::string>> keys;
};
void set_key_census(KeyCensus* census);

}  // namespace ratenet::io
