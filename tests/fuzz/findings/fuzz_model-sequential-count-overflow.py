#!/usr/bin/env python3
# Fixed in e5376b6 (counts now saturate); kept because it is too large to be a seed.
# Writes (to stdout) a 5 MB weights file whose Sequential declares 2^64 parameters, which
# the size_t sum in layer_from_json() (io/weights.cpp) wrapped to 0: the file holds no data,
# yet passed the count check, and load_model() then constructed Linear(65536, 65536) twice
# (16 GiB of float32 each, filled with random numbers) before Linear(65536, 2^24) threw.
# Too big for the fuzzer's -max_len, hence a generator:
#   python3 fuzz_model-sequential-count-overflow.py > big.json
#   build-fuzz/fuzz_model -rss_limit_mb=6000 -malloc_limit_mb=1024 big.json
import json
import sys

layers = []


def linear(i, o):
    layers.append({"type": "Linear", "in_features": i, "out_features": o, "bias": False})


linear(65536, 65536)                           # 2^32 weights: allowed by Linear, 16 GiB
linear(65536, 65536)                           # another 16 GiB
linear(65536, 1 << 24)                         # 2^40: Linear's constructor rejects this one
for _ in range(65535):
    linear(1 << 24, 1 << 24)                   # 2^48 each
linear(1 << 24, (1 << 24) - (1 << 16) - (1 << 9))  # brings the sum to exactly 2^64
assert sum(l["in_features"] * l["out_features"] for l in layers) == 1 << 64
json.dump({"format": "xtgrad-weights", "version": 1, "model": {"type": "Sequential", "layers": layers},
           "parameters": {}}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
