// The io layer: HDF5 output round trips (written with io::OutputFile and
// io::TrajectoryWriter, read back with the h5 layer), matrix files (.npy from
// write_npy and hand-made bytes, .csv, .h5) read back exactly, and the Config
// reader (overrides, unknown keys, error messages naming file, key, value, rule).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <sstream>

#include "cli_util.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/job.hpp"
#include "io/matrix_file.hpp"
#include "io/output.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/rng.hpp"

using namespace ratenet;
using ratenet_test::TempDir;

namespace {

Eigen::MatrixXd awkward_matrix(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
    // Values with full 53-bit mantissas, tiny and huge magnitudes and signed zero:
    // anything short of an exact round trip shows.
    Rng rng(seed, 1);
    Eigen::MatrixXd m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = rng.normal() * std::pow(10.0, rng.uniform(-5, 5));
    m(0, 0) = 1.0 / 3.0;
    if (m.size() > 1) m(r - 1, c - 1) = -0.0;
    if (m.size() > 2) m(0, c - 1) = 5e-310;  // subnormal
    return m;
}

bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            const double x = a(i, j), y = b(i, j);
            if (std::memcmp(&x, &y, sizeof x) != 0) return false;
        }
    return true;
}

// A 1.0-format .npy file written byte by byte (independently of io::write_npy).
void write_npy_raw(const std::string& path, const std::string& descr, bool fortran, const std::string& shape,
                   const void* data, std::size_t bytes) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY", 6);
    const char ver[2] = {1, 0};
    out.write(ver, 2);
    const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
    out.write(len, 2);
    out << header;
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

Network test_network(bool sparse) {
    Network net;
    const Eigen::Index n = 5;
    net.form = Form::current;
    net.phi.kind = TransferKind::threshold_linear;
    net.phi.gain = 1.25;
    net.phi.theta = 0.5;
    net.W = awkward_matrix(n, n, 3);
    net.W(1, 2) = net.W(3, 0) = net.W(4, 4) = 0.0;
    net.tau = Eigen::VectorXd::LinSpaced(n, 0.5, 2.5);
    net.input.b = awkward_matrix(n, 1, 4).col(0);
    net.input.noise_sigma = 0.0;
    net.input.schedule.push_back({1.0, 2.0, Eigen::VectorXd::LinSpaced(n, 1.0, 5.0)});
    net.input.schedule.push_back({3.5, 4.25, Eigen::VectorXd::LinSpaced(n, -1.0, -5.0)});
    net.model = {"custom_test", {{"alpha", "1.5"}, {"note", "hello"}}};
    if (sparse) {
        net.W_sparse = net.W.sparseView();
        net.W_sparse.makeCompressed();
        net.sparse = true;
    }
    return net;
}

std::string error_of(const std::function<void()>& f, std::string* file = nullptr, std::string* key = nullptr,
                     std::string* value = nullptr, std::string* rule = nullptr) {
    try {
        f();
    } catch (const invalid_parameter& e) {
        if (file) *file = e.file();
        if (key) *key = e.key();
        if (value) *value = e.value();
        if (rule) *rule = e.rule();
        return e.what();
    }
    return "(accepted)";
}

const char* base_config = R"(# a small valid config
[model]
name = "hahnloser_wta"
n = 4
alpha = 1.5
beta = 1.0

[network]
form = "rate"
tau = 1.0

[transfer]
name = "relu"

[input]
b = [0.5, 0.6, 0.7, 0.8]

[simulate]
method = "rk4"
dt = 0.01
t_end = 2.0
dt_out = 0.1
)";

// Reads everything a simulate job reads, as the CLI does.
void read_all_sections(const io::Config& cfg) {
    cfg.check_sections();
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    io::read_initial(cfg, net, seeds);
    io::read_simulate(cfg, net, seeds);
}

}  // namespace

// ---------------------------------------------------------------- HDF5 output

