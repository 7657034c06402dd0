// The allocator behind every Array: 64-byte aligned blocks, recycled through a per-thread
// cache of freed blocks by size class, so a training step reuses the previous step's buffers
// instead of going back to malloc (which fragments the heap between large and small blocks
// and, for small models, costs more than the arithmetic).
#pragma once

#include <cstddef>
#include <new>

#include "xtgrad/core/export.hpp"

XTGRAD_API_BEGIN

namespace xtgrad {

namespace detail {
void* buffer_allocate(std::size_t bytes);
void buffer_deallocate(void* block, std::size_t bytes) noexcept;
/// False in sanitizer builds: there every block goes back to the system at once, so
/// AddressSanitizer still sees each use after free.
bool buffer_cache_enabled();
}  // namespace detail

/// Standard allocator over the buffer cache. Stateless: any instance frees any block.
template <class T>
struct BufferAllocator {
  using value_type = T;
  BufferAllocator() noexcept = default;
  template <class U>
  BufferAllocator(const BufferAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = BufferAllocator<U>;
  };

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(detail::buffer_allocate(n * sizeof(T)));
  }
  void deallocate(T* block, std::size_t n) noexcept { detail::buffer_deallocate(block, n * sizeof(T)); }
};

template <class T, class U>
bool operator==(const BufferAllocator<T>&, const BufferAllocator<U>&) noexcept {
  return true;
}
template <class T, class U>
bool operator!=(const BufferAllocator<T>&, const BufferAllocator<U>&) noexcept {
  return false;
}

/// While alive, Arrays allocated on the calling thread may hold at most `bytes` more than they
/// free; a larger request throws std::length_error before any memory is taken. Loaders use it
/// to bound what an untrusted file can make them allocate (a model declaring 2^24 x 2^24
/// weights). Guards nest; the innermost applies.
class AllocationLimit {
 public:
  explicit AllocationLimit(std::size_t bytes);
  ~AllocationLimit();
  AllocationLimit(const AllocationLimit&) = delete;
  AllocationLimit& operator=(const AllocationLimit&) = delete;

 private:
  bool previous_active_;
  std::size_t previous_limit_;
  std::size_t previous_used_;
};

/// Bytes of freed blocks the calling thread keeps for reuse (at most 256 MB; blocks over
/// 256 MB are never kept).
std::size_t cached_buffer_bytes();
/// Returns the calling thread's cached blocks to the system (say, after training, before a
/// long phase that needs less memory). Arrays in use are not affected.
void release_cached_buffers();

}  // namespace xtgrad

XTGRAD_API_END
