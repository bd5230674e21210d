#include "io/h5.hpp"

#include <H5DSpublic.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "ratenet/errors.hpp"

namespace ratenet::h5 {

namespace {

std::atomic<bool> g_poisoned{false};

struct StackText {
    std::string top;          // the message of the API call that failed
    bool no_space = false;    // some level of the stack reports ENOSPC
    bool write_failed = false;  // a file driver could not write
};

// Called by HDF5 (C): nothing may throw through it.
herr_t walk_cb(unsigned n, const H5E_error2_t* err, void* data) noexcept {
    try {
        auto* s = static_cast<StackText*>(data);
        if (!err || !err->desc) return 0;
        const std::string d = err->desc;
        if (n == 0) s->top = d;
        // The file drivers report the system error inside the text.
        if (d.find("errno = 28,") != std::string::npos || d.find("No space left on device") != std::string::npos)
            s->no_space = true;
        if (d.find("write failed") != std::string::npos) s->write_failed = true;
        return 0;
    } catch (...) {
        return -1;
    }
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    const int err = errno;
    StackText st;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &st);
    H5Eclear2(H5E_DEFAULT);
    if (st.write_failed || st.no_space) g_poisoned.store(true);
    if (st.no_space || err == ENOSPC) throw io_error(file, "no space left on device (while trying to " + what + ")");
    if (err == EDQUOT) throw io_error(file, "disk quota exceeded (while trying to " + what + ")");
    throw io_error(file, what + (st.top.empty() ? "" : " (" + st.top + ")"));
}

// A handle (hid_t, 64-bit) and a status code (herr_t, int) are checked by
// different functions; passing one where the other belongs does not compile.
hid_t check_id(herr_t, const std::string&, const std::string&) = delete;
void check_status(hid_t, const std::string&, const std::string&) = delete;

hid_t check_id(hid_t id, const std::string& file, const std::string& what) {
    if (id < 0) fail(file, what);
    return id;
}
void check_status(herr_t rc, const std::string& file, const std::string& what) {
    if (rc < 0) fail(file, what);
}

Handle make_space(const std::vector<hsize_t>& dims, const std::string& file) {
    if (dims.empty()) return Handle(check_id(H5Screate(H5S_SCALAR), file, "create dataspace"), H5Sclose);
    return Handle(check_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), file, "create dataspace"),
                  H5Sclose);
}

