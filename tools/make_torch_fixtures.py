#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the xtgrad tests.

Requires PyTorch for the system Python (Debian package ``python3-torch``:
``apt-get install python3-torch``). Run from the repository root as:

    /usr/bin/python3 tools/make_torch_fixtures.py

Writes deterministic JSON files into ``tests/fixtures/`` (located relative to
this script, not the current directory). Every tensor is encoded as
``{"shape": [d0, d1, ...], "data": [flat row-major float32 values]}``; a 0-d
tensor has ``"shape": []`` and a single data value. NaN/Infinity never appear.

To add a new fixture file (e.g. LSTM), write a ``make_<name>()`` function that
returns a dict of groups and register it in ``FIXTURES`` at the bottom.
"""

import json
import math
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "fixtures")
GENERATOR = "tools/make_torch_fixtures.py"
MAX_BYTES = 300 * 1024


# ---------------------------------------------------------------------------
# Encoding helpers
# ---------------------------------------------------------------------------

def T(t):
    """Encode a float32 tensor as {"shape", "data"}; asserts all values finite."""
    t = t.detach()
    assert t.dtype == torch.float32, t.dtype
    assert bool(torch.isfinite(t).all()), "non-finite value in fixture tensor"
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def opt_T(t):
    return None if t is None else T(t)


def params_of(model):
    """state_dict (in order) encoded as {key: T}."""
    return {k: T(v) for k, v in model.state_dict().items()}


def grads_of(model):
    """Gradients of every state_dict entry, keyed like the state_dict."""
    named = dict(model.named_parameters())
    return {k: T(named[k].grad) for k in model.state_dict().keys()}


def finite_float(x):
    x = float(x)
    assert math.isfinite(x), x
    return x


# ---------------------------------------------------------------------------
# layers.json: Linear, activations, a small MLP
# ---------------------------------------------------------------------------

def linear_case(seed, in_f, out_f, bias, batch=(3,)):
    torch.manual_seed(seed)
    lin = nn.Linear(in_f, out_f, bias=bias)
    x = torch.randn(*batch, in_f).requires_grad_()
    y = lin(x)
    up = torch.randn_like(y)
    y.backward(up)
    params = {"weight": T(lin.weight)}
    grads = {"weight": T(lin.weight.grad)}
    if bias:
        params["bias"] = T(lin.bias)
        grads["bias"] = T(lin.bias.grad)
    return {"in_features": in_f, "out_features": out_f, "bias": bias,
            "params": params, "input": T(x), "output": T(y), "upstream": T(up),
            "grad_input": T(x.grad), "grads": grads}


def activation_cases():
    fns = [("relu", F.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
           ("softplus", F.softplus), ("log_sigmoid", F.logsigmoid)]
    torch.manual_seed(100)
    base = torch.cat([torch.randn(16) * 3,
                      torch.tensor([-1000.0, 1000.0, -30.0, 30.0,
                                    -0.5, 0.5, 1e-4, -1e-4])])
    assert bool((base != 0).all())
    cases = []
    for i, (name, fn) in enumerate(fns):
        torch.manual_seed(110 + i)
        x = base.clone().requires_grad_()
        y = fn(x)
        up = torch.randn_like(y)
        y.backward(up)
        cases.append({"name": name, "input": T(x), "output": T(y),
                      "upstream": T(up), "grad_input": T(x.grad)})
    return cases


def mlp_case():
    torch.manual_seed(200)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4),
                          nn.ReLU(), nn.Linear(4, 1))
    x = torch.randn(6, 3).requires_grad_()
    target = torch.randint(0, 2, (6, 1)).float()
    out = model(x)
    loss = nn.BCEWithLogitsLoss()(out, target)
    loss.backward()
    return {"layers": ["Linear(3,8)", "Tanh", "Linear(8,4)", "ReLU", "Linear(4,1)"],
            "params": params_of(model), "input": T(x), "target": T(target),
            "output": T(out), "loss": T(loss), "grads": grads_of(model),
            "grad_input": T(x.grad)}


def make_layers():
    return {
        "linear": [linear_case(10 + i, *cfg) for i, cfg in
                   enumerate([(3, 4, True), (5, 2, False), (1, 1, True)])],
        "activations": activation_cases(),
        "mlp": mlp_case(),
    }


# ---------------------------------------------------------------------------
# losses.json: BCELoss and BCEWithLogitsLoss
# ---------------------------------------------------------------------------

def run_loss(seed, loss_fn, reduction, inp, target):
    """Forward + backward a loss; returns (loss, upstream, grad_input)."""
    torch.manual_seed(seed)
    x = inp.clone().requires_grad_()
    loss = loss_fn(x, target)
    up = torch.ones(()) if reduction != "none" else torch.randn_like(loss)
    loss.backward(up)
    return loss, up, x.grad


def bce_case(seed, name, reduction, inp, target, weight=None):
    fn = nn.BCELoss(weight=weight, reduction=reduction)
    loss, up, g = run_loss(seed, fn, reduction, inp, target)
    return {"name": name, "reduction": reduction, "input": T(inp),
            "target": T(target), "weight": opt_T(weight), "loss": T(loss),
            "upstream": T(up), "grad_input": T(g)}


def bce_logits_case(seed, name, reduction, inp, target, weight=None, pos_weight=None):
    fn = nn.BCEWithLogitsLoss(weight=weight, pos_weight=pos_weight, reduction=reduction)
    loss, up, g = run_loss(seed, fn, reduction, inp, target)
    return {"name": name, "reduction": reduction, "input": T(inp),
            "target": T(target), "weight": opt_T(weight),
            "pos_weight": opt_T(pos_weight), "loss": T(loss),
            "upstream": T(up), "grad_input": T(g)}


def bce_cases():
    cases = []
    seed = 300
    for red in ["none", "mean", "sum"]:
        torch.manual_seed(seed)
        inp = 0.02 + 0.96 * torch.rand(4, 3)
        tgt = torch.randint(0, 2, (4, 3)).float()
        w3 = 0.1 + 2.0 * torch.rand(3)
        w43 = 0.1 + 2.0 * torch.rand(4, 3)
        cases.append(bce_case(seed + 1, "basic", red, inp, tgt))
        cases.append(bce_case(seed + 2, "weight [3] broadcast", red, inp, tgt, w3))
        cases.append(bce_case(seed + 3, "weight [4,3]", red, inp, tgt, w43))
        seed += 10
    # Exact 0/1 probabilities: log is clamped at -100, grad denominator at 1e-12.
    edge_in = torch.tensor([0.0, 1.0, 0.0, 1.0])
    edge_tg = torch.tensor([1.0, 0.0, 0.0, 1.0])
    for red in ["mean", "none"]:
        cases.append(bce_case(seed, "input exactly 0/1", red, edge_in, edge_tg))
        seed += 1
    # Soft (non-binary) targets.
    torch.manual_seed(seed)
    inp = 0.02 + 0.96 * torch.rand(2, 3)
    tgt = torch.tensor([[0.3, 0.7, 0.5], [0.1, 0.9, 0.25]])
    for red in ["mean", "none"]:
        cases.append(bce_case(seed + 1, "soft targets", red, inp, tgt))
        seed += 2
    return cases


def bce_logits_cases():
    cases = []
    seed = 400
    for red in ["none", "mean", "sum"]:
        torch.manual_seed(seed)
        inp = torch.randn(5, 3) * 3
        tgt = torch.randint(0, 2, (5, 3)).float()
        w3 = 0.1 + 2.0 * torch.rand(3)
        w51 = 0.1 + 2.0 * torch.rand(5, 1)
        pw = torch.tensor([0.5, 1.0, 3.0])
        cases.append(bce_logits_case(seed + 1, "basic", red, inp, tgt))
        cases.append(bce_logits_case(seed + 2, "weight [3]", red, inp, tgt, weight=w3))
        cases.append(bce_logits_case(seed + 3, "pos_weight [3]", red, inp, tgt, pos_weight=pw))
        cases.append(bce_logits_case(seed + 4, "weight [5,1] + pos_weight [3]", red,
                                     inp, tgt, weight=w51, pos_weight=pw))
        seed += 10
    # Extreme logits must stay finite (log-sum-exp formulation).
    ext_in = torch.tensor([-1000.0, 1000.0, -1000.0, 1000.0, -50.0, 50.0])
    ext_tg = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    for red in ["mean", "none"]:
        cases.append(bce_logits_case(seed, "extreme logits", red, ext_in, ext_tg))
        cases.append(bce_logits_case(seed + 1, "extreme logits + pos_weight [1]", red,
                                     ext_in, ext_tg, pos_weight=torch.tensor([2.0])))
        seed += 2
    # Soft targets.
    torch.manual_seed(seed)
    inp = torch.randn(2, 3) * 2
    tgt = torch.tensor([[0.3, 0.7, 0.5], [0.1, 0.9, 0.25]])
    for red in ["mean", "none"]:
        cases.append(bce_logits_case(seed + 1, "soft targets", red, inp, tgt))
        cases.append(bce_logits_case(seed + 2, "soft targets + pos_weight [3]", red, inp,
                                     tgt, pos_weight=torch.tensor([0.5, 1.0, 3.0])))
        seed += 3
    return cases


def make_losses():
    return {"bce": bce_cases(), "bce_with_logits": bce_logits_cases()}


# ---------------------------------------------------------------------------
# optim.json: optimizer trajectories, grad clipping, LR schedulers
# ---------------------------------------------------------------------------

def optim_model():
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


SGD_DEFAULTS = {"lr": None, "momentum": 0.0, "dampening": 0.0,
                "weight_decay": 0.0, "nesterov": False}
ADAM_DEFAULTS = {"lr": None, "betas": [0.9, 0.999], "eps": 1e-8,
                 "weight_decay": 0.0, "amsgrad": False}
ADAMW_DEFAULTS = dict(ADAM_DEFAULTS, weight_decay=0.01)

OPTIM_CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def torch_options(options):
    kwargs = dict(options)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return kwargs


def train(model, opt, x, target, steps, after_step):
    """Full-batch BCEWithLogitsLoss steps; after_step(step) runs after each. Returns the losses."""
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        losses.append(finite_float(loss.item()))
        opt.step()
        after_step(step)
    return losses


def trajectory(init_state, x, target, name, overrides, steps=20):
    defaults = {"SGD": SGD_DEFAULTS, "Adam": ADAM_DEFAULTS, "AdamW": ADAMW_DEFAULTS}[name]
    options = dict(defaults, **overrides)
    model = optim_model()
    model.load_state_dict(init_state)
    opt = getattr(torch.optim, name)(model.parameters(), **torch_options(options))
    after_1 = {}
    losses = train(model, opt, x, target, steps,
                   lambda step: step == 0 and after_1.update(params_of(model)))
    return {"optimizer": name, "options": options, "losses": losses,
            "final_params": params_of(model), "params_after_step_1": after_1}


def clip_norm_case(grads, max_norm, norm_type):
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    nt = float("inf") if norm_type == "inf" else norm_type
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type=nt)
    return {"grads": [T(g) for g in grads], "max_norm": max_norm,
            "norm_type": norm_type, "total_norm": finite_float(total.item()),
            "clipped": [T(p.grad) for p in params]}


def clip_cases():
    torch.manual_seed(500)
    grads = [torch.randn(3, 2), torch.randn(2), torch.randn(4)]
    norm = [clip_norm_case(grads, 1.0, 2.0),
            clip_norm_case(grads, 100.0, 2.0),
            clip_norm_case(grads, 0.5, "inf")]
    torch.manual_seed(501)
    vgrads = [torch.randn(3, 2), torch.randn(4)]
    vparams = [torch.zeros_like(g, requires_grad=True) for g in vgrads]
    for p, g in zip(vparams, vgrads):
        p.grad = g.clone()
    nn.utils.clip_grad_value_(vparams, 0.5)
    value = {"grads": [T(g) for g in vgrads], "clip_value": 0.5,
             "clipped": [T(p.grad) for p in vparams]}
    return norm, value


def scheduler_lrs(make_sched, lr, epochs):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make_sched(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(finite_float(opt.param_groups[0]["lr"]))
        opt.step()
        sched.step()
    return lrs


GROUP_CONFIGS = [
    # (optimizer, defaults, options of the bias group): weights first, then biases.
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}, {"weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01}, {}),
    ("Adam", {"lr": 0.01}, {"lr": 0.03, "betas": [0.8, 0.99], "amsgrad": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9},
     {"lr": 0.1, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01}),
]


def packed_state_dict(opt):
    """opt.state_dict() with tensors encoded; step stored as an integer, as xtgrad does."""
    sd = opt.state_dict()
    state = {}
    for k, entry in sd["state"].items():
        out = {}
        for key, v in entry.items():
            if key == "step":
                out[key] = int(v.item())
            else:
                out[key] = None if v is None else T(v)
        state[str(k)] = out
    groups = []
    keep = {"lr", "betas", "eps", "weight_decay", "amsgrad", "momentum", "dampening",
            "nesterov", "params", "initial_lr"}
    for g in sd["param_groups"]:
        groups.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k in keep})
    return {"state": state, "param_groups": groups}


def group_trajectory(init_state, x, target, name, defaults, bias_options, steps=20):
    """Two parameter groups: the weights with the defaults, the biases with bias_options."""
    model = optim_model()
    model.load_state_dict(init_state)
    named = dict(model.named_parameters())
    weights = [k for k in named if k.endswith("weight")]
    biases = [k for k in named if k.endswith("bias")]
    groups = [{"params": [named[k] for k in weights]},
              dict(torch_options(bias_options), params=[named[k] for k in biases])]
    opt = getattr(torch.optim, name)(groups, **torch_options(defaults))
    state_after_3 = {}
    losses = train(model, opt, x, target, steps,
                   lambda step: step == 2 and state_after_3.update(packed_state_dict(opt)))
    return {"optimizer": name, "defaults": defaults, "bias_options": bias_options,
            "groups": [weights, biases], "losses": losses, "final_params": params_of(model),
            "state_dict_after_3": state_after_3}


def make_optim():
    torch.manual_seed(0)
    model = optim_model()
    init_state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(1)
    x = torch.randn(16, 2)
    target = (x[:, 0] * x[:, 1] > 0).float().reshape(16, 1)
    trajs = [trajectory(init_state, x, target, n, o) for n, o in OPTIM_CONFIGS]
    groups = [group_trajectory(init_state, x, target, *cfg) for cfg in GROUP_CONFIGS]
    clip_norm, clip_value = clip_cases()
    sl = torch.optim.lr_scheduler
    schedulers = {
        "StepLR": {"lr": 0.1, "step_size": 3, "gamma": 0.5,
                   "lrs": scheduler_lrs(lambda o: sl.StepLR(o, step_size=3, gamma=0.5),
                                        0.1, 12)},
        "CosineAnnealingLR": {"lr": 0.1, "T_max": 10, "eta_min": 0.001,
                              "lrs": scheduler_lrs(
                                  lambda o: sl.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                                  0.1, 25)},
    }
    return {"model": {"layers": ["Linear(2,8)", "Tanh", "Linear(8,1)"],
                      "loss": "BCEWithLogitsLoss(mean)"},
            "params": {k: T(v) for k, v in init_state.items()},
            "input": T(x), "target": T(target),
            "trajectories": trajs, "param_groups": groups, "clip_grad_norm": clip_norm,
            "clip_grad_value": clip_value, "schedulers": schedulers}


# ---------------------------------------------------------------------------
# schedulers.json: every scheduler's lr (and momentum) sequence over 60 epochs,
# on optimizers with two parameter groups of different lrs
# ---------------------------------------------------------------------------

SCHEDULER_EPOCHS = 60

SCHEDULER_CASES = [
    # (name, optimizer, group lrs, scheduler specs stepped together each epoch, metrics)
    ("StepLR", "SGD", [0.1, 0.01], [{"type": "StepLR", "step_size": 7, "gamma": 0.5}]),
    ("MultiStepLR, a repeated milestone", "SGD", [0.1, 0.01],
     [{"type": "MultiStepLR", "milestones": [5, 12, 12, 30], "gamma": 0.3}]),
    ("ExponentialLR", "SGD", [0.1, 0.02], [{"type": "ExponentialLR", "gamma": 0.95}]),
    ("LinearLR warm-up", "SGD", [0.1, 0.01],
     [{"type": "LinearLR", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 10}]),
    ("LinearLR decay", "SGD", [0.1, 0.01],
     [{"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 40}]),
    ("CosineAnnealingLR, three half-cycles", "SGD", [0.1, 0.01],
     [{"type": "CosineAnnealingLR", "T_max": 20, "eta_min": 0.001}]),
    ("StepLR and ExponentialLR chained", "SGD", [0.1, 0.05],
     [{"type": "StepLR", "step_size": 5, "gamma": 0.5}, {"type": "ExponentialLR", "gamma": 0.98}]),
    ("SequentialLR: LinearLR then CosineAnnealingLR", "SGD", [0.1, 0.01],
     [{"type": "SequentialLR", "milestones": [5], "schedulers": [
         {"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
         {"type": "CosineAnnealingLR", "T_max": 55, "eta_min": 0.0001}]}]),
    ("SequentialLR: three schedulers", "SGD", [0.1, 0.02],
     [{"type": "SequentialLR", "milestones": [4, 20], "schedulers": [
         {"type": "LinearLR", "start_factor": 0.5, "total_iters": 8},
         {"type": "ExponentialLR", "gamma": 0.9},
         {"type": "StepLR", "step_size": 6, "gamma": 0.5}]}]),
    ("OneCycleLR cos, SGD momentum", "SGD", [0.1, 0.01],
     [{"type": "OneCycleLR", "max_lr": [0.5, 0.1], "total_steps": 60}]),
    ("OneCycleLR linear three-phase, Adam beta1", "Adam", [0.01, 0.001],
     [{"type": "OneCycleLR", "max_lr": 0.02, "total_steps": 60, "anneal_strategy": "linear",
       "three_phase": True, "pct_start": 0.25, "base_momentum": [0.8, 0.85],
       "max_momentum": 0.95, "div_factor": 10.0, "final_div_factor": 100.0}]),
    ("OneCycleLR without momentum cycling", "Adam", [0.01, 0.001],
     [{"type": "OneCycleLR", "max_lr": [0.02, 0.01], "epochs": 6, "steps_per_epoch": 10,
       "cycle_momentum": False}]),
    ("ReduceLROnPlateau min rel, patience, cooldown, min_lr", "SGD", [0.1, 0.05],
     [{"type": "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 3,
       "threshold": 0.05, "threshold_mode": "rel", "cooldown": 2, "min_lr": [0.002, 0.01]}]),
    ("ReduceLROnPlateau max abs, eps", "SGD", [0.1, 0.05],
     [{"type": "ReduceLROnPlateau", "mode": "max", "factor": 0.3, "patience": 2,
       "threshold": 0.01, "threshold_mode": "abs", "cooldown": 0, "min_lr": 0.001,
       "eps": 0.004}]),
]


def build_scheduler(opt, spec):
    sl = torch.optim.lr_scheduler
    args = {k: v for k, v in spec.items() if k != "type"}
    if spec["type"] == "SequentialLR":
        subs = [build_scheduler(opt, sub) for sub in args["schedulers"]]
        return sl.SequentialLR(opt, subs, args["milestones"])
    return getattr(sl, spec["type"])(opt, **args)


def plateau_metrics(mode):
    """Improves fast, then slowly (below the threshold), then plateaus with noise."""
    torch.manual_seed(700)
    noise = torch.rand(SCHEDULER_EPOCHS).tolist()
    out = []
    for t in range(SCHEDULER_EPOCHS):
        m = 1.0 / (1.0 + t / 4.0) + 0.02 * noise[t]
        out.append(m if mode == "min" else 1.0 - m)
    return out


def scheduler_state(sched):
    """The plain-number entries of a scheduler's state_dict (the layout xtgrad keeps)."""
    keep = {}
    for k, v in sched.state_dict().items():
        if isinstance(v, bool) or not isinstance(v, (int, float, list)):
            continue
        if isinstance(v, float) and not math.isfinite(v):
            continue
        if isinstance(v, list) and not all(isinstance(x, (int, float)) for x in v):
            continue
        keep[k] = v
    return keep


