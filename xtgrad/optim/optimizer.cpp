// Optimizer base: parameter groups with options merged from the defaults (torch/optim/optimizer.py
// add_param_group), and the state dict in PyTorch's layout (Optimizer.state_dict / load_state_dict).
#include "xtgrad/optim/optimizer.hpp"

#include <cmath>
#include <set>
#include <typeinfo>

#include "xtgrad/core/detail/check.hpp"
#include "xtgrad/optim/detail/state_reader.hpp"

namespace xtgrad {

// ---- OptimizerOptions ----

double OptimizerOptions::lr() const {
  XTGRAD_CHECK(lr_.has_value(), "OptimizerOptions", "lr is not set (SGD needs one)");
  return *lr_;
}

void OptimizerOptions::set_lr(double lr) {
  lr_ = lr;
  mark_set("lr");
}

double OptimizerOptions::initial_lr() const {
  XTGRAD_CHECK(initial_lr_.has_value(), "OptimizerOptions", "initial_lr is not set (no scheduler has run)");
  return *initial_lr_;
}

double OptimizerOptions::get_momentum() const { throw std::logic_error("these options have no momentum"); }
void OptimizerOptions::set_momentum(double) { throw std::logic_error("these options have no momentum"); }

void OptimizerOptions::mark_set(const char* key) {
  if (!is_set(key)) set_.emplace_back(key);
}

bool OptimizerOptions::is_set(const std::string& key) const {
  for (const std::string& k : set_)
    if (k == key) return true;
  return false;
}

Value OptimizerOptions::to_value() const {
  Value group = Value::dict();
  if (lr_) group["lr"] = *lr_;
  write(group);
  if (initial_lr_) group["initial_lr"] = *initial_lr_;
  return group;
}

Value OptimizerOptions::set_values() const {
  Value all = to_value(), out = Value::dict();
  for (const auto& [key, value] : all.as_dict())
    if (is_set(key)) out[key] = value;
  return out;
}

void OptimizerOptions::read_all(detail::StateReader& in, const Value& group, const std::string& path) {
  if (!group.is_dict()) {
    in.problem(path, std::string("expected an object, got ") + group.kind_name());
    return;
  }
  set_lr(in.real(group, path, "lr"));
  if (group.contains("initial_lr")) initial_lr_ = in.real(group, path, "initial_lr");
  read(in, group, path);
  // PyTorch's flags for variants xtgrad does not have: accepted only when off.
  static const char* const torch_flags[] = {"maximize", "foreach", "capturable", "differentiable", "fused"};
  std::vector<std::string> known = keys();
  known.insert(known.end(), {"lr", "initial_lr", "params"});
  for (const char* flag : torch_flags) {
    known.emplace_back(flag);
    if (!group.contains(flag)) continue;
    const Value& v = group.at(flag);
    bool off = v.is_null() || (v.kind() == Value::Kind::Bool && !v.as_bool());
    if (!off)
      in.problem(detail::join_path(path, flag),
                 "PyTorch's " + std::string(flag) + " = " + to_string(v) + " is not supported (only false)");
  }
  in.unexpected_keys(group, path, known);
}

void OptimizerOptions::from_value(const Value& group) {
  detail::StateReader in("options");
  clone()->read_all(in, group, "");  // a dry run: `this` changes only if all of it is valid
  in.throw_if_problems();
  read_all(in, group, "");
}

void OptimizerOptions::check(std::vector<std::string>& problems) const {
  if (!lr_) return;
  if (!(*lr_ >= 0.0 && std::isfinite(*lr_)))
    problems.push_back(detail::concat("invalid learning rate: ", *lr_, " (must be finite and >= 0)"));
}

// ---- ParamGroup ----

ParamGroup::ParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}

ParamGroup::ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options)
    : params_(std::move(params)), options_(options.clone()) {}

ParamGroup::ParamGroup(const ParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}

const OptimizerOptions& ParamGroup::options() const {
  XTGRAD_CHECK(options_ != nullptr, "ParamGroup", "this group has no options of its own");
  return *options_;
}

OptimizerOptions& ParamGroup::options() {
  return const_cast<OptimizerOptions&>(static_cast<const ParamGroup&>(*this).options());
}

// ---- Optimizer ----

Optimizer::Optimizer(const OptimizerOptions& defaults, const char* name) : defaults_(defaults.clone()), name_(name) {}

