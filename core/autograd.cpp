// The thread-local tape (Stan-style: entries in creation order, backward is a reverse loop),
// NoGrad, and the one place where gradients are un-broadcast, checked and accumulated.
#include "autograd.hpp"

#include <algorithm>

#include "detail/broadcast.hpp"
#include "detail/check.hpp"

namespace xtgrad {
namespace {

using ImplPtr = std::shared_ptr<detail::TensorImpl>;

struct Entry {
  const char* op;
  std::uint64_t seq;
  std::vector<ImplPtr> inputs;
  ImplPtr output;
  BackwardFn backward;   // empty once the entry is consumed or collected
};

struct Tape {
  std::vector<Entry> entries;
  std::uint64_t next_seq = 1;
  bool grad_enabled = true;
  // Entries nobody can reach any more (an abandoned graph, say inference without NoGrad)
  // are collected when the tape doubles past this size, so memory stays bounded.
  std::size_t collect_at = 4096;

  void compact() {
    entries.erase(std::remove_if(entries.begin(), entries.end(), [](const Entry& e) { return !e.backward; }),
                  entries.end());
  }

  void collect_unreachable() {
    // Walking backwards, an entry whose output only the tape holds is dead; dropping it
    // releases its inputs, which may make earlier entries dead too.
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->output.use_count() == 1) *it = Entry{it->op, it->seq, {}, nullptr, nullptr};
    }
    compact();
    collect_at = std::max<std::size_t>(4096, 2 * entries.size());
  }
};

Tape& tape() {
  thread_local Tape t;
  return t;
}

bool any_requires_grad(const Tensor* begin, const Tensor* end) {
  for (const Tensor* t = begin; t != end; ++t) {
    if (t->requires_grad()) return true;
  }
  return false;
}

Tensor record_impl(const char* op, Array value, const Tensor* begin, const Tensor* end, BackwardFn backward) {
  Tape& t = tape();
  if (!t.grad_enabled || !any_requires_grad(begin, end)) return Tensor(std::move(value));
  Tensor out(std::move(value));
  auto& impl = *out.impl();
  impl.requires_grad = true;
  impl.creator = t.next_seq++;
  if (t.entries.size() >= t.collect_at) t.collect_unreachable();
  std::vector<ImplPtr> inputs;
  inputs.reserve(static_cast<std::size_t>(end - begin));
  for (const Tensor* in = begin; in != end; ++in) inputs.push_back(in->impl());
  t.entries.push_back(Entry{op, impl.creator, std::move(inputs), out.impl(), std::move(backward)});
  return out;
}

void accumulate(detail::TensorImpl& target, Array&& grad) {
  if (!target.has_grad) {
    target.grad = std::move(grad);
    target.has_grad = true;
    return;
  }
  float* dst = target.grad.data();
  const float* src = grad.data();
  for (std::size_t i = 0, n = target.grad.size(); i < n; ++i) dst[i] += src[i];
}

}  // namespace

NoGrad::NoGrad() : previous_(tape().grad_enabled) { tape().grad_enabled = false; }
NoGrad::~NoGrad() { tape().grad_enabled = previous_; }
bool is_grad_enabled() { return tape().grad_enabled; }

Tensor record(const char* op, Array value, std::initializer_list<Tensor> inputs, BackwardFn backward) {
  return record_impl(op, std::move(value), inputs.begin(), inputs.end(), std::move(backward));
}

Tensor record(const char* op, Array value, const std::vector<Tensor>& inputs, BackwardFn backward) {
  return record_impl(op, std::move(value), inputs.data(), inputs.data() + inputs.size(), std::move(backward));
}

bool will_record(std::initializer_list<Tensor> inputs) {
  return tape().grad_enabled && any_requires_grad(inputs.begin(), inputs.end());
}

std::size_t tape_size() { return tape().entries.size(); }
void clear_tape() { tape().entries.clear(); }

const Array& BackwardContext::input(std::size_t i) const { return inputs_.at(i)->value; }

bool BackwardContext::wants(std::size_t i) const { return inputs_.at(i)->requires_grad; }

detail::TensorImpl& BackwardContext::target(std::size_t i) {
  detail::TensorImpl& in = *inputs_.at(i);
  if (in.released) {
    throw std::invalid_argument(detail::concat(
        "backward: trying to backward through '", op_,
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
  if (!in.has_grad) {
    in.grad = xt::zeros<float>(in.value.shape());
    in.has_grad = true;
  }
  return in.grad;
}

namespace detail {

void run_backward(const std::shared_ptr<TensorImpl>& root, Array seed) {
  check(root->requires_grad, "backward",
        "the tensor does not require grad (none of the tensors it was computed from requires grad, "
        "or it was computed under NoGrad)");
  if (!same_shape(seed, root->value)) {
    throw std::invalid_argument(concat("backward: the gradient has shape ", dims(seed),
                                       " but the tensor has shape ", dims(root->value)));
  }
  if (root->creator == 0) {  // a leaf: its gradient is the seed itself
    accumulate(*root, std::move(seed));
    return;
  }
  check(!root->released, "backward",
        "trying to backward through the graph a second time; an earlier backward() already released it");
  Tape& t = tape();
  auto found = std::lower_bound(t.entries.begin(), t.entries.end(), root->creator,
                                [](const Entry& e, std::uint64_t seq) { return e.seq < seq; });
  check(found != t.entries.end() && found->output == root, "backward",
        "the tensor's graph is not on this thread's tape (built on another thread, or dropped by clear_tape())");

  root->grad = std::move(seed);
  root->has_grad = true;
  struct CompactOnExit {
    Tape& t;
    ~CompactOnExit() { t.compact(); }
  } compact_on_exit{t};
  for (auto it = std::make_reverse_iterator(found + 1); it != t.entries.rend(); ++it) {
    TensorImpl& out = *it->output;
    if (!out.has_grad) continue;  // not on a path from the root
    BackwardFn backward = std::move(it->backward);
    it->backward = nullptr;
    out.released = true;
    BackwardContext ctx(it->op, out.grad, out.value, it->inputs);
    backward(ctx);
    // Non-leaf gradients are not kept (as in PyTorch); this also frees them early.
    out.grad = Array();
    out.has_grad = false;
    it->inputs.clear();
  }
}

}  // namespace detail
}  // namespace xtgrad
