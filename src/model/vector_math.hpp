#pragma once
// tanh over arrays, for the transfer function and its derivative.
//
// Where the CPU has AVX2 and FMA (or AVX-512) and glibc's vector math library
// (libmvec) is linked, tanh is its SIMD kernel: 4 (8) values per call instead of
// one, within 3 ulp of the exact value (glibc's scalar tanh is within about 2;
// tests/test_vector_math.cpp measures both against long double). Every value,
// the last ones of an array and single values included, goes through the same
// kernel in a lane of its own, so tanh(u_i) is a function of u_i alone: the bits
// do not depend on the array's length, the position of u_i in it or how the
// work is split between threads. Elsewhere std::tanh, with the same guarantee.
//
// Private to the library: no file, no text, no printing.
#include <Eigen/Core>

namespace ratenet::vmath {

// out[i] = tanh(u[i]) for 0 <= i < n (out may be u).
void tanh_values(const double* u, double* out, Eigen::Index n) noexcept;
// out[i] = 1 - tanh(u[i])^2 (one fused multiply-add), tanh as above.
void tanh_derivatives(const double* u, double* out, Eigen::Index n) noexcept;
// tanh(u), the same bits as tanh_values.
double tanh_value(double u) noexcept;
// The kernel in use: "libmvec avx512 (8 lanes)", "libmvec avx2 (4 lanes)" or "std::tanh".
const char* tanh_kernel() noexcept;

}  // namespace ratenet::vmath