void Optimizer::add_param_groups(const std::vector<ParamGroup>& groups) {
  std::size_t total = 0;
  for (const ParamGroup& g : groups) total += g.params().size();
  XTGRAD_CHECK(total > 0, name_, "optimizer got an empty parameter list");
  for (const ParamGroup& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(const ParamGroup& group) {
  // A parameter is known by the address of its values: handles share them exactly when same_as().
  std::set<const Array*> seen;
  for (const Tensor& p : params()) seen.insert(&p.value());
  for (std::size_t i = 0; i < group.params().size(); ++i) {
    const Tensor& p = group.params()[i];
    XTGRAD_CHECK(p.requires_grad() && p.is_leaf(), name_, "parameter ", i, " must be a leaf tensor that requires grad");
    XTGRAD_CHECK(seen.insert(&p.value()).second, name_, "some parameters appear in more than one parameter group");
  }
  // PyTorch's param_group.setdefault(name, default) for every option the group leaves unset.
  Value merged = defaults_->to_value();
  if (group.has_options()) {
    // Named first: typeid of a call's result would evaluate the call (clang warns).
    const OptimizerOptions& group_options = group.options();
    const OptimizerOptions& own_options = *defaults_;
    XTGRAD_CHECK(typeid(group_options) == typeid(own_options), name_, "parameter group ", groups_.size(),
                 " has options of another optimizer");
    const Value overrides = group_options.set_values();
    for (const auto& [key, value] : overrides.as_dict()) merged[key] = value;
  }
  XTGRAD_CHECK(merged.contains("lr"), name_,
               "parameter group didn't specify a value of required optimization parameter lr");
  std::unique_ptr<OptimizerOptions> options = defaults_->clone();
  options->from_value(merged);
  std::vector<std::string> problems;
  options->check(problems);
  detail::StateReader in(name_);
  for (const std::string& p : problems) in.problem("", p);
  in.throw_if_problems();

  groups_.emplace_back(group.params());
  groups_.back().options_ = std::move(options);
  num_params_ += group.params().size();
  resize_state(num_params_);
}

ParamGroup& Optimizer::param_group(std::size_t i) {
  XTGRAD_CHECK(i < groups_.size(), name_, "no parameter group ", i, " (there are ", groups_.size(), ")");
  return groups_[i];
}

std::vector<Tensor> Optimizer::params() const {
  std::vector<Tensor> all;
  for (const ParamGroup& g : groups_) all.insert(all.end(), g.params().begin(), g.params().end());
  return all;
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& g : groups_)
    for (Tensor p : g.params()) p.zero_grad(set_to_none);  // a copy of the handle shares the gradient
}

Value Optimizer::state_dict() const {
  Value state = Value::dict(), groups = Value::list();
  std::size_t k = 0;
  for (const ParamGroup& g : groups_) {
    Value packed = g.options().to_value();
    Value ids = Value::list();
    for (std::size_t i = 0; i < g.params().size(); ++i, ++k) {
      ids.push_back(k);
      Value s = param_state(k);
      if (!s.is_null()) state[std::to_string(k)] = std::move(s);
    }
    packed["params"] = std::move(ids);
    groups.push_back(std::move(packed));
  }
  Value out = Value::dict();
  out["state"] = std::move(state);
  out["param_groups"] = std::move(groups);
  return out;
}

namespace {

// "12" -> 12; anything but plain decimal digits -> -1.
std::int64_t parse_index(const std::string& key) {
  if (key.empty() || key.size() > 18) return -1;
  std::int64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

void Optimizer::load_state_dict(const Value& sd) {
  detail::StateReader in(std::string(name_) + ".load_state_dict");
  if (!sd.is_dict()) {
    in.problem("", std::string("expected an object with \"state\" and \"param_groups\", got ") + sd.kind_name());
    in.throw_if_problems();
  }
  const Value& saved_groups = in.list(sd, "", "param_groups");
  const Value& saved_state = in.dict(sd, "", "state");
  in.unexpected_keys(sd, "", {"state", "param_groups"});

  // Stage the groups' options and the map from saved parameter ids to ours (PyTorch's id_map:
  // the saved groups' "params" in order, zipped with this optimizer's parameters).
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::vector<std::size_t> group_of(num_params_);
  std::vector<std::pair<std::int64_t, std::size_t>> id_map;  // saved id -> k
  bool ids_ok = saved_groups.is_list() && saved_groups.size() == groups_.size();
  if (saved_groups.is_list() && !ids_ok)
    in.problem("param_groups", detail::concat("loaded state dict has a different number of parameter groups (",
                                              saved_groups.size(), "; the optimizer has ", groups_.size(), ")"));
  for (std::size_t i = 0, k = 0; ids_ok && i < groups_.size(); ++i) {
    std::string path = "param_groups[" + std::to_string(i) + "]";
    options.push_back(groups_[i].options().clone());
    options.back()->read_all(in, saved_groups[i], path);
    std::vector<std::string> problems;
    options.back()->check(problems);
    for (const std::string& p : problems) in.problem(path, p);
    std::vector<std::int64_t> ids = in.integers(saved_groups[i], path, "params");
    if (saved_groups[i].contains("params") && saved_groups[i].at("params").is_list() &&
        saved_groups[i].at("params").size() != groups_[i].params().size()) {
      in.problem(path, detail::concat("loaded state dict contains a parameter group that doesn't match the size of "
                                      "optimizer's group (",
                                      saved_groups[i].at("params").size(), " parameters; the group has ",
                                      groups_[i].params().size(), ")"));
      ids_ok = false;
    }
    for (std::size_t j = 0; ids_ok && j < ids.size(); ++j, ++k) {
      for (const auto& [id, other] : id_map)
        if (id == ids[j]) in.problem(path + ".params", detail::concat("parameter id ", id, " appears twice"));
      id_map.emplace_back(ids[j], k);
      group_of[k] = i;
    }
  }
  ids_ok = ids_ok && id_map.size() == num_params_;

  std::vector<const Value*> staged(num_params_, nullptr);
  if (ids_ok && saved_state.is_dict()) {
    std::vector<Tensor> all = params();
    for (const auto& [key, entry] : saved_state.as_dict()) {
      std::string path = "state." + key;
      std::int64_t id = parse_index(key);
      std::size_t k = num_params_;
      for (const auto& [saved_id, ours] : id_map)
        if (saved_id == id) k = ours;
      if (k == num_params_) {
        in.problem(path, "no parameter in \"param_groups\" has this index");
        continue;
      }
      if (!entry.is_dict()) {
        in.problem(path, std::string("expected an object, got ") + entry.kind_name());
        continue;
      }
      check_param_state(in, path, entry, all[k], *options[group_of[k]]);
      staged[k] = &entry;
    }
  }
  in.throw_if_problems();

  static const Value kNone;
  for (std::size_t i = 0; i < groups_.size(); ++i) groups_[i].options_ = std::move(options[i]);
  for (std::size_t k = 0; k < num_params_; ++k) set_param_state(k, staged[k] ? *staged[k] : kNone);
}

}  // namespace xtgrad
