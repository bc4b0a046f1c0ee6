"""List the functions of survey/ longer than a limit (default 60 lines), longest first.

    python3 tools/long_functions.py [limit]
"""

import ast
import sys
from pathlib import Path

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 60


def main() -> None:
    found = []
    for path in sorted(Path("survey").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > LIMIT:
                    found.append((length, f"{path}:{node.lineno}", node.name))
    for length, where, name in sorted(found, reverse=True):
        print(f"{length:4d}  {where}  {name}")


if __name__ == "__main__":
    main()
