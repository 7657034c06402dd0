#!/usr/bin/env python3
"""Convert models between PyTorch and xtgrad's JSON weights file (format "xtgrad-weights", version 2).

Needs python3-torch, so run it with Debian's /usr/bin/python3:
    /usr/bin/python3 tools/torch_json.py to-xtgrad model.pt model.json [--arch '{...}'] [--metadata '{...}']
    /usr/bin/python3 tools/torch_json.py to-torch model.json state_dict.pt
    /usr/bin/python3 tools/torch_json.py predict model.json rows.csv [--header yes] [--labels-last]

The file's "model" is the module's description, {"type": name, ...options}, as xtgrad's
describe() writes it; its "parameters" are the module's state_dict() one to one: parameters and
persistent buffers, under PyTorch's keys and in its order (non-persistent buffers are in
neither). Version-1 files, written before buffers were saved, read the same way. The
"metadata" may say what the output means: "task" is "binary" (one logit; the default),
"multiclass" (C logits, with optional "classes" names) or "regression" (the values, with
optional "target_standardize" {mean, std} to undo); "standardize" scales the inputs, "steps"
is a sequence model's T.

As a module:
    to_xtgrad(model, path=None, metadata=None) -> the document, also written to `path`
    from_xtgrad(path_or_dict) -> (model in eval mode, metadata)
    predict_proba(model, metadata, x) -> P(class 1) per row of raw features (binary files)
    predict(model, metadata, x) -> as metadata["task"] says: P(class 1) [B], class probabilities
        [B, C] (softmax) or values [B, K] (target_standardize undone); prediction_csv() formats them
    describe(module) -> description;  build_module(description, device) -> module

Types convert through a registry, as in xtgrad (layers/registry.hpp). Every type xtgrad builds
in is registered (LSTMClassifier and SequenceClassifier are defined below); registered_types()
lists them, and `--help` prints the list. xtgrad holds float32 only: a tensor of another dtype is written as
float32 and converted back to its dtype on reading when float32 holds its values exactly (an
integer buffer such as BatchNorm's int64 num_batches_tracked: whole numbers up to 2^24; float16,
bfloat16, bool; float64 only when every value is a float32 one) and refused otherwise, as is a
file value that float32 cannot hold (NaN, infinity, or beyond its range). Register a
module of your own once, under the name its xtgrad type_name() returns, before converting:

    register_type("Outer", Outer,
                  build=lambda d, device: Outer(get_int_in(d, "features"), device=device),
                  describe=lambda m: {"features": m.features})

build(description, device) makes the module with every parameter and buffer on `device`: a
file is first checked against a build on the "meta" device, which allocates nothing, and only
then built for real. Build children held in a description with build_module(child, device)
(Sequential's layers are), and describe them with describe(child). describe(module) returns
the options without "type". get_int_in and get_bool_or read options with xtgrad's checks.
A class that is not registered but has the name of a registered class defined outside torch
(a training script's own copy of LSTMClassifier) converts as that type. An unknown type is a
ValueError naming it. The command line knows the built-in types; for your own, register them
and call main() from your script. To import this module, put its folder on sys.path first:
<prefix>/share/xtgrad/python where xtgrad is installed (/usr/share/xtgrad/python from the
Debian package, which also installs it as the command xtgrad-torch-json), tools/ in a source tree.
"""

import argparse
import itertools
import json
import math
import os
import sys
import tempfile
from typing import Callable, NamedTuple

import torch
import torch.nn as nn

FORMAT = "xtgrad-weights"
VERSION = 2            # what to_xtgrad writes
READS = (1, 2)         # what from_xtgrad reads
MAX_SIZE = 1 << 24     # the largest size xtgrad's layers accept (in_features, hidden_size, ...)
SLACK = 1 << 18        # numbers a model may hold beyond its file (non-persistent buffers): 1 MiB


class LSTMClassifier(nn.Module):
    """LSTM (batch_first) then Linear(H, 1) on the last time step: one logit per sequence."""

    def __init__(self, input_size, hidden_size, num_layers=1, device=None):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, device=device)
        self.fc = nn.Linear(hidden_size, 1, device=device)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class SequenceClassifier(nn.Module):
    """[Embedding ->] LSTM or GRU (batch_first) -> the last layer's final hidden state (both
    directions side by side) -> [LayerNorm ->] [Dropout ->] Linear(D*H, num_classes), as xtgrad's
    SequenceClassifier. With num_embeddings it takes token indices [B, T] (input_size is then the
    embedding width); without, features [B, T, input_size]."""

    def __init__(self, input_size, hidden_size, num_embeddings=None, padding_idx=None, cell="lstm", num_layers=1,
                 bidirectional=False, dropout=0.0, layer_norm=False, num_classes=1, device=None):
        super().__init__()
        if cell not in ("lstm", "gru"):
            raise ValueError(f"SequenceClassifier: cell must be 'lstm' or 'gru', got {cell!r}")
        self.cell, self.dropout = cell, dropout
        if num_embeddings is not None:
            self.embedding = nn.Embedding(num_embeddings, input_size, padding_idx=padding_idx, device=device)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        # PyTorch warns about dropout on a single layer, where it does nothing anyway.
        self.rnn = rnn(input_size, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional,
                       dropout=dropout if num_layers > 1 else 0.0, device=device)
        width = hidden_size * (2 if bidirectional else 1)
        if layer_norm:
            self.norm = nn.LayerNorm(width, device=device)
        if dropout > 0:
            self.head_dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(width, num_classes, device=device)

    def forward(self, x):
        if hasattr(self, "embedding"):
            x = self.embedding(x.long())
        _, h_n = self.rnn(x)
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        h = torch.cat(list(h_n[-(2 if self.rnn.bidirectional else 1):]), dim=1)
        if hasattr(self, "norm"):
            h = self.norm(h)
        if hasattr(self, "head_dropout"):
            h = self.head_dropout(h)
        return self.fc(h)


