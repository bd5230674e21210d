#include "io/sweep_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "io/schema.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::io {

namespace fs = std::filesystem;

namespace {
// A point file: magic, then the fields, then (version 2) the FNV-1a 64 hash of
// every byte before it, so that a flipped bit is detected on resume and merge.
constexpr char magic_v1[8] = {'R', 'N', 'P', 'O', 'I', 'N', 'T', '1'};
constexpr char magic_v2[8] = {'R', 'N', 'P', 'O', 'I', 'N', 'T', '2'};

std::uint64_t fnv1a(const char* data, std::size_t n) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 0x100000001b3ULL;
    }
    return h;
}

class Writer {
public:
    template <class T>
    void put(const T& v) {
        const auto* p = reinterpret_cast<const char*>(&v);
        buf_.insert(buf_.end(), p, p + sizeof v);
    }
    void put_bytes(const char* p, std::size_t n) { buf_.insert(buf_.end(), p, p + n); }
    void put_string(const std::string& s) {
        put(static_cast<std::uint64_t>(s.size()));
        put_bytes(s.data(), s.size());
    }
    std::vector<char>& bytes() { return buf_; }

private:
    std::vector<char> buf_;
};

class Reader {
public:
    Reader(const std::vector<char>& buf, std::size_t end, std::string path)
        : buf_(buf), end_(end), path_(std::move(path)) {}
    template <class T>
    T get() {
        T v{};
        need(sizeof v);
        std::memcpy(&v, buf_.data() + pos_, sizeof v);
        pos_ += sizeof v;
        return v;
    }
    std::string get_string() {
        const auto n = get<std::uint64_t>();
        need(n);
        std::string s(buf_.data() + pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }
    std::vector<double> get_doubles(std::uint64_t n) {
        if (n > (end_ - pos_) / sizeof(double)) throw io_error(path_, "truncated or corrupt point file");
        std::vector<double> v(static_cast<std::size_t>(n));
        std::memcpy(v.data(), buf_.data() + pos_, static_cast<std::size_t>(n) * sizeof(double));
        pos_ += static_cast<std::size_t>(n) * sizeof(double);
        return v;
    }
    void skip(std::size_t n) {
        need(n);
        pos_ += n;
    }
    bool at_end() const noexcept { return pos_ == end_; }

private:
    void need(std::uint64_t n) const {
        if (n > end_ - pos_) throw io_error(path_, "truncated or corrupt point file");
    }
    const std::vector<char>& buf_;
    std::size_t end_, pos_ = 0;
    std::string path_;
};
}  // namespace

Journal::Journal(std::string dir, std::string hash) : dir_(std::move(dir)), hash_(std::move(hash)) {}

std::string Journal::path(std::int64_t p) const {
    char name[32];
    std::snprintf(name, sizeof name, "/p%09lld.bin", static_cast<long long>(p));
    return dir_ + name;
}

void Journal::open(bool resume) {
    const std::string id = dir_ + "/sweep_hash";
    std::error_code ec;
    if (fs::exists(dir_, ec)) {
        if (!fs::is_directory(dir_, ec)) throw invalid_parameter("-o", dir_, "exists and is not a directory of sweep points");
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
    out.flush();
    if (!out) throw io_error(id, "cannot write");
}

bool Journal::has(std::int64_t p, std::string* damaged) const {
    std::error_code ec;
    const std::string pth = path(p);
    if (!fs::exists(pth, ec)) return false;
    try {
        (void)read(p);
        return true;
    } catch (const io_error& e) {
        // A damaged point is recomputed, never merged.
        if (damaged) *damaged = e.what();
        fs::remove(pth, ec);
        return false;
    }
}

void Journal::write(std::int64_t p, const PointResult& r) const {
    const std::string final_path = path(p), tmp = final_path + ".tmp";
    Writer w;
    w.put_bytes(magic_v2, sizeof magic_v2);
    w.put(static_cast<std::int64_t>(p));
    w.put(r.seconds);
    w.put_string(r.status);
    w.put(static_cast<std::uint64_t>(r.values.size()));
    for (const auto& [name, v] : r.values) {
        w.put_string(name);
        w.put(static_cast<std::uint64_t>(v.size()));
        w.put_bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
    }
    const std::uint64_t sum = fnv1a(w.bytes().data(), w.bytes().size());
    w.put(sum);
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(w.bytes().data(), static_cast<std::streamsize>(w.bytes().size()));
        f.flush();
        if (!f) {
            std::error_code ec;
            fs::remove(tmp, ec);
            throw io_error(final_path, std::string("cannot write the point file: ") +
                                           (errno == ENOSPC ? "no space left on device" : std::strerror(errno)));
        }
    }
    // Atomic: a point is either committed whole or not at all.
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw io_error(final_path, "cannot commit the point file: " + ec.message());
    }
}

