#pragma once
// The sweep engine's work queue, and process-level parallelism behind it: MPI when the program was started by
// mpirun/srun (and built with MPI), otherwise a single process. Work is handed
// out dynamically: every rank takes the next unclaimed point from a shared
// counter (an MPI one-sided fetch-and-add), so expensive chaotic points do not
// hold the others back and rank 0 works as well as coordinates.
#include <cstdint>
#include <string>

namespace ratenet::app {

// Hands out the points of a sweep, [0, n), to the processes taking part, and
// agrees on outcomes across them. The engine (app/sweep.hpp) sees only this.
class WorkQueue {
public:
    virtual ~WorkQueue() = default;
    virtual int rank() const noexcept = 0;
    virtual int size() const noexcept = 0;
    bool active() const noexcept { return size() > 1; }
    // Starts a round of distribution over [0, n).
    virtual void start_counter(std::int64_t n) = 0;
    // The next index for this process, or -1 when none is left.
    virtual std::int64_t next() = 0;
    virtual void end_counter() = 0;
    // Logical AND of ok over all processes.
    virtual bool all(bool ok) = 0;
};

// One process: every index in order.
class SerialQueue final : public WorkQueue {
public:
    int rank() const noexcept override { return 0; }
    int size() const noexcept override { return 1; }
    void start_counter(std::int64_t n) override {
        n_ = n;
        next_ = 0;
    }
    std::int64_t next() override { return next_ < n_ ? next_++ : -1; }
    void end_counter() override {}
    bool all(bool ok) override { return ok; }

private:
    std::int64_t n_ = 0, next_ = 0;
};

class Parallel final : public WorkQueue {
public:
    // Initialises MPI when the environment says we run under an MPI launcher.
    static Parallel& instance(int* argc, char*** argv);
    static Parallel& instance();
    int rank() const noexcept override { return rank_; }
    int size() const noexcept override { return size_; }
    void start_counter(std::int64_t n) override;
    std::int64_t next() override;
    void end_counter() override;
    void barrier();
    bool all(bool ok) override;
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

}  // namespace ratenet::app