# ---------------------------------------------------------------------------------------------
# The type registry

class ModuleType(NamedTuple):
    name: str                  # xtgrad's type_name(), the description's "type"
    torch_class: type
    build: Callable            # (description, device) -> module
    describe: Callable         # module -> options (the description without "type")


_TYPES = {}


def register_type(name, torch_class, build, describe):
    """Registers (or replaces) how the xtgrad type `name` converts to and from `torch_class`."""
    if not (isinstance(name, str) and name and isinstance(torch_class, type)
            and issubclass(torch_class, nn.Module) and callable(build) and callable(describe)):
        raise TypeError("register_type(name, torch_class, build, describe) takes a type name, "
                        "an nn.Module subclass and two functions")
    _TYPES[name] = ModuleType(name, torch_class, build, describe)


def registered_types():
    return sorted(_TYPES)


def _registration_hint(name, torch_class_name):
    return (f"registered: {', '.join(registered_types())}; a module of your own is registered once "
            f"before converting with torch_json.register_type({name!r}, {torch_class_name}, build, describe)")


def _type_of(module):
    cls = type(module)
    found = [t for t in _TYPES.values() if t.torch_class is cls]
    # A copy of a script-defined class (say a training script's own LSTMClassifier) matches by
    # name, and its describe function checks its structure; torch's classes match only themselves.
    found = found or [t for t in _TYPES.values() if t.torch_class.__name__ == cls.__name__
                      and not t.torch_class.__module__.startswith("torch.")]
    if not found:
        raise ValueError(f"no xtgrad type is registered for {cls.__name__} "
                         f"({_registration_hint(cls.__name__, cls.__name__)})")
    return found[0]


def describe(module):
    """{"type": name, ...options}: what a weights file's "model" holds."""
    t = _type_of(module)
    options = t.describe(module)
    if not isinstance(options, dict) or "type" in options:
        raise TypeError(f"the describe function registered for {t.name!r} must return a dict of "
                        f"options without a 'type' key, got {options!r}")
    return {"type": t.name, **options}


def build_module(description, device="cpu"):
    """A fresh module (random parameters) on `device` from its description; ValueError if invalid."""
    if not isinstance(description, dict):
        raise ValueError(f"a module description must be an object, got {type(description).__name__}")
    name = description.get("type")
    t = _TYPES.get(name) if isinstance(name, str) else None
    if t is None:
        if not isinstance(name, str):
            raise ValueError(f"'type' must be a string, got {name!r}")
        raise ValueError(f"unknown module type {name!r} ({_registration_hint(name, 'TorchClass')})")
    module = t.build(description, device)
    if not isinstance(module, t.torch_class):
        raise TypeError(f"the build function registered for {name!r} returned a "
                        f"{type(module).__name__}, expected a {t.torch_class.__name__}")
    return module


def get_int_in(description, key, low=1, high=MAX_SIZE, default=None):
    """description[key] (or `default` when absent), checked to be an integer from low to high."""
    value = description.get(key, default)
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"'{key}' must be an integer from {low} to {high}, got {value!r}")
    return value


def get_bool_or(description, key, default):
    value = description.get(key, default)
    if type(value) is not bool:
        raise ValueError(f"'{key}' must be true or false, got {value!r}")
    return value


def get_number_or(description, key, default):
    """description[key] (or `default` when absent), checked to be a finite number."""
    value = description.get(key, default)
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"'{key}' must be a finite number, got {value!r}")
    return float(value)


def get_optional(description, key, read, default=None):
    """None when description[key] is null (or absent with no default), else read(description, key)."""
    if description.get(key, default) is None:
        return None
    return read(description, key)


# ---------------------------------------------------------------------------------------------
# The built-in types, with the options xtgrad's config() writes

def _build_sequential(d, device):
    layers = d.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ValueError("'layers' must be a non-empty list of module descriptions")
    built = []
    for i, layer in enumerate(layers):
        try:
            built.append(build_module(layer, device))
        except ValueError as e:
            raise ValueError(f"layers[{i}]: {e}") from None
    return nn.Sequential(*built)


def _describe_sequential(seq):
    names = [name for name, _ in seq.named_children()]
    if names != [str(i) for i in range(len(names))]:
        raise ValueError(f"Sequential layers must be named 0, 1, ... (as xtgrad names them), got {names}")
    layers = []
    for i, layer in enumerate(seq):
        try:
            layers.append(describe(layer))
        except ValueError as e:
            raise ValueError(f"Sequential layer {i}: {e}") from None
    return {"layers": layers}