Handle vlen_string_type(const std::string& file) {
    Handle t(check_id(H5Tcopy(H5T_C_S1), file, "copy string type"), H5Tclose);
    check_status(H5Tset_size(t.id(), H5T_VARIABLE), file, "set string size");
    check_status(H5Tset_cset(t.id(), H5T_CSET_UTF8), file, "set string charset");
    return t;
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        reset();
        id_ = o.id_;
        close_ = o.close_;
        o.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void Handle::reset() noexcept {
    if (id_ >= 0 && close_ && !poisoned()) close_(id_);
    id_ = H5I_INVALID_HID;
}

bool poisoned() noexcept { return g_poisoned.load(); }

void silence_errors() {
    static std::once_flag once;
    std::call_once(once, [] {
        H5dont_atexit();  // fails only after the library started: then the cleanup stays on
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    });
}

bool Location::exists(const std::string& name) const {
    // Checks each path component so that a missing parent is not an error.
    std::string partial;
    std::size_t pos = 0;
    while (pos <= name.size()) {
        const std::size_t slash = name.find('/', pos);
        partial = name.substr(0, slash);
        if (!partial.empty()) {
            const htri_t e = H5Lexists(id_, partial.c_str(), H5P_DEFAULT);
            if (e <= 0) {
                H5Eclear2(H5E_DEFAULT);
                return false;
            }
        }
        if (slash == std::string::npos) break;
        pos = slash + 1;
    }
    return true;
}

Group Location::dataset(const std::string& name) const {
    return Group(Handle(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose), file_);
}

bool Location::has_attr(const std::string& name) const {
    const htri_t e = H5Aexists(id_, name.c_str());
    if (e < 0) fail(file_, "check attribute " + name);
    return e > 0;
}

namespace {
void write_attr(hid_t loc, const std::string& file, const std::string& name, hid_t type, const void* data,
                const std::vector<hsize_t>& dims) {
    if (H5Aexists(loc, name.c_str()) > 0) check_status(H5Adelete(loc, name.c_str()), file, "replace attribute " + name);
    Handle space = make_space(dims, file);
    Handle a(check_id(H5Acreate2(loc, name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT), file,
                   "create attribute " + name),
             H5Aclose);
    check_status(H5Awrite(a.id(), type, data), file, "write attribute " + name);
}
}  // namespace

void Location::attr(const std::string& name, const std::string& value) const {
    Handle t = vlen_string_type(file_);
    const char* p = value.c_str();
    write_attr(id_, file_, name, t.id(), &p, {});
}
void Location::attr(const std::string& name, double value) const { write_attr(id_, file_, name, H5T_NATIVE_DOUBLE, &value, {}); }
void Location::attr(const std::string& name, std::int64_t value) const { write_attr(id_, file_, name, H5T_NATIVE_INT64, &value, {}); }
void Location::attr(const std::string& name, std::uint64_t value) const { write_attr(id_, file_, name, H5T_NATIVE_UINT64, &value, {}); }
void Location::attr(const std::string& name, const std::vector<double>& value) const {
    write_attr(id_, file_, name, H5T_NATIVE_DOUBLE, value.data(), {value.size()});
}

namespace {
// Scalar reads of attributes: one element only, whatever the file holds (a read
// of an array attribute into one value would write past it).
void require_one(hid_t attr, const std::string& file, const std::string& name) {
    Handle sp(check_id(H5Aget_space(attr), file, "dataspace of attribute " + name), H5Sclose);
    if (H5Sget_simple_extent_npoints(sp.id()) != 1)
        throw io_error(file, "attribute " + name + " must hold a single value");
}
}  // namespace

std::string Location::attr_string(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    require_one(a.id(), file_, name);
    Handle ftype(check_id(H5Aget_type(a.id()), file_, "type of attribute " + name), H5Tclose);
    if (H5Tget_class(ftype.id()) != H5T_STRING) throw io_error(file_, "attribute " + name + " is not a string");
    if (H5Tis_variable_str(ftype.id()) > 0) {
        Handle t = vlen_string_type(file_);
        char* p = nullptr;
        check_status(H5Aread(a.id(), t.id(), &p), file_, "read attribute " + name);
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
    }
    const std::size_t n = H5Tget_size(ftype.id());
    std::string s(n, '\0');
    check_status(H5Aread(a.id(), ftype.id(), s.data()), file_, "read attribute " + name);
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
}

double Location::attr_double(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    require_one(a.id(), file_, name);
    double v = 0;
    check_status(H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v), file_, "read attribute " + name);
    return v;
}

std::vector<double> Location::attr_doubles(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    Handle sp(check_id(H5Aget_space(a.id()), file_, "dataspace of attribute " + name), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(sp.id());
    if (n < 0) fail(file_, "size of attribute " + name);
    std::vector<double> v(static_cast<std::size_t>(n));
    if (n > 0) check_status(H5Aread(a.id(), H5T_NATIVE_DOUBLE, v.data()), file_, "read attribute " + name);
    return v;
}

std::int64_t Location::attr_int(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    require_one(a.id(), file_, name);
    std::int64_t v = 0;
    check_status(H5Aread(a.id(), H5T_NATIVE_INT64, &v), file_, "read attribute " + name);
    return v;
}

namespace {
void write_dataset(hid_t loc, const std::string& file, const std::string& name, hid_t mem_type, hid_t file_type,
                   const void* data, const std::vector<hsize_t>& dims, int gzip) {
    Handle space = make_space(dims, file);
    Handle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), file, "dataset properties"), H5Pclose);
    hsize_t total = 1;
    for (auto d : dims) total *= d;
    if (gzip > 0 && total > 0 && !dims.empty()) {
        std::vector<hsize_t> chunk(dims);
        // Chunks of about 1 MiB along the first axis.
        hsize_t row = total / std::max<hsize_t>(1, dims[0]);
        chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], (1u << 17) / std::max<hsize_t>(1, row)));
        check_status(H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()), file, "chunk " + name);
        check_status(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(gzip)), file, "compress " + name);
    }
    Handle lcpl(check_id(H5Pcreate(H5P_LINK_CREATE), file, "link properties"), H5Pclose);
    check_status(H5Pset_create_intermediate_group(lcpl.id(), 1), file, "link properties");
    Handle ds(check_id(H5Dcreate2(loc, name.c_str(), file_type, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT), file,
                    "create dataset " + name),
              H5Dclose);
    if (total > 0) check_status(H5Dwrite(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file, "write dataset " + name);
}
}  // namespace