def scheduler_case(name, optimizer, group_lrs, specs):
    params = [torch.zeros(1, requires_grad=True) for _ in group_lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, group_lrs)]
    if optimizer == "SGD":
        opt = torch.optim.SGD(groups, lr=group_lrs[0], momentum=0.9)
    else:
        opt = torch.optim.Adam(groups, lr=group_lrs[0])
    scheds = [build_scheduler(opt, spec) for spec in specs]
    plateau = specs[0]["type"] == "ReduceLROnPlateau"
    metrics = plateau_metrics(specs[0]["mode"]) if plateau else None
    lrs, momentums, last_lrs = [], [], []
    for epoch in range(SCHEDULER_EPOCHS):
        lrs.append([finite_float(g["lr"]) for g in opt.param_groups])
        momentums.append([finite_float(g["momentum"] if "momentum" in g else g["betas"][0])
                          for g in opt.param_groups])
        opt.step()
        for sched in scheds:
            sched.step(metrics[epoch]) if plateau else sched.step()
        last_lrs.append([finite_float(lr) for lr in scheds[-1]._last_lr])
    case = {"name": name, "optimizer": optimizer, "group_lrs": group_lrs, "schedulers": specs,
            "lrs": lrs, "momentums": momentums, "last_lrs": last_lrs,
            "state_dict_end": scheduler_state(scheds[-1])}
    if plateau:
        case["metrics"] = metrics
    return case


