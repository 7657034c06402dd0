#!/usr/bin/env python3
"""Checks of tools/torch_json.py alone: round trips of every registered type, version 1 files,
the registry's errors, and the validation that runs before anything is allocated.

Run by CTest with Debian's interpreter (the one python3-torch installs into):

    /usr/bin/python3 tests/interop/test_torch_json.py

Prints one line per check; exit code 0 if all pass, 1 otherwise, 77 (skipped) without PyTorch.
"""

import json
import math
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def check_round_trips(torch, nn, tj, user_modules):
    """Each type -> file -> torch: the same type, description and state_dict (order, values)."""
    torch.manual_seed(0)
    outer = user_modules.TestOuter(3, 5)
    outer.block.scale.uniform_(0.5, 2.0)
    outer.offset.fill_(-0.5)
    models = [nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False), nn.Tanh(),
                            nn.Linear(2, 1), nn.Sigmoid()),
              nn.LSTM(3, 4, 2, batch_first=True), nn.LSTM(2, 3, bias=False), nn.LSTMCell(3, 2),
              nn.GRU(3, 4, 2, batch_first=True), nn.GRU(2, 3, bias=False), nn.GRUCell(3, 2),
              nn.LSTM(3, 4, 2, bidirectional=True, dropout=0.25), nn.GRU(2, 3, 2, batch_first=True, bidirectional=True),
              tj.LSTMClassifier(3, 4, 2), outer, nn.Sequential(user_modules.TestBlock(2, 3), nn.Linear(3, 1)),
              tj.SequenceClassifier(2, 3),
              tj.SequenceClassifier(3, 4, num_embeddings=6, padding_idx=0, cell="gru", num_layers=2,
                                    bidirectional=True, dropout=0.2, layer_norm=True, num_classes=3)]
    models += layer_models(torch, nn)
    for model in models:
        doc = json.loads(json.dumps(tj.to_xtgrad(model)))  # through JSON text, as a file
        assert doc["version"] == 2 and list(doc["parameters"]) == list(model.state_dict()), doc["parameters"].keys()
        back, _ = tj.from_xtgrad(doc)
        assert type(back) is type(model) and tj.describe(back) == doc["model"], tj.describe(back)
        a, b = model.state_dict(), back.state_dict()
        assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a), type(model).__name__
    assert list(outer.state_dict()) == ["offset", "block.scale", "block.fc.weight", "block.fc.bias",
                                        "head.0.weight", "head.0.bias"]
    return f"{len(models)} models, buffers included, non-persistent ones left out"


def layer_models(torch, nn):
    """Every layer type of issue 15, BatchNorm's running statistics away from their defaults."""
    torch.manual_seed(2)
    bn, cumulative = nn.BatchNorm1d(6), nn.BatchNorm1d(3, momentum=None, affine=False)
    for _ in range(3):
        bn(torch.randn(5, 6))
        cumulative(torch.randn(4, 3, 2))
    no_bias = nn.LayerNorm([2, 3], eps=1e-3)
    no_bias.bias = None
    frozen = nn.Embedding(7, 3, padding_idx=2)
    frozen.weight.requires_grad_(False)
    mlp = nn.Sequential(nn.Linear(4, 6), bn, nn.GELU(approximate="tanh"), nn.LayerNorm(6), nn.Dropout(0.2),
                        nn.LeakyReLU(0.2), nn.ELU(0.5), nn.SiLU(), nn.Softplus(2.0, 10.0), nn.Hardtanh(-2.0, 2.0),
                        nn.Identity(), nn.GELU(), nn.Linear(6, 3), nn.LogSoftmax(dim=1))
    tokens = nn.Sequential(nn.Embedding(5, 4), nn.Flatten(0, 1), nn.Softmax(dim=-1))
    return [mlp, cumulative, no_bias, frozen, tokens, nn.LayerNorm(4, elementwise_affine=False)]


def check_integer_buffers(torch, nn, tj, user_modules):
    """num_batches_tracked (int64) goes to float32 and back exactly, and only when it can."""
    bn = nn.BatchNorm1d(2)
    bn.num_batches_tracked.fill_((1 << 24) - 1)
    doc = tj.to_xtgrad(bn)
    assert doc["parameters"]["num_batches_tracked"] == {"shape": [], "dtype": "float32", "data": [16777215.0]}
    back = tj.from_xtgrad(doc)[0].num_batches_tracked
    assert back.dtype == torch.int64 and int(back) == (1 << 24) - 1, back
    bn.num_batches_tracked.fill_((1 << 24) + 1)
    expect_error(ValueError, lambda: tj.to_xtgrad(bn), "'num_batches_tracked': an integer buffer must hold whole numbers")
    doc["parameters"]["num_batches_tracked"]["data"] = [2.5]
    expect_error(ValueError, lambda: tj.from_xtgrad(doc), "'num_batches_tracked': an integer buffer must hold whole numbers")
    return "int64 as float32 both ways, exact to 2^24, refused beyond or when not whole"


