// The largest products through oneDNN's matmul primitive rather than dnnl_sgemm, with a scratchpad
// of xtgrad's own. dnnl_sgemm mallocs a packing buffer of up to 2.2 MB per call and frees it before
// returning; around xtgrad's cached arrays that churn left glibc's heap 7 MB larger at W3's peak
// (bench/RESULTS.md, "W3's peak RSS"), and sgemm has no argument to stop it. The primitive takes
// its scratch memory from the caller (scratchpad_mode::user): here one buffer per thread, kept
// and grown as needed. At W3's products it runs as fast as sgemm on one thread (149-159 against
// 153-160 GFLOP/s) and scales to two (308-324 GFLOP/s; brg:avx512_core on the Xeon of RESULTS).
//
// Making a primitive costs 0.2-0.7 ms (it JIT-compiles its kernels), so each thread keeps the ones
// it made, keyed by everything they bake in: the shape, transposes, strides, alpha, beta and the
// OpenMP thread count (a primitive splits its work for the threads it was made for).
#ifdef _OPENMP
#include <omp.h>
#endif

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "xtgrad/core/allocator.hpp"
#include "xtgrad/core/detail/gemm_backends.hpp"

namespace xtgrad::detail {
namespace {

struct Key {
  bool trans_a, trans_b;
  std::size_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
  int threads;
  bool operator==(const Key& o) const {
    return trans_a == o.trans_a && trans_b == o.trans_b && m == o.m && n == o.n && k == o.k && lda == o.lda &&
           ldb == o.ldb && ldc == o.ldc && alpha == o.alpha && beta == o.beta && threads == o.threads;
  }
};

struct KeyHash {
  std::size_t operator()(const Key& key) const {
    std::size_t h = (std::size_t(key.trans_a) << 1) ^ std::size_t(key.trans_b) ^ (std::size_t(key.threads) << 2);
    for (std::size_t v : {key.m, key.n, key.k, key.lda, key.ldb, key.ldc})
      h = h * 0x9E3779B97F4A7C15ULL + v;  // no two of W3's products collide
    return h ^ std::hash<float>()(key.alpha) ^ (std::hash<float>()(key.beta) << 1);
  }
};

// More shapes than any model here multiplies at this size; past it, the cache starts over rather
// than grow without bound (a stream of batch sizes, say).
constexpr std::size_t kMaxPrimitives = 64;

struct Primitive {
  dnnl::matmul matmul;
  dnnl::memory::desc scratch;  // what it needs of the scratchpad
};

// The calling thread's engine, stream, primitives and scratchpad.
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<Key, Primitive, KeyHash> primitives;
  void* scratch = nullptr;
  std::size_t scratch_bytes = 0;

  ~ThreadState() { buffer_deallocate(scratch, scratch_bytes); }

  // At least `bytes` of scratch memory, reused from call to call.
  void* scratchpad(std::size_t bytes) {
    if (bytes > scratch_bytes) {
      buffer_deallocate(scratch, scratch_bytes);
      scratch = nullptr, scratch_bytes = 0;
      scratch = buffer_allocate(bytes);
      scratch_bytes = bytes;
    }
    return scratch;
  }
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

dnnl::memory::desc matrix(std::size_t rows, std::size_t cols, std::size_t ld, bool transposed) {
  using dims = dnnl::memory::dims;
  auto r = static_cast<dnnl::memory::dim>(rows), c = static_cast<dnnl::memory::dim>(cols);
  auto stride = static_cast<dnnl::memory::dim>(ld);
  return {{r, c}, dnnl::memory::data_type::f32, transposed ? dims{1, stride} : dims{stride, 1}};
}

Primitive make_primitive(const Key& key, const dnnl::engine& engine) {
  dnnl::memory::desc a = matrix(key.m, key.k, key.lda, key.trans_a);
  dnnl::memory::desc b = matrix(key.k, key.n, key.ldb, key.trans_b);
  dnnl::memory::desc c = matrix(key.m, key.n, key.ldc, false);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (key.alpha != 1.0f) attr.set_output_scales(0, {key.alpha});
  if (key.beta != 0.0f) {  // C = alpha·op(A)·op(B) + beta·C
    dnnl::post_ops sum;
    sum.append_sum(key.beta);
    attr.set_post_ops(sum);
  }
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, engine);
  return {dnnl::matmul(pd), pd.scratchpad_desc()};
}

}  // namespace

void onednn_matmul(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                   std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
#ifdef _OPENMP
  const int threads = omp_get_max_threads();  // as detail/gemm_dispatch.cpp set it for this product
#else
  const int threads = 1;
#endif
  const Key key{trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, threads};
  try {
    ThreadState& state = thread_state();
    auto found = state.primitives.find(key);
    if (found == state.primitives.end()) {
      if (state.primitives.size() >= kMaxPrimitives) state.primitives.clear();
      found = state.primitives.emplace(key, make_primitive(key, state.engine)).first;
    }
    const Primitive& primitive = found->second;
    void* scratch = state.scratchpad(primitive.scratch.get_size());
    // oneDNN takes non-const handles; it only reads A and B.
    dnnl::memory am(matrix(m, k, lda, trans_a), state.engine, const_cast<float*>(a));
    dnnl::memory bm(matrix(k, n, ldb, trans_b), state.engine, const_cast<float*>(b));
    dnnl::memory cm(matrix(m, n, ldc, false), state.engine, c);
    dnnl::memory sm(primitive.scratch, state.engine, scratch);
    primitive.matmul.execute(
        state.stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}});
    state.stream.wait();
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_out_of_memory) throw std::bad_alloc();
    throw std::logic_error("gemm: oneDNN's matmul failed (" + std::string(e.what()) + ") for m=" + std::to_string(m) +
                           " n=" + std::to_string(n) + " k=" + std::to_string(k) + " lda=" + std::to_string(lda) +
                           " ldb=" + std::to_string(ldb) + " ldc=" + std::to_string(ldc));
  }
}

}  // namespace xtgrad::detail