def make_schedulers():
    return {"epochs": SCHEDULER_EPOCHS,
            "cases": [scheduler_case(*c) for c in SCHEDULER_CASES]}


# ---------------------------------------------------------------------------
# lstm.json: LSTMCell, LSTM (multi-layer, batch_first, initial state), and a
# small LSTM -> Linear classifier trained with BCEWithLogitsLoss
# ---------------------------------------------------------------------------

class LSTMClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)
    def forward(self, x):            # x: [B, T, input_size]
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])  # [B, 1] logits from the last time step


def lstm_cell_case(seed, input_size, hidden_size, bias, batch=2):
    torch.manual_seed(seed)
    cell = nn.LSTMCell(input_size, hidden_size, bias=bias)
    x = torch.randn(batch, input_size).requires_grad_()
    h0 = torch.randn(batch, hidden_size).requires_grad_()
    c0 = torch.randn(batch, hidden_size).requires_grad_()
    h1, c1 = cell(x, (h0, c0))
    up_h = torch.randn_like(h1)
    up_c = torch.randn_like(c1)
    torch.autograd.backward([h1, c1], [up_h, up_c])
    return {"input_size": input_size, "hidden_size": hidden_size, "bias": bias,
            "params": params_of(cell), "input": T(x), "h0": T(h0), "c0": T(c0),
            "h1": T(h1), "c1": T(c1), "upstream_h": T(up_h), "upstream_c": T(up_c),
            "grad_input": T(x.grad), "grad_h0": T(h0.grad), "grad_c0": T(c0.grad),
            "grads": grads_of(cell)}


