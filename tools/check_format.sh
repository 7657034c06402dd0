#!/usr/bin/env bash
# Checks that every C++ file of ours is formatted as .clang-format says (clang-format 14);
# lists the files that are not and exits 1. `tools/check_format.sh --fix` formats them in place
# and then copies the guide's snippet regions into README.md and docs/*.md (tools/check_docs.py
# --update), so the blocks still match the reformatted docs/snippets/ files.
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=${CLANG_FORMAT:-clang-format-14}
command -v "$clang_format" >/dev/null || { echo "$clang_format not found (apt-get install clang-format-14)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [[ ${1:-} == --fix ]]; then
  "$clang_format" -i "${files[@]}"
  exec python3 tools/check_docs.py --update .
fi
bad=()
for f in "${files[@]}"; do
  "$clang_format" --dry-run --Werror "$f" 2>/dev/null || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'not formatted (tools/check_format.sh --fix): %s\n' "${bad[@]}"
  exit 1
fi
echo "${#files[@]} files formatted"
