// Setup checks, the parameter broadcast and the bucketed gradient all-reduce.
#include "xtgrad/distributed/data_parallel.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "xtgrad/distributed/detail/node_reduce.hpp"
#include "xtgrad/distributed/detail/optimizer_shards.hpp"

namespace xtgrad {

namespace {

// FNV-1a, 64 bit: deterministic on every platform, unlike std::hash.
void fnv1a(std::uint64_t& hash, const std::string& text) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// What DDP copies from rank 0: the parameters, then every buffer, persistent or not (PyTorch's
// _sync_module_states walks named_parameters() and named_buffers(), not the state_dict).
NamedTensors synced_tensors(const Module& module) {
  NamedTensors out = module.named_parameters();
  NamedTensors buffers = module.named_buffers();
  out.insert(out.end(), buffers.begin(), buffers.end());
  return out;
}

}  // namespace

std::uint64_t model_fingerprint(const Module& module) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const auto& [name, tensor] : synced_tensors(module))
    fnv1a(hash, name + (tensor.requires_grad() ? " parameter " : " buffer ") + shape_str(tensor.shape()) + ";");
  return hash;
}

void check_same_model(const ProcessGroup& group, const Module& module) {
  NamedTensors state = synced_tensors(module);
  std::uint64_t values = 0;
  for (const auto& entry : state) values += entry.second.numel();
  std::vector<std::uint64_t> hashes = group.all_gather(model_fingerprint(module));
  std::vector<std::uint64_t> counts = group.all_gather(state.size());
  std::vector<std::uint64_t> sizes = group.all_gather(values);
  std::ostringstream differ;
  for (std::size_t r = 1; r < hashes.size(); ++r)
    if (hashes[r] != hashes[0])
      differ << "; rank " << r << " has " << counts[r] << " tensors, " << sizes[r] << " values (fingerprint "
             << std::hex << hashes[r] << std::dec << ")";
  if (differ.str().empty()) return;
  std::ostringstream message;
  message << "DistributedDataParallel: the model differs between ranks (names, shapes or parameter/buffer "
             "roles of its parameters and buffers): rank 0 has "
          << counts[0] << " tensors, " << sizes[0] << " values (fingerprint " << std::hex << hashes[0] << std::dec
          << ")" << differ.str() << ". Every rank must build the same model.";
  throw std::runtime_error(message.str());
}

void broadcast_parameters(const ProcessGroup& group, Module& module, int root) {
  check_same_model(group, module);
  // Once, at setup: one message per tensor is simpler than buckets and costs nothing per step.
  for (auto& entry : synced_tensors(module))
    group.broadcast(entry.second.mutable_value().data(), entry.second.numel(), root);
}

DistributedDataParallel::DistributedDataParallel(const ProcessGroup& group, Module& module, double bucket_cap_mb)
    : DistributedDataParallel(group, module, DataParallelOptions().bucket_cap_mb(bucket_cap_mb)) {}

DistributedDataParallel::DistributedDataParallel(const ProcessGroup& group, Module& module,
                                                 const DataParallelOptions& options)
    : group_(group), module_(module), params_(module.parameters()) {
  // Handles, like params_: found once here rather than by walking the module's names every step.
  for (auto& entry : module.named_buffers()) buffers_.push_back(entry.second);
  const double bucket_cap_mb = options.bucket_cap_mb();
  if (!(bucket_cap_mb > 0))
    throw std::invalid_argument("DistributedDataParallel: bucket_cap_mb must be positive, got " +
                                std::to_string(bucket_cap_mb));
  if (options.ranks_per_node() < 0)
    throw std::invalid_argument(
        "DistributedDataParallel: DataParallelOptions.ranks_per_node must be 0 (MPI's nodes) "
        "or positive, got " +
        std::to_string(options.ranks_per_node()));
  broadcast_parameters(group, module, 0);
  auto cap = static_cast<std::size_t>(bucket_cap_mb * 1024 * 1024 / sizeof(float));
  if (options.shard_optimizer()) {
    shards_ = std::make_unique<detail::OptimizerShards>(group, params_, cap, kInPlaceMinFloats,
                                                        options.reduction() == GradientReduction::shared_memory,
                                                        options.ranks_per_node());
    return;
  }
  if (options.reduction() == GradientReduction::shared_memory) {
    std::vector<std::size_t> sizes;
    for (const Tensor& p : params_) sizes.push_back(p.numel());
    node_ = std::make_unique<detail::NodeReduce>(group, sizes, options.ranks_per_node());
    return;
  }
  // Reverse registration order, as DDP: backward produces the last layers' gradients first,
  // which is the order an overlapped all-reduce would want.
  std::size_t floats = 0;
  for (std::size_t k = params_.size(); k-- > 0;) {
    if (params_[k].numel() >= kInPlaceMinFloats) {
      in_place_.push_back(k);
      continue;
    }
    if (buckets_.empty() || floats >= cap) {
      buckets_.emplace_back();
      floats = 0;
    }
    buckets_.back().params.push_back(k);
    floats += params_[k].numel();
  }
  for (Bucket& bucket : buckets_) {
    std::size_t size = bucket.params.size();  // the flags
    for (std::size_t k : bucket.params) size += params_[k].numel();
    bucket.buffer.assign(size, 0.0f);
  }
  in_place_flags_.assign(in_place_.size(), 0.0f);
}

DistributedDataParallel::~DistributedDataParallel() = default;
DistributedDataParallel::DistributedDataParallel(DistributedDataParallel&&) noexcept = default;

