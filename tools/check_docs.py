#!/usr/bin/env python3
"""Checks that every C++ code block in the docs is a region of a file CI compiles.

Each ```cpp block in README.md and docs/*.md must follow a line
`<!-- snippet: PATH#NAME -->` (PATH relative to the repository root) and equal, after
removing common indentation, the lines between `// [snippet:NAME]` and `// [end-snippet]`
in PATH. Usage: tools/check_docs.py [--update] [REPO_ROOT]. Exits 1 listing every mismatch;
--update instead rewrites each differing block from its snippet (after the snippet files were
reformatted, tools/check_format.sh --fix).
"""
import pathlib
import re
import sys
import textwrap

MARK = re.compile(r"<!--\s*snippet:\s*(\S+)#(\S+)\s*-->")


def snippet(path, name):
    lines = path.read_text().splitlines()
    try:
        start = lines.index(next(l for l in lines if l.strip() == f"// [snippet:{name}]"))
    except StopIteration:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "// [end-snippet]"), None)
    return None if end is None else textwrap.dedent("\n".join(lines[start + 1:end]))


def check(root, update=False):
    problems, blocks = [], 0
    docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    for doc in docs:
        lines = doc.read_text().splitlines()
        updates = []  # (start, end, new body) of the blocks to rewrite
        for i, line in enumerate(lines):
            if line.strip() != "```cpp":
                continue
            blocks += 1
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            body = "\n".join(lines[i + 1:end])
            previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            mark = MARK.search(previous)
            where = f"{doc.relative_to(root)}:{i + 1}"
            if not mark:
                problems.append(f"{where}: C++ block without a <!-- snippet: PATH#NAME --> line before it")
                continue
            source = root / mark.group(1)
            expected = snippet(source, mark.group(2)) if source.exists() else None
            if expected is None:
                problems.append(f"{where}: snippet {mark.group(1)}#{mark.group(2)} not found")
            elif expected != body and update:
                updates.append((i + 1, end, expected.splitlines()))
            elif expected != body:
                problems.append(f"{where}: block differs from {mark.group(1)}#{mark.group(2)}")
        for start, end, body in reversed(updates):
            lines[start:end] = body
        if updates:
            doc.write_text("\n".join(lines) + "\n")
            print(f"{doc.relative_to(root)}: {len(updates)} blocks updated")
    for p in problems:
        print(p)
    print(f"{blocks - len(problems)} passed, {len(problems)} failed")
    return 1 if problems or blocks == 0 else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--update"]
    sys.exit(check(pathlib.Path(args[0] if args else ".").resolve(), update="--update" in sys.argv[1:]))