void Location::write(const std::string& name, const double* data, const std::vector<hsize_t>& dims, int gzip) const {
    write_dataset(id_, file_, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, data, dims, gzip);
}
void Location::write(const std::string& name, const std::int64_t* data, const std::vector<hsize_t>& dims) const {
    write_dataset(id_, file_, name, H5T_NATIVE_INT64, H5T_STD_I64LE, data, dims, 0);
}
void Location::write(const std::string& name, const std::uint8_t* data, const std::vector<hsize_t>& dims) const {
    write_dataset(id_, file_, name, H5T_NATIVE_UINT8, H5T_STD_U8LE, data, dims, 0);
}

void Location::write_rows(const std::string& name, hsize_t rows, hsize_t cols, int gzip,
                          const std::function<void(hsize_t, hsize_t, double*)>& fill) const {
    const std::vector<hsize_t> dims{rows, cols};
    Handle space = make_space(dims, file_);
    Handle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), file_, "dataset properties"), H5Pclose);
    // Blocks of about 8 MiB; with compression the chunks are the blocks' rows (about 1 MiB).
    const hsize_t block = std::max<hsize_t>(1, std::min<hsize_t>(rows, (hsize_t{1} << 20) / std::max<hsize_t>(1, cols)));
    if (gzip > 0 && rows > 0 && cols > 0) {
        const hsize_t chunk[2] = {std::max<hsize_t>(1, std::min<hsize_t>(rows, (hsize_t{1} << 17) / cols)), cols};
        check_status(H5Pset_chunk(dcpl.id(), 2, chunk), file_, "chunk " + name);
        check_status(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(gzip)), file_, "compress " + name);
    }
    Handle lcpl(check_id(H5Pcreate(H5P_LINK_CREATE), file_, "link properties"), H5Pclose);
    check_status(H5Pset_create_intermediate_group(lcpl.id(), 1), file_, "link properties");
    Handle ds(check_id(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F64LE, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT), file_,
                    "create dataset " + name),
              H5Dclose);
    if (rows == 0 || cols == 0) return;
    std::vector<double> buf(static_cast<std::size_t>(block * cols));
    for (hsize_t r0 = 0; r0 < rows; r0 += block) {
        const hsize_t nr = std::min(block, rows - r0);
        fill(r0, nr, buf.data());
        Handle fspace(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + name), H5Sclose);
        const hsize_t start[2] = {r0, 0}, count[2] = {nr, cols};
        check_status(H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr), file_, "select " + name);
        Handle mspace(check_id(H5Screate_simple(2, count, nullptr), file_, "memory space"), H5Sclose);
        check_status(H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, mspace.id(), fspace.id(), H5P_DEFAULT, buf.data()), file_,
              "write dataset " + name);
    }
}

void Location::write_strings(const std::string& name, const std::vector<std::string>& v) const {
    Handle t = vlen_string_type(file_);
    std::vector<const char*> p;
    p.reserve(v.size());
    for (const auto& s : v) p.push_back(s.c_str());
    Handle space = make_space({v.size()}, file_);
    Handle ds(check_id(H5Dcreate2(id_, name.c_str(), t.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), file_,
                    "create dataset " + name),
              H5Dclose);
    if (!v.empty()) check_status(H5Dwrite(ds.id(), t.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), file_, "write " + name);
}

std::vector<hsize_t> Location::shape(const std::string& name) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose);
    Handle space(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + name), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.id());
    if (rank < 0) fail(file_, "rank of " + name);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
    return dims;
}

namespace {
template <class T>
std::vector<T> read_all(hid_t loc, const std::string& file, const std::string& name, hid_t mem_type) {
    Handle ds(check_id(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), file, "open dataset " + name), H5Dclose);
    Handle space(check_id(H5Dget_space(ds.id()), file, "dataspace of " + name), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id());
    if (n < 0) fail(file, "size of " + name);
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) check_status(H5Dread(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), file, "read dataset " + name);
    return v;
}
}  // namespace