def _describe_rnn(m):
    """LSTM and GRU: PyTorch's options under its names (no LSTM projection in xtgrad)."""
    if getattr(m, "proj_size", 0):
        raise ValueError(f"xtgrad's LSTM has no projection (got proj_size={m.proj_size})")
    return {"input_size": m.input_size, "hidden_size": m.hidden_size, "num_layers": m.num_layers,
            "bias": m.bias, "batch_first": m.batch_first, "bidirectional": m.bidirectional,
            "dropout": float(m.dropout)}


def _build_rnn(cls):
    def build(d, device):
        dropout = get_number_or(d, "dropout", 0.0)
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"'dropout' must be between 0 and 1, got {dropout!r}")
        return cls(get_int_in(d, "input_size"), get_int_in(d, "hidden_size"),
                   get_int_in(d, "num_layers", high=1024, default=1), bias=get_bool_or(d, "bias", True),
                   batch_first=get_bool_or(d, "batch_first", False),
                   bidirectional=get_bool_or(d, "bidirectional", False),  # absent from older files
                   dropout=dropout, device=device)
    return build


def _build_cell(cls):
    return lambda d, device: cls(get_int_in(d, "input_size"), get_int_in(d, "hidden_size"),
                                 bias=get_bool_or(d, "bias", True), device=device)


def _describe_lstm_classifier(m):
    lstm, fc = getattr(m, "lstm", None), getattr(m, "fc", None)
    if not (type(lstm) is nn.LSTM and lstm.batch_first and lstm.bias and not lstm.bidirectional
            and not lstm.proj_size and type(fc) is nn.Linear and fc.bias is not None
            and (fc.in_features, fc.out_features) == (lstm.hidden_size, 1)):
        raise ValueError("LSTMClassifier needs `lstm` = nn.LSTM(I, H, L, batch_first=True) "
                         "(with bias, unidirectional) and `fc` = nn.Linear(H, 1)")
    return {"input_size": lstm.input_size, "hidden_size": lstm.hidden_size, "num_layers": lstm.num_layers}


def _build_sequence_classifier(d, device):
    embeddings = get_optional(d, "num_embeddings", lambda d, k: get_int_in(d, k))
    padding = get_optional(d, "padding_idx", lambda d, k: get_int_in(d, k, -(embeddings or 0), (embeddings or 1) - 1))
    cell = d.get("cell")
    if cell not in ("lstm", "gru"):
        raise ValueError(f"SequenceClassifier: 'cell' must be \"lstm\" or \"gru\", got {cell!r}")
    return SequenceClassifier(get_int_in(d, "input_size"), get_int_in(d, "hidden_size"), embeddings, padding, cell,
                              get_int_in(d, "num_layers", high=1024, default=1), get_bool_or(d, "bidirectional", False),
                              get_number_or(d, "dropout", 0.0), get_bool_or(d, "layer_norm", False),
                              get_int_in(d, "num_classes", default=1), device)


def _describe_sequence_classifier(m):
    rnn, fc, emb, norm = getattr(m, "rnn", None), getattr(m, "fc", None), getattr(m, "embedding", None), \
        getattr(m, "norm", None)
    cell = {nn.LSTM: "lstm", nn.GRU: "gru"}.get(type(rnn))
    width = rnn.hidden_size * (2 if rnn.bidirectional else 1) if cell else None
    if not (cell and rnn.batch_first and rnn.bias and not getattr(rnn, "proj_size", 0)
            and type(fc) is nn.Linear and fc.bias is not None and fc.in_features == width
            and (emb is None or (type(emb) is nn.Embedding and emb.embedding_dim == rnn.input_size))
            and (norm is None or (type(norm) is nn.LayerNorm and list(norm.normalized_shape) == [width]))):
        raise ValueError("SequenceClassifier needs `rnn` = nn.LSTM or nn.GRU (batch_first, with bias), "
                         "`fc` = nn.Linear(D*H, num_classes), and optionally `embedding` = nn.Embedding(V, I) "
                         "and `norm` = nn.LayerNorm(D*H)")
    return {"input_size": rnn.input_size, "hidden_size": rnn.hidden_size,
            "num_embeddings": emb.num_embeddings if emb is not None else None,
            "padding_idx": emb.padding_idx if emb is not None else None, "cell": cell,
            "num_layers": rnn.num_layers, "bidirectional": rnn.bidirectional, "dropout": float(m.dropout),
            "layer_norm": norm is not None, "num_classes": fc.out_features}


register_type("Sequential", nn.Sequential, _build_sequential, _describe_sequential)
register_type("Linear", nn.Linear,
              lambda d, device: nn.Linear(get_int_in(d, "in_features"), get_int_in(d, "out_features"),
                                          bias=get_bool_or(d, "bias", True), device=device),
              lambda m: {"in_features": m.in_features, "out_features": m.out_features,
                         "bias": m.bias is not None})
for _activation in (nn.ReLU, nn.Tanh, nn.Sigmoid):
    register_type(_activation.__name__, _activation, lambda d, device, cls=_activation: cls(), lambda m: {})