def check_other_dtypes(torch, nn, tj, user_modules):
    """float64, float16 and bool tensors travel as float32 only when it holds their values exactly:
    a float64 weight of 0.1 is refused rather than rounded, both from a module and from a state_dict."""
    double = nn.Linear(2, 2).double()  # initialised in float32, so every value is a float32 one
    back = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(double))))[0]
    assert torch.equal(back.weight, double.weight.float()) and back.weight.dtype == torch.float32
    with torch.no_grad():
        double.weight[1, 0] = 0.1  # float32 holds 0.10000000149011612 instead
    assert torch.tensor(0.1, dtype=torch.float64).float().double() != 0.1
    expect_error(ValueError, lambda: tj.to_xtgrad(double), "Linear: parameter 'weight': float64 values that float32 "
                 "does not hold exactly", "convert with .float() first")
    with tempfile.TemporaryDirectory() as tmp:
        pt, js = os.path.join(tmp, "d.pt"), os.path.join(tmp, "d.json")
        torch.save(double.state_dict(), pt)
        arch = json.dumps({"type": "Linear", "in_features": 2, "out_features": 2})
        assert tj.main(["to-xtgrad", pt, js, "--arch", arch]) == 1 and not os.path.exists(js)

    class Mixed(nn.Module):  # buffers of other dtypes, and an empty one
        def __init__(self, device=None):
            super().__init__()
            self.register_buffer("mask", torch.tensor([True, False, True], device=device))
            self.register_buffer("halves", torch.tensor([1.5, -65504.0], dtype=torch.float16, device=device))
            self.register_buffer("empty", torch.zeros(0, 3, device=device))
    tj.register_type("Mixed", Mixed, lambda d, device: Mixed(device), lambda m: {})
    mixed = Mixed()
    doc = json.loads(json.dumps(tj.to_xtgrad(mixed)))
    assert doc["parameters"]["empty"] == {"shape": [0, 3], "dtype": "float32", "data": []}
    back = tj.from_xtgrad(doc)[0]
    assert all(torch.equal(back.state_dict()[k], t) and back.state_dict()[k].dtype == t.dtype
               for k, t in mixed.state_dict().items())
    doc["parameters"]["mask"]["data"][0] = 2.0
    expect_error(ValueError, lambda: tj.from_xtgrad(doc), "parameter 'mask': a bool buffer must hold 0 or 1")
    doc["parameters"]["mask"]["data"][0] = 1.0
    doc["parameters"]["halves"]["data"][0] = 0.1
    expect_error(ValueError, lambda: tj.from_xtgrad(doc), "parameter 'halves': values that its dtype float16 does not hold")
    return "float64 refused unless float32 holds it; float16, bool and empty buffers round-trip"


def check_version_1(torch, nn, tj, user_modules):
    """The committed version-1 fixtures read and reproduce their probabilities."""
    for name in ("torch_trained_mlp.json", "torch_trained_lstm.json"):
        path = os.path.join(REPO, "tests", "fixtures", name)
        with open(path, encoding="utf-8") as f:
            assert json.load(f)["version"] == 1, name
        model, meta = tj.from_xtgrad(path)
        probs = tj.predict_proba(model, meta, torch.tensor(meta["check"]["inputs"]))
        diff = float((probs - torch.tensor(meta["check"]["probabilities"])).abs().max())
        assert diff <= 1e-5, f"{name}: {diff}"
    return "torch_trained_mlp.json, torch_trained_lstm.json"


def expect_error(kind, run, *fragments):
    try:
        run()
    except kind as e:
        missing = [f for f in fragments if f not in str(e)]
        assert not missing, f"{e}\n  lacks {missing}"
        return str(e)
    raise AssertionError(f"no {kind.__name__}; expected one with {fragments}")


def weights(model, parameters):
    return {"format": "xtgrad-weights", "version": 2, "model": model, "parameters": parameters}