TEST(Output, RoundTripDenseNetworkAndTrajectory) {
    TempDir dir;
    const std::string path = dir / "run.h5";
    const Network net = test_network(false);
    IntegratorOptions opt;
    opt.method = Method::rk4;
    opt.t_start = 0.5;
    opt.t_end = 3.0;
    opt.dt = 0.01;
    opt.dt_out = 0.5;
    io::RecordOptions rec;
    rec.neurons = {4, 1, 2};
    io::RunInfo info;
    info.kind = "simulate";
    info.command_line = "ratenet simulate x.toml";
    info.config_text = "[model]\nname = \"x\"\n";
    info.config_path = "x.toml";
    info.seeds = {11, 12, 13, 14};
    std::vector<Eigen::VectorXd> states;
    {
        io::OutputFile out(path, false);
        EXPECT_TRUE(std::filesystem::exists(out.part_path()));
        out.write_header(info);
        out.write_network(net);
        io::TrajectoryWriter w(out, net, opt, rec, nullptr);
        for (int k = 0; k < 6; ++k) {
            states.push_back(awkward_matrix(5, 1, static_cast<std::uint64_t>(20 + k)).col(0));
            w.observe(opt.sample_time(k), states.back());
        }
        RunResult r;
        r.status = RunStatus::completed;
        r.t_final = 3.0;
        r.samples = 6;
        r.steps = 250;
        w.finish(r);
        EXPECT_EQ(w.rows_written(), 6);
        out.commit();
        EXPECT_TRUE(out.committed());
    }
    EXPECT_FALSE(std::filesystem::exists(path + ".part"));
    ASSERT_TRUE(std::filesystem::exists(path));

    h5::File f(path, h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("format"), "ratenet");
    EXPECT_EQ(f.attr_int("format_version"), io::format_version);
    EXPECT_EQ(f.attr_string("kind"), "simulate");
    EXPECT_EQ(f.attr_string("command_line"), info.command_line);
    EXPECT_EQ(f.attr_string("config"), info.config_text);
    EXPECT_EQ(f.attr_string("config_path"), "x.toml");
    EXPECT_EQ(f.attr_int("seed_network"), 11);
    EXPECT_EQ(f.attr_int("seed_initial"), 12);
    EXPECT_EQ(f.attr_int("seed_noise"), 13);
    EXPECT_EQ(f.attr_int("seed_tangent"), 14);
    EXPECT_EQ(f.attr_string("status"), "completed");
    EXPECT_EQ(f.attr_string("message"), "");
    EXPECT_FALSE(f.attr_string("created_utc").empty());

    auto g = f.group("network");
    EXPECT_EQ(g.attr_string("W_format"), "dense");
    EXPECT_EQ(g.shape("W"), (std::vector<hsize_t>{5, 5}));
    const auto Wv = g.read_doubles("W");
    // Row-major on disk: W[i, j] at i * 5 + j.
    Eigen::MatrixXd W(5, 5);
    for (Eigen::Index i = 0; i < 5; ++i)
        for (Eigen::Index j = 0; j < 5; ++j) W(i, j) = Wv[static_cast<std::size_t>(i * 5 + j)];
    EXPECT_TRUE(same_bits(W, net.W));
    const auto b = g.read_doubles("b"), tau = g.read_doubles("tau");
    EXPECT_TRUE(same_bits(Eigen::Map<const Eigen::VectorXd>(b.data(), 5), net.input.b));
    EXPECT_TRUE(same_bits(Eigen::Map<const Eigen::VectorXd>(tau.data(), 5), net.tau));
    EXPECT_EQ(g.attr_int("n"), 5);
    EXPECT_EQ(g.attr_string("form"), "current");
    EXPECT_EQ(g.attr_string("transfer"), "threshold_linear");
    EXPECT_EQ(g.attr_double("transfer_gain"), 1.25);
    EXPECT_EQ(g.attr_double("transfer_theta"), 0.5);
    EXPECT_FALSE(g.has_attr("transfer_r_max"));  // only the parameters that apply
    EXPECT_EQ(g.attr_string("model"), "custom_test");
    EXPECT_EQ(g.attr_string("model_alpha"), "1.5");
    EXPECT_EQ(g.attr_string("model_note"), "hello");
    EXPECT_EQ(g.attr_double("noise_sigma"), 0.0);
    EXPECT_NE(g.attr_string("equation").find("W_ij phi(h_j)"), std::string::npos);
    // Schedule: S x N.
    ASSERT_TRUE(f.exists("network/schedule"));
    auto s = f.group("network/schedule");
    EXPECT_EQ(s.read_doubles("t_start"), (std::vector<double>{1.0, 3.5}));
    EXPECT_EQ(s.read_doubles("t_end"), (std::vector<double>{2.0, 4.25}));
    EXPECT_EQ(s.shape("b"), (std::vector<hsize_t>{2, 5}));
    const auto sb = s.read_doubles("b");
    for (std::size_t seg = 0; seg < 2; ++seg)
        for (Eigen::Index i = 0; i < 5; ++i)
            EXPECT_EQ(sb[seg * 5 + static_cast<std::size_t>(i)], net.input.schedule[seg].b[i]);

    // Trajectory: t exactly on the grid, x of the recorded neurons in the given order.
    auto tr = f.group("trajectory");
    EXPECT_EQ(tr.read_doubles("t"), (std::vector<double>{0.5, 1.0, 1.5, 2.0, 2.5, 3.0}));
    EXPECT_EQ(tr.shape("x"), (std::vector<hsize_t>{6, 3}));
    EXPECT_EQ(tr.read_ints("neuron"), (std::vector<std::int64_t>{4, 1, 2}));
    const auto x = tr.read_doubles("x");
    for (std::size_t k = 0; k < 6; ++k)
        for (std::size_t c = 0; c < 3; ++c) {
            const double expect = states[k][rec.neurons[c]];
            EXPECT_EQ(std::memcmp(&x[k * 3 + c], &expect, sizeof(double)), 0) << k << ", " << c;
        }
    EXPECT_EQ(tr.attr_string("method"), "rk4");
    EXPECT_EQ(tr.attr_string("status"), "completed");
    EXPECT_EQ(tr.attr_double("t_start"), 0.5);
    EXPECT_EQ(tr.attr_double("dt_out"), 0.5);
    EXPECT_EQ(tr.attr_int("samples"), 6);
    EXPECT_EQ(tr.attr_int("steps"), 250);
    EXPECT_EQ(tr.attr_int("bad_neuron"), -1);
    EXPECT_EQ(tr.attr_string("variable"), "h (current)");
}