# Activations with options, and the shape modules: each option under PyTorch's name.
_OPTIONS = {nn.LeakyReLU: {"negative_slope": 0.01}, nn.ELU: {"alpha": 1.0},
            nn.Softplus: {"beta": 1.0, "threshold": 20.0}, nn.Hardtanh: {"min_val": -1.0, "max_val": 1.0},
            nn.Dropout: {"p": 0.5}}


def _build_with_options(cls, defaults, d):
    options = {k: get_number_or(d, k, v) for k, v in defaults.items()}
    if cls is nn.Hardtanh and not options["min_val"] < options["max_val"]:  # torch asserts it, with no message
        raise ValueError(f"Hardtanh: max_val must be greater than min_val, got min_val={options['min_val']}, "
                         f"max_val={options['max_val']}")
    return cls(**options)


for _activation, _defaults in _OPTIONS.items():
    register_type(_activation.__name__, _activation,
                  lambda d, device, cls=_activation, defaults=_defaults: _build_with_options(cls, defaults, d),
                  lambda m, defaults=_defaults: {k: float(getattr(m, k)) for k in defaults})
for _plain in (nn.SiLU, nn.Identity):
    register_type(_plain.__name__, _plain, lambda d, device, cls=_plain: cls(), lambda m: {})


def _build_gelu(d, device):
    approximate = d.get("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"'approximate' must be \"none\" or \"tanh\", got {approximate!r}")
    return nn.GELU(approximate=approximate)


def _describe_softmax(m):
    if m.dim is None:
        raise ValueError(f"{type(m).__name__} needs an explicit dim (xtgrad has no implicit one)")
    return {"dim": m.dim}


register_type("GELU", nn.GELU, _build_gelu, lambda m: {"approximate": m.approximate})
for _softmax in (nn.Softmax, nn.LogSoftmax):
    register_type(_softmax.__name__, _softmax,
                  lambda d, device, cls=_softmax: cls(dim=get_int_in(d, "dim", -64, 64)), _describe_softmax)
register_type("Flatten", nn.Flatten,
              lambda d, device: nn.Flatten(get_int_in(d, "start_dim", -64, 64, 1), get_int_in(d, "end_dim", -64, 64, -1)),
              lambda m: {"start_dim": m.start_dim, "end_dim": m.end_dim})


def _build_layer_norm(d, device):
    shape = d.get("normalized_shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 8
            and all(type(n) is int and 1 <= n <= MAX_SIZE for n in shape)):
        raise ValueError(f"'normalized_shape' must be a list of 1 to 8 sizes from 1 to {MAX_SIZE}, got {shape!r}")
    affine = get_bool_or(d, "elementwise_affine", True)
    m = nn.LayerNorm(shape, eps=get_number_or(d, "eps", 1e-5), elementwise_affine=affine, device=device)
    if affine and not get_bool_or(d, "bias", True):
        m.bias = None  # what LayerNorm(bias=False) of torch >= 2.1 holds
    return m


register_type("LayerNorm", nn.LayerNorm, _build_layer_norm,
              lambda m: {"normalized_shape": list(m.normalized_shape), "eps": m.eps,
                         "elementwise_affine": m.elementwise_affine,
                         "bias": m.bias is not None or not m.elementwise_affine})
register_type("BatchNorm1d", nn.BatchNorm1d,
              lambda d, device: nn.BatchNorm1d(get_int_in(d, "num_features"), eps=get_number_or(d, "eps", 1e-5),
                                               momentum=get_optional(d, "momentum", lambda d, k: get_number_or(d, k, 0),
                                                                     default=0.1),
                                               affine=get_bool_or(d, "affine", True),
                                               track_running_stats=get_bool_or(d, "track_running_stats", True),
                                               device=device),
              lambda m: {"num_features": m.num_features, "eps": m.eps, "momentum": m.momentum, "affine": m.affine,
                         "track_running_stats": m.track_running_stats})


def _build_embedding(d, device):
    n = get_int_in(d, "num_embeddings")
    m = nn.Embedding(n, get_int_in(d, "embedding_dim"),
                     padding_idx=get_optional(d, "padding_idx", lambda d, k: get_int_in(d, k, -n, n - 1)),
                     device=device)
    m.weight.requires_grad_(not get_bool_or(d, "freeze", False))
    return m


def _describe_embedding(m):
    if m.max_norm is not None or m.scale_grad_by_freq or m.sparse:
        raise ValueError("xtgrad's Embedding has no max_norm, scale_grad_by_freq or sparse "
                         f"(got {m.max_norm}, {m.scale_grad_by_freq}, {m.sparse})")
    return {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim, "padding_idx": m.padding_idx,
            "freeze": not m.weight.requires_grad}


register_type("Embedding", nn.Embedding, _build_embedding, _describe_embedding)
for _rnn, _cell in ((nn.LSTM, nn.LSTMCell), (nn.GRU, nn.GRUCell)):
    register_type(_rnn.__name__, _rnn, _build_rnn(_rnn), _describe_rnn)
    register_type(_cell.__name__, _cell, _build_cell(_cell),
                  lambda m: {"input_size": m.input_size, "hidden_size": m.hidden_size, "bias": m.bias})
