// The thread-local tape (Stan-style: entries in creation order, backward is a reverse loop; an
// entry is released once nothing can reach its outputs), NoGrad, and the one place where
// gradients are un-broadcast, checked and accumulated.
#include "xtgrad/core/autograd.hpp"

#include <algorithm>
#include <atomic>

#include "xtgrad/core/detail/broadcast.hpp"
#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/core/detail/tensor_impl.hpp"

namespace xtgrad {
namespace {

using detail::ImplAccess;
using detail::ImplPtr;

struct Entry {
  const char* op;
  std::uint64_t seq;
  std::vector<ImplPtr> inputs;
  std::vector<ImplPtr> outputs;  // usually one
  BackwardFn backward;           // empty once the entry is consumed or collected
  BackwardReads reads = {};      // which of those values the backward reads
  std::uint64_t versions = 0;    // read_versions() when recorded

  bool reads_input(std::size_t i) const { return i >= 32 || (reads.inputs >> i & 1u) != 0; }

  // The sum of the versions of the values the backward reads: versions only grow, so any
  // copy_() or mutable_value() on one of them since the entry was recorded changes the sum.
  std::uint64_t read_versions() const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (reads_input(i)) sum += inputs[i]->version;
    if (reads.outputs)
      for (const ImplPtr& out : outputs) sum += out->version;
    return sum;
  }

  // The values it reads that were ever changed in place (one of them since it was recorded),
  // as "input 1 [16, 2] at version 3", for backward()'s error.
  std::string changed_reads() const {
    std::string out;
    auto note = [&out](const char* what, std::size_t k, const detail::TensorImpl& v) {
      if (v.version == 0) return;
      out +=
          detail::concat(out.empty() ? "" : ", ", what, " ", k, " ", detail::dims(v.value), " at version ", v.version);
    };
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (reads_input(i)) note("input", i, *inputs[i]);
    if (reads.outputs)
      for (std::size_t k = 0; k < outputs.size(); ++k) note("output", k, *outputs[k]);
    return out;
  }

  bool unreachable() const {  // only the tape holds its outputs
    for (const ImplPtr& out : outputs)
      if (out.use_count() > 1) return false;
    return true;
  }
  bool has_output_grad() const {
    for (const ImplPtr& out : outputs)
      if (out->grad) return true;
    return false;
  }
};

struct Tape;
// The calling thread's tape while it exists; a plain pointer, so that a tensor dropped during or
// after the tape's own destruction (at thread exit) finds none instead of a destroyed object.
thread_local Tape* current_tape = nullptr;
std::atomic<std::uint64_t> next_tape_id{1};

struct Tape {
  std::vector<Entry> entries;  // in creation order, so sorted by seq
  std::uint64_t next_seq = 1;
  const std::uint64_t id = next_tape_id++;
  bool grad_enabled = true;
  // Entries released in place (backward empty) but not yet erased; tape_size() leaves them out.
  std::size_t dead = 0;
  // Entries whose outputs may have lost their last user, to examine; see release().
  std::vector<std::uint64_t> pending;
  // Set while entries are being walked or destroyed: a handle dropped meanwhile (one captured by
  // a backward being destroyed) only queues its entry, so releases never nest and never recurse.
  bool busy = false;
  // Safety net for what release() cannot see (a handle dropped on another thread, say): entries
  // nobody can reach are also swept when the tape doubles past this size.
  std::size_t collect_at = 4096;

  Tape() { current_tape = this; }
  ~Tape() { current_tape = nullptr; }

  struct Busy {
    Tape& t;
    bool was;
    explicit Busy(Tape& tape) : t(tape), was(tape.busy) { t.busy = true; }
    ~Busy() { t.busy = was; }
  };

  Entry* find(std::uint64_t seq) {
    auto it = std::lower_bound(entries.begin(), entries.end(), seq,
                               [](const Entry& e, std::uint64_t s) { return e.seq < s; });
    return it != entries.end() && it->seq == seq ? &*it : nullptr;
  }

  // The entry `seq` may have become unreachable. Examines it, and then, iteratively, the entries
  // of the inputs each released entry gave up: dropping a 100,000-op chain at once is a loop.
  void release(std::uint64_t seq) {
    pending.push_back(seq);
    if (busy) return;  // whoever is busy drains or sweeps
    Busy guard(*this);
    while (!pending.empty()) {
      Entry* e = find(pending.back());
      pending.pop_back();
      if (e && e->backward && e->unreachable()) kill(*e);
    }
    while (!entries.empty() && !entries.back().backward) {  // usually the whole graph was at the end
      entries.pop_back();
      --dead;
    }
    if (dead > 64 && 2 * dead > entries.size()) compact();  // amortised: erase once half is dead
  }

