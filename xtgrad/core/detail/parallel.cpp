// OpenMP behind parallel_chunks; without OpenMP every loop runs on the calling thread.
#include "xtgrad/core/detail/parallel.hpp"

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "xtgrad/core/detail/gemm.hpp"

namespace xtgrad::detail {

void parallel_chunks(std::size_t n, std::size_t min_per_thread, ChunkFn fn, void* context) {
#ifdef _OPENMP
  std::size_t useful = min_per_thread == 0 ? n : n / min_per_thread;
  int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(gemm_threads()), useful));
  if (threads > 1 && !omp_in_parallel()) {
    // Chunk edges on 64-byte lines (16 floats), so two threads never write one cache line.
    std::size_t lines = (n + 15) / 16;
#pragma omp parallel num_threads(threads)
    {
      std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
      std::size_t id = static_cast<std::size_t>(omp_get_thread_num());
      std::size_t begin = std::min(n, lines * id / team * 16);
      std::size_t end = std::min(n, lines * (id + 1) / team * 16);
      if (begin < end) fn(context, begin, end);
    }
    return;
  }
#endif
  (void)min_per_thread;
  fn(context, 0, n);
}

}  // namespace xtgrad::detail