register_type("LSTMClassifier", LSTMClassifier,
              lambda d, device: LSTMClassifier(get_int_in(d, "input_size"), get_int_in(d, "hidden_size"),
                                               get_int_in(d, "num_layers", high=1024, default=1), device),
              _describe_lstm_classifier)
register_type("SequenceClassifier", SequenceClassifier, _build_sequence_classifier, _describe_sequence_classifier)


# ---------------------------------------------------------------------------------------------
# Checking a state against a description, before anything is allocated

def _finite_numbers(values):
    # A Python int is finite however large (math.isfinite would overflow converting it).
    return isinstance(values, list) and all(type(v) is int or (type(v) is float and math.isfinite(v)) for v in values)


# The smallest magnitude that rounds to infinity in float32: a file value at or beyond it would
# load as an infinity, so it is refused (as xtgrad refuses it).
FLOAT32_LIMIT = 2.0 ** 128 - 2.0 ** 103


def _not_float32(data):
    """(index, what it is) of the first value of `data` that is not a finite float32, or None."""
    for i, v in enumerate(data):
        if type(v) not in (int, float) or not abs(v) < FLOAT32_LIMIT:  # NaN fails the comparison
            return i, ("an integer beyond float32's range" if type(v) is int
                       else json.dumps(v, allow_nan=True)[:40])


def _check_entry(name, entry, shape):
    """None, or what is wrong with one file entry {"shape", "dtype", "data"}."""
    if not isinstance(entry, dict) or entry.get("dtype", "float32") != "float32":
        return f"parameter '{name}' must be an object with dtype 'float32'"
    if entry.get("shape") != shape:
        return f"parameter '{name}': shape {entry.get('shape')!r}, expected {shape}"
    data = entry.get("data")
    if not isinstance(data, list) or len(data) != math.prod(shape):
        n = len(data) if isinstance(data, list) else "no list"
        return f"parameter '{name}': data length {n}, expected {math.prod(shape)}"
    bad = _not_float32(data)
    if bad:
        return f"parameter '{name}': data[{bad[0]}] is not a finite float32 (got {bad[1]})"


def _check_tensor(name, tensor, shape):
    """None, or what is wrong with one tensor of a torch state_dict."""
    if not torch.is_tensor(tensor) or list(tensor.shape) != shape:
        got = list(tensor.shape) if torch.is_tensor(tensor) else type(tensor).__name__
        return f"parameter '{name}': shape {got}, expected {shape}"


def _problems(expected, stored, check):
    """Every missing, unexpected and bad entry of `stored` against {key: shape}."""
    problems = [f"missing parameter '{k}' (expected shape {shape})" for k, shape in expected.items()
                if k not in stored]
    problems += [f"unexpected parameter '{k}'" for k in stored if k not in expected]
    checked = (check(k, stored[k], shape) for k, shape in expected.items() if k in stored)
    return problems + [p for p in checked if p]


def _meta_state(description):
    """{key: shape} of the state_dict the description builds, and the numbers the whole module
    holds (non-persistent buffers too), from a build on the meta device: no memory is used.
    Also {key: dtype} of its entries (BatchNorm's num_batches_tracked is an int64)."""
    try:
        meta = build_module(description, device="meta")
    except ValueError as e:
        raise ValueError(f"model: {e}") from None
    tensors = list(itertools.chain(meta.named_parameters(), meta.named_buffers()))
    real = [k for k, t in tensors if t.device.type != "meta"]
    if real:
        raise TypeError(f"a build function ignored its device argument: {', '.join(real)} "
                        "were allocated when building on the meta device")
    state = meta.state_dict()
    return ({k: list(t.shape) for k, t in state.items()}, sum(t.numel() for _, t in tensors),
            {k: t.dtype for k, t in state.items()})


def _build_and_load(description, stored, check, to_tensor):
    """The module `description` describes, holding `stored` (strict): the description is built on
    the meta device first, so that one that does not fit the state, or that needs more memory than
    the state holds, is refused (every problem listed) before anything is allocated."""
    expected, numbers, dtypes = _meta_state(description)
    problems = _problems(expected, stored, check)
    if not problems:  # entries well-formed: each must also convert to its entry's dtype exactly
        problems = [p for p in (_conversion_problem(k, to_tensor(stored[k], expected[k]), dtypes[k]) for k in dtypes) if p]
    if problems:
        raise ValueError("; ".join(problems))
    held = sum(math.prod(shape) for shape in expected.values())
    if numbers > held + SLACK:
        raise ValueError(f"model: it holds {numbers} numbers, {numbers - held} more than its state "
                         f"dict; refused before allocating")
    model = build_module(description, device="cpu")
    model.load_state_dict({k: to_tensor(stored[k], shape).to(dtypes[k])
                           for k, shape in expected.items()}, strict=True)
    return model


# Every tensor travels as float32 (xtgrad's one dtype). Another dtype converts when float32 holds
# its values exactly: float16, bfloat16 and bool always, integers whole and up to 2^24 in
# magnitude, float64 only when each value is a float32 one. Anything else would lose bits, so it
# is refused both ways.
EXACT_INTEGERS = 1 << 24