  void kill(Entry& e) {
    std::vector<ImplPtr> inputs = std::move(e.inputs);
    BackwardFn backward = std::move(e.backward);
    e = Entry{e.op, e.seq, {}, {}, nullptr};  // frees the outputs
    ++dead;
    backward = nullptr;  // handles it captured are dropped here and only queue their entries
    for (const ImplPtr& in : inputs)
      if (in->creator != 0 && in->tape == id) pending.push_back(in->creator);
  }  // the inputs are let go here, before release() examines their entries

  void compact() {
    entries.erase(std::remove_if(entries.begin(), entries.end(), [](const Entry& e) { return !e.backward; }),
                  entries.end());
    dead = 0;
  }

  void collect_unreachable() {
    Busy guard(*this);
    // Walking backwards, an entry whose outputs only the tape holds is dead; dropping it
    // releases its inputs, which may make earlier entries dead too.
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (!it->backward || it->unreachable()) *it = Entry{it->op, it->seq, {}, {}, nullptr};
    }
    compact();
    pending.clear();  // the sweep saw every entry
    collect_at = std::max<std::size_t>(4096, 2 * entries.size());
  }

  void clear() {
    Busy guard(*this);
    entries.clear();
    dead = 0;
    pending.clear();
  }
};

Tape& tape() {
  thread_local Tape t;
  return t;
}

bool any_requires_grad(const Tensor* begin, const Tensor* end) {
  for (const Tensor* t = begin; t != end; ++t) {
    if (ImplAccess::impl(*t)->requires_grad) return true;  // inline here, unlike Tensor::requires_grad()
  }
  return false;
}

// Appends one entry that produced `outs` from the inputs [begin, end) (the caller checked that
// the op is recorded).
void append_entry(const char* op, Tensor* outs, std::size_t num_outs, const Tensor* begin, const Tensor* end,
                  BackwardFn&& backward, BackwardReads reads = {}) {
  Tape& t = tape();
  if (t.entries.size() >= t.collect_at) t.collect_unreachable();
  std::uint64_t seq = t.next_seq++;
  std::vector<ImplPtr> outputs;
  outputs.reserve(num_outs);
  for (std::size_t k = 0; k < num_outs; ++k) {
    const ImplPtr& out = ImplAccess::impl(outs[k]);
    out->requires_grad = true;
    out->creator = seq;
    out->tape = t.id;
    ImplAccess::mark_op_output(outs[k]);
    outputs.push_back(out);
  }
  std::vector<ImplPtr> inputs;
  inputs.reserve(static_cast<std::size_t>(end - begin));
  for (const Tensor* in = begin; in != end; ++in) inputs.push_back(ImplAccess::impl(*in));
  t.entries.push_back(Entry{op, seq, std::move(inputs), std::move(outputs), std::move(backward), reads});
  t.entries.back().versions = t.entries.back().read_versions();
}

void accumulate(detail::TensorImpl& target, Array&& grad) {
  if (!target.grad) {
    target.grad = std::move(grad);
    return;
  }
  float* dst = target.grad->data();
  const float* src = grad.data();
  for (std::size_t i = 0, n = target.grad->size(); i < n; ++i) dst[i] += src[i];
}

}  // namespace

NoGrad::NoGrad() : previous_(tape().grad_enabled) { tape().grad_enabled = false; }
NoGrad::~NoGrad() { tape().grad_enabled = previous_; }
bool is_grad_enabled() { return tape().grad_enabled; }

namespace detail {

bool recording(const Tensor* begin, const Tensor* end) { return tape().grad_enabled && any_requires_grad(begin, end); }

Tensor record_one(const char* op, Array&& value, const Tensor* begin, const Tensor* end, BackwardFn&& backward,
                  BackwardReads reads) {
  Tensor out(std::move(value));
  append_entry(op, &out, 1, begin, end, std::move(backward), reads);
  return out;
}

}  // namespace detail

std::vector<Tensor> record_multi(const char* op, std::vector<Array> values, const std::vector<Tensor>& inputs,
                                 BackwardFn backward, BackwardReads reads) {
  // The tape takes an entry without a backward for one already released.
  XTGRAD_CHECK(backward != nullptr, op, "record_multi needs a backward function");
  std::vector<Tensor> outs;
  outs.reserve(values.size());
  for (Array& v : values) outs.emplace_back(std::move(v));
  const Tensor* begin = inputs.data();
  const Tensor* end = begin + inputs.size();
  if (detail::recording(begin, end)) append_entry(op, outs.data(), outs.size(), begin, end, std::move(backward), reads);
  return outs;
}