def lstm_case(seed, num_layers, batch_first, with_state,
              input_size=3, hidden_size=5, seq_len=4, batch=2):
    torch.manual_seed(seed)
    lstm = nn.LSTM(input_size, hidden_size, num_layers, bias=True,
                   batch_first=batch_first)
    in_shape = (batch, seq_len, input_size) if batch_first else (seq_len, batch, input_size)
    x = torch.randn(*in_shape).requires_grad_()
    h0 = c0 = None
    if with_state:
        h0 = torch.randn(num_layers, batch, hidden_size).requires_grad_()
        c0 = torch.randn(num_layers, batch, hidden_size).requires_grad_()
        output, (h_n, c_n) = lstm(x, (h0, c0))
    else:
        output, (h_n, c_n) = lstm(x)
    up_out = torch.randn_like(output)
    up_h = torch.randn_like(h_n)
    up_c = torch.randn_like(c_n)
    torch.autograd.backward([output, h_n, c_n], [up_out, up_h, up_c])
    return {"input_size": input_size, "hidden_size": hidden_size,
            "num_layers": num_layers, "batch_first": batch_first,
            "params": params_of(lstm), "input": T(x), "h0": opt_T(h0), "c0": opt_T(c0),
            "output": T(output), "h_n": T(h_n), "c_n": T(c_n),
            "upstream_output": T(up_out), "upstream_h_n": T(up_h),
            "upstream_c_n": T(up_c), "grad_input": T(x.grad),
            "grad_h0": None if h0 is None else T(h0.grad),
            "grad_c0": None if c0 is None else T(c0.grad),
            "grads": grads_of(lstm)}


