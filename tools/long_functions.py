"""List the functions of survey/ longer than a limit (default 60 lines), longest first.

    python3 tools/long_functions.py [--check] [limit]

A function may be longer when the comment line directly above its ``def`` (or its first
decorator) gives the reason: ``# Long: one add_argument per option, in the order --help shows``.
Those are listed after the others.  With ``--check`` (run by ``.ci/run``) the exit status is 1
when a function past the limit has no reason.
"""

import ast
import sys
from pathlib import Path

MARK = "# Long: "


def reason(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The reason written on the line above the function (or its decorators), if any."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above[len(MARK) :] if above.startswith(MARK) else None


def long_functions(limit: int) -> list[tuple[int, str, str, str | None]]:
    """``(length, path:line, name, reason)`` of every function of survey/ past ``limit`` lines."""
    found = []
    for path in sorted(Path("survey").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if length > limit:
                    found.append((length, f"{path}:{node.lineno}", node.name, reason(lines, node)))
    return sorted(found, key=lambda f: (f[3] is not None, -f[0], f[1]))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    limit = int(args[0]) if args else 60
    found = long_functions(limit)
    for length, where, name, why in found if not check else [f for f in found if f[3] is None]:
        print(f"{length:4d}  {where}  {name}" + (f"  ({why})" if why else ""))
    missing = [f for f in found if f[3] is None]
    if check and missing:
        print(f"{len(missing)} functions past {limit} lines without a '{MARK.strip()}' reason")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