def check_registry_errors(torch, nn, tj, user_modules):
    """Unknown types name themselves and say how to register; builders' options are checked."""
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "Sequential", "layers": [
        {"type": "Linear", "in_features": 2, "out_features": 1}, {"type": "PReLU"}]}, {})),
        "weights: model: layers[1]: unknown module type 'PReLU'", "torch_json.register_type('PReLU'")
    expect_error(ValueError, lambda: tj.to_xtgrad(nn.Sequential(nn.Linear(2, 2), nn.PReLU())),
                 "Sequential layer 1: no xtgrad type is registered for PReLU", "register_type('PReLU', PReLU")
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "GELU", "approximate": "fast"}, {})),
                 "'approximate' must be \"none\" or \"tanh\"")
    expect_error(ValueError, lambda: tj.to_xtgrad(nn.Softmax()), "Softmax needs an explicit dim")
    expect_error(ValueError, lambda: tj.to_xtgrad(nn.Embedding(3, 2, max_norm=1.0)), "no max_norm")
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "LSTM", "input_size": 0, "hidden_size": 2}, {})),
                 "weights: model: 'input_size' must be an integer from 1 to 16777216, got 0")
    expect_error(ValueError, lambda: tj.to_xtgrad(nn.LSTM(2, 3, proj_size=2)), "no projection")
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "GRU", "input_size": 2, "hidden_size": 2,
                                                             "dropout": 1.5}, {})), "'dropout' must be between 0 and 1")
    # nn.Hardtanh only asserts this, with an empty message.
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "Hardtanh", "min_val": 1, "max_val": 1}, {})),
                 "model: Hardtanh: max_val must be greater than min_val, got min_val=1.0, max_val=1.0")
    expect_error(TypeError, lambda: tj.register_type("X", object, lambda d, device: None, lambda m: {}),
                 "nn.Module subclass")
    return "unknown types both ways, bad options, unsupported LSTM, bad registration"


def check_registry_covers_xtgrad(torch, nn, tj, user_modules):
    """Every type xtgrad's own registry builds converts (the docstring and the guide say so)."""
    source = open(os.path.join(REPO, "xtgrad", "layers", "registry.cpp")).read()
    xtgrad_types = set(re.findall(r'factories\["(\w+)"\]', source))
    if len(xtgrad_types) < 20:
        raise AssertionError(f"found only {sorted(xtgrad_types)} in xtgrad/layers/registry.cpp")
    missing = xtgrad_types - set(tj.registered_types())
    if missing:
        raise AssertionError(f"xtgrad builds in {sorted(missing)}, which torch_json does not register")
    return f"all {len(xtgrad_types)} of xtgrad's built-in types"