void DistributedDataParallel::average_gradients() {
  times_ = AllReduceTimes{};
  if (shards_) {
    if (gather_pending_)
      throw std::logic_error(
          "DistributedDataParallel: average_gradients() again before gather_parameters(); with "
          "shard_optimizer every optimizer.step() must be followed by ddp.gather_parameters()");
    shards_->reduce_scatter(times_);
    gather_pending_ = true;
    broadcast_buffers();
    return;
  }
  if (group_.world_size() == 1) return;  // the mean of one gradient is itself
  const float scale = 1.0f / static_cast<float>(group_.world_size());
  if (node_) {
    average_through_node(scale);
    broadcast_buffers();
    return;
  }
  for (Bucket& bucket : buckets_) {
    auto start = std::chrono::steady_clock::now();
    float* out = bucket.buffer.data();
    float* flags = out + bucket.buffer.size() - bucket.params.size();
    for (std::size_t i = 0; i < bucket.params.size(); ++i) {
      const Tensor& p = params_[bucket.params[i]];
      if (p.has_grad()) std::memcpy(out, p.grad().data(), p.numel() * sizeof(float));
      else std::fill(out, out + p.numel(), 0.0f);
      flags[i] = p.has_grad() ? 1.0f : 0.0f;
      out += p.numel();
    }
    times_.pack_ms += ms_since(start);

    start = std::chrono::steady_clock::now();
    group_.all_reduce_sum(bucket.buffer.data(), bucket.buffer.size());
    times_.all_reduce_ms += ms_since(start);

    start = std::chrono::steady_clock::now();
    const float* in = bucket.buffer.data();
    for (std::size_t i = 0; i < bucket.params.size(); ++i) {
      Tensor p = params_[bucket.params[i]];
      // flags[i] counts the ranks that had a gradient; none: leave the parameter without one.
      if (flags[i] > 0.0f) {
        float* grad = p.mutable_grad().data();
        for (std::size_t j = 0; j < p.numel(); ++j) grad[j] = in[j] * scale;
      }
      in += p.numel();
    }
    times_.unpack_ms += ms_since(start);
  }
  average_in_place(scale);
  broadcast_buffers();
}

void DistributedDataParallel::broadcast_buffers() {
  auto start = std::chrono::steady_clock::now();
  for (Tensor& buffer : buffers_)
    if (buffer.numel() > 0) group_.broadcast(buffer.mutable_value().data(), buffer.numel(), 0);
  times_.buffers_ms = ms_since(start);
}

void DistributedDataParallel::gather_parameters() {
  if (!shards_) return;
  times_.all_gather_ms = 0;
  shards_->all_gather(times_);
  gather_pending_ = false;
}

std::vector<Tensor> DistributedDataParallel::optimizer_params() const { return optimizer_params(params_); }

std::vector<Tensor> DistributedDataParallel::optimizer_params(const std::vector<Tensor>& params) const {
  std::vector<Tensor> out;
  for (const Tensor& p : params) {
    bool ours = std::any_of(params_.begin(), params_.end(), [&](const Tensor& q) { return q.same_as(p); });
    if (!ours)
      throw std::invalid_argument("DistributedDataParallel.optimizer_params: a tensor of shape " +
                                  shape_str(p.shape()) + " is not a parameter of the wrapped module");
    out.push_back(shards_ ? shards_->shard_of(p) : p);
  }
  return out;
}

Value DistributedDataParallel::optimizer_state_dict(const Optimizer& optimizer) const {
  if (!shards_) return group_.is_root() ? optimizer.state_dict() : Value();
  if (gather_pending_)
    throw std::logic_error(
        "DistributedDataParallel.optimizer_state_dict: call gather_parameters() after "
        "optimizer.step() first");
  return shards_->gather_state(optimizer, 0);
}

void DistributedDataParallel::load_optimizer_state_dict(Optimizer& optimizer, const Value& state) const {
  if (shards_) shards_->load_state(optimizer, state);
  else optimizer.load_state_dict(state);
}

void DistributedDataParallel::average_through_node(float scale) {
  auto start = std::chrono::steady_clock::now();
  const std::vector<const float*> data = detail::gradient_data(params_);
  const std::vector<int>& counts = node_->share(data);
  times_.pack_ms += ms_since(start);

  start = std::chrono::steady_clock::now();
  std::vector<float*> out(params_.size(), nullptr);
  for (std::size_t k = 0; k < params_.size(); ++k)
    if (counts[k] > 0) out[k] = params_[k].mutable_grad().data();  // zeros on a rank that had none
  node_->reduce(data, out, scale);
  times_.all_reduce_ms += ms_since(start);

  start = std::chrono::steady_clock::now();
  node_->gather(out);
  times_.unpack_ms += ms_since(start);
}

void DistributedDataParallel::average_in_place(float scale) {
  if (in_place_.empty()) return;
  // First which ranks have each gradient (one small message), so that a rank without one joins
  // with zeros only when another rank has it.
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < in_place_.size(); ++i)
    in_place_flags_[i] = params_[in_place_[i]].has_grad() ? 1.0f : 0.0f;
  group_.all_reduce_sum(in_place_flags_.data(), in_place_flags_.size());
  for (std::size_t i = 0; i < in_place_.size(); ++i) {
    if (in_place_flags_[i] == 0.0f) continue;            // no rank has it: it stays without one everywhere
    Array& grad = params_[in_place_[i]].mutable_grad();  // zeros on a rank that had none
    group_.all_reduce_sum(grad.data(), grad.size());
  }
  times_.all_reduce_ms += ms_since(start);

  start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < in_place_.size(); ++i) {
    if (in_place_flags_[i] == 0.0f) continue;
    Array& grad = params_[in_place_[i]].mutable_grad();
    float* g = grad.data();
    for (std::size_t j = 0; j < grad.size(); ++j) g[j] *= scale;
  }
  times_.unpack_ms += ms_since(start);
}

}  // namespace xtgrad
