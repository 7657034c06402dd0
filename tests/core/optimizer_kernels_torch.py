"""PyTorch 1.13's numbers in tests/core/test_optimizer_kernels.cpp: Adam's and SGD's single-tensor
steps over 10 steps of the same inputs, as sequential float64 sums of each final tensor (a 1-ulp
change of any element changes them). Run with the Python that has torch: /usr/bin/python3."""
import torch

N, STEPS = 301, 10


def grid_value(k):
    """The test's grid_value: 12 random-looking bits, k/1024 in [-2, 2), exact in float."""
    h = (k * 2654435761) & 0xFFFFFFFF
    return ((h >> 20) - 2048) / 1024.0


def inputs():
    p = torch.tensor([grid_value(i) for i in range(N)], dtype=torch.float32)
    grads = [torch.tensor([grid_value(1000 * (t + 1) + i) for i in range(N)], dtype=torch.float32)
             for t in range(STEPS)]
    return p, grads


def total(t):
    s = 0.0
    for x in t.tolist():
        s += x
    return s


def run(make, state_keys):
    p, grads = inputs()
    p.requires_grad_(True)
    opt = make([p])
    for g in grads:
        p.grad = g.clone()
        opt.step()
    state = opt.state[p]
    return [total(p.detach())] + [total(state[k]) for k in state_keys]


assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_num_threads(1)
for name, kw in [("adam", {}), ("adam L2", {"weight_decay": 0.01}), ("adam amsgrad", {"amsgrad": True})]:
    sums = run(lambda ps: torch.optim.Adam(ps, lr=0.01, **kw),
               ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if kw.get("amsgrad") else []))
    print(name, " ".join("%.17g" % s for s in sums))
sums = run(lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.01), ["exp_avg", "exp_avg_sq"])
print("adamw", " ".join("%.17g" % s for s in sums))
for name, kw in [("sgd", {}), ("sgd L2", {"weight_decay": 0.01}), ("sgd momentum", {"momentum": 0.9}),
                 ("sgd dampening L2", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
                 ("sgd nesterov L2", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.001})]:
    sums = run(lambda ps: torch.optim.SGD(ps, lr=0.1, **kw), ["momentum_buffer"] if "momentum" in kw else [])
    print(name, " ".join("%.17g" % s for s in sums))
