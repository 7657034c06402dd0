"""PyTorch twins of the user's own modules in tests/support/user_modules.hpp (TestBlock, TestOuter),
registered with torch_json under the same type names, for the interop tests and fixtures.

Import after putting tools/ on sys.path; call register() before converting.
"""

import torch
import torch.nn as nn

import torch_json


class TestBlock(nn.Module):
    """relu(fc(x)) * scale; `scale` is a persistent buffer, `calls` a non-persistent one."""

    def __init__(self, in_features, out_features, device=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.fc = nn.Linear(in_features, out_features, device=device)
        self.register_buffer("scale", torch.full((out_features,), 2.0, device=device))
        self.register_buffer("calls", torch.zeros(1, device=device), persistent=False)

    def forward(self, x):
        return torch.relu(self.fc(x)) * self.scale


class TestOuter(nn.Module):
    """head(block(x)) + offset: a buffer of its own, a TestBlock and a Sequential head."""

    def __init__(self, features, hidden, device=None):
        super().__init__()
        self.features, self.hidden = features, hidden
        self.register_buffer("offset", torch.full((1,), 0.25, device=device))
        self.block = TestBlock(features, hidden, device)
        self.head = nn.Sequential(nn.Linear(hidden, 1, device=device))

    def forward(self, x):
        return self.head(self.block(x)) + self.offset


def register():
    """Registers both as the C++ tests do (register_user_modules); idempotent."""
    get = torch_json.get_int_in
    torch_json.register_type("TestBlock", TestBlock,
                             lambda d, device: TestBlock(get(d, "in", high=1024), get(d, "out", high=1024), device),
                             lambda m: {"in": m.in_features, "out": m.out_features})
    torch_json.register_type("TestOuter", TestOuter,
                             lambda d, device: TestOuter(get(d, "features", high=1024), get(d, "hidden", high=1024),
                                                         device),
                             lambda m: {"features": m.features, "hidden": m.hidden})
