#include "io/sweep_file.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "ratenet/build_info.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

namespace fs = std::filesystem;

namespace {
constexpr char magic[8] = {'R', 'N', 'P', 'O', 'I', 'N', 'T', '1'};

template <class T>
void put(std::ofstream& f, const T& v) {
    f.write(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_string(std::ofstream& f, const std::string& s) {
    put(f, static_cast<std::uint64_t>(s.size()));
    f.write(s.data(), static_cast<std::streamsize>(s.size()));
}
template <class T>
T get(std::ifstream& f, const std::string& path) {
    T v{};
    f.read(reinterpret_cast<char*>(&v), sizeof v);
    if (!f) throw io_error(path, "truncated journal entry");
    return v;
}
std::string get_string(std::ifstream& f, const std::string& path) {
    const auto n = get<std::uint64_t>(f, path);
    if (n > (1u << 30)) throw io_error(path, "corrupt journal entry");
    std::string s(n, '\0');
    f.read(s.data(), static_cast<std::streamsize>(n));
    if (!f) throw io_error(path, "truncated journal entry");
    return s;
}
}  // namespace

Journal::Journal(std::string dir, std::string hash) : dir_(std::move(dir)), hash_(std::move(hash)) {}

std::string Journal::path(std::int64_t p) const {
    char name[32];
    std::snprintf(name, sizeof name, "/p%09lld.bin", static_cast<long long>(p));
    return dir_ + name;
}

void Journal::open(bool resume) {
    const std::string id = dir_ + "/sweep_hash";
    if (fs::exists(dir_)) {
        std::ifstream in(id);
        std::string h;
        in >> h;
        if (h != hash_)
            throw invalid_parameter("--resume", dir_, "holds points of a different sweep (config changed); remove it or use --force");
        if (!resume)
            throw invalid_parameter("-o", dir_, "holds points of an unfinished run of this sweep: pass --resume to continue it, or --force to start over");
        return;
    }
    fs::create_directories(dir_);
    std::ofstream out(id);
    out << hash_ << "\n";
    if (!out) throw io_error(id, "cannot write");
}

bool Journal::has(std::int64_t p) const { return fs::exists(path(p)); }

void Journal::write(std::int64_t p, const PointResult& r) const {
    const std::string final_path = path(p), tmp = final_path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(magic, sizeof magic);
        put(f, static_cast<std::int64_t>(p));
        put(f, r.seconds);
        put_string(f, r.status);
        put(f, static_cast<std::uint64_t>(r.values.size()));
        for (const auto& [name, v] : r.values) {
            put_string(f, name);
            put(f, static_cast<std::uint64_t>(v.size()));
            f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
        }
        f.flush();
        if (!f) throw io_error(tmp, "cannot write journal entry");
    }
    fs::rename(tmp, final_path);  // atomic: a point is either committed whole or not at all
}

PointResult Journal::read(std::int64_t p) const {
    const std::string pth = path(p);
    std::ifstream f(pth, std::ios::binary);
    char m[8];
    f.read(m, sizeof m);
    if (!f || std::string(m, 8) != std::string(magic, 8)) throw io_error(pth, "not a ratenet journal entry");
    if (get<std::int64_t>(f, pth) != p) throw io_error(pth, "journal entry for another point");
    PointResult r;
    r.seconds = get<double>(f, pth);
    r.status = get_string(f, pth);
    const auto nv = get<std::uint64_t>(f, pth);
    for (std::uint64_t i = 0; i < nv; ++i) {
        std::string name = get_string(f, pth);
        const auto len = get<std::uint64_t>(f, pth);
        std::vector<double> v(len);
        f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(len * sizeof(double)));
        if (!f) throw io_error(pth, "truncated journal entry");
        r.values.emplace_back(std::move(name), std::move(v));
    }
    return r;
}

void Journal::remove_all() const { fs::remove_all(dir_); }