def lstm_classifier_case(seed, num_layers, input_size=3, hidden_size=6,
                         seq_len=5, batch=4):
    torch.manual_seed(seed)
    model = LSTMClassifier(input_size, hidden_size, num_layers)
    x = torch.randn(batch, seq_len, input_size).requires_grad_()
    target = torch.randint(0, 2, (batch, 1)).float()
    hidden_states, _ = model.lstm(x)
    logits = model(x)
    assert torch.equal(logits, model.fc(hidden_states[:, -1, :]))
    loss = nn.BCEWithLogitsLoss()(logits, target)
    loss.backward()
    return {"input_size": input_size, "hidden_size": hidden_size,
            "num_layers": num_layers, "params": params_of(model), "input": T(x),
            "target": T(target), "logits": T(logits),
            "hidden_states": T(hidden_states), "loss": T(loss),
            "grads": grads_of(model), "grad_input": T(x.grad)}


def make_lstm():
    return {
        "cell": [lstm_cell_case(600 + i, 3, 4, b) for i, b in enumerate([True, False])],
        "lstm": [lstm_case(610 + i, *cfg) for i, cfg in
                 enumerate([(1, False, False), (2, False, True),
                            (1, True, True), (2, True, False)])],
        "classifier": [lstm_classifier_case(620 + i, L) for i, L in enumerate([1, 2])],
    }


