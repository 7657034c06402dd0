// Splits a long loop over the threads set with set_num_threads() on the calling thread
// (OpenMP when built with it). Short loops run inline: forking costs a few microseconds.
#pragma once

#include <cstddef>

namespace xtgrad::detail {

using ChunkFn = void (*)(void* context, std::size_t begin, std::size_t end);

/// Calls fn(context, begin, end) on disjoint chunks covering [0, n), in parallel when n is at
/// least 2 * min_per_thread and more than one thread is set. fn must not throw.
void parallel_chunks(std::size_t n, std::size_t min_per_thread, ChunkFn fn, void* context);

/// The same with a callable f(begin, end).
template <class F>
void parallel_for(std::size_t n, std::size_t min_per_thread, F&& f) {
  parallel_chunks(
      n, min_per_thread,
      [](void* context, std::size_t begin, std::size_t end) { (*static_cast<F*>(context))(begin, end); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

/// Elements from which a memory-bound elementwise loop is split: below about 1 MB per thread
/// the fork and join cost more than the second core's bandwidth gives back.
constexpr std::size_t kElementwiseGrain = std::size_t{1} << 18;

}  // namespace xtgrad::detail
