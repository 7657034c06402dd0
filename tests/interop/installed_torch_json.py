#!/usr/bin/env python3
"""The converter as installed: `cmake --install --component python` into a fresh prefix, then
the module imports from <prefix>/share/xtgrad/python as the guide says and converts a model both
ways, and <prefix>/bin/xtgrad-torch-json runs.

Usage (CTest, Debian's interpreter): installed_torch_json.py CMAKE BUILD_DIR PREFIX
Exit code 0 if it all works, 1 otherwise, 77 (skipped) without PyTorch.
"""

import os
import shutil
import subprocess
import sys


def main(cmake, build_dir, prefix):
    try:
        import torch
    except ImportError:
        print("skipped: python3-torch is not installed (apt-get install python3-torch)")
        return 77
    shutil.rmtree(prefix, ignore_errors=True)
    subprocess.run([cmake, "--install", build_dir, "--component", "python", "--prefix", prefix], check=True,
                   stdout=subprocess.DEVNULL)
    sys.path.insert(0, os.path.join(prefix, "share", "xtgrad", "python"))
    import torch_json
    if not torch_json.__file__.startswith(prefix):
        print(f"FAILED: imported {torch_json.__file__}, not the installed module under {prefix}")
        return 1
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    path = os.path.join(prefix, "mlp.json")
    torch_json.to_xtgrad(model, path)
    back, _ = torch_json.from_xtgrad(path)
    x = torch.randn(5, 3)
    if not torch.equal(model(x), back(x)):
        print("FAILED: the model read back from the installed converter's file computes other values")
        return 1
    command = subprocess.run([os.path.join(prefix, "bin", "xtgrad-torch-json"), "--help"], capture_output=True,
                             text=True)
    if command.returncode != 0 or "to-xtgrad" not in command.stdout:
        print(f"FAILED: xtgrad-torch-json --help exited {command.returncode}:\n{command.stdout}{command.stderr}")
        return 1
    print(f"ok: {torch_json.__file__} imports and round-trips a Sequential; bin/xtgrad-torch-json runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