# ---------------------------------------------------------------------------
# shapes.json: Linear on [*, in_features], torch.matmul's 1-D, 2-D and batched rules
# ---------------------------------------------------------------------------

def matmul_case(seed, a_shape, b_shape):
    torch.manual_seed(seed)
    a = torch.randn(*a_shape).requires_grad_()
    b = torch.randn(*b_shape).requires_grad_()
    y = torch.matmul(a, b)
    up = torch.randn_like(y)
    y.backward(up)
    return {"a": T(a), "b": T(b), "output": T(y), "upstream": T(up),
            "grad_a": T(a.grad), "grad_b": T(b.grad)}


def make_shapes():
    linear_cfgs = [(4, 3, True, (2, 5)), (4, 3, False, (2, 5)),
                   (3, 2, True, (2, 3, 4)), (3, 2, False, (2, 3, 4)),
                   (5, 4, True, ())]
    matmul_shapes = [
        ([4], [4]),                  # dot product -> 0-d
        ([3, 4], [4, 5]),
        ([4], [4, 5]),               # 1-D @ 2-D: a row, dropped
        ([3, 4], [4]),               # 2-D @ 1-D: a column, dropped
        ([2, 3, 4], [4, 5]),         # batch @ one matrix (one GEMM)
        ([2, 3, 4], [1, 4, 5]),
        ([2, 3, 4], [2, 4, 5]),      # same batch
        ([2, 1, 3, 4], [5, 4, 6]),   # both broadcast -> [2, 5, 3, 6]
        ([3, 4], [2, 4, 5]),         # one matrix @ batch
        ([4], [2, 4, 5]),            # 1-D @ batch
        ([2, 3, 4], [4]),            # batch @ 1-D
    ]
    return {
        "linear": [linear_case(700 + i, in_f, out_f, bias, batch)
                   for i, (in_f, out_f, bias, batch) in enumerate(linear_cfgs)],
        "matmul": [matmul_case(720 + i, a, b) for i, (a, b) in enumerate(matmul_shapes)],
    }


# ---------------------------------------------------------------------------
# ops_losses.json: softmax family, reductions, selection, indexing and view
# ops; multi-class and regression losses; init gains; a 20-step trajectory
# ---------------------------------------------------------------------------

def op_case(name, fn, inputs, params=None, seed=0):
    """One op: float inputs require grad; integer ones are index tensors and bool ones
    conditions (both written as floats holding whole numbers, xtgrad's convention). Records the output (or the
    values of a (values, indices) pair plus the indices), a random upstream gradient and
    each input's gradient (null for index inputs)."""
    torch.manual_seed(seed)
    xs = [x.clone().requires_grad_() if x.is_floating_point() else x for x in inputs]
    out = fn(*xs)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    case = {"name": name, "params": params or {},
            "inputs": [T(x.float()) for x in xs],
            "no_grad": [not x.is_floating_point() for x in inputs]}
    if out.is_floating_point() and out.requires_grad:
        up = torch.randn_like(out)
        out.backward(up)
        case["upstream"] = T(up)
        case["grads"] = [T(x.grad) if x.is_floating_point() else None for x in xs]
    case["output"] = T(out.float())
    case["indices"] = None if indices is None else T(indices.float())
    return case


