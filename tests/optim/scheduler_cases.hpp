// Building the optimizers and schedulers that tests/fixtures/schedulers.json describes.
#pragma once

#include <memory>

#include "optim/optim_helpers.hpp"

namespace xtgrad::testing {

/// One parameter per group, each group with its own lr (SGD with momentum 0.9, or Adam).
inline std::unique_ptr<Optimizer> make_case_optimizer(const Json& c, const std::vector<Tensor>& params) {
  std::vector<ParamGroup> groups;
  const Json& lrs = c.at("group_lrs");
  bool sgd = c.at("optimizer") == "SGD";
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    double lr = lrs[i].get<double>();
    groups.push_back(sgd ? ParamGroup{{params[i]}, SGDOptions(lr)} : ParamGroup{{params[i]}, AdamOptions(lr)});
  }
  if (sgd) return std::make_unique<SGD>(groups, SGDOptions(lrs[0].get<double>()).momentum(0.9));
  return std::make_unique<Adam>(groups, AdamOptions(lrs[0].get<double>()));
}

inline std::vector<double> doubles(const Json& j) {
  if (j.is_number()) return {j.get<double>()};
  return j.get<std::vector<double>>();
}

inline std::shared_ptr<LRScheduler> make_lr_scheduler(Optimizer& opt, const Json& s) {
  std::string type = s.at("type");
  if (type == "StepLR") return std::make_shared<StepLR>(opt, s.at("step_size").get<int>(), s.at("gamma").get<double>());
  if (type == "MultiStepLR")
    return std::make_shared<MultiStepLR>(opt, s.at("milestones").get<std::vector<int>>(), s.at("gamma").get<double>());
  if (type == "ExponentialLR") return std::make_shared<ExponentialLR>(opt, s.at("gamma").get<double>());
  if (type == "LinearLR")
    return std::make_shared<LinearLR>(opt, s.at("start_factor").get<double>(), s.value("end_factor", 1.0),
                                      s.value("total_iters", 5));
  if (type == "CosineAnnealingLR")
    return std::make_shared<CosineAnnealingLR>(opt, s.at("T_max").get<int>(), s.at("eta_min").get<double>());
  if (type == "OneCycleLR") {
    OneCycleLROptions o;
    o.max_lr = doubles(s.at("max_lr"));
    o.total_steps = s.value("total_steps", 0);
    o.epochs = s.value("epochs", 0);
    o.steps_per_epoch = s.value("steps_per_epoch", 0);
    o.pct_start = s.value("pct_start", o.pct_start);
    o.anneal_strategy = s.value("anneal_strategy", o.anneal_strategy);
    o.cycle_momentum = s.value("cycle_momentum", o.cycle_momentum);
    if (s.contains("base_momentum")) o.base_momentum = doubles(s.at("base_momentum"));
    if (s.contains("max_momentum")) o.max_momentum = doubles(s.at("max_momentum"));
    o.div_factor = s.value("div_factor", o.div_factor);
    o.final_div_factor = s.value("final_div_factor", o.final_div_factor);
    o.three_phase = s.value("three_phase", o.three_phase);
    return std::make_shared<OneCycleLR>(opt, o);
  }
  throw std::runtime_error("fixture: unknown scheduler " + type);
}

/// The case's scheduler(s); `step` advances them all one epoch (the metric for ReduceLROnPlateau).
struct CaseSchedulers {
  std::vector<std::shared_ptr<Scheduler>> all;
  void step(double metric) {
    for (auto& s : all) {
      if (auto* plateau = dynamic_cast<ReduceLROnPlateau*>(s.get())) plateau->step(metric);
      else if (auto* sequential = dynamic_cast<SequentialLR*>(s.get())) sequential->step();
      else static_cast<LRScheduler&>(*s).step();
    }
  }
};

inline CaseSchedulers make_case_schedulers(Optimizer& opt, const Json& c) {
  CaseSchedulers out;
  for (const Json& s : c.at("schedulers")) {
    std::string type = s.at("type");
    if (type == "ReduceLROnPlateau") {
      ReduceLROnPlateauOptions o;
      o.mode = s.at("mode");
      o.factor = s.at("factor");
      o.patience = s.at("patience");
      o.threshold = s.at("threshold");
      o.threshold_mode = s.at("threshold_mode");
      o.cooldown = s.at("cooldown");
      o.min_lr = doubles(s.at("min_lr"));
      o.eps = s.value("eps", o.eps);
      out.all.push_back(std::make_shared<ReduceLROnPlateau>(opt, o));
    } else if (type == "SequentialLR") {
      std::vector<std::shared_ptr<LRScheduler>> subs;
      for (const Json& sub : s.at("schedulers")) subs.push_back(make_lr_scheduler(opt, sub));
      out.all.push_back(std::make_shared<SequentialLR>(opt, subs, s.at("milestones").get<std::vector<int>>()));
    } else {
      out.all.push_back(make_lr_scheduler(opt, s));
    }
  }
  return out;
}

inline double case_metric(const Json& c, std::size_t epoch) {
  return c.contains("metrics") ? c.at("metrics")[epoch].get<double>() : 0.0;
}

}  // namespace xtgrad::testing