void write_sweep_group(OutputFile& out, const SweepPlan& plan, const std::vector<std::optional<PointResult>>& rows,
                       const std::string& shard) {
    auto& f = out.h5();
    auto g = f.create_group("sweep");
    const auto P = static_cast<hsize_t>(plan.n_points());
    const auto cols = plan.columns();
    const auto K = static_cast<hsize_t>(cols.size());
    g.write_strings("keys", cols);
    std::vector<double> params(static_cast<std::size_t>(P * K));
    std::vector<std::string> status(static_cast<std::size_t>(P));
    std::vector<double> seconds(static_cast<std::size_t>(P), std::numeric_limits<double>::quiet_NaN());
    // Result layout: names in first-seen order, the longest length seen.
    std::vector<std::string> names;
    std::map<std::string, std::size_t> len;
    std::int64_t done = 0, failed = 0, diverged = 0;
    for (std::int64_t p = 0; p < plan.n_points(); ++p) {
        const auto vals = plan.point(p);
        for (std::size_t k = 0; k < vals.size(); ++k) params[static_cast<std::size_t>(p) * K + k] = vals[k];
        params[static_cast<std::size_t>(p) * K + K - 1] = static_cast<double>(plan.seed_index(p));
        const auto& row = rows[static_cast<std::size_t>(p)];
        if (!row) continue;
        ++done;
        failed += row->status.rfind("failed", 0) == 0;
        diverged += row->status == "diverged";
        status[static_cast<std::size_t>(p)] = row->status;
        seconds[static_cast<std::size_t>(p)] = row->seconds;
        for (const auto& [name, v] : row->values) {
            if (!len.count(name)) names.push_back(name);
            len[name] = std::max(len[name], v.size());
        }
    }
    g.write("params", params.data(), {P, K});
    g.write_strings("status", status);
    g.write("seconds", seconds);
    for (const auto& name : names) {
        const std::size_t L = std::max<std::size_t>(1, len[name]);
        std::vector<double> data(static_cast<std::size_t>(P) * L, std::numeric_limits<double>::quiet_NaN());
        for (std::size_t p = 0; p < rows.size(); ++p) {
            if (!rows[p]) continue;
            for (const auto& [n2, v] : rows[p]->values)
                if (n2 == name) std::copy(v.begin(), v.end(), data.begin() + static_cast<std::ptrdiff_t>(p * L));
        }
        if (L == 1)
            g.write("results/" + name, data.data(), {P});
        else
            g.write("results/" + name, data.data(), {P, static_cast<hsize_t>(L)});
    }
    g.attr("analysis", plan.analysis);
    g.attr("n_points", static_cast<std::int64_t>(P));
    g.attr("seeds", plan.seeds);
    g.attr("ensemble", plan.ensemble);
    g.attr("sweep_hash", plan.hash);
    g.attr("shard", shard);
    g.attr("points_done", done);
    g.attr("points_failed", failed);
    g.attr("points_diverged", diverged);
}

SweepFileContents read_sweep_file(const std::string& path) {
    h5::File f(path, h5::File::Mode::read_only);
    if (!f.has_attr("format") || f.attr_string("format") != "ratenet" || !f.exists("sweep"))
        throw io_error(path, "not a ratenet sweep file");
    SweepFileContents c;
    auto g = f.group("sweep");
    c.hash = g.attr_string("sweep_hash");
    c.version = f.attr_string("ratenet_version");
    c.config = f.attr_string("config");
    c.analysis = g.attr_string("analysis");
    c.kind = f.attr_string("kind");
    c.n_points = g.attr_int("n_points");
    const auto status = g.read_strings("status");
    const auto seconds = g.read_doubles("seconds");
    c.rows.resize(static_cast<std::size_t>(c.n_points));
    std::vector<std::pair<std::string, std::vector<double>>> results;
    std::vector<std::size_t> widths;
    for (const auto& name : g.list("results")) {
        const auto shape = g.shape("results/" + name);
        widths.push_back(shape.size() > 1 ? static_cast<std::size_t>(shape[1]) : 1);
        results.emplace_back(name, g.read_doubles("results/" + name));
    }
    for (std::size_t p = 0; p < c.rows.size(); ++p) {
        if (status[p].empty()) continue;
        PointResult r;
        r.status = status[p];
        r.seconds = seconds[p];
        for (std::size_t k = 0; k < results.size(); ++k) {
            const auto& data = results[k].second;
            const std::size_t L = widths[k];
            r.values.emplace_back(results[k].first, std::vector<double>(data.begin() + static_cast<std::ptrdiff_t>(p * L),
                                                                        data.begin() + static_cast<std::ptrdiff_t>((p + 1) * L)));
        }
        c.rows[p] = std::move(r);
    }
    (void)build::version;
    return c;
}

}  // namespace ratenet::io