def _conversion_problem(name, tensor, dtype):
    """None, or why `tensor` would not come back unchanged through a tensor of `dtype`."""
    t = tensor.detach().to("cpu")
    if t.dtype == dtype:
        return None
    back = t.to(dtype).to(t.dtype)
    exact = bool(((back == t) | (torch.isnan(back) & torch.isnan(t))).all())
    odd = t.dtype if dtype == torch.float32 else dtype  # the side that is not xtgrad's float32
    if odd == torch.bool:
        return None if exact else f"parameter '{name}': a bool buffer must hold 0 or 1"
    if not odd.is_floating_point:
        if exact and bool((t.abs() <= EXACT_INTEGERS).all()):
            return None
        return f"parameter '{name}': an integer buffer must hold whole numbers up to 2^24 in magnitude"
    odd = str(odd).replace("torch.", "")
    if not exact and dtype == torch.float32:
        return (f"parameter '{name}': {odd} values that float32 does not hold exactly "
                "(xtgrad holds float32 only: convert with .float() first, which rounds them)")
    if not exact:
        return f"parameter '{name}': values that its dtype {odd} does not hold exactly"


# ---------------------------------------------------------------------------------------------
# The file

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
    description, state = describe(model), model.state_dict()
    # The description must rebuild exactly this state dict, or the file could not be loaded.
    problems = _problems(_meta_state(description)[0], state, _check_tensor)
    if problems:
        raise ValueError(f"{type(model).__name__}: its description {json.dumps(description)} "
                         f"does not rebuild its state_dict: {'; '.join(problems)}")
    problems = [p for k, t in state.items() for p in [_conversion_problem(k, t, torch.float32)] if p]
    if problems:
        raise ValueError(f"{type(model).__name__}: {'; '.join(problems)}")
    params = {}
    for name, t in state.items():
        t = t.detach().to("cpu", torch.float32)
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"parameter '{name}' has a non-finite value")
        # float32 -> Python float is exact, and json writes doubles so that they parse back exactly.
        params[name] = {"shape": list(t.shape), "dtype": "float32", "data": t.reshape(-1).tolist()}
    doc = {"format": FORMAT, "version": VERSION, "model": description, "parameters": params,
           "metadata": dict(metadata or {})}
    text = _dumps(doc)  # ValueError for NaN/Infinity, TypeError for unserialisable metadata
    if path is not None:
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return doc


TASKS = ("binary", "multiclass", "regression")


def _is_stats(st, count=None):
    """{"mean", "std"} of equal non-zero lengths (or two numbers), finite, every std > 0."""
    if not isinstance(st, dict):
        return False
    mean, std = st.get("mean"), st.get("std")
    if _finite_numbers([mean]) and _finite_numbers([std]):
        mean, std = [mean], [std]
    return (_finite_numbers(mean) and _finite_numbers(std) and len(mean) == len(std) and len(std) > 0
            and min(std) > 0 and (count is None or len(std) == count))


def _check_metadata(metadata):
    if not isinstance(metadata, dict):
        raise ValueError("'metadata' must be an object")
    st = metadata.get("standardize")
    if st is not None and not (_is_stats(st) and isinstance(st["mean"], list)):
        raise ValueError("metadata.standardize must be {\"mean\": [...], \"std\": [...]}: "
                         "finite numbers, equal non-zero lengths, every std > 0")
    task = metadata.get("task", "binary")
    if task not in TASKS:
        raise ValueError(f"metadata.task must be \"binary\", \"multiclass\" or \"regression\", got {json.dumps(task)}")
    classes = metadata.get("classes")
    if classes is not None and not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        raise ValueError("metadata.classes must be a list of class names (strings)")
    st = metadata.get("target_standardize")
    if st is not None and not _is_stats(st):
        raise ValueError("metadata.target_standardize must be {\"mean\": [...], \"std\": [...]} (or two numbers): "
                         "finite numbers, equal non-zero lengths, every std > 0")
    steps = metadata.get("steps")
    if steps is not None and not (type(steps) is int and steps > 0):
        raise ValueError(f"metadata.steps (the sequence length T) must be a positive integer, got {json.dumps(steps)}")
    return metadata


def task_of(metadata):
    """metadata["task"]: "binary" when absent (files older than the key), else as written."""
    return _check_metadata(dict(metadata or {})).get("task", "binary")


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
        if type(doc.get("version")) is not int or doc["version"] not in READS:
            raise ValueError(f"'version' is {doc.get('version')!r}, this reader knows 1 and 2")
        metadata = _check_metadata(doc.get("metadata", {}))
        params = doc.get("parameters")
        if not isinstance(params, dict):
            raise ValueError("'parameters' must be an object")
        if "model" not in doc:
            raise ValueError("'model' (the module's description) is missing")
        model = _build_and_load(doc["model"], params, _check_entry,
                                lambda e, shape: torch.tensor(e["data"], dtype=torch.float32).reshape(shape))
    except ValueError as e:
        raise ValueError(f"{source}: {e}") from None
    return model.eval(), metadata


