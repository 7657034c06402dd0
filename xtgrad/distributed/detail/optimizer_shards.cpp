// The sharded optimizer step: parts of every parameter, reduce-scatter of the gradients,
// all-gather of the updated values, and the optimizer state gathered whole or cut into parts.
#include "xtgrad/distributed/detail/optimizer_shards.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/distributed/data_parallel.hpp"
#include "xtgrad/distributed/detail/node_reduce.hpp"

namespace xtgrad::detail {

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// FNV-1a, 64 bit: the same on every rank for the same text.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// "12" -> 12; anything else -> -1 (Optimizer::state_dict() names parameters by position).
long long position_of(const std::string& key) {
  if (key.empty() || key.size() > 18 ||
      !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(key);
}

}  // namespace

Part part_of(std::size_t n, int rank, int world_size) {
  auto r = static_cast<std::size_t>(rank), ranks = static_cast<std::size_t>(world_size);
  std::size_t base = n / ranks, extra = n % ranks;
  return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

OptimizerShards::OptimizerShards(const ProcessGroup& group, std::vector<Tensor> params, std::size_t bucket_floats,
                                 std::size_t own_bucket_floats, bool shared_memory, int ranks_per_node)
    : group_(group), params_(std::move(params)) {
  const int ranks = group.world_size();
  std::vector<std::size_t> sizes;
  for (const Tensor& p : params_) {
    parts_.push_back(part_of(p.numel(), group.rank(), ranks));
    shards_.emplace_back(Array::from_shape({parts_.back().count}), /*requires_grad=*/true);
    sizes.push_back(p.numel());
  }
  flags_.assign(params_.size(), 0.0f);
  if (shared_memory) {
    // The node's local rank i is the group's rank i when the node is the whole group: then its
    // parts are the shards. Across nodes the shards stay on MPI's collectives.
    node_ = std::make_unique<NodeReduce>(group, sizes, ranks_per_node);
    if (node_->node_size() == ranks) return;
    node_.reset();
  }
  // As unsharded: reverse registration order, large parameters alone (no copy into a bucket:
  // their parts already lie rank by rank in their own storage), the small ones filling shared
  // buckets across the large ones, so that few collectives (each a point where ranks wait for
  // each other) remain.
  std::size_t small = 0, floats = 0;  // the bucket small parameters go to, and its size
  for (std::size_t k = params_.size(); k-- > 0;) {
    bool alone = params_[k].numel() >= own_bucket_floats;
    if (alone || small == 0 || floats >= bucket_floats) {
      buckets_.emplace_back();
      if (!alone) {
        small = buckets_.size();
        floats = 0;
      }
    }
    Bucket& b = alone ? buckets_.back() : buckets_[small - 1];
    b.params.push_back(k);
    if (!alone) floats += params_[k].numel();
  }
  for (Bucket& b : buckets_) {
    b.counts.assign(static_cast<std::size_t>(ranks), 0);
    std::size_t total = 0;
    for (std::size_t k : b.params) {
      total += params_[k].numel();
      for (int r = 0; r < ranks; ++r)
        b.counts[static_cast<std::size_t>(r)] += static_cast<int>(part_of(params_[k].numel(), r, ranks).count);
    }
    XTGRAD_CHECK(total < (std::size_t{1} << 31), "DistributedDataParallel", "a parameter of ", total,
                 " values is too large for one MPI collective (at most 2^31 - 1)");
    if (b.params.size() > 1) {
      b.all.assign(total, 0.0f);
      b.mine.assign(static_cast<std::size_t>(b.counts[static_cast<std::size_t>(group.rank())]), 0.0f);
    }
  }
}

OptimizerShards::~OptimizerShards() = default;

Tensor OptimizerShards::shard_of(const Tensor& param) const {
  for (std::size_t k = 0; k < params_.size(); ++k)
    if (params_[k].same_as(param)) return shards_[k];
  fail("DistributedDataParallel.optimizer_params", "a tensor of shape ", shape_str(param.shape()),
       " is not a parameter of the wrapped module");
}

void OptimizerShards::reduce_scatter(AllReduceTimes& times) {
  const int ranks = group_.world_size();
  const float scale = 1.0f / static_cast<float>(ranks);
  if (node_) {
    reduce_through_node(scale, times);
    return;
  }
  auto start = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < params_.size(); ++k) flags_[k] = params_[k].has_grad() ? 1.0f : 0.0f;
  group_.all_reduce_sum(flags_.data(), flags_.size());
  times.all_reduce_ms += ms_since(start);

  start = std::chrono::steady_clock::now();
  take_values();
  times.pack_ms += ms_since(start);

  for (Bucket& b : buckets_) {
    if (b.params.size() == 1) {
      std::size_t k = b.params[0];
      if (flags_[k] == 0.0f) continue;
      start = std::chrono::steady_clock::now();
      float* grad = shards_[k].mutable_grad().data();
      group_.reduce_scatter_sum(params_[k].mutable_grad().data(), grad, b.counts);  // zeros on a rank without one
      times.all_reduce_ms += ms_since(start);
      start = std::chrono::steady_clock::now();
      for (std::size_t j = 0; j < parts_[k].count; ++j) grad[j] *= scale;
      times.unpack_ms += ms_since(start);
      continue;
    }
    start = std::chrono::steady_clock::now();
    float* out = b.all.data();
    for (int r = 0; r < ranks; ++r)
      for (std::size_t k : b.params) {
        Part part = part_of(params_[k].numel(), r, ranks);
        if (params_[k].has_grad()) std::memcpy(out, params_[k].grad().data() + part.offset, part.count * sizeof(float));
        else std::fill(out, out + part.count, 0.0f);
        out += part.count;
      }
    times.pack_ms += ms_since(start);
    start = std::chrono::steady_clock::now();
    group_.reduce_scatter_sum(b.all.data(), b.mine.data(), b.counts);
    times.all_reduce_ms += ms_since(start);
    start = std::chrono::steady_clock::now();
    const float* in = b.mine.data();
    for (std::size_t k : b.params) {
      if (flags_[k] > 0.0f) {
        float* grad = shards_[k].mutable_grad().data();
        for (std::size_t j = 0; j < parts_[k].count; ++j) grad[j] = in[j] * scale;
      }
      in += parts_[k].count;
    }
    times.unpack_ms += ms_since(start);
  }
  drop_gradients();
}

void OptimizerShards::reduce_through_node(float scale, AllReduceTimes& times) {
  auto start = std::chrono::steady_clock::now();
  const std::vector<const float*> data = gradient_data(params_);
  const std::vector<int>& counts = node_->share(data);
  take_values();
  times.pack_ms += ms_since(start);

  start = std::chrono::steady_clock::now();
  std::vector<float*> out(params_.size(), nullptr);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    flags_[k] = static_cast<float>(counts[k]);
    if (counts[k] > 0) out[k] = shards_[k].mutable_grad().data();
  }
  node_->reduce(data, out, scale, /*into_part=*/true);
  times.all_reduce_ms += ms_since(start);
  drop_gradients();
}