TEST(Output, RoundTripSparseNetworkAsCsr) {
    TempDir dir;
    const std::string path = dir / "sparse.h5";
    const Network net = test_network(true);
    {
        io::OutputFile out(path, false);
        io::RunInfo info;
        info.kind = "simulate";
        out.write_header(info);
        out.write_network(net);
        out.set_status("completed", "");
        out.commit();
    }
    h5::File f(path, h5::File::Mode::read_only);
    auto g = f.group("network");
    EXPECT_EQ(g.attr_string("W_format"), "csr");
    EXPECT_FALSE(g.exists("W"));
    EXPECT_EQ(g.attr_doubles("W_shape"), (std::vector<double>{5, 5}));
    const auto data = g.read_doubles("W_data");
    const auto indices = g.read_ints("W_indices");
    const auto indptr = g.read_ints("W_indptr");
    ASSERT_EQ(indptr.size(), 6u);
    ASSERT_EQ(data.size(), indices.size());
    EXPECT_EQ(static_cast<std::int64_t>(data.size()), indptr.back());
    EXPECT_EQ(data.size(), 22u);  // 25 entries, 3 zeros
    // Rebuild W as scipy.sparse.csr_matrix would.
    Eigen::MatrixXd W = Eigen::MatrixXd::Zero(5, 5);
    for (Eigen::Index i = 0; i < 5; ++i)
        for (auto k = indptr[static_cast<std::size_t>(i)]; k < indptr[static_cast<std::size_t>(i) + 1]; ++k)
            W(i, indices[static_cast<std::size_t>(k)]) = data[static_cast<std::size_t>(k)];
    Eigen::MatrixXd expected = net.W;
    EXPECT_TRUE(same_bits(W, expected));
}

