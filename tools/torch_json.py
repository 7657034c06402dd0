#!/usr/bin/env python3
"""Convert models between PyTorch and xtgrad's JSON weights format (version 1).

Needs python3-torch, so run it with Debian's /usr/bin/python3:
    /usr/bin/python3 tools/torch_json.py to-xtgrad model.pt model.json [--arch '{...}']
    /usr/bin/python3 tools/torch_json.py to-torch model.json state_dict.pt
As a module: to_xtgrad(model, path, metadata), from_xtgrad(path_or_dict) -> (model, metadata)
and predict_proba(model, metadata, x), for nn.Sequential of Linear/ReLU/Tanh/Sigmoid and
LSTMClassifier below. Parameter names are the state_dict keys.
"""

import argparse
import json
import math
import os
import sys
import tempfile

import torch
import torch.nn as nn

FORMAT = "xtgrad-weights"
VERSION = 1
ACTIVATIONS = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid}


class LSTMClassifier(nn.Module):
    """LSTM (batch_first) then Linear(H, 1) on the last time step: one logit per sequence."""

    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def describe_architecture(model):
    """The "model" section for `model`; ValueError for anything xtgrad cannot rebuild."""
    if isinstance(model, nn.Sequential):
        layers = []
        for i, layer in enumerate(model):
            name = type(layer).__name__
            if type(layer) is nn.Linear:
                layers.append({"type": "Linear", "in_features": layer.in_features,
                               "out_features": layer.out_features, "bias": layer.bias is not None})
            elif type(layer) is ACTIVATIONS.get(name):
                layers.append({"type": name})
            else:
                raise ValueError(f"Sequential layer {i} is {name}; supported: Linear, ReLU, Tanh, Sigmoid")
        return {"type": "Sequential", "layers": layers}
    # By class name, so that an equal class defined elsewhere (a training script's) also works.
    if type(model).__name__ == "LSTMClassifier":
        lstm, fc = getattr(model, "lstm", None), getattr(model, "fc", None)
        if not (type(lstm) is nn.LSTM and lstm.batch_first and lstm.bias and not lstm.bidirectional
                and not lstm.proj_size and type(fc) is nn.Linear and fc.bias is not None
                and (fc.in_features, fc.out_features) == (lstm.hidden_size, 1)):
            raise ValueError("LSTMClassifier needs `lstm` = nn.LSTM(I, H, L, batch_first=True) "
                             "(with bias, unidirectional) and `fc` = nn.Linear(H, 1)")
        return {"type": "LSTMClassifier", "input_size": lstm.input_size,
                "hidden_size": lstm.hidden_size, "num_layers": lstm.num_layers}
    raise ValueError(f"unsupported model type {type(model).__name__}; "
                     "supported: nn.Sequential of Linear/ReLU/Tanh/Sigmoid, LSTMClassifier")


def _positive_int(d, key, where, default=None):
    v = d.get(key, default)
    if type(v) is not int or v <= 0:
        raise ValueError(f"{where}: '{key}' must be a positive integer, got {v!r}")
    return v


def expected_shapes(arch):
    """{state_dict key: shape} in state_dict order, from the architecture alone (nothing built)."""
    if not isinstance(arch, dict):
        raise ValueError("'model' must be an object")
    shapes = {}
    if arch.get("type") == "Sequential":
        layers = arch.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ValueError("model: 'layers' must be a non-empty list")
        width = None  # out_features of the previous Linear
        for i, layer in enumerate(layers):
            where, kind = f"model.layers[{i}]", layer.get("type") if isinstance(layer, dict) else None
            if kind == "Linear":
                n_in, n_out = (_positive_int(layer, k, where) for k in ("in_features", "out_features"))
                if width is not None and n_in != width:
                    raise ValueError(f"{where}: in_features {n_in} != previous out_features {width}")
                if type(layer.get("bias", True)) is not bool:
                    raise ValueError(f"{where}: 'bias' must be true or false")
                shapes[f"{i}.weight"], width = [n_out, n_in], n_out
                shapes.update({f"{i}.bias": [n_out]} if layer.get("bias", True) else {})
            elif kind not in ACTIVATIONS:
                raise ValueError(f"{where}: unknown layer type {kind!r}; known: Linear, ReLU, Tanh, Sigmoid")
        if width is None:
            raise ValueError("model: Sequential has no Linear layer")
    elif arch.get("type") == "LSTMClassifier":
        n_in, hidden = _positive_int(arch, "input_size", "model"), _positive_int(arch, "hidden_size", "model")
        for k in range(_positive_int(arch, "num_layers", "model", default=1)):
            shapes.update({f"lstm.weight_ih_l{k}": [4 * hidden, n_in if k == 0 else hidden],
                           f"lstm.weight_hh_l{k}": [4 * hidden, hidden],
                           f"lstm.bias_ih_l{k}": [4 * hidden], f"lstm.bias_hh_l{k}": [4 * hidden]})
        shapes.update({"fc.weight": [1, hidden], "fc.bias": [1]})
    else:
        raise ValueError(f"model: unknown type {arch.get('type')!r}; known: Sequential, LSTMClassifier")
    return shapes