PointResult Journal::read(std::int64_t p) const {
    const std::string pth = path(p);
    std::ifstream f(pth, std::ios::binary | std::ios::ate);
    if (!f) throw io_error(pth, "cannot open the point file");
    const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, f.tellg()));
    std::vector<char> buf(size);
    f.seekg(0);
    f.read(buf.data(), static_cast<std::streamsize>(size));
    if (!f || size < sizeof magic_v2) throw io_error(pth, "truncated point file");
    std::size_t end = size;
    if (std::memcmp(buf.data(), magic_v2, sizeof magic_v2) == 0) {
        if (size < sizeof magic_v2 + sizeof(std::uint64_t)) throw io_error(pth, "truncated point file");
        end = size - sizeof(std::uint64_t);
        std::uint64_t stored = 0;
        std::memcpy(&stored, buf.data() + end, sizeof stored);
        if (stored != fnv1a(buf.data(), end)) throw io_error(pth, "checksum mismatch: the point file is corrupt");
    } else if (std::memcmp(buf.data(), magic_v1, sizeof magic_v1) != 0) {
        throw io_error(pth, "not a ratenet point file");
    }
    Reader rd(buf, end, pth);
    rd.skip(sizeof magic_v2);
    if (rd.get<std::int64_t>() != p) throw io_error(pth, "point file for another point");
    PointResult r;
    r.seconds = rd.get<double>();
    r.status = rd.get_string();
    const auto nv = rd.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < nv; ++i) {
        std::string name = rd.get_string();
        const auto len = rd.get<std::uint64_t>();
        r.values.emplace_back(std::move(name), rd.get_doubles(len));
    }
    if (!rd.at_end()) throw io_error(pth, "trailing bytes in the point file");
    return r;
}

void Journal::remove_all() const { fs::remove_all(dir_); }

void Journal::write_plan(const SweepPlan& plan) const {
    const std::string path = dir_ + "/plan.tsv", tmp = path + ".tmp";
    std::error_code ec;
    if (fs::exists(path, ec)) return;
    {
        std::ofstream out(tmp);
        out << "point";
        for (const auto& c : plan.columns()) out << '\t' << c;
        out << '\n';
        char num[32];
        for (std::int64_t p = 0; p < plan.n_points(); ++p) {
            out << p;
            for (double v : plan.point(p)) {
                std::snprintf(num, sizeof num, "%.17g", v);
                out << '\t' << num;
            }
            out << '\t' << plan.seed_index(p) << '\n';
        }
        out.flush();
        if (!out) throw io_error(tmp, "cannot write");
    }
    fs::rename(tmp, path, ec);
    if (ec) throw io_error(path, ec.message());
}

void write_sweep_group(OutputFile& out, const SweepPlan& plan, const std::vector<std::optional<PointResult>>& rows,
                       const std::string& shard) {
    RATENET_ASSERT(static_cast<std::int64_t>(rows.size()) == plan.n_points());
    auto& f = out.h5();
    schema::Writer g(f, "sweep");
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
    g.finish();
}