TEST(Output, Float32RecordingAndExistingFile) {
    TempDir dir;
    const std::string path = dir / "f32.h5";
    const Network net = test_network(false);
    IntegratorOptions opt;
    opt.t_end = 1.0;
    opt.dt_out = 0.5;
    io::RecordOptions rec;
    rec.float32 = true;
    rec.gzip = 4;
    const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(5, 0.11, 0.51);  // none exact in binary
    {
        io::OutputFile out(path, false);
        io::RunInfo info;
        info.kind = "simulate";
        out.write_header(info);
        io::TrajectoryWriter w(out, net, opt, rec, nullptr);
        w.observe(0.0, x);
        w.finish(RunResult{});
        out.commit();
    }
    {
        h5::File f(path, h5::File::Mode::read_only);
        const auto xs = f.group("trajectory").read_doubles("x");
        ASSERT_EQ(xs.size(), 5u);
        for (Eigen::Index i = 0; i < 5; ++i) {
            EXPECT_EQ(xs[static_cast<std::size_t>(i)], static_cast<double>(static_cast<float>(x[i])));
            EXPECT_NE(xs[static_cast<std::size_t>(i)], x[i]);  // really stored as float32
        }
    }
    // An existing file is refused without force (key "-o"), kept intact, and replaced with force.
    std::string key;
    const std::string msg = error_of([&] { io::OutputFile o(path, false); }, nullptr, &key);
    EXPECT_EQ(key, "-o");
    EXPECT_NE(msg.find("--force"), std::string::npos) << msg;
    EXPECT_FALSE(std::filesystem::exists(path + ".part"));
    {
        h5::File f(path, h5::File::Mode::read_only);
        EXPECT_TRUE(f.exists("trajectory"));
    }
    {
        io::OutputFile out(path, true);
        io::RunInfo info;
        info.kind = "other";
        out.write_header(info);
        out.commit();
    }
    h5::File f(path, h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("kind"), "other");
    EXPECT_FALSE(f.exists("trajectory"));
}

TEST(Output, UncommittedFileStaysAsPart) {
    TempDir dir;
    const std::string path = dir / "p.h5";
    {
        io::OutputFile out(path, false);
        io::RunInfo info;
        info.kind = "simulate";
        out.write_header(info);
    }  // destroyed without commit: an interrupted run
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_TRUE(std::filesystem::exists(path + ".part"));
    h5::File f(path + ".part", h5::File::Mode::read_only);
    EXPECT_EQ(f.attr_string("status"), "running");
}

// ---------------------------------------------------------------- matrix files

TEST(MatrixFile, NpyFromWriteNpyIsExact) {
    TempDir dir;
    for (auto [r, c] : {std::pair<Eigen::Index, Eigen::Index>{7, 5}, {1, 9}, {9, 1}, {40, 40}}) {
        const Eigen::MatrixXd m = awkward_matrix(r, c, static_cast<std::uint64_t>(r * 100 + c));
        const std::string p = dir / ("m" + std::to_string(r) + "x" + std::to_string(c) + ".npy");
        io::write_npy(p, m);
        // The header is 64-byte aligned as the format asks.
        const std::string bytes = ratenet_test::read_text(p);
        const std::size_t data_bytes = static_cast<std::size_t>(m.size()) * 8;
        ASSERT_GT(bytes.size(), data_bytes);
        EXPECT_EQ((bytes.size() - data_bytes) % 64, 0u);
        EXPECT_TRUE(same_bits(io::read_matrix(p), m)) << r << " x " << c;
    }
}

