#include "io/claim.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ratenet/errors.hpp"

namespace ratenet::io {

namespace fs = std::filesystem;

namespace {

std::string read_pid(const std::string& path) {
    std::ifstream in(path);
    std::string pid;
    in >> pid;
    return pid.empty() ? "unknown" : pid;
}

}  // namespace

OutputClaim::OutputClaim(std::string final_path, bool force) : final_(std::move(final_path)) {
    if (final_.empty()) throw invalid_parameter("-o", "\"\"", "the output path must not be empty");
    std::error_code ec;
    if (fs::is_directory(final_, ec))
        throw invalid_parameter("-o", final_, "is a directory; give a file name, e.g. " + (fs::path(final_) / "out.h5").string());
    const fs::path parent = fs::path(final_).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec))
        throw invalid_parameter("-o", final_, "the directory " + parent.string() + " does not exist");
    // Take the lock; retry when the lock file we locked was unlinked by its owner
    // between our open and our flock (its inode is then no longer the path's).
    const std::string lock = lock_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            throw invalid_parameter("-o", final_, "cannot create the lock file " + lock + ": " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            ::close(fd);
            if (err == EWOULDBLOCK)
                throw invalid_parameter("-o", final_,
                                        "is being written by another ratenet process (pid " + read_pid(lock) +
                                            "); wait for it to finish or choose another output name");
            throw invalid_parameter("-o", final_, "cannot lock " + lock + ": " + std::strerror(err));
        }
        struct stat by_fd{}, by_path{};
        if (::fstat(fd, &by_fd) == 0 && ::stat(lock.c_str(), &by_path) == 0 && by_fd.st_ino == by_path.st_ino &&
            by_fd.st_dev == by_path.st_dev) {
            fd_ = fd;
            break;
        }
        ::close(fd);
    }
    if (fd_ < 0) throw invalid_parameter("-o", final_, "cannot lock " + lock + " (it keeps changing)");
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        const ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
        (void)w;  // the pid only improves the message a second process prints
    }
    if (fs::exists(final_, ec) && !force) {
        release();
        throw invalid_parameter("-o", final_, "the output file exists; pass --force to overwrite it");
    }
}

OutputClaim::~OutputClaim() { release(); }

void OutputClaim::release() noexcept {
    if (fd_ >= 0) {
        // Unlink first, then release: a process waiting on the old inode retries.
        ::unlink(lock_path().c_str());
        ::close(fd_);
        fd_ = -1;
    }
}

void OutputClaim::refuse_leftover_part(bool force) const {
    std::error_code ec;
    const std::string part = part_path();
    if (!fs::exists(part, ec)) return;
    if (!force)
        throw invalid_parameter("-o", final_,
                                part + " holds the output of an interrupted or killed run; rename it to keep it, or "
                                       "pass --force to discard it");
    fs::remove_all(part, ec);
}

void replace_atomically(const std::string& path, const std::function<void(const std::string& tmp)>& body) {
    const std::string tmp = path + ".tmp";
    std::error_code ec;
    try {
        body(tmp);
    } catch (const io_error& e) {
        fs::remove(tmp, ec);
        // Name the file the user knows, not the temporary.
        std::string detail = e.detail();
        throw io_error(path, detail);
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw io_error(path, "cannot replace it: " + ec.message());
    }
}

}  // namespace ratenet::io