BackwardReads product_reads(const Tensor& a, const Tensor& b) {
  return {(ImplAccess::impl(b)->requires_grad ? 1u : 0u) | (ImplAccess::impl(a)->requires_grad ? 2u : 0u), false};
}

bool will_record(std::initializer_list<Tensor> inputs) { return detail::recording(inputs.begin(), inputs.end()); }

std::size_t tape_size() { return tape().entries.size() - tape().dead; }
void clear_tape() { tape().clear(); }

const Array& BackwardContext::grad() const {
  const Array* g = grad(0);
  if (!g) throw std::logic_error(detail::concat("backward of '", op_, "': output 0 has no gradient; use grad(k)"));
  return *g;
}

const Array* BackwardContext::grad(std::size_t k) const {
  const detail::TensorImpl& out = *outputs_.at(k);
  if (&out == seeded_) return seed_;
  return out.grad ? &*out.grad : nullptr;
}

Array* BackwardContext::reusable_grad() {
  detail::TensorImpl& out = *outputs_.at(0);
  if (outputs_.size() != 1 || &out == seeded_ || !out.grad || out.retains_grad) return nullptr;
  return &*out.grad;
}

namespace {
const Array& read_value(const detail::TensorImpl& impl, const char* op, const char* what, std::size_t index) {
  if (impl.value_dropped) {
    throw std::logic_error(detail::concat("backward of '", op, "' read its ", what, " ", index,
                                          ", whose value it declared unread (BackwardReads); it was freed"));
  }
  return impl.value;
}
}  // namespace

const Array& BackwardContext::output() const { return read_value(*outputs_[0], op_, "output", 0); }
const Array& BackwardContext::output(std::size_t k) const { return read_value(*outputs_.at(k), op_, "output", k); }

const Array& BackwardContext::input(std::size_t i) const { return read_value(*inputs_.at(i), op_, "input", i); }
const Array::inner_shape_type& BackwardContext::input_shape(std::size_t i) const {
  return inputs_.at(i)->value.shape();
}

bool BackwardContext::wants(std::size_t i) const { return inputs_.at(i)->requires_grad; }

detail::TensorImpl& BackwardContext::target(std::size_t i) {
  detail::TensorImpl& in = *inputs_.at(i);
  if (in.released) {
    throw std::invalid_argument(
        detail::concat("backward: trying to backward through '", op_,
                       "' into a graph that an earlier backward() already released (compute the shared part again)"));
  }
  return in;
}

void BackwardContext::add(std::size_t i, Array&& grad) {
  if (!wants(i)) return;
  detail::TensorImpl& in = target(i);
  if (detail::same_shape(grad, in.value)) {
    accumulate(in, std::move(grad));
  } else {
    accumulate(in, detail::sum_to(grad, detail::shape_of(in.value), op_));
  }
}

void BackwardContext::add(std::size_t i, const Array& grad) { add(i, Array(grad)); }

Array& BackwardContext::grad_buffer(std::size_t i) {
  detail::TensorImpl& in = target(i);
  if (!in.grad) in.grad = xt::zeros<float>(in.value.shape());
  return *in.grad;
}

BackwardContext::GradTarget BackwardContext::grad_target(std::size_t i) {
  detail::TensorImpl& in = target(i);
  if (in.grad) return {*in.grad, false};
  in.grad = Array::from_shape(in.value.shape());
  return {*in.grad, true};
}