TEST(MatrixFile, HandMadeNpyVariants) {
    TempDir dir;
    // float32, C order, 2 x 3.
    const float f32[6] = {0.1f, -2.5f, 3.0f, 1e-3f, 7.25f, -0.0f};
    write_npy_raw(dir / "f32.npy", "<f4", false, "(2, 3)", f32, sizeof f32);
    const Eigen::MatrixXd a = io::read_matrix(dir / "f32.npy");
    ASSERT_EQ(a.rows(), 2);
    ASSERT_EQ(a.cols(), 3);
    for (Eigen::Index i = 0; i < 2; ++i)
        for (Eigen::Index j = 0; j < 3; ++j) EXPECT_EQ(a(i, j), static_cast<double>(f32[i * 3 + j]));
    // float64, Fortran order: column-major data.
    const double f64[6] = {1, 2, 3, 4, 5, 6};  // columns (1, 2), (3, 4), (5, 6)
    write_npy_raw(dir / "fortran.npy", "<f8", true, "(2, 3)", f64, sizeof f64);
    Eigen::MatrixXd expect(2, 3);
    expect << 1, 3, 5, 2, 4, 6;
    EXPECT_EQ(io::read_matrix(dir / "fortran.npy"), expect);
    // int64 and int32.
    const std::int64_t i64[4] = {-3, 4, 1LL << 40, 0};
    write_npy_raw(dir / "i64.npy", "<i8", false, "(2, 2)", i64, sizeof i64);
    Eigen::MatrixXd e64(2, 2);
    e64 << -3, 4, static_cast<double>(1LL << 40), 0;
    EXPECT_EQ(io::read_matrix(dir / "i64.npy"), e64);
    const std::int32_t i32[3] = {-7, 8, 9};
    write_npy_raw(dir / "i32.npy", "<i4", false, "(3,)", i32, sizeof i32);
    EXPECT_EQ(io::read_vector(dir / "i32.npy", "ignored"), Eigen::Vector3d(-7, 8, 9));
    // Unsupported dtype, truncated data and bad magic are io errors naming the file.
    write_npy_raw(dir / "big.npy", ">f8", false, "(1, 1)", f64, 8);
    EXPECT_THROW(io::read_matrix(dir / "big.npy"), io_error);
    write_npy_raw(dir / "short.npy", "<f8", false, "(3, 3)", f64, sizeof f64);
    try {
        io::read_matrix(dir / "short.npy");
        FAIL() << "truncated .npy accepted";
    } catch (const io_error& e) {
        EXPECT_EQ(e.path(), dir / "short.npy");
        EXPECT_NE(e.detail().find("truncated"), std::string::npos);
    }
    ratenet_test::write_text(dir / "bad.npy", "not numpy at all");
    EXPECT_THROW(io::read_matrix(dir / "bad.npy"), io_error);
}

TEST(MatrixFile, CsvIsExactWithSeparatorsAndComments) {
    TempDir dir;
    const Eigen::MatrixXd m = awkward_matrix(4, 3, 77);
    std::ostringstream ss;
    ss << "# header comment\n";
    const char* seps[] = {",", " ", ";", "\t"};
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            if (j) ss << seps[i % 4];
            ss << std::setprecision(17) << m(i, j);
        }
        ss << (i == 1 ? "   # trailing comment\n" : "\n");
        if (i == 2) ss << "\n";  // blank line
    }
    ratenet_test::write_text(dir / "m.csv", ss.str());
    EXPECT_TRUE(same_bits(io::read_matrix(dir / "m.csv"), m));
    // Ragged rows and non-numbers are refused with the line number.
    ratenet_test::write_text(dir / "ragged.csv", "1,2,3\n4,5\n");
    try {
        io::read_matrix(dir / "ragged.csv");
        FAIL() << "ragged CSV accepted";
    } catch (const io_error& e) {
        EXPECT_NE(e.detail().find("line 2"), std::string::npos) << e.what();
    }
    ratenet_test::write_text(dir / "word.csv", "1,2\n3,x4\n");
    try {
        io::read_matrix(dir / "word.csv");
        FAIL() << "non-number accepted";
    } catch (const io_error& e) {
        EXPECT_NE(e.detail().find("line 2"), std::string::npos) << e.what();
        EXPECT_NE(e.detail().find("x4"), std::string::npos) << e.what();
    }
    ratenet_test::write_text(dir / "huge.csv", "1,2\n3,1e999\n");  // overflows a double
    EXPECT_THROW(io::read_matrix(dir / "huge.csv"), io_error);
    EXPECT_THROW(io::read_matrix(dir / "m.xlsx"), io_error);
}