def check_validation(torch, nn, tj, user_modules):
    """Every problem in one error, and nothing allocated for a model larger than the file."""
    good = tj.to_xtgrad(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    bad = json.loads(json.dumps(good))
    params = bad["parameters"]
    del params["0.bias"]
    params["2.weight"]["shape"] = [3, 1]
    params["2.bias"]["data"] = [1.0, 2.0]
    params["0.weight"]["data"][0] = "NaN"
    params["extra"] = params["2.bias"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bad.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(bad, f)
        expect_error(ValueError, lambda: tj.from_xtgrad(path), f"{path}: missing parameter '0.bias' (expected shape [3])",
                     "unexpected parameter 'extra'", "'2.weight': shape [3, 1], expected [1, 3]",
                     "'2.bias': data length 2, expected 1", "'0.weight': data[0] is not a finite float32 (got \"NaN\")")
    # A number JSON holds but float32 does not would load as an infinity: refused from float32's
    # overflow threshold on (torch's own rounding marks it), and a huge integer is no OverflowError.
    limit = tj.FLOAT32_LIMIT
    below = math.nextafter(limit, 0.0)
    assert torch.isinf(torch.tensor(limit)) and torch.tensor(below) == torch.finfo(torch.float32).max
    for value, shown in ((limit, repr(limit)), (-limit, repr(-limit)), (10 ** 400, "an integer beyond float32's range")):
        edited = json.loads(json.dumps(good))
        edited["parameters"]["2.weight"]["data"][2] = value
        expect_error(ValueError, lambda: tj.from_xtgrad(edited), f"'2.weight': data[2] is not a finite float32 (got {shown})")
    edited["parameters"]["2.weight"]["data"][2] = -below
    assert tj.from_xtgrad(edited)[0][2].weight[0, 2] == -torch.finfo(torch.float32).max
    # 2^48 weights declared, two numbers stored: refused from the meta build, before allocating.
    expect_error(ValueError, lambda: tj.from_xtgrad(weights(
        {"type": "Linear", "in_features": 1 << 24, "out_features": 1 << 24, "bias": False},
        {"weight": {"shape": [2], "dtype": "float32", "data": [1, 2]}})),
        "'weight': shape [2], expected [16777216, 16777216]")

    class Scratch(nn.Module):  # a non-persistent buffer sized by the description, not by the file
        def __init__(self, n, device):
            super().__init__()
            self.register_buffer("scratch", torch.zeros(n, device=device), persistent=False)
    tj.register_type("Scratch", Scratch, lambda d, device: Scratch(tj.get_int_in(d, "n", high=1 << 40), device),
                     lambda m: {"n": m.scratch.numel()})
    expect_error(ValueError, lambda: tj.from_xtgrad(weights({"type": "Scratch", "n": 1 << 40}, {})),
                 f"it holds {1 << 40} numbers", "refused before allocating")
    assert isinstance(tj.from_xtgrad(weights({"type": "Scratch", "n": 100}, {}))[0], Scratch)

    class Careless(nn.Linear):
        pass
    tj.register_type("Careless", Careless, lambda d, device: Careless(2, 2), lambda m: {})
    expect_error(TypeError, lambda: tj.from_xtgrad(weights({"type": "Careless"}, {})),
                 "ignored its device argument: weight, bias")
    expect_error(ValueError, lambda: tj.from_xtgrad({**good, "version": 3}), "'version' is 3, this reader knows 1 and 2")
    return "every problem listed with the source; huge models refused before allocating"


def check_command_line(torch, nn, tj, user_modules):
    """to-xtgrad of a state_dict with --arch, for a user's type, then to-torch: the same state."""
    torch.manual_seed(1)
    outer = user_modules.TestOuter(2, 3)
    outer.offset.fill_(0.5)
    with tempfile.TemporaryDirectory() as tmp:
        sd, js, back = (os.path.join(tmp, n) for n in ("outer.pt", "outer.json", "back.pt"))
        torch.save(outer.state_dict(), sd)
        arch = json.dumps({"type": "TestOuter", "features": 2, "hidden": 3})
        assert tj.main(["to-xtgrad", sd, js, "--arch", arch, "--metadata", '{"note": "cli"}']) == 0
        assert tj.main(["to-torch", js, back]) == 0
        state = torch.load(back)
        assert list(state) == list(outer.state_dict())
        assert all(torch.equal(state[k], v) for k, v in outer.state_dict().items())
        wrong = json.dumps({"type": "TestOuter", "features": 2, "hidden": 4})
        assert tj.main(["to-xtgrad", sd, js, "--arch", wrong]) == 1
    return "to-xtgrad --arch and to-torch with a registered user type"


def check_tasks(torch, nn, tj, user_modules):
    """metadata.task: softmax for multiclass, identity (target scaling undone) for regression,
    the CSV `xtgrad predict` writes, --task on the command line, and bad task metadata refused."""
    torch.manual_seed(2)
    x = torch.randn(5, 3)
    net = nn.Sequential(nn.Linear(3, 4))
    meta = {"task": "multiclass", "classes": ["a", "b,c", "d", "e"], "standardize": {"mean": [1, 2, 3], "std": [2, 1, 4]}}
    model, back_meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(net, metadata=meta))))
    z = (x - torch.tensor([1.0, 2, 3])) / torch.tensor([2.0, 1, 4])
    logits = z.double() @ net[0].weight.double().T + net[0].bias.double()
    p = tj.predict(model, back_meta, x)
    assert torch.allclose(p.double(), torch.softmax(logits, 1), atol=1e-6), (p, logits)
    lines = tj.prediction_csv(back_meta, p).splitlines()
    assert lines[0] == 'p_a,"p_b,c",p_d,p_e,class', lines[0]
    assert [int(l.split(",")[-1]) for l in lines[1:]] == logits.argmax(1).tolist(), lines
    expect_error(ValueError, lambda: tj.predict_proba(model, back_meta, x), "predict_proba is for binary models")
    # Ending in Softmax over the classes: its probabilities, not a second softmax of them; ending
    # in Sigmoid: refused (its rows need not sum to 1).
    with_softmax = nn.Sequential(net[0], nn.Softmax(dim=1))
    model, back_meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(with_softmax, metadata=meta))))
    p = tj.predict(model, back_meta, x)
    assert torch.allclose(p.double(), torch.softmax(logits, 1), atol=1e-6), (p, logits)
    with_sigmoid = nn.Sequential(net[0], nn.Sigmoid())
    model, back_meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(with_sigmoid, metadata=meta))))
    expect_error(ValueError, lambda: tj.predict(model, back_meta, x), "not 1 (a Sigmoid?)")

    reg = nn.Sequential(nn.Linear(3, 1))
    meta = {"task": "regression", "target_standardize": {"mean": [10.0], "std": [3.0]}}
    model, back_meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(reg, metadata=meta))))
    y = tj.predict(model, back_meta, x)
    expected = (x.double() @ reg[0].weight.double().T + reg[0].bias.double()) * 3 + 10
    assert y.shape == (5, 1) and torch.allclose(y.double(), expected, atol=1e-5), (y, expected)
    assert tj.prediction_csv(back_meta, y).splitlines()[0] == "prediction"
    binary = nn.Sequential(nn.Linear(3, 1))
    model, back_meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(binary))))
    assert torch.equal(tj.predict(model, back_meta, x), tj.predict_proba(model, back_meta, x))

    for bad, fragment in (({"task": "ranking"}, "metadata.task must be"), ({"task": 1}, "metadata.task must be"),
                          ({"classes": "abc"}, "metadata.classes must be a list"),
                          ({"target_standardize": {"mean": [0], "std": [0]}}, "metadata.target_standardize must be"),
                          ({"steps": 0}, "metadata.steps")):
        doc = tj.to_xtgrad(reg)
        doc["metadata"] = bad
        expect_error(ValueError, lambda: tj.from_xtgrad(doc), fragment)
    with tempfile.TemporaryDirectory() as tmp:
        pt, js, rows = (os.path.join(tmp, n) for n in ("m.pt", "m.json", "rows.csv"))
        torch.save(net.state_dict(), pt)
        arch = json.dumps({"type": "Sequential", **tj.describe(net)})
        assert tj.main(["to-xtgrad", pt, js, "--arch", arch, "--task", "multiclass"]) == 0, arch
        with open(js) as f:
            assert json.load(f)["metadata"] == {"task": "multiclass"}
    return "multiclass softmax, regression with target scaling, the CSV layout, --task, bad task metadata"