std::vector<double> Location::read_doubles(const std::string& name) const {
    return read_all<double>(id_, file_, name, H5T_NATIVE_DOUBLE);
}
double Location::read_double_at(const std::string& name, hsize_t index) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose);
    Handle space(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + name), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.id()) != 1) throw io_error(file_, "dataset " + name + " must be 1-D");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.id(), &n, nullptr);
    if (index >= n) throw io_error(file_, "dataset " + name + " has no element " + std::to_string(index));
    const hsize_t one = 1;
    check_status(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, &index, nullptr, &one, nullptr), file_, "select " + name);
    Handle mspace(check_id(H5Screate_simple(1, &one, nullptr), file_, "memory space"), H5Sclose);
    double v = 0;
    check_status(H5Dread(ds.id(), H5T_NATIVE_DOUBLE, mspace.id(), space.id(), H5P_DEFAULT, &v), file_, "read " + name);
    return v;
}

void Location::read_doubles_into(const std::string& name, double* out, std::size_t n) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose);
    Handle space(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + name), H5Sclose);
    const hssize_t count = H5Sget_simple_extent_npoints(space.id());
    if (count < 0 || static_cast<std::size_t>(count) != n)
        throw io_error(file_, "dataset " + name + " has " + std::to_string(count) + " values, expected " + std::to_string(n));
    if (n > 0) check_status(H5Dread(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), file_, "read dataset " + name);
}

std::vector<std::int64_t> Location::read_ints(const std::string& name) const {
    return read_all<std::int64_t>(id_, file_, name, H5T_NATIVE_INT64);
}

std::vector<std::string> Location::read_strings(const std::string& name) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose);
    Handle space(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + name), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id());
    if (n < 0) fail(file_, "size of " + name);
    std::vector<char*> p(static_cast<std::size_t>(n), nullptr);
    std::vector<std::string> out;
    if (n == 0) return out;
    Handle t = vlen_string_type(file_);
    check_status(H5Dread(ds.id(), t.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), file_, "read " + name);
    for (char* c : p) out.emplace_back(c ? c : "");
    H5Dvlen_reclaim(t.id(), space.id(), H5P_DEFAULT, p.data());
    return out;
}

namespace {
herr_t list_cb(hid_t, const char* name, const H5L_info_t*, void* data) noexcept {
    try {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    } catch (...) {
        return -1;
    }
}
}  // namespace

std::vector<std::string> Location::list(const std::string& group) const {
    std::vector<std::string> names;
    if (!exists(group)) return names;
    Handle g(check_id(H5Gopen2(id_, group.c_str(), H5P_DEFAULT), file_, "open group " + group), H5Gclose);
    check_status(H5Literate(g.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, list_cb, &names), file_, "list " + group);
    return names;
}

namespace {
herr_t walk_visit_cb(hid_t, const char* name, const H5O_info_t* info, void* data) noexcept {
    try {
        auto* out = static_cast<std::vector<ObjectInfo>*>(data);
        if (std::string(name) == ".") return 0;
        if (info->type == H5O_TYPE_GROUP) out->push_back({name, true, {}});
        else if (info->type == H5O_TYPE_DATASET) out->push_back({name, false, {}});
        return 0;
    } catch (...) {
        return -1;
    }
}
}  // namespace

std::vector<ObjectInfo> Location::walk() const {
    std::vector<ObjectInfo> out;
    check_status(H5Ovisit(id_, H5_INDEX_NAME, H5_ITER_INC, walk_visit_cb, &out), file_, "walk the file");
    for (auto& o : out)
        if (!o.group) o.shape = shape(o.path);
    return out;
}

Location::AttrKind Location::attr_kind(const std::string& name) const {
    if (!has_attr(name)) return AttrKind::missing;
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    Handle t(check_id(H5Aget_type(a.id()), file_, "type of attribute " + name), H5Tclose);
    switch (H5Tget_class(t.id())) {
        case H5T_STRING: return AttrKind::string;
        case H5T_INTEGER:
        case H5T_FLOAT: return AttrKind::number;
        default: return AttrKind::other;
    }
}