namespace detail {
namespace {

// How many entries after an output's creator are searched for the ops using it: the op after it,
// usually (Sequential drops a layer's output once the next layer has run). Past them nothing is
// freed, so that a handle dropped long after costs no walk of the tape.
constexpr std::size_t kConsumersSearched = 8;

// The last handle to an op's output that later entries use is going: frees the value's storage
// (keeping its shape, which its gradient needs) when neither its creator's backward nor any
// consumer's reads it and no other handle holds it. The holds counted must add up to use_count
// exactly; anything unsure (another thread's tape, a busy tape, a consumer past the search)
// keeps the value.
void drop_unread_value(const ImplPtr& impl) noexcept {
  Tape* t = current_tape;
  if (!t || t->busy || impl->tape != t->id || impl->released || impl->value_dropped) return;
  Entry* creator = t->find(impl->creator);
  if (!creator || !creator->backward || creator->reads.outputs) return;
  long holds = 1;  // the handle being dropped
  for (const ImplPtr& out : creator->outputs) holds += out == impl;
  Entry* end = t->entries.data() + t->entries.size();
  Entry* last = creator + 1 + std::min<std::size_t>(kConsumersSearched, static_cast<std::size_t>(end - creator - 1));
  if (last != end) return;  // more entries follow than are searched
  for (Entry* e = creator + 1; e != end; ++e) {
    for (std::size_t i = 0; i < e->inputs.size(); ++i) {
      if (e->inputs[i] != impl) continue;
      if (e->reads_input(i)) return;
      ++holds;
    }
  }
  if (impl.use_count() != holds) return;  // another handle (or a copy a backward captured) can read it
  try {
    Array::inner_shape_type shape = impl->value.shape();
    Array::inner_strides_type strides = impl->value.strides();
    impl->value = Array(Array::storage_type(), std::move(shape), std::move(strides));
    impl->value_dropped = true;
  } catch (const std::bad_alloc&) {  // copying a shape of 5+ dimensions: keep the value then
  }
}

}  // namespace

void release_handle(ImplPtr& impl) noexcept {
  // use_count counts this handle, the entry's own hold on its output, and every other handle
  // or later entry using it: above 2, someone still can reach it.
  if (impl.use_count() > 2) return drop_unread_value(impl);
  Tape* t = current_tape;
  // Another thread's entry is left to that thread's sweeps: its tape is not ours to touch.
  if (!t || impl->tape != t->id || impl->released) return;
  std::uint64_t seq = impl->creator;
  impl.reset();
  t->release(seq);
}

void run_backward(const ImplPtr& root, const Array& seed) {
  XTGRAD_CHECK(root->requires_grad, "backward",
               "the tensor does not require grad (none of the tensors it was computed from requires grad, "
               "or it was computed under NoGrad)");
  if (!same_shape(seed, root->value)) {
    throw std::invalid_argument(
        concat("backward: the gradient has shape ", dims(seed), " but the tensor has shape ", dims(root->value)));
  }
  if (root->creator == 0) {  // a leaf: its gradient is the seed itself
    accumulate(*root, Array(seed));
    return;
  }
  XTGRAD_CHECK(!root->released, "backward",
               "trying to backward through the graph a second time; an earlier backward() already released it");
  Tape& t = tape();
  auto found = std::lower_bound(t.entries.begin(), t.entries.end(), root->creator,
                                [](const Entry& e, std::uint64_t seq) { return e.seq < seq; });
  XTGRAD_CHECK(found != t.entries.end() &&
                   std::find(found->outputs.begin(), found->outputs.end(), root) != found->outputs.end(),
               "backward",
               "the tensor's graph is not on this thread's tape (built on another thread, or dropped by clear_tape())");
  if (root->retains_grad) accumulate(*root, Array(seed));  // retain_grad() on the root itself

  // Afterwards drop what was consumed, and also branches of the graph nobody can reach any more
  // (an LSTM's unused c_n, say), so nothing accumulates step after step.
  struct CollectOnExit {
    Tape& t;
    Tape::Busy busy{t};  // handles captured by the backwards run below only queue their entries
    ~CollectOnExit() { t.collect_unreachable(); }
  } collect_on_exit{t};
  for (auto it = std::make_reverse_iterator(found + 1); it != t.entries.rend(); ++it) {
    bool is_root = it == std::make_reverse_iterator(found + 1);
    if (!it->backward || (!is_root && !it->has_output_grad())) continue;  // not on a path from the root
    XTGRAD_CHECK(it->read_versions() == it->versions, "backward", "'", it->op,
                 "' reads a value that was changed in place after '", it->op, "' used it (", it->changed_reads(),
                 "; copy_(), mutable_value() and an optimizer's step() change values in place), so its gradient "
                 "would be of values the forward pass never saw; call backward() before the change, change the "
                 "value before the forward pass, or change a copy (detach() or clone())");
    BackwardFn backward = std::move(it->backward);
    it->backward = nullptr;
    for (const ImplPtr& out : it->outputs) out->released = true;
    BackwardContext ctx = ImplAccess::context(it->op, it->outputs, it->inputs);
    if (is_root) ImplAccess::seed(ctx, root.get(), &seed);
    backward(ctx);
    check_anomaly(it->op, it->inputs);  // DetectAnomaly (anomaly.cpp); returns at once when off
    // Non-leaf gradients are not kept (as in PyTorch) unless asked for; this also frees them early.
    for (const ImplPtr& out : it->outputs)
      if (!out->retains_grad) out->grad.reset();
    // The entry is consumed: its outputs' values go now, unless a handle still holds them (the
    // ops after it, whose backwards read them, ran before it), not when backward() returns. In W3
    // (bench/README.md) the second ReLU's output (2 MB) is then gone before the second Linear's
    // backward allocates its input gradient, the step's largest moment for 2 MB blocks.
    it->inputs.clear();
    it->outputs.clear();
  }
}

}  // namespace detail
}  // namespace xtgrad