TEST(MatrixFile, Hdf5DatasetsAreExact) {
    TempDir dir;
    const std::string p = dir / "w.h5";
    const Eigen::MatrixXd m = awkward_matrix(6, 4, 5);
    const Eigen::VectorXd v = awkward_matrix(6, 1, 6).col(0);
    {
        h5::File f(p, h5::File::Mode::create_truncate);
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
        f.write("W", rm.data(), {6, 4});
        f.write("other", rm.data(), {4, 6});
        f.write("b", v.data(), {6});
    }
    EXPECT_TRUE(same_bits(io::read_matrix(p), m));
    const Eigen::MatrixXd other = io::read_matrix(p, "other");
    ASSERT_EQ(other.rows(), 4);
    ASSERT_EQ(other.cols(), 6);
    // Same bytes read as 4 x 6, row-major.
    for (Eigen::Index k = 0; k < 24; ++k) EXPECT_EQ(other(k / 6, k % 6), m(k / 4, k % 4));
    EXPECT_TRUE(same_bits(io::read_vector(p, "b"), v));
    EXPECT_THROW(io::read_matrix(p, "missing"), io_error);
    EXPECT_THROW(io::read_vector(p, "W"), io_error);  // a matrix is not a vector
}

// ---------------------------------------------------------------- Config

TEST(Config, OverridesOfNestedKeysArraysAndStrings) {
    const io::Config cfg = io::Config::parse(
        base_config, "base.toml",
        {"model.alpha=1.25", "input.b=[1, 2.5, 3, 4]", "transfer.name=tanh", "network.form=\"current\"",
         "initial.x0=0.5", "deep.er.key=7", "seeds.network=99"});
    EXPECT_EQ(cfg.path(), "base.toml");
    EXPECT_EQ(cfg.find("model.alpha")->value<double>(), 1.25);
    EXPECT_EQ(cfg.find("model.n")->value<std::int64_t>(), 4);  // untouched
    const toml::array* b = cfg.find("input.b")->as_array();
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->size(), 4u);
    EXPECT_EQ(b->get(1)->value<double>(), 2.5);
    EXPECT_EQ(cfg.find("transfer.name")->value<std::string>(), "tanh");  // a bare word is a string
    EXPECT_EQ(cfg.find("network.form")->value<std::string>(), "current");
    EXPECT_EQ(cfg.find("initial.x0")->value<double>(), 0.5);  // a new section
    EXPECT_EQ(cfg.find("deep.er.key")->value<std::int64_t>(), 7);
    EXPECT_EQ(cfg.find("model.nope"), nullptr);
    // The overrides reach the network and appear in the resolved text.
    const io::Seeds seeds = io::read_seeds(cfg);
    EXPECT_EQ(seeds.network, 99u);
    const Network net = io::read_network(cfg, seeds);
    EXPECT_EQ(net.form, Form::current);
    EXPECT_EQ(net.phi.kind, TransferKind::tanh);
    EXPECT_EQ(net.input.b, Eigen::Vector4d(1, 2.5, 3, 4));
    EXPECT_DOUBLE_EQ(net.W(0, 0), 1.25 - 1.0);
    EXPECT_NE(cfg.text().find("1.25"), std::string::npos);
    // The unknown section is caught.
    std::string key;
    error_of([&] { cfg.check_sections(); }, nullptr, &key);
    EXPECT_EQ(key, "deep");
    // A key inside a non-table, and an override without '=', are refused.
    EXPECT_NE(error_of([] { io::Config::parse(base_config, "base.toml", {"model.n.x=1"}); }), "(accepted)");
    EXPECT_NE(error_of([] { io::Config::parse(base_config, "base.toml", {"model.n"}); }), "(accepted)");
}

