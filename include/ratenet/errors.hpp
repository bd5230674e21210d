#pragma once
// ratenet's exception hierarchy. Each error carries its context as fields; the
// message is formatted once, in errors.cpp, so every layer reports alike:
//   FILE: KEY = VALUE: RULE
// Exit codes used by the command line: usage/config errors 2, runtime failures 1.
#include <stdexcept>
#include <string>

namespace ratenet {

// Base of everything ratenet throws.
class ratenet_error : public std::runtime_error {
public:
    explicit ratenet_error(const std::string& what_arg) : std::runtime_error(what_arg) {}
};

// An argument or parameter breaks a rule. Thrown by validate() functions of the
// numerical core (which know the key but not the file) and by the config
// reader (which adds the file). Exit code 2.
class invalid_parameter : public ratenet_error {
public:
    invalid_parameter(std::string key, std::string value, std::string rule, std::string file = {});
    const std::string& file() const noexcept { return file_; }
    const std::string& key() const noexcept { return key_; }
    const std::string& value() const noexcept { return value_; }
    const std::string& rule() const noexcept { return rule_; }
    // The same error seen from a file, with the key prefixed by its section.
    invalid_parameter in_file(const std::string& file, const std::string& key_prefix = {}) const;

private:
    std::string file_, key_, value_, rule_;
};

// Reading or writing a file failed (HDF5, TOML, NumPy, CSV). Exit code 1 unless
// the file is an input named by the user, in which case the CLI reports 2.
class io_error : public ratenet_error {
public:
    io_error(std::string path, std::string detail);
    const std::string& path() const noexcept { return path_; }
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string path_, detail_;
};

// A computation cannot go on (a singular matrix where one is not allowed, a
// budget exhausted where no partial answer makes sense). Exit code 1.
class numerical_error : public ratenet_error {
public:
    explicit numerical_error(const std::string& detail) : ratenet_error(detail) {}
};

// A broken internal invariant: a bug in ratenet, never the user's input (a
// writer asked for a field the file format does not describe, an assertion).
// Exit code 1.
class internal_error : public ratenet_error {
public:
    explicit internal_error(const std::string& detail) : ratenet_error("internal error: " + detail) {}
};

// Throws internal_error naming the condition and where it was checked.
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);

// Checks an internal invariant in every build (unlike assert, not compiled out).
#define RATENET_ASSERT(condition) \
    ((condition) ? static_cast<void>(0) : ::ratenet::assertion_failed(#condition, __FILE__, __LINE__))

// Formats a double the way ratenet prints values in messages (shortest round trip).
std::string format_value(double v);

}  // namespace ratenet
