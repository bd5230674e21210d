# An interface target carrying the project's warning flags and the sanitizer option.
add_library(ratenet_warnings INTERFACE)
target_compile_options(ratenet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # GCC 12 false positives inside its own AVX-512 intrinsics (inlined through Eigen)
  # and std::string (GCC PR 105651).
  -Wno-maybe-uninitialized -Wno-uninitialized -Wno-restrict)
if(RATENET_WERROR)
  target_compile_options(ratenet_warnings INTERFACE -Werror)
endif()
if(RATENET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
install(TARGETS ratenet_warnings EXPORT ratenetTargets)