TEST(Config, LoadFromFileAndMissingFile) {
    TempDir dir;
    ratenet_test::write_text(dir / "c.toml", base_config);
    const io::Config cfg = io::Config::load(dir / "c.toml", {"simulate.t_end=5"});
    EXPECT_EQ(cfg.path(), dir / "c.toml");
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    EXPECT_EQ(io::read_simulate(cfg, net, seeds).integrator.t_end, 5.0);
    EXPECT_THROW(io::Config::load(dir / "missing.toml"), io_error);
}

TEST(Config, UnknownKeysRejectedWithHint) {
    std::string file, key, value, rule;
    const std::string msg = error_of(
        [] { read_all_sections(io::Config::parse(base_config, "c.toml", {"model.alpah=1.2"})); }, &file, &key, &value,
        &rule);
    EXPECT_EQ(file, "c.toml");
    EXPECT_EQ(key, "model.alpah");
    EXPECT_EQ(value, "1.2");
    EXPECT_NE(rule.find("did you mean \"alpha\""), std::string::npos) << msg;
    // In other sections too, and for sections.
    error_of([] { read_all_sections(io::Config::parse(base_config, "c.toml", {"simulate.t_edn=3"})); }, nullptr, &key,
             nullptr, &rule);
    EXPECT_EQ(key, "simulate.t_edn");
    EXPECT_NE(rule.find("did you mean \"t_end\""), std::string::npos) << rule;
    error_of([] { read_all_sections(io::Config::parse(base_config, "c.toml", {"simulte.t_end=3"})); }, nullptr, &key,
             nullptr, &rule);
    EXPECT_EQ(key, "simulte");
    EXPECT_NE(rule.find("did you mean \"simulate\""), std::string::npos) << rule;
    // A transfer parameter that does not apply to the chosen function is not silently ignored.
    error_of([] { read_all_sections(io::Config::parse(base_config, "c.toml", {"transfer.gain=2"})); }, nullptr, &key);
    EXPECT_EQ(key, "transfer.gain");
    // Far from every known key: no hint, still refused.
    const std::string m2 =
        error_of([] { read_all_sections(io::Config::parse(base_config, "c.toml", {"model.zzzzzzzzzz=1"})); });
    EXPECT_NE(m2.find("unknown key"), std::string::npos) << m2;
    EXPECT_EQ(m2.find("did you mean"), std::string::npos) << m2;
}

