// The part of gemm_bias() every backend shares: C starting as the broadcast bias, for a product
// then accumulated onto it (beta = 1) where the bias cannot be added as C is stored.
#include <algorithm>

#include "xtgrad/core/detail/gemm.hpp"
#include "xtgrad/core/detail/parallel.hpp"

namespace xtgrad::detail {

void broadcast_rows(const float* bias, std::size_t m, std::size_t n, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  // Each thread fills a band of rows (W3's 2 MB output on one thread held back two threads'
  // speed-up): its first row from the bias, then the rows written so far copied after them,
  // doubling each time (log2 copies rather than one per row, which cost more than they copy for
  // narrow rows).
  std::size_t grain = std::max<std::size_t>(1, kElementwiseGrain / n);
  parallel_for(m, grain, [&](std::size_t begin, std::size_t end) {
    float* rows = c + begin * ldc;
    std::copy(bias, bias + n, rows);
    for (std::size_t done = 1, count = end - begin; done < count;) {
      std::size_t more = std::min(done, count - done);
      if (ldc == n) std::copy(rows, rows + more * n, rows + done * n);
      else
        for (std::size_t i = 0; i < more; ++i) std::copy(rows + i * ldc, rows + i * ldc + n, rows + (done + i) * ldc);
      done += more;
    }
  });
}

}  // namespace xtgrad::detail