std::int64_t Location::attr_size(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    Handle sp(check_id(H5Aget_space(a.id()), file_, "dataspace of attribute " + name), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(sp.id());
    if (n < 0) fail(file_, "size of attribute " + name);
    return static_cast<std::int64_t>(n);
}

File::File(const std::string& path, Mode mode) : Location(H5I_INVALID_HID, path) {
    silence_errors();
    hid_t id = H5I_INVALID_HID;
    switch (mode) {
        case Mode::create_exclusive:
        case Mode::create_truncate: {
            Handle fcpl(check_id(H5Pcreate(H5P_FILE_CREATE), path, "file properties"), H5Pclose);
            // Track creation order so h5py/xarray list objects as written.
            H5Pset_link_creation_order(fcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
            id = H5Fcreate(path.c_str(), mode == Mode::create_exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC, fcpl.id(),
                           H5P_DEFAULT);
            check_id(id, path, "cannot create HDF5 file");
            break;
        }
        case Mode::read_only:
            if (H5Fis_hdf5(path.c_str()) <= 0) {
                H5Eclear2(H5E_DEFAULT);
                throw io_error(path, std::filesystem::exists(path) ? "not an HDF5 file (or not readable)" : "no such file");
            }
            id = check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "cannot open HDF5 file");
            break;
        case Mode::read_write:
            id = check_id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), path, "cannot open HDF5 file for writing");
            break;
    }
    h_ = Handle(id, H5Fclose);
    id_ = id;
}

Group File::group(const std::string& path) const {
    return Group(Handle(check_id(H5Gopen2(id_, path.c_str(), H5P_DEFAULT), file_, "open group " + path), H5Gclose), file_);
}

Group File::create_group(const std::string& path) const {
    Handle lcpl(check_id(H5Pcreate(H5P_LINK_CREATE), file_, "link properties"), H5Pclose);
    check_status(H5Pset_create_intermediate_group(lcpl.id(), 1), file_, "link properties");
    Handle gcpl(check_id(H5Pcreate(H5P_GROUP_CREATE), file_, "group properties"), H5Pclose);
    H5Pset_link_creation_order(gcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    return Group(Handle(check_id(H5Gcreate2(id_, path.c_str(), lcpl.id(), gcpl.id(), H5P_DEFAULT), file_, "create group " + path),
                        H5Gclose),
                 file_);
}

Group File::require_group(const std::string& path) const { return exists(path) ? group(path) : create_group(path); }

void File::flush() const { check_status(H5Fflush(id_, H5F_SCOPE_GLOBAL), file_, "flush"); }

void File::abandon() noexcept {
    h_.release();
    id_ = H5I_INVALID_HID;
}

void File::close() {
    if (h_.valid() && poisoned()) {
        abandon();
        throw io_error(file_, "left as it is on disk: an earlier write failed");
    }
    if (h_.valid()) {
        const herr_t rc = H5Fclose(h_.id());
        // Release ownership whatever happened, then report.
        h_ = Handle();
        id_ = H5I_INVALID_HID;
        check_status(rc, file_, "close");
    }
}

Extendable::Extendable(const Location& loc, const std::string& name, hsize_t cols, hsize_t chunk_rows, Type type,
                       int gzip)
    : file_(loc.file()), name_(name), cols_(cols), one_d_(cols == 0) {
    const int rank = one_d_ ? 1 : 2;
    hsize_t dims[2] = {0, cols};
    hsize_t maxdims[2] = {H5S_UNLIMITED, cols};
    hsize_t chunk[2] = {std::max<hsize_t>(1, chunk_rows), std::max<hsize_t>(1, cols)};
    Handle space(check_id(H5Screate_simple(rank, dims, maxdims), file_, "dataspace of " + name), H5Sclose);
    Handle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), file_, "dataset properties"), H5Pclose);
    check_status(H5Pset_chunk(dcpl.id(), rank, chunk), file_, "chunk " + name);
    if (gzip > 0) {
        check_status(H5Pset_shuffle(dcpl.id()), file_, "shuffle " + name);
        check_status(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(gzip)), file_, "compress " + name);
    }
    const hid_t ftype = type == Type::f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    ds_ = Handle(check_id(H5Dcreate2(loc.id(), name.c_str(), ftype, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT), file_,
                       "create dataset " + name),
                 H5Dclose);
}

void Extendable::append(const double* data, hsize_t rows) {
    if (rows == 0) return;
    hsize_t newdims[2] = {rows_ + rows, cols_};
    check_status(H5Dset_extent(ds_.id(), newdims), file_, "extend " + name_);
    Handle fspace(check_id(H5Dget_space(ds_.id()), file_, "dataspace of " + name_), H5Sclose);
    hsize_t start[2] = {rows_, 0};
    hsize_t count[2] = {rows, cols_};
    check_status(H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr), file_, "select " + name_);
    Handle mspace(check_id(H5Screate_simple(one_d_ ? 1 : 2, count, nullptr), file_, "memory space"), H5Sclose);
    check_status(H5Dwrite(ds_.id(), H5T_NATIVE_DOUBLE, mspace.id(), fspace.id(), H5P_DEFAULT, data), file_, "append to " + name_);
    rows_ += rows;
}