def check_sequence_predict(torch, nn, tj, user_modules):
    """predict() on SequenceClassifier files as `xtgrad predict` reads them: rows of T*I features,
    or rows of T token ids (whole numbers in the vocabulary, named by row and column when not)."""
    torch.manual_seed(3)
    floats = tj.SequenceClassifier(2, 3, cell="gru")
    model, meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(floats, metadata={"steps": 4}))))
    x = torch.randn(5, 4, 2)
    with torch.no_grad():
        expected = torch.sigmoid(floats.eval()(x)).reshape(-1)
    p = tj.predict(model, meta, x.reshape(5, 8))
    assert torch.allclose(p, expected, atol=1e-6), (p, expected)
    tokens = tj.SequenceClassifier(3, 4, num_embeddings=5, padding_idx=0, num_classes=2)
    meta = {"task": "multiclass", "steps": 3}
    model, meta = tj.from_xtgrad(json.loads(json.dumps(tj.to_xtgrad(tokens, metadata=meta))))
    ids = torch.tensor([[0, 1, 2], [4, 3, 1]])
    with torch.no_grad():
        expected = torch.softmax(tokens.eval()(ids), 1)
    p = tj.predict(model, meta, ids.to(torch.float32))
    assert torch.allclose(p, expected, atol=1e-6), (p, expected)
    expect_error(ValueError, lambda: tj.predict(model, meta, torch.tensor([[0.0, 1, 2], [4, 5, 1]])),
                 "row 2, column 2: token ids are whole numbers in [0, 5)")
    expect_error(ValueError, lambda: tj.predict(model, meta, torch.tensor([[0.0, 1]])), "T = 3 token ids")
    return "float and token SequenceClassifier rows, bad ids named by row and column"


def main():
    try:
        import torch
        import torch.nn as nn
    except ImportError:
        print("skipped: python3-torch is not installed (apt-get install python3-torch)")
        return SKIP
    sys.path[:0] = [os.path.join(REPO, "tools"), HERE]
    import torch_json
    import user_modules
    user_modules.register()
    checks = (check_round_trips, check_integer_buffers, check_other_dtypes, check_version_1, check_registry_errors,
              check_registry_covers_xtgrad, check_validation,
              check_command_line, check_tasks, check_sequence_predict)
    failed = 0
    for check in checks:
        try:
            print(f"{check.__name__}: ok: {check(torch, nn, torch_json, user_modules)}")
        except Exception as e:  # report it as this check's failure, and go on
            print(f"{check.__name__}: FAILED: {type(e).__name__}: {e}")
            failed += 1
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
