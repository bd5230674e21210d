#pragma once
// Parameter checks shared by the model generators (private to models/).
#include <Eigen/Core>
#include <cmath>
#include <string>

#include "ratenet/errors.hpp"

namespace ratenet::detail {

inline void require(bool ok, const char* key, const std::string& value, const std::string& rule) {
    if (!ok) throw invalid_parameter(key, value, rule);
}
inline void require_finite(const char* key, double v) {
    require(std::isfinite(v), key, format_value(v), "must be finite");
}
inline std::string str(Eigen::Index v) { return std::to_string(v); }
inline std::string str(double v) { return format_value(v); }

}  // namespace ratenet::detail