def _forward(model, metadata, x):
    """The model's output [B, K] on raw rows x [B, F] (array, tensor or list), standardised as
    metadata["standardize"] says. An LSTMClassifier's rows hold T*I values, step by step ([B, T, I]
    is also accepted); metadata["steps"], when present, must be T."""
    x = torch.as_tensor(x).to(torch.float32)
    embedding = _token_embedding(model)
    if embedding is not None:
        return _forward_tokens(model, embedding, metadata, x)
    lstm = type(model).__name__ in ("LSTMClassifier", "SequenceClassifier")
    n_in = (model.lstm if type(model).__name__ == "LSTMClassifier" else model.rnn).input_size if lstm else None
    x = x.reshape(x.shape[0], -1) if lstm and x.dim() == 3 else x
    if x.dim() != 2:
        raise ValueError(f"inputs must be [rows, features], got shape {list(x.shape)}")
    if lstm and x.shape[1] % n_in:
        raise ValueError(f"row width {x.shape[1]} is not a multiple of input_size {n_in}")
    steps = (metadata or {}).get("steps")
    if lstm and steps is not None and x.shape[1] != steps * n_in:
        raise ValueError(f"each row must hold T x input_size = {steps} x {n_in} numbers, got {x.shape[1]}")
    st = (metadata or {}).get("standardize")
    if st is not None:
        mean, std = (torch.tensor(st[k], dtype=torch.float32) for k in ("mean", "std"))
        width = n_in if lstm else x.shape[1]
        if mean.numel() != width:
            raise ValueError(f"standardize has {mean.numel()} values, the model takes {width} features")
        x = ((x.reshape(x.shape[0], -1, width) - mean) / std).reshape(x.shape[0], -1)
    with torch.no_grad():
        out = model.eval()(x.reshape(x.shape[0], -1, n_in) if lstm else x)
    return out.reshape(x.shape[0], -1)


def _token_embedding(model):
    """The Embedding a model reads token ids with (a SequenceClassifier with num_embeddings, or a
    Sequential starting with one), as xtgrad's InputSpec.token_indices; else None."""
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[0], nn.Embedding):
        return model[0]
    return getattr(model, "embedding", None) if type(model).__name__ == "SequenceClassifier" else None


def _forward_tokens(model, embedding, metadata, x):
    """As `xtgrad predict` for a token model: one id per column, as is; T (metadata["steps"]) checked
    for a SequenceClassifier; an id outside [0, num_embeddings) or not whole names its row."""
    if x.dim() != 2:
        raise ValueError(f"inputs must be [rows, token ids], got shape {list(x.shape)}")
    if (metadata or {}).get("standardize") is not None:
        raise ValueError("metadata.standardize is for features, and this model takes token indices")
    steps = (metadata or {}).get("steps")
    if type(model).__name__ == "SequenceClassifier" and steps is not None and x.shape[1] != steps:
        raise ValueError(f"each row must hold T = {steps} token ids, got {x.shape[1]}")
    bad = torch.nonzero((x != x.floor()) | (x < 0) | (x >= embedding.num_embeddings) | ~torch.isfinite(x))
    if bad.numel():
        row, col = (int(v) for v in bad[0])
        raise ValueError(f"row {row + 1}, column {col + 1}: token ids are whole numbers in "
                         f"[0, {embedding.num_embeddings}), got {float(x[row, col])}")
    with torch.no_grad():
        out = model.eval()(x.long())
    return out.reshape(x.shape[0], -1)


def _outputs_probabilities(model):
    """Whether the model's outputs are probabilities already, as xtgrad's outputs_probabilities():
    a Sequential ending in Sigmoid, or in Softmax over the class dimension."""
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        return False
    last = model[-1]
    return isinstance(last, nn.Sigmoid) or (isinstance(last, nn.Softmax) and last.dim in (1, -1))


def predict_proba(model, metadata, x):
    """P(class 1) per row of raw features x [B, F], as a float32 tensor [B]: the model's output
    through a sigmoid, unless the model is a Sequential ending in Sigmoid. For binary files only
    (metadata.task absent or "binary"); see _forward for the rows and metadata["standardize"]."""
    if task_of(metadata) != "binary":
        raise ValueError(f"predict_proba is for binary models, this file's metadata.task is {task_of(metadata)!r}: "
                         "use predict()")
    out = _forward(model, metadata, x)
    if out.shape[1] != 1:
        raise ValueError(f"a binary model gives one output per row, this one gives {out.shape[1]}")
    out = out.reshape(-1)
    return out if _outputs_probabilities(model) else torch.sigmoid(out)