def ops_cases():
    torch.manual_seed(700)
    x45 = torch.randn(4, 5) * 2
    x45[1] = torch.tensor([1000.0, -1000.0, 999.0, 0.0, -5.0])     # extreme logits
    x45[2] = torch.tensor([-1000.0, -1000.0, -999.5, -1001.0, -1000.0])
    x234 = torch.randn(2, 3, 4)
    ties = torch.tensor([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-1.0, -4.0, -4.0, 5.0]])
    idx = lambda *v: torch.tensor(v, dtype=torch.int64)
    c = []
    for dim in [1, 0, -1]:
        c.append(op_case("softmax", lambda x: torch.softmax(x, dim), [x45], {"dim": dim}, 701))
        c.append(op_case("log_softmax", lambda x: torch.log_softmax(x, dim), [x45], {"dim": dim}, 702))
        for keep in [False, True]:
            c.append(op_case("logsumexp", lambda x: torch.logsumexp(x, dim, keep), [x45],
                             {"dim": dim, "keepdim": keep}, 703))
    c.append(op_case("softmax", lambda x: torch.softmax(x, 1), [x234], {"dim": 1}, 704))
    c.append(op_case("log_softmax", lambda x: torch.log_softmax(x, 0), [x234], {"dim": 0}, 705))
    for dim, keep in [(1, False), (0, True), (-1, False)]:
        p = {"dim": dim, "keepdim": keep}
        c.append(op_case("max_with_indices", lambda x: tuple(torch.max(x, dim, keep)), [ties], p, 706))
        c.append(op_case("min_with_indices", lambda x: tuple(torch.min(x, dim, keep)), [ties], p, 707))
        c.append(op_case("argmax", lambda x: torch.argmax(x, dim, keep), [ties], p, 708))
        c.append(op_case("argmin", lambda x: torch.argmin(x, dim, keep), [ties], p, 709))
    for dims, keep in [([0, 2], False), ([1], True), ([-1, 0], True), ([0, 1, 2], False)]:
        p = {"dims": dims, "keepdim": keep}
        c.append(op_case("sum", lambda x: torch.sum(x, dims, keep), [x234], p, 710))
        c.append(op_case("mean", lambda x: torch.mean(x, dims, keep), [x234], p, 711))
        for corr in [0, 1, 2]:
            q = dict(p, correction=corr)
            c.append(op_case("var", lambda x: torch.var(x, dims, correction=corr, keepdim=keep), [x234], q, 712))
            c.append(op_case("std", lambda x: torch.std(x, dims, correction=corr, keepdim=keep), [x234], q, 713))
    torch.manual_seed(720)
    a, b = torch.randn(3, 4), torch.randn(4)
    b[1] = a[0, 1]                       # a tie: each side gets half
    cond = (torch.randn(3, 1) > 0).float()
    c.append(op_case("where", torch.where, [cond.bool(), a, b], {}, 721))
    c.append(op_case("maximum", torch.maximum, [a, b], {}, 722))
    c.append(op_case("minimum", torch.minimum, [a, b], {}, 723))
    low, high = torch.full((4,), -0.5), torch.tensor([[0.5], [0.2], [-1.0]])
    c.append(op_case("clamp", lambda x, lo, hi: torch.clamp(x, lo, hi), [a, low, high], {}, 724))
    c.append(op_case("unsqueeze", lambda x: x.unsqueeze(-1), [a], {"dim": -1}, 725))
    c.append(op_case("squeeze", lambda x: x.squeeze(1), [torch.randn(2, 1, 3)], {"dim": 1}, 726))
    c.append(op_case("permute", lambda x: x.permute(2, 0, 1), [x234], {"dims": [2, 0, 1]}, 727))
    c.append(op_case("transpose", lambda x: x.transpose(0, 2), [x234], {"dim0": 0, "dim1": 2}, 728))
    c.append(op_case("flatten", lambda x: x.flatten(1, 2), [x234], {"start": 1, "end": 2}, 729))
    c.append(op_case("expand", lambda x: x.expand(2, 3, 4), [torch.randn(3, 1)], {"shape": [2, -1, 4]}, 730))
    c.append(op_case("index_select", lambda x, i: torch.index_select(x, 1, i), [x234, idx(2, 0, 2, 2)],
                     {"dim": 1}, 731))
    gi = torch.tensor([[[0, 2], [1, 1]], [[2, 2], [0, 1]]])
    c.append(op_case("gather", lambda x, i: torch.gather(x, 1, i), [x234, gi], {"dim": 1}, 732))
    c.append(op_case("embedding", lambda i, w: F.embedding(i, w), [idx(1, 4, 1, 0, 1).reshape(5, 1), torch.randn(6, 3)],
                     {}, 733))
    return c


def class_loss_case(seed, name, kind, inp, target, reduction, **opts):
    torch.manual_seed(seed)
    x = inp.clone().requires_grad_()
    fn = {"cross_entropy": F.cross_entropy, "nll_loss": F.nll_loss}[kind]
    loss = fn(x, target, reduction=reduction, **opts)
    up = torch.ones(()) if reduction != "none" else torch.randn_like(loss)
    loss.backward(up)
    w = opts.get("weight")
    return {"name": name, "loss_fn": kind, "reduction": reduction, "input": T(inp),
            "target": T(target.float()), "weight": opt_T(w),
            "ignore_index": opts.get("ignore_index", -100),
            "label_smoothing": opts.get("label_smoothing", 0.0),
            "loss": T(loss), "upstream": T(up), "grad_input": T(x.grad)}