TEST(Config, EveryErrorNamesFileKeyValueAndRule) {
    struct Case {
        std::vector<std::string> overrides;
        std::string key, value, rule_part;
    };
    const std::vector<Case> cases = {
        {{"network.tau=-1"}, "network.tau", "-1", "must be > 0"},
        {{"network.tau=[1, 2, 0, 1]"}, "network.tau", "0", "must be > 0"},
        {{"network.tau=[1, 2]"}, "network.tau", "[2 values]", "one value per neuron (4)"},
        {{"model.n=\"ten\""}, "model.n", "\"ten\"", "must be an integer"},
        {{"model.n=0"}, "model.n", "0", "must be >= 1"},
        {{"model.alpha=true"}, "model.alpha", "true", "must be a number"},
        {{"model.name=\"hahnloser_wtb\""}, "model.name", "\"hahnloser_wtb\"", "did you mean \"hahnloser_wta\""},
        {{"network.form=\"rat\""}, "network.form", "\"rat\"", "must be \"rate\" or \"current\""},
        {{"transfer.name=\"relux\""}, "transfer.name", "\"relux\"", "did you mean \"relu\""},
        {{"transfer.name=clipped_linear", "transfer.r_max=-1"}, "transfer.r_max", "-1", "must be > 0"},
        {{"transfer.name=softplus", "transfer.beta=0"}, "transfer.beta", "0", "must be > 0"},
        {{"input.noise_sigma=-0.5"}, "input.noise_sigma", "-0.5", "must be >= 0"},
        {{"input.noise_sigma=0.1"}, "simulate.method", "\"rk4\"", "euler"},
        {{"simulate.record=[0, 9]"}, "simulate.record[1]", "9", "0 .. 3"},
        {{"simulate.method=\"rk5\""}, "simulate.method", "\"rk5\"", "must be"},
        {{"simulate.dt=0.5"}, "simulate.dt", "0.5", "dt_out"},
        {{"simulate.t_end=-3"}, "simulate.t_end", "-3", "t_start"},
        {{"simulate.gzip=11"}, "simulate.gzip", "11", "0 .. 9"},
        {{"seeds.network=-1"}, "seeds.network", "-1", "integer >= 0"},
        {{"initial.random_std=-1"}, "initial.random_std", "-1", "must be >= 0"},
        {{"model.name=ctln", "model.n=3", "model.edges=[[0, 1], [1, 1]]", "input.b=1"}, "model.edges[1]", "[1, 1]",
         "self-loop"},
        {{"model.name=ctln", "model.n=3", "model.eps=0.4", "input.b=1"}, "model.eps", "0.4", "delta/(delta+1)"},
        {{"model.name=matrix", "model.path=\"/nonexistent/W.npy\""}, "model.path", "\"/nonexistent/W.npy\"", "cannot open"},
    };
    for (const auto& c : cases) {
        std::string file, key, value, rule;
        const std::string msg = error_of([&] { read_all_sections(io::Config::parse(base_config, "cfg/job.toml", c.overrides)); },
                                         &file, &key, &value, &rule);
        SCOPED_TRACE(c.overrides.back() + " -> " + msg);
        EXPECT_EQ(file, "cfg/job.toml");
        EXPECT_EQ(key, c.key);
        EXPECT_EQ(value, c.value);
        EXPECT_NE(rule.find(c.rule_part), std::string::npos);
        // One line: FILE: KEY = VALUE: RULE.
        EXPECT_EQ(msg, "cfg/job.toml: " + c.key + " = " + c.value + ": " + rule);
        EXPECT_EQ(msg.find('\n'), std::string::npos);
    }
}

TEST(Config, TomlSyntaxErrorNamesFileAndLine) {
    std::string file, key, rule;
    const std::string msg =
        error_of([] { io::Config::parse("[model]\nname = \"ring\"\nn = = 3\n", "bad.toml"); }, &file, &key, nullptr, &rule);
    EXPECT_EQ(file, "bad.toml");
    EXPECT_NE(key.find("line 3"), std::string::npos) << msg;
    EXPECT_NE(rule.find("TOML syntax error"), std::string::npos) << msg;
}

TEST(Config, MemoryCheckRefusesHugeNetworks) {
    std::string key, rule;
    const std::string msg = error_of(
        [] { read_all_sections(io::Config::parse(base_config, "c.toml", {"model.n=10000000", "input.b=1"})); }, nullptr,
        &key, nullptr, &rule);
    EXPECT_EQ(key, "model.n");
    EXPECT_NE(rule.find("GiB"), std::string::npos) << msg;
    // 1e7^2 * 8 bytes = 8e14 bytes = 7.45e5 GiB.
    EXPECT_NE(rule.find("7.45e+05 GiB"), std::string::npos) << msg;
}

TEST(Config, ClosestHint) {
    EXPECT_EQ(io::closest("alpah", {"alpha", "beta", "gamma"}), "alpha");
    EXPECT_EQ(io::closest("zzzzzz", {"alpha", "beta"}), "");
    EXPECT_EQ(io::closest("t_edn", {"t_end", "t_start", "dt"}), "t_end");
}