void OptimizerShards::take_values() {
  for (std::size_t k = 0; k < params_.size(); ++k)
    std::memcpy(shards_[k].mutable_value().data(), params_[k].value().data() + parts_[k].offset,
                parts_[k].count * sizeof(float));
}

void OptimizerShards::drop_gradients() {
  for (std::size_t k = 0; k < params_.size(); ++k) {
    params_[k].zero_grad();  // the average lives in the shards now; the next backward starts afresh
    if (flags_[k] == 0.0f) shards_[k].zero_grad();
  }
}

void OptimizerShards::all_gather(AllReduceTimes& times) {
  const int ranks = group_.world_size();
  if (node_) {
    auto start = std::chrono::steady_clock::now();
    std::vector<const float*> parts;
    std::vector<float*> out;
    for (std::size_t k = 0; k < params_.size(); ++k) {
      parts.push_back(shards_[k].value().data());
      out.push_back(params_[k].mutable_value().data());
      std::memcpy(out.back() + parts_[k].offset, parts.back(), parts_[k].count * sizeof(float));
    }
    node_->publish(parts);
    node_->gather(out, /*every_tensor=*/true);
    times.all_gather_ms += ms_since(start);
    return;
  }
  for (Bucket& b : buckets_) {
    if (b.params.size() == 1) {
      std::size_t k = b.params[0];
      auto start = std::chrono::steady_clock::now();
      group_.all_gather(shards_[k].value().data(), params_[k].mutable_value().data(), b.counts);
      times.all_gather_ms += ms_since(start);
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    float* out = b.mine.data();
    for (std::size_t k : b.params) {
      std::memcpy(out, shards_[k].value().data(), parts_[k].count * sizeof(float));
      out += parts_[k].count;
    }
    times.pack_ms += ms_since(start);
    start = std::chrono::steady_clock::now();
    group_.all_gather(b.mine.data(), b.all.data(), b.counts);
    times.all_gather_ms += ms_since(start);
    start = std::chrono::steady_clock::now();
    const float* in = b.all.data();
    for (int r = 0; r < ranks; ++r)
      for (std::size_t k : b.params) {
        Part part = part_of(params_[k].numel(), r, ranks);
        std::memcpy(params_[k].mutable_value().data() + part.offset, in, part.count * sizeof(float));
        in += part.count;
      }
    times.unpack_ms += ms_since(start);
  }
}

std::vector<std::size_t> OptimizerShards::param_indices(const Optimizer& optimizer, const char* op) const {
  std::vector<std::size_t> indices;
  for (const Tensor& t : optimizer.params()) {
    std::size_t k = 0;
    while (k < shards_.size() && !shards_[k].same_as(t)) ++k;
    XTGRAD_CHECK(k < shards_.size(), op, "the optimizer's parameter ", indices.size(),
                 " is not a shard of this DistributedDataParallel; with shard_optimizer, build the optimizer over "
                 "ddp.optimizer_params()");
    indices.push_back(k);
  }
  return indices;
}

Value OptimizerShards::gather_state(const Optimizer& optimizer, int root) const {
  const char* op = "DistributedDataParallel.optimizer_state_dict";
  std::vector<std::size_t> indices = param_indices(optimizer, op);
  Value state = optimizer.state_dict();
  // Every rank must hold state for the same parameters, with the same keys and scalars (Adam's
  // step), and tensors shaped like its parts: checked together before anything is gathered.
  std::string layout, problems;
  for (const auto& [key, entry] : state.at("state").as_dict()) {
    std::size_t k = indices[static_cast<std::size_t>(position_of(key))];
    layout += key + "{";
    for (const auto& [name, v] : entry.as_dict()) {
      bool tensor = v.kind() == Value::Kind::Tensor;
      layout += name + "=" + (tensor ? std::string("tensor") : to_string(v)) + ";";
      if (tensor && v.as_tensor().size() != parts_[k].count)
        problems += concat("; state.", key, ".", name, " has shape ", dims(v.as_tensor()), ", not its shard's [",
                           parts_[k].count, "] (only state shaped like its parameter can be sharded)");
    }
    layout += "}";
  }
  std::vector<std::uint64_t> layouts = group_.all_gather(fnv1a(layout + problems));
  bool agree = std::all_of(layouts.begin(), layouts.end(), [&](std::uint64_t h) { return h == layouts[0]; });
  if (!agree || !problems.empty())
    throw std::runtime_error(concat(op, ": ", group_.describe(),
                                    problems.empty() ? ": the ranks' optimizer states differ (which parameters have "
                                                       "state, its keys or step counts)"
                                                     : problems.substr(2)));

  const int ranks = group_.world_size();
  const bool is_root = group_.rank() == root;
  for (auto& [key, entry] : state["state"].as_dict()) {
    const Tensor& param = params_[indices[static_cast<std::size_t>(position_of(key))]];
    std::vector<int> counts;
    for (int r = 0; r < ranks; ++r) counts.push_back(static_cast<int>(part_of(param.numel(), r, ranks).count));
    for (auto& [name, v] : entry.as_dict()) {
      if (v.kind() != Value::Kind::Tensor) continue;
      Array whole = Array::from_shape(is_root ? param.shape() : Shape{0});
      group_.gather(v.as_tensor().data(), is_root ? whole.data() : nullptr, counts, root);
      v = Value(std::move(whole));
    }
  }
  return is_root ? state : Value();
}

void OptimizerShards::load_state(Optimizer& optimizer, const Value& whole) const {
  const char* op = "DistributedDataParallel.load_optimizer_state_dict";
  std::vector<std::size_t> indices = param_indices(optimizer, op);
  Value local = whole;
  std::string problems;
  // Cut each tensor shaped like its parameter to this rank's part. What is malformed otherwise is
  // left as it is, for Optimizer::load_state_dict to name.
  if (local.is_dict() && local.contains("state") && local.at("state").is_dict() && local.contains("param_groups") &&
      local.at("param_groups").is_list()) {
    std::map<std::int64_t, std::size_t>
        position;  // saved id -> position in optimizer.params(), as load_state_dict pairs them
    std::size_t next = 0;
    for (const Value& g : local.at("param_groups").as_list())
      if (g.is_dict() && g.contains("params") && g.at("params").is_list())
        for (const Value& id : g.at("params").as_list()) {
          if (id.kind() == Value::Kind::Int) position.emplace(id.as_int(), next);
          ++next;
        }
    for (auto& [key, entry] : local["state"].as_dict()) {
      auto it = position.find(position_of(key));
      if (it == position.end() || it->second >= indices.size() || !entry.is_dict()) continue;
      std::size_t k = indices[it->second];
      for (auto& [name, v] : entry.as_dict()) {
        if (v.kind() != Value::Kind::Tensor) continue;
        const Array& a = v.as_tensor();
        if (Shape(a.shape().begin(), a.shape().end()) != params_[k].shape()) {
          problems += concat("; state.", key, ".", name, " has shape ", dims(a), ", not its parameter's ",
                             shape_str(params_[k].shape()),
                             " (a whole state is expected: ddp.optimizer_state_dict()"
                             " or an unsharded optimizer's state_dict())");
          continue;
        }
        Array part = Array::from_shape({parts_[k].count});
        std::copy_n(a.data() + parts_[k].offset, parts_[k].count, part.data());
        v = Value(std::move(part));
      }
    }
  }
  if (!problems.empty()) throw std::invalid_argument(concat(op, ": ", problems.substr(2)));
  optimizer.load_state_dict(local);
}

}  // namespace xtgrad::detail