def predict(model, metadata, x):
    """What `xtgrad predict` writes, as metadata["task"] says: binary, P(class 1) [B]; multiclass,
    the softmax of the [B, C] logits (as is when the model ends in Softmax over the classes; refused
    when it ends in Sigmoid, whose rows need not sum to 1); regression, the [B, K]
    output times metadata["target_standardize"]["std"] plus its mean, when present."""
    task = task_of(metadata)
    if task == "binary":
        return predict_proba(model, metadata, x)
    out = _forward(model, metadata, x)
    if task == "multiclass":
        if out.shape[1] < 2:
            raise ValueError(f"a multiclass model gives C >= 2 scores per row, this one gives {out.shape[1]}")
        classes = metadata.get("classes")
        if classes is not None and len(classes) != out.shape[1]:
            raise ValueError(f"metadata.classes names {len(classes)} classes, the model gives {out.shape[1]} scores")
        if not _outputs_probabilities(model):
            return torch.softmax(out, dim=1)
        sums = out.double().sum(dim=1)
        bad = torch.nonzero((sums - 1.0).abs() > 1e-4 * out.shape[1])
        if bad.numel():
            row = int(bad[0, 0])
            raise ValueError(f"the model's last layer gives probabilities, but those of row {row + 1} sum to "
                             f"{float(sums[row]):.6f}, not 1 (a Sigmoid?); a multiclass model ends in a Linear "
                             "(logits) or in Softmax(dim=1)")
        return out
    st = metadata.get("target_standardize")
    if st is not None:
        mean, std = (torch.tensor(st[k], dtype=torch.float32).reshape(-1) for k in ("mean", "std"))
        if mean.numel() != out.shape[1]:
            raise ValueError(f"target_standardize has {mean.numel()} values, the model gives {out.shape[1]} outputs")
        out = out * std + mean
    return out


def prediction_csv(metadata, values):
    """The CSV `xtgrad predict` writes for predict()'s values (9 significant digits): binary, one
    probability a line; multiclass, a header "p_<class>,...,class" then the probabilities and the
    first most probable class; regression, a header "prediction" (or "prediction_<k>") then the values."""
    task, lines = task_of(metadata), []
    fmt = lambda v: f"{v:.9g}"
    if task == "binary":
        return "".join(fmt(v) + "\n" for v in values.tolist())
    rows = values.tolist()
    if task == "multiclass":
        names = metadata.get("classes") or [str(c) for c in range(values.shape[1])]
        cell = lambda t: '"' + t.replace('"', '""') + '"' if any(ch in t for ch in ',"\r\n') else t
        lines.append(",".join(cell("p_" + n) for n in names) + ",class")
        lines += [",".join(map(fmt, r)) + f",{max(range(len(r)), key=lambda c: (r[c], -c))}" for r in rows]
    else:
        k = values.shape[1]
        lines.append("prediction" if k == 1 else ",".join(f"prediction_{i}" for i in range(k)))
        lines += [",".join(map(fmt, r)) for r in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The command line

def _cmd_to_xtgrad(args):
    obj = torch.load(args.input, map_location="cpu")
    if isinstance(obj, dict) and all(torch.is_tensor(v) for v in obj.values()):
        if not args.arch:
            raise ValueError(f"{args.input} holds a state_dict: give its architecture with --arch")
        arch = json.loads(args.arch)
        try:
            model = _build_and_load(arch, obj, _check_tensor, lambda t, shape: t)
        except ValueError as e:
            raise ValueError(f"{args.input}: {e}") from None
    elif isinstance(obj, nn.Module) and not args.arch:
        model = obj
    else:
        raise ValueError(f"{args.input} holds a {type(obj).__name__}: expected a state_dict "
                         "(with --arch) or a whole module (without)")
    metadata = json.loads(args.metadata) if args.metadata else {}
    if args.task:
        metadata["task"] = args.task
    to_xtgrad(model, args.output, _check_metadata(metadata))


def _cmd_predict(args):
    import numpy as np
    model, metadata = from_xtgrad(args.model)
    rows = np.loadtxt(args.input, delimiter=",", ndmin=2, dtype=np.float32,
                      skiprows=1 if args.header == "yes" else 0)
    if args.labels_last:
        rows = rows[:, :-1]
    sys.stdout.write(prediction_csv(metadata, predict(model, metadata, rows)))


def _cmd_to_torch(args):
    state = from_xtgrad(args.input)[0].state_dict()
    atomic_write(args.output, lambda f: torch.save(state, f))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Run with /usr/bin/python3 (Debian's python3-torch). "
                                     f"Types it converts: {', '.join(registered_types())}.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("to-xtgrad", help="torch.save'd module or state_dict -> xtgrad JSON")
    p.add_argument("input", help="IN.pt: a whole module, or a state_dict (then --arch is required)")
    p.add_argument("output", help="OUT.json")
    p.add_argument("--arch", help="architecture JSON, e.g. '{\"type\": \"LSTMClassifier\", "
                   "\"input_size\": 8, \"hidden_size\": 64, \"num_layers\": 1}'")
    p.add_argument("--metadata", help="JSON object stored as the file's metadata")
    p.add_argument("--task", choices=TASKS, help="what the output means (metadata.task; default binary)")
    p.set_defaults(run=_cmd_to_xtgrad)
    p = sub.add_parser("predict", help="rows of a CSV -> what `xtgrad predict` writes, computed in PyTorch")
    p.add_argument("model", help="IN.json"), p.add_argument("input", help="ROWS.csv (numbers only)")
    p.add_argument("--header", choices=("yes", "no"), default="no", help="the first line is a header")
    p.add_argument("--labels-last", action="store_true", help="drop the last column (the labels)")
    p.set_defaults(run=_cmd_predict)
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
