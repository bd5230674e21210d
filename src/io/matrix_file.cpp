#include "io/matrix_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "io/h5.hpp"
#include "ratenet/errors.hpp"
#include "ratenet/network.hpp"

namespace ratenet::io {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct NpyHeader {
    std::string descr;
    bool fortran = false;
    Eigen::Index rows = 0, cols = 0;
    std::size_t width = 0;
};

// Reads and checks the header; leaves `in` at the first data byte.
NpyHeader read_npy_header(std::ifstream& in, const std::string& path) {
    if (!in) throw io_error(path, "cannot open");
    char magic[6] = {};
    in.read(magic, 6);
    if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw io_error(path, "not a NumPy .npy file (bad magic)");
    unsigned char ver[2] = {};
    in.read(reinterpret_cast<char*>(ver), 2);
    if (!in) throw io_error(path, "truncated .npy header");
    std::uint32_t hlen = 0;
    if (ver[0] == 1) {
        unsigned char b[2] = {};
        in.read(reinterpret_cast<char*>(b), 2);
        hlen = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8);
    } else {
        unsigned char b[4] = {};
        in.read(reinterpret_cast<char*>(b), 4);
        hlen = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
               (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
    }
    if (!in || ver[0] < 1 || ver[0] > 3) throw io_error(path, "not a NumPy .npy file (bad version)");
    // NumPy itself refuses headers above 10000 bytes; real ones take about 128.
    if (hlen > 10000) throw io_error(path, ".npy header of " + std::to_string(hlen) + " bytes (more than 10000)");
    {
        const auto here = in.tellg();
        in.seekg(0, std::ios::end);
        const auto size = in.tellg();
        in.seekg(here);
        if (static_cast<std::streamoff>(hlen) > size - here) throw io_error(path, "truncated .npy header");
    }
    std::string header(hlen, '\0');
    in.read(header.data(), hlen);
    if (!in) throw io_error(path, "truncated .npy header");
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
        throw io_error(path, ".npy header has no descr");
    const std::string descr = m[1];
    const bool fortran = std::regex_search(header, std::regex("'fortran_order':\\s*True"));
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw io_error(path, ".npy header has no shape");
    std::vector<Eigen::Index> shape;
    std::stringstream ss(m[1].str());
    std::string tok;
    while (std::getline(ss, tok, ',')) {
        if (tok.find_first_not_of(" \t") == std::string::npos) continue;
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(tok.c_str(), &end, 10);
        if (errno != 0 || v < 0 || end == tok.c_str() || std::string(end).find_first_not_of(" \t") != std::string::npos)
            throw io_error(path, ".npy header has a bad shape entry \"" + tok + "\"");
        // 2^31 per axis is far beyond any network ratenet can hold, and keeps products exact.
        if (v > (1LL << 31)) throw io_error(path, ".npy shape entry " + std::to_string(v) + " is too large");
        shape.push_back(static_cast<Eigen::Index>(v));
    }
    if (shape.empty() || shape.size() > 2) throw io_error(path, "expected a 1-D or 2-D array, got " + std::to_string(shape.size()) + "-D");
    const Eigen::Index rows = shape[0], cols = shape.size() == 2 ? shape[1] : 1;
    if (rows == 0 || cols == 0) throw io_error(path, "holds no values (shape " + m[1].str() + ")");
    std::size_t width = 0;
    if (descr == "<f8" || descr == "<i8") width = 8;
    else if (descr == "<f4" || descr == "<i4") width = 4;
    else throw io_error(path, "unsupported .npy dtype " + descr + " (use float64, float32, int64 or int32, little-endian)");
    // What the header claims is checked against what the file holds before
    // anything is allocated (a 336-byte file may claim 20000 x 20000 values).
    const double claimed = static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(width);
    const auto data_start = static_cast<double>(in.tellg());
    in.seekg(0, std::ios::end);
    const double file_size = static_cast<double>(in.tellg());
    in.seekg(static_cast<std::streamoff>(data_start));
    if (claimed > file_size - data_start)
        throw io_error(path, "truncated .npy data: the header claims " + std::to_string(rows) + " x " + std::to_string(cols) + " " + descr +
                                 " values (" + format_value(claimed) + " bytes), but the file holds only " +
                                 format_value(file_size) + " bytes");
    NpyHeader h;
    h.descr = descr;
    h.fortran = fortran;
    h.rows = rows;
    h.cols = cols;
    h.width = width;
    return h;
}

Eigen::MatrixXd read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const NpyHeader h = read_npy_header(in, path);
    const std::string& descr = h.descr;
    const bool fortran = h.fortran;
    const Eigen::Index rows = h.rows, cols = h.cols;
    const std::size_t width = h.width;
    Eigen::MatrixXd out = coupling_matrix(rows, cols);
    // One line (a row in C order, a column in Fortran order) at a time: no copy of the whole array.
    const Eigen::Index lines = fortran ? cols : rows, per = fortran ? rows : cols;
    std::vector<char> buf(static_cast<std::size_t>(per) * width);
    for (Eigen::Index l = 0; l < lines; ++l) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        if (!in) throw io_error(path, "truncated .npy data");
        for (Eigen::Index k = 0; k < per; ++k) {
            const char* p = buf.data() + static_cast<std::size_t>(k) * width;
            double v = 0;
            if (descr == "<f8") { double x; std::memcpy(&x, p, 8); v = x; }
            else if (descr == "<f4") { float x; std::memcpy(&x, p, 4); v = x; }
            else if (descr == "<i8") { std::int64_t x; std::memcpy(&x, p, 8); v = static_cast<double>(x); }
            else { std::int32_t x; std::memcpy(&x, p, 4); v = x; }
            if (fortran) out(k, l) = v;
            else out(l, k) = v;
        }
    }
    return out;
}