SweepFileContents read_sweep_file(const std::string& path) {
    h5::File f(path, h5::File::Mode::read_only);
    if (!f.has_attr("format") || f.attr_string("format") != "ratenet" || !f.exists("sweep"))
        throw io_error(path, "not a ratenet sweep file");
    SweepFileContents c;
    auto g = f.group("sweep");
    for (const char* a : {"sweep_hash", "analysis", "n_points"})
        if (!g.has_attr(a)) throw io_error(path, "/sweep has no attribute " + std::string(a));
    for (const char* a : {"ratenet_version", "config", "kind"})
        if (!f.has_attr(a)) throw io_error(path, "has no root attribute " + std::string(a));
    c.hash = g.attr_string("sweep_hash");
    c.version = f.attr_string("ratenet_version");
    c.config = f.attr_string("config");
    c.analysis = g.attr_string("analysis");
    c.kind = f.attr_string("kind");
    c.n_points = g.attr_int("n_points");
    c.shard = g.has_attr("shard") ? g.attr_string("shard") : "";
    if (c.n_points > 100000000) throw io_error(path, "/sweep attribute n_points = " + std::to_string(c.n_points) + " is too large");
    if (c.shard != "all" && !c.shard.empty()) {
        // "I/N" with 0 <= I < N <= n_points, as `sweep --shard` writes it.
        const auto slash = c.shard.find('/');
        long long i = -1, n = -1;
        try {
            if (slash != std::string::npos) {
                std::size_t u1 = 0, u2 = 0;
                i = std::stoll(c.shard.substr(0, slash), &u1);
                n = std::stoll(c.shard.substr(slash + 1), &u2);
                if (u1 != slash || u2 != c.shard.size() - slash - 1) i = -1;
            }
        } catch (const std::exception&) {
            i = -1;
        }
        if (i < 0 || n < 1 || i >= n || n > c.n_points)
            throw io_error(path, "/sweep attribute shard = \"" + c.shard + "\" is not I/N with 0 <= I < N <= n_points");
    }
    // Every shape is checked against n_points before anything is indexed.
    auto one_d = [&](const std::string& name) {
        if (!g.exists(name)) throw io_error(path, "/sweep/" + name + " is missing");
        const auto shape = g.shape(name);
        if (shape.size() != 1 || static_cast<std::int64_t>(shape[0]) != c.n_points)
            throw io_error(path, "/sweep/" + name + " must have n_points = " + std::to_string(c.n_points) + " entries");
    };
    if (c.n_points < 0) throw io_error(path, "/sweep attribute n_points = " + std::to_string(c.n_points) + " is negative");
    one_d("status");
    one_d("seconds");
    const auto status = g.read_strings("status");
    const auto seconds = g.read_doubles("seconds");
    c.rows.resize(static_cast<std::size_t>(c.n_points));
    std::vector<std::pair<std::string, std::vector<double>>> results;
    std::vector<std::size_t> widths;
    for (const auto& name : g.list("results")) {
        const std::string ds = "results/" + name;
        const auto shape = g.shape(ds);
        if (shape.empty() || shape.size() > 2 || static_cast<std::int64_t>(shape[0]) != c.n_points)
            throw io_error(path, "/sweep/" + ds + " must have n_points = " + std::to_string(c.n_points) + " rows");
        if (shape.size() > 1 && shape[1] > (hsize_t{1} << 20))
            throw io_error(path, "/sweep/" + ds + " has too many columns (" + std::to_string(shape[1]) + ")");
        const std::size_t L = shape.size() > 1 ? static_cast<std::size_t>(shape[1]) : 1;
        auto data = g.read_doubles(ds);
        if (data.size() != static_cast<std::size_t>(c.n_points) * L) throw io_error(path, "/sweep/" + ds + " has the wrong size");
        widths.push_back(L);
        results.emplace_back(name, std::move(data));
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
    return c;
}

}  // namespace ratenet::io