def class_loss_cases():
    torch.manual_seed(800)
    x = torch.randn(6, 4) * 2
    x[0] = torch.tensor([1000.0, -1000.0, 0.0, 999.0])          # extreme logits
    x[1] = torch.tensor([-1000.0, -1000.0, -1000.0, -999.0])
    t = torch.tensor([3, 1, 0, 2, 2, 1])
    t_ign = torch.tensor([3, 1, -100, 2, 2, 1])
    t_ign2 = torch.tensor([3, 2, 0, 2, 2, 2])
    w = torch.tensor([0.5, 2.0, 1.0, 3.0])
    probs = torch.softmax(torch.randn(6, 4), 1)
    x3 = torch.randn(2, 3, 4)                                      # [N, C, d1]
    t3 = torch.tensor([[0, 2, 1, 1], [2, 2, 0, -100]])
    logp = torch.log_softmax(torch.randn(6, 4), 1)
    cases, seed = [], 810
    variants = [
        ("plain", x, t, {}),
        ("weight", x, t, {"weight": w}),
        ("ignore_index -100", x, t_ign, {}),
        ("ignore_index 2 + weight", x, t_ign2, {"weight": w, "ignore_index": 2}),
        ("label_smoothing 0.2", x, t, {"label_smoothing": 0.2}),
        ("label_smoothing + weight", x, t, {"label_smoothing": 0.3, "weight": w}),
        ("label_smoothing + weight + ignore", x, t_ign, {"label_smoothing": 0.1, "weight": w}),
        ("label_smoothing + ignore", x, t_ign, {"label_smoothing": 0.3}),
        ("probabilities", x, probs, {}),
        ("probabilities + weight + smoothing", x, probs, {"weight": w, "label_smoothing": 0.25}),
        ("[N, C, d1] + ignore + smoothing", x3, t3, {"label_smoothing": 0.1}),
        ("[N, C, d1] + weight", x3, t3, {"weight": torch.tensor([1.0, 0.2, 3.0])}),
    ]
    for red in ["mean", "sum", "none"]:
        for name, inp, tgt, opts in variants:
            cases.append(class_loss_case(seed, name, "cross_entropy", inp, tgt, red, **opts))
            seed += 1
        for name, tgt, opts in [("plain", t, {}), ("weight + ignore 2", t_ign2, {"weight": w, "ignore_index": 2}),
                                ("ignore -100", t_ign, {})]:
            cases.append(class_loss_case(seed, name, "nll_loss", logp, tgt, red, **opts))
            seed += 1
    return cases


def regression_cases():
    torch.manual_seed(900)
    x = torch.randn(4, 3) * 2
    y = torch.randn(4, 3) * 2
    y[0, 0] = x[0, 0]                                              # d = 0 exactly
    y[1, 1] = x[1, 1] - 1.0                                        # d = β exactly
    cases, seed = [], 910
    fns = [("mse_loss", {}, F.mse_loss), ("l1_loss", {}, F.l1_loss),
           ("smooth_l1_loss", {"beta": 1.0}, F.smooth_l1_loss),
           ("smooth_l1_loss", {"beta": 0.5}, F.smooth_l1_loss),
           ("smooth_l1_loss", {"beta": 0.0}, F.smooth_l1_loss),
           ("huber_loss", {"delta": 1.0}, F.huber_loss), ("huber_loss", {"delta": 2.5}, F.huber_loss)]
    for red in ["mean", "sum", "none"]:
        for name, opts, fn in fns:
            torch.manual_seed(seed)
            xi, yi = x.clone().requires_grad_(), y.clone().requires_grad_()
            loss = fn(xi, yi, reduction=red, **opts)
            up = torch.ones(()) if red != "none" else torch.randn_like(loss)
            loss.backward(up)
            cases.append({"name": name, "params": opts, "reduction": red, "input": T(x), "target": T(y),
                          "loss": T(loss), "upstream": T(up), "grad_input": T(xi.grad),
                          "grad_target": T(yi.grad)})
            seed += 1
    return cases


def init_facts():
    gains = [[n, p, finite_float(nn.init.calculate_gain(n, p))] for n, p in
             [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
              ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]]
    fans = []
    for shape in [[5, 3], [4, 3, 2], [6, 2, 3, 5]]:
        fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
        fans.append({"shape": shape, "fan_in": fi, "fan_out": fo})
    return {"gains": gains, "fans": fans}


def ce_trajectory(steps=20, lr=0.1):
    torch.manual_seed(950)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    init = params_of(model)
    x = torch.randn(24, 4)
    target = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()          # classes 0, 1, 2
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 0.5, 2.0]), label_smoothing=0.1)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        losses.append(finite_float(loss.item()))
        opt.step()
    return {"layers": ["Linear(4,8)", "Tanh", "Linear(8,3)"], "lr": lr, "weight": [1.0, 0.5, 2.0],
            "label_smoothing": 0.1, "params": init, "input": T(x), "target": T(target.float()),
            "losses": losses, "final_params": params_of(model)}


def make_ops_losses():
    return {"ops": ops_cases(), "class_losses": class_loss_cases(),
            "regression_losses": regression_cases(), "init": init_facts(),
            "trajectory": ce_trajectory()}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def write_json(filename, groups):
    doc = {"generator": GENERATOR, "torch_version": torch.__version__}
    doc.update(groups)
    text = json.dumps(doc, indent=None, separators=(",", ":"), allow_nan=False) + "\n"
    assert len(text.encode()) < MAX_BYTES, (filename, len(text))
    os.makedirs(OUT_DIR, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + filename, suffix=".tmp", dir=OUT_DIR)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, os.path.join(OUT_DIR, filename))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print("wrote %s (%d bytes)" % (os.path.join("tests", "fixtures", filename), len(text)))


FIXTURES = [
    ("layers.json", make_layers),
    ("losses.json", make_losses),
    ("optim.json", make_optim),
    ("lstm.json", make_lstm),
    ("shapes.json", make_shapes),
    ("schedulers.json", make_schedulers),
    ("ops_losses.json", make_ops_losses),
]


def main():
    """Writes every fixture file, or only those named on the command line."""
    import sys
    torch.set_default_dtype(torch.float32)
    wanted = set(sys.argv[1:])
    for filename, make in FIXTURES:
        if not wanted or filename in wanted:
            write_json(filename, make())


if __name__ == "__main__":
    main()
