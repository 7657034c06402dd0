#!/usr/bin/env python3
"""PyTorch reproduces the digits and diabetes examples' predictions: each example runs briefly,
then `xtgrad predict` and tools/torch_json.py's `predict` (the file rebuilt in PyTorch, with
softmax for the multi-class file and the target scaling undone for the regression file) score
the example's test.csv, and must agree to 1e-5 (the predicted class exactly, where the top two
probabilities are not within 1e-5).

    /usr/bin/python3 tests/interop/examples_in_torch.py --digits D --diabetes D --xtgrad X --workdir W

Exit code 0 if all agree, 1 otherwise, 77 (skipped) without PyTorch.
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def rows_of(text):
    lines = text.strip().splitlines()
    return lines[0], [[float(v) for v in line.split(",")] for line in lines[1:]]


def compare(name, xtgrad_csv, torch_csv, multiclass):
    header_x, x = rows_of(xtgrad_csv)
    header_t, t = rows_of(torch_csv)
    if not (header_x == header_t):
        raise AssertionError(f"{name}: headers differ: {header_x!r} and {header_t!r}")
    if not (len(x) == len(t) > 0):
        raise AssertionError(f"{name}: {len(x)} and {len(t)} rows")
    worst = 0.0
    for i, (a, b) in enumerate(zip(x, t)):
        values_a, values_b = (a[:-1], b[:-1]) if multiclass else (a, b)
        for u, v in zip(values_a, values_b):
            worst = max(worst, abs(u - v) / max(1.0, abs(v)))
        if multiclass and a[-1] != b[-1]:
            top = sorted(values_b)[-2:]
            if not (top[1] - top[0] < 1e-5):
                raise AssertionError(f"{name}: row {i + 1}: class {a[-1]:.0f} against {b[-1]:.0f}")
    if not (worst <= 1e-5):
        raise AssertionError(f"{name}: largest difference {worst:.3g}")
    return f"{name}: {len(x)} rows, largest difference {worst:.2g}"


def main():
    try:
        import torch  # noqa: F401
    except ImportError:
        print("skipped: python3-torch is not installed (apt-get install python3-torch)")
        return SKIP
    parser = argparse.ArgumentParser()
    for flag in ("--digits", "--diabetes", "--xtgrad", "--workdir"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    tool = os.path.join(REPO, "tools", "torch_json.py")
    failed = 0
    for example, flags, models, multiclass in ((args.digits, ["--epochs", "3"], ["mlp.json", "logistic.json"], True),
                                               (args.diabetes, ["--epochs", "5"], ["mlp.json", "least_squares.json"], False)):
        out = os.path.join(args.workdir, os.path.basename(example))
        subprocess.run([example, *flags, "--quiet", "--out", out], check=True, stdout=subprocess.DEVNULL)
        test_csv = os.path.join(out, "test.csv")
        for model in models:
            path = os.path.join(out, model)
            ours = subprocess.run([args.xtgrad, "predict", "--model", path, "--input", test_csv, "--labels-last"],
                                  check=True, capture_output=True, text=True).stdout
            theirs = subprocess.run([sys.executable, tool, "predict", path, test_csv, "--header", "yes", "--labels-last"],
                                    check=True, capture_output=True, text=True).stdout
            name = f"{os.path.basename(example)}/{model}"
            try:
                print("ok:", compare(name, ours, theirs, multiclass))
            except AssertionError as e:
                print("FAILED:", e)
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
