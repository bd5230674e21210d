#pragma once
// A small private RAII layer over the HDF5 C API. Every call is checked once,
// here; a failure becomes ratenet::io_error naming the file and the operation,
// with HDF5's own error stack text. Not installed: callers use io/output.hpp.
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ratenet::h5 {

// Owns one hid_t and closes it with the right H5*close.
class Handle {
public:
    Handle() = default;
    Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept;
    ~Handle() { reset(); }
    void reset() noexcept;
    // Gives up the id without closing it (see File::abandon).
    void release() noexcept { id_ = H5I_INVALID_HID; }
    hid_t id() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    herr_t (*close_)(hid_t) = nullptr;
};

// Silences HDF5's automatic error printing for the whole process (errors are
// reported through exceptions instead) and turns off its exit-time cleanup
// (every file ratenet keeps is closed explicitly). Idempotent; call it before
// any other HDF5 function (main does), or the exit-time cleanup stays on.
void silence_errors();

// True once a write to disk failed (a full disk, an I/O error). HDF5 1.10 can
// crash closing objects of a file whose writes failed, so from then on handles
// are dropped unclosed: the files stay as the disk has them, and the process is
// expected to report the error and exit.
bool poisoned() noexcept;

class File;
class Group;

// One object found by Location::walk().
struct ObjectInfo {
    std::string path;            // relative to the walked location
    bool group = false;          // else a dataset (other object kinds are skipped)
    std::vector<hsize_t> shape;  // datasets: dimensions ({} for a scalar)
};

// A group or file location, with the path of its file for messages.
class Location {
public:
    Location(hid_t id, std::string file) : id_(id), file_(std::move(file)) {}
    hid_t id() const noexcept { return id_; }
    const std::string& file() const noexcept { return file_; }

    bool exists(const std::string& name) const;
    // An existing dataset, as a location for its attributes.
    Group dataset(const std::string& name) const;
    bool has_attr(const std::string& name) const;

    void attr(const std::string& name, const std::string& value) const;
    void attr(const std::string& name, const char* value) const { attr(name, std::string(value)); }
    void attr(const std::string& name, double value) const;
    void attr(const std::string& name, std::int64_t value) const;
    void attr(const std::string& name, std::uint64_t value) const;
    void attr(const std::string& name, bool value) const { attr(name, static_cast<std::int64_t>(value)); }
    void attr(const std::string& name, const std::vector<double>& value) const;

    std::string attr_string(const std::string& name) const;
    double attr_double(const std::string& name) const;
    std::int64_t attr_int(const std::string& name) const;
    // Every element of a numeric attribute (a scalar gives one).
    std::vector<double> attr_doubles(const std::string& name) const;

    // Datasets of doubles / int64 / uint8 with the given shape (row-major).
    void write(const std::string& name, const double* data, const std::vector<hsize_t>& dims, int gzip = 0) const;
    void write(const std::string& name, const std::int64_t* data, const std::vector<hsize_t>& dims) const;
    void write(const std::string& name, const std::uint8_t* data, const std::vector<hsize_t>& dims) const;
    void write(const std::string& name, const std::vector<double>& v) const { write(name, v.data(), {v.size()}); }
    void write(const std::string& name, const std::vector<std::int64_t>& v) const { write(name, v.data(), {v.size()}); }
    void write_strings(const std::string& name, const std::vector<std::string>& v) const;
    // A rows x cols dataset of doubles written in blocks of rows: fill(r0, nr, buf)
    // puts rows r0 .. r0 + nr - 1 into buf (row-major, nr x cols). Memory: one block,
    // not a second copy of the matrix.
    void write_rows(const std::string& name, hsize_t rows, hsize_t cols, int gzip,
                    const std::function<void(hsize_t r0, hsize_t nr, double* buf)>& fill) const;

    std::vector<hsize_t> shape(const std::string& name) const;
    std::vector<double> read_doubles(const std::string& name) const;
    // One element of a 1-D dataset, without reading the rest.
    double read_double_at(const std::string& name, hsize_t index) const;
    // Reads all n elements of a dataset (row-major) into out, which holds n doubles;
    // refuses a dataset of another size.
    void read_doubles_into(const std::string& name, double* out, std::size_t n) const;
    std::vector<std::int64_t> read_ints(const std::string& name) const;
    std::vector<std::string> read_strings(const std::string& name) const;
    // Names of the links in a group (by name order).
    std::vector<std::string> list(const std::string& group) const;
    // Every group and dataset below this location, by name, with dataset shapes.
    std::vector<ObjectInfo> walk() const;
    // The class of an attribute: string, number (integer or float) or other.
    enum class AttrKind { missing, string, number, other };
    AttrKind attr_kind(const std::string& name) const;
    // The number of elements of an attribute (1 for a scalar).
    std::int64_t attr_size(const std::string& name) const;
    // The names of this object's attributes, in name order.
    std::vector<std::string> attr_names() const;
    // The HDF5 type class of an attribute or a dataset (H5T_STRING, H5T_INTEGER, ...).
    H5T_class_t attr_class(const std::string& name) const;
    H5T_class_t dataset_class(const std::string& name) const;

    // Dimensions, as netCDF-4 (and so xarray with engine h5netcdf) reads them.
    // A dimension without coordinate values: an empty dataset `name` of n
    // elements (never written, so it takes no space) marked as a netCDF
    // dimension that is not a variable.
    void dimension(const std::string& name, hsize_t n) const;
    // Makes the existing 1-D dataset `name` the coordinate of the dimension `name`.
    void coordinate(const std::string& name) const;
    // Attaches the dimension dataset `scale` (a path from here) to axis `axis` of `dataset`.
    void attach(const std::string& dataset, unsigned axis, const std::string& scale) const;
    bool is_dimension(const std::string& name) const;
    // The names (last path component) of the dimension datasets attached to
    // each axis of `dataset` ("" for an axis without one).
    std::vector<std::string> dimensions_of(const std::string& dataset) const;

protected:
    hid_t id_;
    std::string file_;
};

class Group : public Location {
public:
    Group(Handle h, std::string file) : Location(h.id(), std::move(file)), h_(std::move(h)) {}

private:
    Handle h_;
};

class File : public Location {
public:
    enum class Mode { create_exclusive, create_truncate, read_only, read_write };
    File(const std::string& path, Mode mode);
    Group group(const std::string& path) const;          // open an existing group
    Group create_group(const std::string& path) const;   // create (fails if present)
    Group require_group(const std::string& path) const;  // open or create
    void flush() const;
    void close();
    // After a failed write or flush (a full disk) HDF5 1.10 can crash in
    // H5Fclose; the file is then left as it is on disk and its handle dropped
    // unclosed (the library's exit-time cleanup is off, see silence_errors).
    void abandon() noexcept;

private:
    Handle h_;
};

// A 2-D (rows x cols) or 1-D (rows) chunked dataset that grows along rows:
// samples are appended while a run goes on, so memory stays flat.
class Extendable {
public:
    enum class Type { f64, f32 };
    Extendable(const Location& loc, const std::string& name, hsize_t cols, hsize_t chunk_rows, Type type, int gzip);
    // Appends rows (row-major doubles, rows x cols).
    void append(const double* data, hsize_t rows);
    hsize_t rows() const noexcept { return rows_; }
    hid_t id() const noexcept { return ds_.id(); }

private:
    Handle ds_;
    std::string file_, name_;
    hsize_t cols_, rows_ = 0;
    bool one_d_;
};

}  // namespace ratenet::h5
