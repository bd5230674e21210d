// docs/config.md against the code: every key the config readers ask for is
// documented in its section, every documented key is read, and every default
// the docs state is the reader's. ([model] pages and the [transfer] table are
// generated from the declarations and compared in test_cli.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "app/registry.hpp"
#include "app/config_keys.hpp"
#include "cli_util.hpp"
#include "io/config.hpp"

using namespace ratenet;
using namespace ratenet_test;

namespace {

const std::string source_dir = RATENET_SOURCE_DIR;

// The sections compared here, as docs/config.md heads them.
const std::set<std::string> compared = {"network", "input", "initial", "simulate", "seeds", "permitted",
                                         "fixed_points", "lyapunov", "autocorrelation", "sweep", "chaos"};

struct DocKey {
    std::string default_text;  // "" in prose sections
    bool in_table = false;
};

// Section -> documented keys. Table rows "| `a`, `b` | type | d1, d2 | meaning |";
// prose sections name keys as `key` (default).
std::map<std::string, std::map<std::string, DocKey>> documented_keys() {
    std::istringstream in(read_text(source_dir + "/docs/config.md"));
    std::map<std::string, std::map<std::string, DocKey>> out;
    std::string line, section;
    const std::regex head(R"(^## \[([a-z_]+)\])"), name(R"(`([^`]+)`)"), prose(R"(`([a-z_]+)` \(([^)]*)\))");
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, head)) {
            section = m[1];
            continue;
        }
        if (section.empty() || !compared.count(section)) continue;
        if (line.rfind("| `", 0) == 0) {
            std::vector<std::string> cells;
            std::string cell;
            for (std::size_t i = 1; i < line.size(); ++i) {
                if (line[i] == '|') {
                    cells.push_back(cell);
                    cell.clear();
                } else {
                    cell += line[i];
                }
            }
            if (cells.size() < 3) continue;
            std::vector<std::string> names;
            for (auto it = std::sregex_iterator(cells[0].begin(), cells[0].end(), name); it != std::sregex_iterator(); ++it) {
                std::string n = (*it)[1];
                // [[input.schedule]], [sweep.params]: the key of the subtable.
                if (n.front() == '[') {
                    n.erase(0, n.find_first_not_of('['));
                    n.erase(n.find(']'));
                    n = n.substr(n.rfind('.') + 1);
                }
                names.push_back(n);
            }
            std::string d = cells[2];
            d.erase(0, d.find_first_not_of(' '));
            d.erase(d.find_last_not_of(' ') + 1);
            std::vector<std::string> defaults;
            if (names.size() > 1) {
                std::size_t pos = 0;
                while (true) {
                    const auto comma = d.find(", ", pos);
                    defaults.push_back(d.substr(pos, comma - pos));
                    if (comma == std::string::npos) break;
                    pos = comma + 2;
                }
            }
            for (std::size_t i = 0; i < names.size(); ++i)
                out[section][names[i]] = {defaults.size() == names.size() ? defaults[i] : d, true};
        } else if (line.rfind("|", 0) != 0) {
            for (auto it = std::sregex_iterator(line.begin(), line.end(), prose); it != std::sregex_iterator(); ++it)
                out[section].emplace((*it)[1], DocKey{(*it)[2], false});
        }
    }
    return out;
}

bool parse_number(const std::string& s, double& v) {
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size();
}

std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

}  // namespace

TEST(Docs, ConfigReferenceHoldsEveryKeyTheReadersAskFor) {
    const io::KeyCensus c = app::config_key_census();
    const auto docs = documented_keys();
    for (const auto& section : compared) {
        SCOPED_TRACE("[" + section + "]");
        ASSERT_TRUE(c.keys.count(section)) << "no reader asked for a key of [" << section << "]";
        ASSERT_TRUE(docs.count(section)) << "docs/config.md documents no key of [" << section << "]";
        const auto& read = c.keys.at(section);
        const auto& doc = docs.at(section);
        for (const auto& [key, def] : read)
            EXPECT_TRUE(doc.count(key)) << section << "." << key << " is read (default " << def
                                        << ") but not documented in docs/config.md";
        for (const auto& [key, d] : doc)
            EXPECT_TRUE(read.count(key)) << section << "." << key << " is documented but no reader asks for it";
    }
}

TEST(Docs, ConfigReferenceStatesTheReadersDefaults) {
    const io::KeyCensus c = app::config_key_census();
    const auto docs = documented_keys();
    int compared_defaults = 0;
    for (const auto& [section, keys] : docs)
        for (const auto& [key, d] : keys) {
            if (!c.keys.count(section) || !c.keys.at(section).count(key)) continue;
            const std::string code = c.keys.at(section).at(key);
            if (code.empty()) continue;  // no default in the reader (required, or derived: "N", "all")
            // Defaults that depend on the model: the census sees one model's.
            if (section == "network" && key == "sparse") continue;
            SCOPED_TRACE(section + "." + key);
            double a = 0, b = 0;
            if (parse_number(code, a)) {
                ASSERT_TRUE(parse_number(d.default_text, b)) << "docs say \"" << d.default_text << "\", the reader " << code;
                EXPECT_EQ(a, b) << "docs say " << d.default_text << ", the reader " << code;
            } else {
                EXPECT_EQ(unquote(d.default_text), unquote(code));
            }
            ++compared_defaults;
        }
    EXPECT_GT(compared_defaults, 40);
}

// The [sweep] analysis row names exactly the registry's analyses.
TEST(Docs, SweepAnalysesAreTheRegistrys) {
    const std::string text = read_text(source_dir + "/docs/config.md");
    const auto row = text.find("| `analysis` |");
    ASSERT_NE(row, std::string::npos);
    const std::string line = text.substr(row, text.find('\n', row) - row);
    std::set<std::string> listed, registry;
    const std::regex name(R"(`([a-z_]+)`)");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), name); it != std::sregex_iterator(); ++it)
        if ((*it)[1] != "analysis") listed.insert((*it)[1]);
    for (const auto& a : app::analyses()) registry.insert(std::string(a.name));
    EXPECT_EQ(listed, registry);
}
