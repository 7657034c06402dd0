#!/usr/bin/env bash
# Streaming `xtgrad predict` against numpy.loadtxt + a PyTorch forward of the same model on the
# same generated CSV: wall time, MB/s of CSV, rows/s and peak resident memory of each.
#   bench/predict_stream.sh [BUILD_DIR] [SIZE_MB]     defaults: build 1024
# Needs /usr/bin/python3 with python3-torch and numpy (Debian packages). The CSV goes to
# ${TMPDIR:-/tmp} and is deleted at the end, whatever happens.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
size_mb=${2:-1024}
xtgrad=$build/tools/xtgrad
[[ -x $xtgrad ]] || { echo "build $xtgrad first (cmake --build $build --target xtgrad_cli)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/xtgrad-predict-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
features=32

# The model: Linear(33, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 1) with standardisation, made
# by PyTorch and converted with tools/torch_json.py, so both sides run the very same weights.
# 33 inputs: the 32 features and the 0/1 label column (the --labels-last run uses a 32-input twin).
/usr/bin/python3 - "$repo" "$work" "$features" <<'EOF'
import sys, torch
sys.path.insert(0, sys.argv[1] + "/tools")
import torch_json
work, f = sys.argv[2], int(sys.argv[3])
torch.manual_seed(0)
for name, inputs in (("model", f + 1), ("model_labels", f)):
    net = torch.nn.Sequential(torch.nn.Linear(inputs, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 1))
    meta = {"standardize": {"mean": [0.1] * inputs, "std": [1.5] * inputs}}
    torch_json.to_xtgrad(net, f"{work}/{name}.json", meta)
EOF

# The CSV: a header, then rows of 32 numbers (%.6g) and a 0/1 label; a block of 100,000 distinct
# rows repeated up to SIZE_MB (the parsers see the same text either way).
/usr/bin/python3 - "$work/rows.csv" "$size_mb" "$features" <<'EOF'
import io, sys, numpy as np
path, size, f = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3])
rng = np.random.default_rng(0)
block = np.hstack([rng.normal(0, 2, (100000, f)), rng.integers(0, 2, (100000, 1))])
text = io.StringIO()
np.savetxt(text, block, fmt=["%.6g"] * f + ["%d"], delimiter=",")
text = text.getvalue().encode()
with open(path, "wb") as out:
    out.write((",".join(f"x{i}" for i in range(f)) + ",label\n").encode())
    written = 0
    while written < size:
        out.write(text)
        written += len(text)
EOF
bytes=$(stat -c %s "$work/rows.csv")
rows=$(($(wc -l <"$work/rows.csv") - 1))

# "wall_seconds cpu_seconds peak_kB" of a command, from GNU time. CPU time (user + system) is
# the steadier figure on a shared machine: wall time there depends on the other jobs.
measure() { /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null && awk '{ print $1, $2 + $3, $4 }' "$work/time"; }
report() {  # name wall_seconds cpu_seconds peak_kB
  awk -v name="$1" -v s="$2" -v cpu="$3" -v kb="$4" -v bytes="$bytes" -v rows="$rows" 'BEGIN {
    printf "%-31s %7.2f s wall %6.1f MB/s %9.0f rows/s | %7.2f s CPU %6.1f MB/CPU-s | %7.1f MB peak RSS\n",
           name, s, bytes / 1048576 / s, rows / s, cpu, bytes / 1048576 / cpu, kb / 1024 }'
}

echo "== $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $rows rows, $bytes bytes of CSV ($((bytes >> 20)) MB), 33 columns"
read -r s cpu kb < <(measure "$xtgrad" predict --model "$work/model.json" --input "$work/rows.csv" --output "$work/p.csv")
report "xtgrad predict --output FILE" "$s" "$cpu" "$kb"
read -r s cpu kb < <(measure sh -c "'$xtgrad' predict --model '$work/model.json' --input - < '$work/rows.csv' > /dev/null")
report "xtgrad predict stdin -> stdout" "$s" "$cpu" "$kb"
read -r s cpu kb < <(measure "$xtgrad" predict --model "$work/model_labels.json" --input "$work/rows.csv" --labels-last \
                       --output "$work/p_labels.csv")
report "xtgrad predict --labels-last" "$s" "$cpu" "$kb"

# PyTorch: numpy.loadtxt of the whole file, then the forward pass (as it comes: torch's default
# threads); timed up to the probabilities in memory. They are then checked against xtgrad's.
read -r s cpu kb < <(measure /usr/bin/python3 - "$repo" "$work" <<'EOF'
import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1] + "/tools")
import torch_json
work = sys.argv[2]
model, meta = torch_json.from_xtgrad(f"{work}/model.json")
x = np.loadtxt(f"{work}/rows.csv", delimiter=",", skiprows=1, dtype=np.float32)
p = torch_json.predict_proba(model, meta, torch.from_numpy(x)).numpy().reshape(-1)
np.save(f"{work}/p_torch.npy", p)
EOF
)
report "numpy.loadtxt + torch forward" "$s" "$cpu" "$kb"
/usr/bin/python3 - "$work" <<'EOF'
import sys, numpy as np
work = sys.argv[1]
ours, theirs = np.loadtxt(f"{work}/p.csv", dtype=np.float32), np.load(f"{work}/p_torch.npy")
assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
print(f"== same {ours.size} probabilities from both: max |xtgrad - torch| = {np.abs(ours - theirs).max():.3g}")
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