def build_model(arch):
    """A fresh (randomly initialised) torch module for an architecture; ValueError if invalid."""
    expected_shapes(arch)
    if arch["type"] == "LSTMClassifier":
        return LSTMClassifier(arch["input_size"], arch["hidden_size"], arch.get("num_layers", 1))
    return nn.Sequential(*[
        nn.Linear(l["in_features"], l["out_features"], bias=l.get("bias", True)) if l["type"] == "Linear"
        else ACTIVATIONS[l["type"]]() for l in arch["layers"]])


def _dumps(doc):
    """JSON with one line per parameter and per metadata key: readable and diff-friendly."""
    def lines(d, indent, nest):
        return ",\n".join(f"{indent}{json.dumps(k)}: " + (
            "{\n" + lines(v, indent + "  ", False) + "\n" + indent + "}" if nest and isinstance(v, dict) and v
            else json.dumps(v, allow_nan=False)) for k, v in d.items())
    return "{\n" + lines(doc, "  ", True) + "\n}\n"


def atomic_write(path, write):
    """Calls write(file) on a temporary file next to `path`, then renames it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                               dir=os.path.dirname(os.path.abspath(path)))
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 -> what a plain new file would get
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def to_xtgrad(model, path=None, metadata=None):
    """The weights document for `model`; also written atomically to `path` when given."""
    arch, params = describe_architecture(model), {}
    for name, t in model.state_dict().items():
        t = t.detach().to("cpu", torch.float32)
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"parameter '{name}' has a non-finite value")
        # float32 -> Python float is exact, and json writes doubles so that they parse back exactly.
        params[name] = {"shape": list(t.shape), "dtype": "float32", "data": t.reshape(-1).tolist()}
    doc = {"format": FORMAT, "version": VERSION, "model": arch, "parameters": params,
           "metadata": dict(metadata or {})}
    text = _dumps(doc)  # ValueError for NaN/Infinity, TypeError for unserialisable metadata
    if path is not None:
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return doc


def _finite_numbers(values):
    return isinstance(values, list) and all(type(v) in (int, float) and math.isfinite(v) for v in values)


def _check_parameter(name, entry, shape):
    """None, or what is wrong with one parameter entry."""
    if not isinstance(entry, dict) or entry.get("dtype", "float32") != "float32":
        return f"parameter '{name}' must be an object with dtype 'float32'"
    if entry.get("shape") != shape:
        return f"parameter '{name}': shape {entry.get('shape')!r}, expected {shape}"
    data = entry.get("data")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        n = len(data) if isinstance(data, list) else "no list"
        return f"parameter '{name}': data length {n}, expected {math.prod(shape)}"
    if not _finite_numbers(data):
        return f"parameter '{name}': data holds a value that is not a finite number"


def _check_metadata(metadata):
    if not isinstance(metadata, dict):
        raise ValueError("'metadata' must be an object")
    st = metadata.get("standardize")
    if st is not None and not (isinstance(st, dict) and _finite_numbers(st.get("mean"))
                               and _finite_numbers(st.get("std")) and len(st["mean"]) == len(st["std"])
                               and st["std"] and min(st["std"]) > 0):
        raise ValueError("metadata.standardize must be {\"mean\": [...], \"std\": [...]}: "
                         "finite numbers, equal non-zero lengths, every std > 0")
    return metadata


def from_xtgrad(path_or_dict):
    """(model in eval mode, metadata) from a weights file or dict; ValueError if anything is off."""
    source, doc = "weights", path_or_dict
    if not isinstance(doc, dict):
        source = os.fspath(doc)
        try:
            with open(source, encoding="utf-8") as f:
                doc = json.load(f)  # NaN/Infinity fail the checks below
        except ValueError as e:
            raise ValueError(f"{source}: invalid JSON: {e}") from None
    try:
        if not isinstance(doc, dict):
            raise ValueError("top level must be an object")
        if doc.get("format") != FORMAT:
            raise ValueError(f"'format' is {doc.get('format')!r}, expected {FORMAT!r}")
        if type(doc.get("version")) is not int or doc["version"] != VERSION:
            raise ValueError(f"'version' is {doc.get('version')!r}, this reader knows {VERSION}")
        metadata = _check_metadata(doc.get("metadata", {}))
        shapes, params = expected_shapes(doc.get("model")), doc.get("parameters")
        if not isinstance(params, dict):
            raise ValueError("'parameters' must be an object")
        problems = [f"missing parameter '{k}'" for k in shapes if k not in params]
        problems += [f"unexpected parameter '{k}'" for k in params if k not in shapes]
        checked = (_check_parameter(k, params[k], shape) for k, shape in shapes.items() if k in params)
        problems += [p for p in checked if p]
        if problems:
            raise ValueError("; ".join(problems))
        model = build_model(doc["model"])
        model.load_state_dict({k: torch.tensor(params[k]["data"], dtype=torch.float32).reshape(shapes[k])
                               for k in shapes}, strict=True)
    except ValueError as e:
        raise ValueError(f"{source}: {e}") from None
    return model.eval(), metadata


def predict_proba(model, metadata, x):
    """P(class 1) per row of raw features x [B, F] (array, tensor or list), as a float32 tensor.
    An LSTMClassifier's rows hold T*I values, step by step ([B, T, I] is also accepted).
    metadata["standardize"] (mean and std of length F, or I for an LSTM: per step) applies first."""
    x = torch.as_tensor(x).to(torch.float32)
    lstm = type(model).__name__ == "LSTMClassifier"
    n_in = model.lstm.input_size if lstm else None
    x = x.reshape(x.shape[0], -1) if lstm and x.dim() == 3 else x
    if x.dim() != 2:
        raise ValueError(f"inputs must be [rows, features], got shape {list(x.shape)}")
    if lstm and x.shape[1] % n_in:
        raise ValueError(f"row width {x.shape[1]} is not a multiple of input_size {n_in}")
    st = (metadata or {}).get("standardize")
    if st is not None:
        mean, std = (torch.tensor(st[k], dtype=torch.float32) for k in ("mean", "std"))
        width = n_in if lstm else x.shape[1]
        if mean.numel() != width:
            raise ValueError(f"standardize has {mean.numel()} values, the model takes {width} features")
        x = ((x.reshape(x.shape[0], -1, width) - mean) / std).reshape(x.shape[0], -1)
    with torch.no_grad():
        out = model.eval()(x.reshape(x.shape[0], -1, n_in) if lstm else x).reshape(-1)
    sigmoid_last = isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Sigmoid)
    return out if sigmoid_last else torch.sigmoid(out)


def _cmd_to_xtgrad(args):
    obj = torch.load(args.input, map_location="cpu")
    if isinstance(obj, dict) and all(torch.is_tensor(v) for v in obj.values()):
        if not args.arch:
            raise ValueError(f"{args.input} holds a state_dict: give its architecture with --arch")
        model = build_model(json.loads(args.arch))
        model.load_state_dict(obj, strict=True)
    elif isinstance(obj, nn.Module) and not args.arch:
        model = obj
    else:
        raise ValueError(f"{args.input} holds a {type(obj).__name__}: expected a state_dict "
                         "(with --arch) or a whole module (without)")
    to_xtgrad(model, args.output, json.loads(args.metadata) if args.metadata else None)


def _cmd_to_torch(args):
    state = from_xtgrad(args.input)[0].state_dict()
    atomic_write(args.output, lambda f: torch.save(state, f))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Run with /usr/bin/python3 (Debian's python3-torch).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("to-xtgrad", help="torch.save'd module or state_dict -> xtgrad JSON")
    p.add_argument("input", help="IN.pt: a whole module, or a state_dict (then --arch is required)")
    p.add_argument("output", help="OUT.json")
    p.add_argument("--arch", help="architecture JSON, e.g. '{\"type\": \"LSTMClassifier\", "
                   "\"input_size\": 8, \"hidden_size\": 64, \"num_layers\": 1}'")
    p.add_argument("--metadata", help="JSON object stored as the file's metadata")
    p.set_defaults(run=_cmd_to_xtgrad)
    p = sub.add_parser("to-torch", help="xtgrad JSON -> torch.save'd state_dict")
    p.add_argument("input", help="IN.json"), p.add_argument("output", help="OUT.pt")
    p.set_defaults(run=_cmd_to_torch)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except Exception as e:  # unpickling alone can raise almost anything
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
