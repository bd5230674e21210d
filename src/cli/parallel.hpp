#pragma once
// Process-level parallelism for sweeps: MPI when the program was started by
// mpirun/srun (and built with MPI), otherwise a single process. Work is handed
// out dynamically: every rank takes the next unclaimed point from a shared
// counter (an MPI one-sided fetch-and-add), so expensive chaotic points do not
// hold the others back and rank 0 works as well as coordinates.
#include <cstdint>
#include <string>

namespace ratenet::cli {

class Parallel {
public:
    // Initialises MPI when the environment says we run under an MPI launcher.
    static Parallel& instance(int* argc, char*** argv);
    static Parallel& instance();
    int rank() const noexcept { return rank_; }
    int size() const noexcept { return size_; }
    bool active() const noexcept { return size_ > 1; }
    // Starts a round of dynamic distribution over [0, n).
    void start_counter(std::int64_t n);
    // The next point for this rank, or -1 when none is left.
    std::int64_t next();
    void end_counter();
    void barrier();
    // Logical AND of ok over all ranks.
    bool all(bool ok);
    void finalize();
    // The build's MPI support, for --version and error messages.
    static bool built_with_mpi() noexcept;

private:
    Parallel() = default;
    int rank_ = 0, size_ = 1;
    std::int64_t n_ = 0, local_ = 0;
    bool mpi_ = false;
    void* win_ = nullptr;     // MPI_Win when active
    void* counter_ = nullptr; // window memory on rank 0
};

}  // namespace ratenet::cli
