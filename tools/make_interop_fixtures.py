#!/usr/bin/env python3
"""Train small models in PyTorch and save them as xtgrad weights files, for the C++ tests.

Needs python3-torch; run from anywhere with Debian's interpreter:

    /usr/bin/python3 tools/make_interop_fixtures.py [NAME.json ...]

Writes the named fixtures, or all of them, into tests/fixtures/: torch_trained_mlp.json,
torch_trained_lstm.json and torch_user_module.json (a user's own module with buffers, the
PyTorch twin of tests/support/user_modules.hpp's TestOuter). See torch_json.py for the
format. Each file's metadata holds "check": 16 rows of raw inputs and the probabilities
PyTorch predicts for them, which xtgrad's load_model must reproduce (1e-5). Seeds are fixed
and torch runs on one thread, so the output is deterministic for a given PyTorch build.

The committed torch_trained_mlp.json and torch_trained_lstm.json are version 1 files, written
before version 2: they stay so, to check that version 1 still reads. Rewriting them would
make them version 2.
"""

import os
import sys

import torch
import torch.nn as nn

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO_ROOT, "tools"), os.path.join(REPO_ROOT, "tests", "interop")]
import user_modules  # noqa: E402
from torch_json import LSTMClassifier, from_xtgrad, predict_proba, to_xtgrad  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "tests", "fixtures")
GENERATOR = "tools/make_interop_fixtures.py"
N_CHECK = 16


def train(model, x, y, steps, lr):
    """Full-batch Adam on BCEWithLogitsLoss; returns the metadata that says how it went."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x).reshape(-1), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        logits = model(x).reshape(-1)
        accuracy = ((logits > 0).float() == y).float().mean()
        return {"training": {"examples": len(x), "optimizer": "Adam", "lr": lr, "steps": steps,
                             "loss": "BCEWithLogitsLoss", "batch": "full"},
                "final_loss": float(loss_fn(logits, y)), "train_accuracy": float(accuracy)}


def floats(t):
    """A float32 tensor as (nested) Python floats, which JSON writes exactly."""
    assert t.dtype == torch.float32 and bool(torch.isfinite(t).all())
    return t.tolist()


def make_mlp():
    """4 raw features on different scales; label = z0*z1 + z2 > 0 on the unscaled ones, with 10%
    of the labels flipped so that the model stays uncertain (probabilities away from 0 and 1)."""
    scale = torch.tensor([2.0, 0.5, 3.0, 1.0])
    shift = torch.tensor([1.0, -3.0, 10.0, 0.0])
    torch.manual_seed(0)
    z = torch.randn(256, 4)
    x_raw = z * scale + shift
    y = (z[:, 0] * z[:, 1] + z[:, 2] > 0).float()
    y = torch.where(torch.rand(256) < 0.1, 1 - y, y)
    mean, std = x_raw.mean(0), x_raw.std(0, unbiased=False)

    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1))
    steps, lr = 200, 0.01
    trained = train(model, (x_raw - mean) / std, y, steps, lr)

    torch.manual_seed(2)
    z_check = torch.randn(N_CHECK, 4)
    z_check[-2:] *= 6  # far outside the training range: saturated units
    check = z_check * scale + shift
    check[-3] = mean  # standardizes to exactly zero
    metadata = {
        "about": "binary: z0*z1 + z2 > 0, z ~ N(0, 1), raw features x = z * [2, 0.5, 3, 1] + "
                "[1, -3, 10, 0], 10% of the training labels flipped; the model expects raw features (standardize is applied first)",
        "standardize": {"mean": floats(mean), "std": floats(std)},
        **trained,
    }
    return model, metadata, check


def make_lstm():
    """Sequences of 6 steps x 3 features; label = sum over time of feature 0 > 0."""
    torch.manual_seed(10)
    x = torch.randn(128, 6, 3)
    y = (x[:, :, 0].sum(1) > 0).float()

    torch.manual_seed(11)
    model = LSTMClassifier(3, 8, 2)
    steps, lr = 100, 0.02
    trained = train(model, x, y, steps, lr)

    torch.manual_seed(12)
    check = torch.randn(N_CHECK, 6, 3)
    check[-1] *= 5
    metadata = {
        "about": "binary: sum over the 6 time steps of feature 0 > 0, x ~ N(0, 1) [B, 6, 3]; "
                "each check input row is one sequence flattened step by step (18 values)",
        **trained,
    }
    return model, metadata, check.reshape(N_CHECK, -1)


def make_user_module():
    """TestOuter(3, 4): label = x0 - x1 > 0 with 15% of the labels flipped (probabilities away
    from 0 and 1); its buffers (block.scale, offset) are set away from their defaults, so xtgrad
    only matches if it loads them."""
    torch.manual_seed(20)
    x = torch.randn(128, 3)
    y = (x[:, 0] - x[:, 1] > 0).float()
    y = torch.where(torch.rand(128) < 0.15, 1 - y, y)

    torch.manual_seed(21)
    model = user_modules.TestOuter(3, 4)
    model.block.scale.copy_(torch.tensor([0.5, 1.5, 2.0, 3.0]))
    model.offset.fill_(-0.75)
    model.block.calls.fill_(7.0)  # not persistent: not in the file
    steps, lr = 40, 0.01
    trained = train(model, x, y, steps, lr)

    torch.manual_seed(22)
    check = torch.randn(N_CHECK, 3)
    metadata = {
        "about": "binary: x0 - x1 > 0, x ~ N(0, 1) [B, 3], 15% of the training labels flipped; a user's own module (TestOuter of "
                "tests/support/user_modules.hpp and tests/interop/user_modules.py) with buffers",
        **trained,
    }
    return model, metadata, check


FIXTURES = {"torch_trained_mlp.json": make_mlp, "torch_trained_lstm.json": make_lstm,
            "torch_user_module.json": make_user_module}


def write_fixture(name, model, metadata, check_inputs):
    probs = predict_proba(model, metadata, check_inputs)
    metadata = {"generator": GENERATOR, "trained_by": f"PyTorch {torch.__version__}", **metadata,
                "check": {"inputs": floats(check_inputs), "probabilities": floats(probs)}}
    path = os.path.join(OUT_DIR, name)
    to_xtgrad(model, path, metadata)

    # The file alone must reproduce the probabilities bit for bit.
    loaded, meta = from_xtgrad(path)
    again = predict_proba(loaded, meta, torch.tensor(meta["check"]["inputs"]))
    assert again.tolist() == meta["check"]["probabilities"], name
    print(f"{os.path.relpath(path, REPO_ROOT)}: {os.path.getsize(path)} bytes, "
          f"loss {metadata['final_loss']:.4f}, accuracy {metadata['train_accuracy']:.3f}, "
          f"probabilities {min(again):.4f}..{max(again):.4f}")


def main():
    names = sys.argv[1:] or list(FIXTURES)
    unknown = [n for n in names if n not in FIXTURES]
    if unknown:
        sys.exit(f"unknown fixture {', '.join(unknown)}; known: {', '.join(FIXTURES)}")
    torch.set_num_threads(1)
    user_modules.register()
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in names:
        write_fixture(name, *FIXTURES[name]())


if __name__ == "__main__":
    main()
