#include "app/work_queue.hpp"

#include <algorithm>
#include <cstdlib>

#ifdef _OPENMP
#include <omp.h>
#include <unistd.h>
#endif

#ifdef RATENET_HAVE_MPI
// The C API only: Open MPI's deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace ratenet::app {

#ifdef RATENET_HAVE_MPI
namespace {
bool under_mpi_launcher() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
        if (std::getenv(v)) return true;
    return false;
}
}  // namespace
#endif

bool Parallel::built_with_mpi() noexcept {
#ifdef RATENET_HAVE_MPI
    return true;
#else
    return false;
#endif
}

Parallel& Parallel::instance() {
    static Parallel p;
    return p;
}

Parallel& Parallel::instance([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
    Parallel& p = instance();
#ifdef RATENET_HAVE_MPI
    if (!p.mpi_ && under_mpi_launcher()) {
        MPI_Init(argc, argv);
        p.mpi_ = true;
        MPI_Comm_rank(MPI_COMM_WORLD, &p.rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &p.size_);
#ifdef _OPENMP
        // Ranks sharing a node share its cores: unless the user chose
        // (OMP_NUM_THREADS), each rank takes its share, so that P ranks do not run
        // P x cores threads. A launcher that binds ranks to cores already shows
        // each rank its own (omp_get_num_procs follows the affinity mask): then
        // nothing is divided. The split is collective: every rank makes it.
        MPI_Comm node;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, p.rank_, MPI_INFO_NULL, &node);
        int local = 1;
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
        const long online = sysconf(_SC_NPROCESSORS_ONLN);
        const int procs = omp_get_num_procs();
        if (!std::getenv("OMP_NUM_THREADS") && local > 1 && online > 0 && procs >= online)
            omp_set_num_threads(std::max(1, procs / local));
#endif
    }
#endif
    return p;
}

void Parallel::start_counter(std::int64_t n) {
    n_ = n;
    local_ = 0;
#ifdef RATENET_HAVE_MPI
    if (mpi_ && size_ > 1) {
        MPI_Win* win = new MPI_Win;
        std::int64_t* mem = nullptr;
        MPI_Win_allocate(rank_ == 0 ? static_cast<MPI_Aint>(sizeof(std::int64_t)) : 0, sizeof(std::int64_t),
                         MPI_INFO_NULL, MPI_COMM_WORLD, &mem, win);
        if (rank_ == 0) *mem = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        win_ = win;
        counter_ = mem;
        MPI_Win_lock_all(0, *win);
    }
#endif
}

std::int64_t Parallel::next() {
#ifdef RATENET_HAVE_MPI
    if (win_) {
        const std::int64_t one = 1;
        std::int64_t got = 0;
        auto* win = static_cast<MPI_Win*>(win_);
        MPI_Fetch_and_op(&one, &got, MPI_INT64_T, 0, 0, MPI_SUM, *win);
        MPI_Win_flush(0, *win);
        return got < n_ ? got : -1;
    }
#endif
    return local_ < n_ ? local_++ : -1;
}

void Parallel::end_counter() {
#ifdef RATENET_HAVE_MPI
    if (win_) {
        auto* win = static_cast<MPI_Win*>(win_);
        MPI_Win_unlock_all(*win);
        MPI_Win_free(win);
        delete win;
        win_ = nullptr;
        counter_ = nullptr;
    }
#endif
}

void Parallel::barrier() {
#ifdef RATENET_HAVE_MPI
    if (mpi_) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

bool Parallel::all(bool ok) {
#ifdef RATENET_HAVE_MPI
    if (mpi_) {
        int in = ok ? 1 : 0, out = 0;
        MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        return out == 1;
    }
#endif
    return ok;
}

void Parallel::finalize() {
#ifdef RATENET_HAVE_MPI
    if (mpi_) {
        end_counter();
        MPI_Finalize();
        mpi_ = false;
    }
#endif
}

}  // namespace ratenet::app
