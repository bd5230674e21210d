#pragma once
// Ownership of an output name by one process. Every command that writes OUT
// first claims it: the claim checks the name (not empty, not a directory, its
// directory exists), refuses an existing OUT without --force, and holds an
// exclusive advisory lock (flock on OUT.lock, which the kernel releases when
// the process dies, even by kill -9) for as long as the command may touch OUT,
// OUT.part, OUT.points/ or their temporaries. A second ratenet process asking
// for the same name is refused at once (exit 2) and touches nothing.
//
// The lock is ratenet's own file, not the HDF5 file: HDF5's file locking can be
// switched off from the environment, and creating OUT.part with truncation
// would destroy another run's data before HDF5 even tried to lock it.
#include <functional>
#include <string>

namespace ratenet::io {

class OutputClaim {
public:
    // Throws invalid_parameter (key "-o") when the name is unusable, already
    // claimed by another ratenet process, or names an existing file and !force.
    OutputClaim(std::string final_path, bool force);
    OutputClaim(const OutputClaim&) = delete;
    OutputClaim& operator=(const OutputClaim&) = delete;
    ~OutputClaim();

    const std::string& final_path() const noexcept { return final_; }
    std::string part_path() const { return final_ + ".part"; }
    std::string lock_path() const { return final_ + ".lock"; }

    // Refuses a leftover OUT.part of an interrupted or killed run unless force
    // (then it is removed): a plain re-run must not destroy what a killed run kept.
    void refuse_leftover_part(bool force) const;

private:
    void release() noexcept;
    std::string final_;
    int fd_ = -1;
};

// Writes path atomically: body(tmp) writes a complete file at a temporary name
// next to path, which then replaces path by rename. Errors name path, never the
// temporary; the temporary is removed on failure.
void replace_atomically(const std::string& path, const std::function<void(const std::string& tmp)>& body);

}  // namespace ratenet::io
