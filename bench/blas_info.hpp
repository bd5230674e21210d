#pragma once
// What BLAS a bench driver runs on, for the "blas" field of its JSON line:
// OpenBLAS's configuration string and the kernel (core) it chose, which
// OPENBLAS_CORETYPE overrides; bench/machine.py prints it beside NumPy's.
#include <string>

extern "C" {
char* openblas_get_config() __attribute__((weak));
char* openblas_get_corename() __attribute__((weak));
}

namespace ratenet::bench {

inline std::string blas_info() {
    std::string s = openblas_get_config != nullptr ? openblas_get_config() : "BLAS (not OpenBLAS)";
    if (openblas_get_corename != nullptr) s += std::string(" core=") + openblas_get_corename();
    for (char& c : s)
        if (c == '"' || c == '\\') c = ' ';
    return s;
}

}  // namespace ratenet::bench
