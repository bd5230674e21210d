#include "ratenet/errors.hpp"

#include <charconv>
#include <cmath>

namespace ratenet {

namespace {
std::string format_invalid(const std::string& file, const std::string& key, const std::string& value,
                           const std::string& rule) {
    std::string s;
    if (!file.empty()) s += file + ": ";
    s += key;
    if (!value.empty()) s += " = " + value;
    s += ": " + rule;
    return s;
}
}  // namespace

invalid_parameter::invalid_parameter(std::string key, std::string value, std::string rule, std::string file)
    : ratenet_error(format_invalid(file, key, value, rule)),
      file_(std::move(file)),
      key_(std::move(key)),
      value_(std::move(value)),
      rule_(std::move(rule)) {}

invalid_parameter invalid_parameter::in_file(const std::string& file, const std::string& key_prefix) const {
    std::string k = key_prefix.empty() ? key_ : key_prefix + "." + key_;
    return invalid_parameter(k, value_, rule_, file);
}

io_error::io_error(std::string path, std::string detail)
    : ratenet_error(path + ": " + detail), path_(std::move(path)), detail_(std::move(detail)) {}

void assertion_failed(const char* condition, const char* file, int line) {
    throw internal_error(std::string(condition) + " does not hold (" + file + ":" + std::to_string(line) + ")");
}

std::string format_value(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

}  // namespace ratenet
