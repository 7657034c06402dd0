#!/usr/bin/env python3
"""PyTorch loads models that xtgrad exported: the same state_dict and the same probabilities.

Run by CTest, with Debian's interpreter (the one python3-torch installs into):

    /usr/bin/python3 tests/interop/torch_reads_xtgrad.py --exporter PATH --workdir DIR

Removes stale *.json, *_inputs.csv and *_probs.csv files from DIR, runs `PATH DIR`, which
writes for each model NAME the files NAME.json (xtgrad weights), NAME_inputs.csv (rows of raw
features, no header) and NAME_probs.csv (one probability per line, as xtgrad computed it);
then loads every NAME.json with tools/torch_json.py and checks that the module's state_dict
is the file's "parameters" (keys, order, shapes and values: buffers included) and that PyTorch's
probabilities are within 1e-5 of xtgrad's. A model whose output is no probability (a GRU, a
bidirectional LSTM, a cell, an Embedding) has no
CSV files: its metadata.check_output holds an input batch and xtgrad's output for it. A user's own module (TestOuter, with buffers) is
converted through the PyTorch twin that tests/interop/user_modules.py registers. Exit code 0
if all models pass (at least one), 1 otherwise, and 77 (skipped) when PyTorch is not installed.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

TOLERANCE = 1e-5
SKIP = 77
TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")


def read_rows(path):
    """A CSV file of numbers as a list of equal-length rows; ValueError naming file and line."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append([float(cell) for cell in line.strip().split(",")])
            except ValueError:
                raise ValueError(f"{path}:{number}: not a row of numbers: {line.strip()!r}") from None
            if len(rows[-1]) != len(rows[0]):
                raise ValueError(f"{path}:{number}: {len(rows[-1])} values, line 1 has {len(rows[0])}")
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def check_state(model, json_path, torch):
    """None when the module's state_dict is the file's "parameters" to the bit, else what differs."""
    with open(json_path, encoding="utf-8") as f:
        stored = json.load(f)["parameters"]
    state = model.state_dict()
    if list(state) != list(stored):
        return f"state_dict keys {list(state)}, the file has {list(stored)}"
    for name, tensor in state.items():
        data = torch.tensor(stored[name]["data"], dtype=torch.float32)  # as xtgrad reads it: to the bit
        # (an int64 buffer, BatchNorm's num_batches_tracked, compared as the float32 it was stored as)
        if list(tensor.shape) != stored[name]["shape"] or not torch.equal(tensor.reshape(-1).to(torch.float32), data):
            return f"state_dict['{name}'] differs from the file's"
    return None


def check_sequence_model(model, check, torch):
    """A recurrent module's whole output for metadata.check_output's input, against xtgrad's."""
    tensor = lambda t: torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"])  # noqa: E731
    x = tensor(check["input"])
    if isinstance(model, torch.nn.Embedding):  # token ids, which the file holds as floats
        x = x.long()
    with torch.no_grad():
        out = model(x)
    out = out[0] if isinstance(out, tuple) else out
    expected = tensor(check["output"])
    if out.shape != expected.shape:
        return False, f"output of shape {list(out.shape)}, xtgrad's is {list(expected.shape)}"
    diff = float((out - expected).abs().max())
    return diff <= TOLERANCE, f"{type(model).__name__}, output {list(out.shape)}, max |difference| {diff:.3g}"


def check_model(json_path, torch, torch_json):
    """(passed, message) for one exported model."""
    stem = json_path[:-len(".json")]
    model, metadata = torch_json.from_xtgrad(json_path)
    problem = check_state(model, json_path, torch)
    if problem:
        return False, problem
    if "check_output" in metadata:
        return check_sequence_model(model, metadata["check_output"], torch)
    inputs, expected = read_rows(stem + "_inputs.csv"), read_rows(stem + "_probs.csv")
    if len(expected[0]) != 1:
        return False, f"{stem}_probs.csv has {len(expected[0])} values per line, expected 1"
    if len(inputs) != len(expected):
        return False, f"{len(inputs)} input rows but {len(expected)} probabilities"
    probs = torch_json.predict_proba(model, metadata, torch.tensor(inputs, dtype=torch.float64))
    diff = float((probs.double() - torch.tensor(expected, dtype=torch.float64).reshape(-1)).abs().max())
    message = (f"{type(model).__name__}, state_dict identical ({len(model.state_dict())} entries), {len(inputs)} rows, "
               f"max |difference| {diff:.3g}")
    return diff <= TOLERANCE, message  # False for NaN too


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exporter", required=True, help="program run as `EXPORTER WORKDIR`")
    parser.add_argument("--workdir", required=True, help="folder for the exported files")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("skipped: python3-torch is not installed (apt-get install python3-torch)")
        return SKIP
    sys.path.insert(0, TOOLS)
    import torch_json
    import user_modules  # beside this script
    user_modules.register()

    os.makedirs(args.workdir, exist_ok=True)
    for pattern in ("*.json", "*_inputs.csv", "*_probs.csv"):
        for stale in glob.glob(os.path.join(args.workdir, pattern)):
            os.remove(stale)
    try:
        run = subprocess.run([args.exporter, args.workdir], capture_output=True, text=True, timeout=600)
        failure = f"exit code {run.returncode}" if run.returncode else None
        output = run.stdout + run.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        failure, output = str(e), ""
    if failure:
        print(f"exporter {args.exporter} failed: {failure}\n{output}".rstrip())
        print("0 passed, 0 failed")
        return 1

    passed = failed = 0
    for path in sorted(glob.glob(os.path.join(args.workdir, "*.json"))):
        name = os.path.basename(path)[:-len(".json")]
        try:
            ok, message = check_model(path, torch, torch_json)
        except Exception as e:  # report it as this model's failure, and go on
            ok, message = False, f"{type(e).__name__}: {e}"
        print(f"{name}: {'ok' if ok else 'FAILED'}: {message}")
        passed, failed = passed + ok, failed + (not ok)
    if passed + failed == 0:
        print(f"the exporter wrote no *.json model into {args.workdir}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
