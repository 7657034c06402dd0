// The per-thread cache of freed Array blocks. Sizes are rounded up to classes (multiples of
// 64 bytes up to 256, then four classes per doubling, so at most 25% is rounding), and a freed
// block goes on its class's list on the freeing thread, up to kCacheLimit bytes per thread.
// Blocks of kMapFrom bytes or more are mapped from the kernel, not taken from malloc (see there).
#include "xtgrad/core/allocator.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace xtgrad {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif
#else
constexpr bool kCacheEnabled = true;
#endif

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kLargestCached = std::size_t{1} << 28;  // 256 MB
constexpr std::size_t kCacheLimit = std::size_t{1} << 28;
// Classes 0-3 are 64..256 bytes; then 4 per doubling up to kLargestCached.
constexpr std::size_t kClasses = 4 + (28 - 8) * 4;

std::size_t floor_log2(std::size_t x) { return 63 - static_cast<std::size_t>(__builtin_clzll(x)); }

std::size_t class_of(std::size_t bytes) {
  if (bytes <= 256) return bytes == 0 ? 0 : (bytes - 1) / 64;
  std::size_t b = bytes - 1;
  std::size_t p = floor_log2(b);  // 2^p <= b < 2^(p+1), p >= 8
  std::size_t quarter = (b >> (p - 2)) & 3;
  return 4 + (p - 8) * 4 + quarter;
}

std::size_t class_bytes(std::size_t c) {
  if (c < 4) return (c + 1) * 64;
  std::size_t p = 8 + (c - 4) / 4, quarter = (c - 4) % 4;
  return (5 + quarter) << (p - 2);
}

// Blocks from 256 kB up are mapped straight from the kernel and unmapped when they leave the
// cache, so that they never sit in glibc's heap between the short-lived buffers other libraries
// malloc and free on every call. glibc raises its mmap threshold (up to 32 MB) to the size of
// each mapped block freed, so after oneDNN's dnnl_sgemm frees its first 2.2 MB packing buffer
// (W3, one thread; 0.3-1.6 MB per thread with two), smaller blocks come from the heap (brk):
// xtgrad's 2 MB activations there, cached for the next step, pin the holes oneDNN's freed
// buffers leave between them, and each later buffer that no hole fits grows the heap again.
// Measured on W3 (bench/README.md; ru_maxrss of bench/xtgrad_bench, 1 thread): 72.6-72.8 MB
// before, 19.6 MB of it heap still resident after every array was freed; 60.0 MB with glibc's
// threshold held at 128 kB (MALLOC_MMAP_THRESHOLD_, which costs a page fault per page of every
// oneDNN buffer instead); 66.2-66.3 MB with our blocks mapped (the heap at the peak: 6.9 MB,
// oneDNN's buffers and the fragmentation they still cause among glibc's own small blocks).
// Below 256 kB malloc stays: the holes such blocks can pin are small, and its bins reuse them
// without a system call (W1's and W2's arrays are all 128 kB or less).
// Sanitizer builds keep malloc for every block, so that AddressSanitizer tracks each one.
constexpr std::size_t kMapFrom = kCacheEnabled ? std::size_t{1} << 18 : static_cast<std::size_t>(-1);

std::size_t page_size() {
  static const std::size_t bytes = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return bytes;
}

// `bytes` is what the block was asked for with (its class's size when cached): system_free
// takes the same number and so makes the same choice.
void* system_allocate(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(-1) - page_size()) throw std::bad_alloc();  // no room to round up
  if (bytes >= kMapFrom) {
    // Page-aligned (so 64-byte aligned); the rounding up to the class's size and to whole pages
    // costs address space only: pages nobody touches are never resident.
    void* block = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) throw std::bad_alloc();
    return block;
  }
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;  // aligned_alloc wants a multiple
  void* block = std::aligned_alloc(kAlignment, bytes);
  if (!block) throw std::bad_alloc();
  return block;
}

void system_free(void* block, std::size_t bytes) noexcept {
  if (bytes >= kMapFrom) {
    munmap(block, bytes);  // cannot fail for a whole mapping of ours
  } else {
    std::free(block);
  }
}

struct Cache {
  std::array<std::vector<void*>, kClasses> free_blocks;
  std::size_t bytes = 0;

  void release() {
    for (std::size_t c = 0; c < kClasses; ++c) {
      std::vector<void*>& list = free_blocks[c];
      for (void* block : list) system_free(block, class_bytes(c));
      list.clear();
      list.shrink_to_fit();
    }
    bytes = 0;
  }
  ~Cache();
};

// Trivially destructible, so it can be read after the cache is gone: blocks freed during
// thread (or program) exit, after the cache's destructor ran, go straight back to the system.
thread_local bool cache_gone = false;
Cache::~Cache() {
  release();
  cache_gone = true;
}

Cache& cache() {
  thread_local Cache c;
  return c;
}

// The calling thread's AllocationLimit, if any: bytes taken minus bytes freed while it is alive.
struct Limit {
  bool active = false;
  std::size_t limit = 0;
  std::size_t used = 0;
};
thread_local Limit limit;

void charge(std::size_t bytes) {
  if (!limit.active) return;
  if (bytes > limit.limit - limit.used)
    throw std::length_error("allocation of " + std::to_string(bytes) + " bytes is past the limit of " +
                            std::to_string(limit.limit) + " bytes set for this load");
  limit.used += bytes;
}

void refund(std::size_t bytes) {
  if (limit.active) limit.used = bytes > limit.used ? 0 : limit.used - bytes;
}

}  // namespace

namespace detail {

bool buffer_cache_enabled() { return kCacheEnabled; }

void* buffer_allocate(std::size_t bytes) {
  charge(bytes);
  if (!kCacheEnabled || bytes > kLargestCached) return system_allocate(bytes);
  std::size_t c = class_of(bytes);
  if (!cache_gone) {
    Cache& local = cache();
    std::vector<void*>& list = local.free_blocks[c];
    if (!list.empty()) {
      void* block = list.back();
      list.pop_back();
      local.bytes -= class_bytes(c);
      return block;
    }
  }
  return system_allocate(class_bytes(c));
}

void buffer_deallocate(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  refund(bytes);
  if (kCacheEnabled && bytes <= kLargestCached && !cache_gone) {
    std::size_t c = class_of(bytes);
    Cache& local = cache();
    if (local.bytes + class_bytes(c) <= kCacheLimit) {
      try {
        local.free_blocks[c].push_back(block);
        local.bytes += class_bytes(c);
        return;
      } catch (const std::bad_alloc&) {  // no room for the list entry: free the block instead
      }
    }
  }
  system_free(block, kCacheEnabled && bytes <= kLargestCached ? class_bytes(class_of(bytes)) : bytes);
}

}  // namespace detail

AllocationLimit::AllocationLimit(std::size_t bytes)
    : previous_active_(limit.active), previous_limit_(limit.limit), previous_used_(limit.used) {
  limit = Limit{true, bytes, 0};
}

// What was taken inside still counts against an enclosing limit.
AllocationLimit::~AllocationLimit() { limit = Limit{previous_active_, previous_limit_, previous_used_ + limit.used}; }

std::size_t cached_buffer_bytes() { return cache_gone ? 0 : cache().bytes; }

void release_cached_buffers() {
  if (!cache_gone) cache().release();
}

}  // namespace xtgrad
