/*
 * enospc_shim.c: an LD_PRELOAD library that makes writes to chosen files fail
 * with ENOSPC ("No space left on device") after a byte budget, to test how
 * ratenet behaves when the disk fills up in the middle of a run.
 *
 *   RATENET_SHIM_ENOSPC_MATCH  a substring of the path: only file descriptors
 *                              whose /proc/self/fd/N link contains it are
 *                              affected (unset or empty: the shim does nothing)
 *   RATENET_SHIM_ENOSPC_AFTER  the budget in bytes (default 0), shared by every
 *                              matching descriptor of the process; the first
 *                              call that would take the total past it fails
 *                              with errno = ENOSPC, and so does every later
 *                              write to a matching descriptor
 *
 * Wrapped: write, pwrite, pwrite64, writev, pwritev, pwritev64, fallocate,
 * fallocate64, posix_fallocate, posix_fallocate64. Everything else, and every
 * descriptor that does not match, passes through to the next definition
 * (dlsym(RTLD_NEXT)): libc, or the sanitizer's interceptors in an ASan build
 * (run that with ASAN_OPTIONS=verify_asan_link_order=0).
 *
 * Plain C, no dependencies besides libdl:
 *   gcc -shared -fPIC -O2 -o enospc_shim.so enospc_shim.c -ldl
 */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*pwrite_fn)(int, const void*, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void*, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec*, int, off_t);
typedef ssize_t (*pwritev64_fn)(int, const struct iovec*, int, off64_t);
typedef int (*fallocate_fn)(int, int, off_t, off_t);
typedef int (*fallocate64_fn)(int, int, off64_t, off64_t);
typedef int (*posix_fallocate_fn)(int, off_t, off_t);
typedef int (*posix_fallocate64_fn)(int, off64_t, off64_t);

/* Configuration, read once (0 = not yet, 1 = inactive, 2 = active). */
static int g_state = 0;
static char g_match[4096];
static unsigned long long g_budget = 0;
/* Bytes accepted so far on matching descriptors; the failure is sticky. */
static unsigned long long g_used = 0;
static int g_failed = 0;

static void* next_symbol(const char* name) {
    void* p = dlsym(RTLD_NEXT, name);
    return p;
}

static void init_config(void) {
    if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != 0) return;
    const char* m = getenv("RATENET_SHIM_ENOSPC_MATCH");
    const char* a = getenv("RATENET_SHIM_ENOSPC_AFTER");
    int state = 1;
    if (m && *m && strlen(m) < sizeof g_match) {
        strcpy(g_match, m);
        g_budget = a && *a ? strtoull(a, NULL, 10) : 0ULL;
        state = 2;
    }
    __atomic_store_n(&g_state, state, __ATOMIC_RELEASE);
}

/* 1 when fd's path contains the substring to match. */
static int fd_matches(int fd) {
    init_config();
    if (g_state != 2 || fd < 0) return 0;
    /* "/proc/self/fd/N" without stdio (writes may come from signal handlers). */
    char link[64], target[4096], digits[16];
    static const char prefix[] = "/proc/self/fd/";
    int nd = 0;
    for (int v = fd; nd == 0 || v > 0; v /= 10) digits[nd++] = (char)('0' + v % 10);
    memcpy(link, prefix, sizeof prefix - 1);
    for (int i = 0; i < nd; ++i) link[sizeof prefix - 1 + i] = digits[nd - 1 - i];
    link[sizeof prefix - 1 + nd] = '\0';
    const ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = '\0';
    return strstr(target, g_match) != NULL;
}

/* Reserves `bytes` of the budget: 1 if the write may proceed, 0 (errno =
 * ENOSPC) if it would exceed the budget or an earlier one already did. */
static int take_budget(unsigned long long bytes) {
    if (__atomic_load_n(&g_failed, __ATOMIC_ACQUIRE)) {
        errno = ENOSPC;
        return 0;
    }
    const unsigned long long before = __atomic_fetch_add(&g_used, bytes, __ATOMIC_ACQ_REL);
    if (before + bytes > g_budget) {
        __atomic_store_n(&g_failed, 1, __ATOMIC_RELEASE);
        errno = ENOSPC;
        return 0;
    }
    return 1;
}

static unsigned long long iov_bytes(const struct iovec* iov, int cnt) {
    unsigned long long s = 0;
    for (int i = 0; i < cnt && iov; ++i) s += iov[i].iov_len;
    return s;
}

ssize_t write(int fd, const void* buf, size_t count) {
    static write_fn real = NULL;
    if (!real) real = (write_fn)next_symbol("write");
    if (count > 0 && fd_matches(fd) && !take_budget(count)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
    static pwrite_fn real = NULL;
    if (!real) real = (pwrite_fn)next_symbol("pwrite");
    if (count > 0 && fd_matches(fd) && !take_budget(count)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
    static pwrite64_fn real = NULL;
    if (!real) real = (pwrite64_fn)next_symbol("pwrite64");
    if (count > 0 && fd_matches(fd) && !take_budget(count)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
    static writev_fn real = NULL;
    if (!real) real = (writev_fn)next_symbol("writev");
    const unsigned long long n = iov_bytes(iov, iovcnt);
    if (n > 0 && fd_matches(fd) && !take_budget(n)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
    static pwritev_fn real = NULL;
    if (!real) real = (pwritev_fn)next_symbol("pwritev");
    const unsigned long long n = iov_bytes(iov, iovcnt);
    if (n > 0 && fd_matches(fd) && !take_budget(n)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int iovcnt, off64_t offset) {
    static pwritev64_fn real = NULL;
    if (!real) real = (pwritev64_fn)next_symbol("pwritev64");
    const unsigned long long n = iov_bytes(iov, iovcnt);
    if (n > 0 && fd_matches(fd) && !take_budget(n)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, iov, iovcnt, offset);
}

/* Space reservations count against the same budget (their length). */
int fallocate(int fd, int mode, off_t offset, off_t len) {
    static fallocate_fn real = NULL;
    if (!real) real = (fallocate_fn)next_symbol("fallocate");
    if (len > 0 && fd_matches(fd) && !take_budget((unsigned long long)len)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, mode, offset, len);
}

int fallocate64(int fd, int mode, off64_t offset, off64_t len) {
    static fallocate64_fn real = NULL;
    if (!real) real = (fallocate64_fn)next_symbol("fallocate64");
    if (len > 0 && fd_matches(fd) && !take_budget((unsigned long long)len)) return -1;
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, mode, offset, len);
}

/* posix_fallocate reports the error as its return value, not in errno. */
int posix_fallocate(int fd, off_t offset, off_t len) {
    static posix_fallocate_fn real = NULL;
    if (!real) real = (posix_fallocate_fn)next_symbol("posix_fallocate");
    if (len > 0 && fd_matches(fd)) {
        const int saved = errno;
        const int ok = take_budget((unsigned long long)len);
        errno = saved;
        if (!ok) return ENOSPC;
    }
    if (!real) return ENOSYS;
    return real(fd, offset, len);
}

int posix_fallocate64(int fd, off64_t offset, off64_t len) {
    static posix_fallocate64_fn real = NULL;
    if (!real) real = (posix_fallocate64_fn)next_symbol("posix_fallocate64");
    if (len > 0 && fd_matches(fd)) {
        const int saved = errno;
        const int ok = take_budget((unsigned long long)len);
        errno = saved;
        if (!ok) return ENOSPC;
    }
    if (!real) return ENOSYS;
    return real(fd, offset, len);
}