Eigen::MatrixXd read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw io_error(path, "cannot open");
    std::vector<std::vector<double>> rows;
    std::string line;
    std::size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (auto h = line.find('#'); h != std::string::npos) line.erase(h);
        for (char& c : line)
            if (c == ',' || c == ';' || c == '\t') c = ' ';
        std::stringstream ss(line);
        std::vector<double> row;
        std::string tok;
        while (ss >> tok) {
            // strtod, not std::stod: stod throws out_of_range on subnormal values such as
            // 5e-310 (strtod's ERANGE on underflow), which are valid doubles.
            errno = 0;
            char* end = nullptr;
            const double v = std::strtod(tok.c_str(), &end);
            const bool overflow = errno == ERANGE && std::isinf(v);
            if (end != tok.c_str() + tok.size() || overflow)
                throw io_error(path, "line " + std::to_string(lineno) + ": \"" + tok + "\" is not a number");
            row.push_back(v);
        }
        if (row.empty()) continue;
        if (!rows.empty() && row.size() != rows.front().size())
            throw io_error(path, "line " + std::to_string(lineno) + " has " + std::to_string(row.size()) +
                                     " values, the first row has " + std::to_string(rows.front().size()));
        rows.push_back(std::move(row));
    }
    if (rows.empty()) throw io_error(path, "no numbers found");
    Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.front().size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < rows[i].size(); ++j) out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    return out;
}

// The dimensions of a 1-D or 2-D dataset, each in 1 .. 2^31.
std::vector<hsize_t> h5_matrix_dims(const h5::File& f, const std::string& path, const std::string& dataset) {
    if (!f.exists(dataset)) throw io_error(path, "has no dataset \"" + dataset + "\"");
    const auto dims = f.shape(dataset);
    if (dims.empty() || dims.size() > 2) throw io_error(path, "dataset " + dataset + " must be 1-D or 2-D");
    for (hsize_t d : dims) {
        if (d == 0) throw io_error(path, "dataset " + dataset + " holds no values");
        if (d > (hsize_t{1} << 31)) throw io_error(path, "dataset " + dataset + " is too large (" + std::to_string(d) + ")");
    }
    return dims;
}

Eigen::MatrixXd read_h5(const std::string& path, const std::string& dataset) {
    h5::File f(path, h5::File::Mode::read_only);
    const auto dims = h5_matrix_dims(f, path, dataset);
    const auto rows = static_cast<Eigen::Index>(dims[0]);
    const auto cols = dims.size() == 2 ? static_cast<Eigen::Index>(dims[1]) : 1;
    // Read straight into the matrix: the row-major data is the column-major
    // transpose, turned in place (square) or through a copy (vectors, small).
    Eigen::MatrixXd out = coupling_matrix(cols, rows);
    f.read_doubles_into(dataset, out.data(), static_cast<std::size_t>(rows * cols));
    if (rows == cols) {
        out.transposeInPlace();
        return out;
    }
    Eigen::MatrixXd t = out.transpose();
    return t;
}

}  // namespace

std::pair<Eigen::Index, Eigen::Index> matrix_file_shape(const std::string& path, const std::string& dataset) {
    if (ends_with(path, ".npy")) {
        std::ifstream in(path, std::ios::binary);
        const NpyHeader h = read_npy_header(in, path);
        return {h.rows, h.cols};
    }
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5") || ends_with(path, ".hdf")) {
        h5::File f(path, h5::File::Mode::read_only);
        if (!f.exists(dataset)) throw io_error(path, "has no dataset \"" + dataset + "\"");
        const auto dims = h5_matrix_dims(f, path, dataset);
        return {static_cast<Eigen::Index>(dims[0]), dims.size() == 2 ? static_cast<Eigen::Index>(dims[1]) : 1};
    }
    return {-1, -1};
}

Eigen::MatrixXd read_matrix(const std::string& path, const std::string& dataset) {
    if (ends_with(path, ".npy")) return read_npy(path);
    if (ends_with(path, ".csv") || ends_with(path, ".txt")) return read_csv(path);
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5") || ends_with(path, ".hdf")) return read_h5(path, dataset);
    throw io_error(path, "unknown matrix file type (use .h5/.hdf5, .npy or .csv)");
}

Eigen::VectorXd read_vector(const std::string& path, const std::string& dataset) {
    Eigen::MatrixXd m = read_matrix(path, dataset);
    if (m.cols() == 1) return m.col(0);
    if (m.rows() == 1) return m.row(0).transpose();
    throw io_error(path, "expected a vector, got a " + std::to_string(m.rows()) + " x " + std::to_string(m.cols()) + " matrix");
}

void write_npy(const std::string& path, const Eigen::MatrixXd& m) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw io_error(path, "cannot create");
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                         std::to_string(m.cols()) + "), }";
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    const auto hlen = static_cast<std::uint16_t>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    const char lenbytes[2] = {static_cast<char>(hlen & 0xff), static_cast<char>(hlen >> 8)};
    out.write(lenbytes, 2);
    out << header;
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
    out.write(reinterpret_cast<const char*>(rm.data()), static_cast<std::streamsize>(sizeof(double) * static_cast<std::size_t>(rm.size())));
}

}  // namespace ratenet::io
