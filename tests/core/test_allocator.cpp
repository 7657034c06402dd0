// The buffer cache behind Array: reuse, alignment, bounds, per-thread ownership.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "support/testing.hpp"

using namespace xtgrad;

namespace {
bool aligned64(const float* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }
}  // namespace

TEST_CASE("allocator: every array's data is 64-byte aligned") {
  for (std::size_t n : {1, 3, 16, 17, 65, 1000, 4097, 100000}) {
    Array a = Array::from_shape({n});
    CHECK(aligned64(a.data()));
  }
}

TEST_CASE("allocator: a freed block is reused by the next array of its size class") {
  if (!detail::buffer_cache_enabled()) return;  // sanitizer builds free every block at once
  release_cached_buffers();
  const float* first = nullptr;
  {
    Array a = Array::from_shape({1000});
    first = a.data();
  }
  CHECK(cached_buffer_bytes() >= 1000 * sizeof(float));
  Array b = Array::from_shape({10, 99});  // 990 floats: the same class as 1000
  CHECK(b.data() == first);
  CHECK(cached_buffer_bytes() == 0);
}

TEST_CASE("allocator: release_cached_buffers returns the calling thread's blocks") {
  { Array a = xt::zeros<float>({4096}); }
  release_cached_buffers();
  CHECK(cached_buffer_bytes() == 0);
  Array fresh = xt::ones<float>({4096});  // still allocates and works after a release
  CHECK(fresh(4095) == 1.0f);
}

TEST_CASE("allocator: the cache keeps at most 256 MB, and never a block over 256 MB") {
  if (!detail::buffer_cache_enabled()) return;
  release_cached_buffers();
  {
    std::vector<Array> arrays;  // 40 x 8 MB, never touched, so this costs address space only
    for (int i = 0; i < 40; ++i) arrays.push_back(Array::from_shape({std::size_t{2} << 20}));
  }
  CHECK(cached_buffer_bytes() <= (std::size_t{256} << 20));
  CHECK(cached_buffer_bytes() >= (std::size_t{200} << 20));
  release_cached_buffers();
  { Array huge = Array::from_shape({std::size_t{70} << 20}); }  // 280 MB
  CHECK(cached_buffer_bytes() == 0);
}

TEST_CASE("allocator: a block freed on another thread goes to that thread's cache") {
  release_cached_buffers();
  Array a = xt::ones<float>({5000});
  std::size_t cached_there = 0;
  std::thread worker([&] {
    { Array moved = std::move(a); }
    cached_there = cached_buffer_bytes();
  });  // the worker's cache is freed when it exits (LeakSanitizer checks this in CI)
  worker.join();
  CHECK(cached_buffer_bytes() == 0);
  if (detail::buffer_cache_enabled()) CHECK(cached_there >= 5000 * sizeof(float));
}

TEST_CASE("allocator: a size that overflows is an exception, not a short block") {
  BufferAllocator<float> allocator;
  CHECK_THROWS_AS(allocator.allocate(static_cast<std::size_t>(-1) / 2), std::bad_array_new_length);
  CHECK_THROWS_AS(allocator.allocate(static_cast<std::size_t>(-1) / 4), std::bad_alloc);  // rounding would wrap
}

namespace {
long resident_kb() {  // the second field of /proc/self/statm, in pages
  std::ifstream statm("/proc/self/statm");
  long size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * (sysconf(_SC_PAGESIZE) / 1024);
}
}  // namespace

TEST_CASE("allocator: large blocks leave glibc's heap alone, so releasing them returns their memory") {
  if (!detail::buffer_cache_enabled()) return;  // sanitizer builds use malloc for every block
  // Another library's 16 MB scratch buffer, mapped by malloc and freed, raises glibc's mmap
  // threshold to 16 MB: from then on malloc would put an 8 MB block in its heap, where freeing
  // it keeps it resident (below the 32 MB trim threshold that comes with it).
  void* scratch = std::malloc(std::size_t{16} << 20);
  REQUIRE(scratch != nullptr);
  static void* volatile keep = nullptr;  // so the compiler keeps the malloc and free
  keep = scratch;
  std::free(keep);
  release_cached_buffers();
  long with_array = 0;
  {
    Array a = xt::ones<float>({std::size_t{2} << 20});  // 8 MB, every page written
    with_array = resident_kb();
    CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE)) == 0);
  }
  release_cached_buffers();
  CHECK(with_array - resident_kb() >= 7 * 1024);
}