namespace {
herr_t attr_name_cb(hid_t, const char* name, const H5A_info_t*, void* data) noexcept {
    try {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    } catch (...) {
        return -1;
    }
}

// netCDF-4's mark of a dimension without a variable; the number is the size.
constexpr const char* netcdf_dimension_only = "This is a netCDF dimension but not a netCDF variable.";
}  // namespace

std::vector<std::string> Location::attr_names() const {
    std::vector<std::string> names;
    hsize_t idx = 0;
    check_status(H5Aiterate2(id_, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_name_cb, &names), file_, "list attributes");
    return names;
}

H5T_class_t Location::attr_class(const std::string& name) const {
    Handle a(check_id(H5Aopen(id_, name.c_str(), H5P_DEFAULT), file_, "open attribute " + name), H5Aclose);
    Handle t(check_id(H5Aget_type(a.id()), file_, "type of attribute " + name), H5Tclose);
    return H5Tget_class(t.id());
}

H5T_class_t Location::dataset_class(const std::string& name) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open dataset " + name), H5Dclose);
    Handle t(check_id(H5Dget_type(ds.id()), file_, "type of dataset " + name), H5Tclose);
    return H5Tget_class(t.id());
}

void Location::dimension(const std::string& name, hsize_t n) const {
    Handle space = make_space({n}, file_);
    Handle ds(check_id(H5Dcreate2(id_, name.c_str(), H5T_IEEE_F32LE, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    file_, "create dimension " + name),
              H5Dclose);
    char label[96];
    std::snprintf(label, sizeof label, "%s%10llu", netcdf_dimension_only, static_cast<unsigned long long>(n));
    check_status(H5DSset_scale(ds.id(), label), file_, "make " + name + " a dimension");
}

void Location::coordinate(const std::string& name) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open " + name), H5Dclose);
    if (H5DSis_scale(ds.id()) <= 0) check_status(H5DSset_scale(ds.id(), name.c_str()), file_, "make " + name + " a dimension");
}

void Location::attach(const std::string& dataset, unsigned axis, const std::string& scale) const {
    Handle ds(check_id(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), file_, "open " + dataset), H5Dclose);
    Handle sc(check_id(H5Dopen2(id_, scale.c_str(), H5P_DEFAULT), file_, "open " + scale), H5Dclose);
    check_status(H5DSattach_scale(ds.id(), sc.id(), axis), file_, "attach dimension " + scale + " to " + dataset);
}

bool Location::is_dimension(const std::string& name) const {
    Handle ds(check_id(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), file_, "open " + name), H5Dclose);
    const htri_t r = H5DSis_scale(ds.id());
    if (r < 0) fail(file_, "check whether " + name + " is a dimension");
    return r > 0;
}

namespace {
herr_t scale_name_cb(hid_t, unsigned, hid_t scale, void* data) noexcept {
    try {
        char buf[1024];
        const ssize_t n = H5Iget_name(scale, buf, sizeof buf);
        std::string s = n > 0 ? std::string(buf, static_cast<std::size_t>(std::min<ssize_t>(n, sizeof buf - 1))) : "";
        const auto slash = s.rfind('/');
        *static_cast<std::string*>(data) = slash == std::string::npos ? s : s.substr(slash + 1);
        return 1;  // the first scale of the axis
    } catch (...) {
        return -1;
    }
}
}  // namespace

std::vector<std::string> Location::dimensions_of(const std::string& dataset) const {
    Handle ds(check_id(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), file_, "open " + dataset), H5Dclose);
    Handle sp(check_id(H5Dget_space(ds.id()), file_, "dataspace of " + dataset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(sp.id());
    if (rank < 0) fail(file_, "rank of " + dataset);
    std::vector<std::string> names(static_cast<std::size_t>(rank));
    for (int a = 0; a < rank; ++a) {
        const int n = H5DSget_num_scales(ds.id(), static_cast<unsigned>(a));
        if (n <= 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        check_status(H5DSiterate_scales(ds.id(), static_cast<unsigned>(a), nullptr, scale_name_cb, &names[static_cast<std::size_t>(a)]),
              file_, "dimensions of " + dataset);
    }
    return names;
}

}  // namespace ratenet::h5
