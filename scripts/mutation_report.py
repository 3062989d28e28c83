"""Sum up a mutmut run per module: killed, survived, equivalent, and the share killed.

Reads mutmut's result files (``mutants/**/*.py.meta``) for the mutants named in
:data:`MUTANTS` (the reading side of the lock formats, verify, headers and
specs), and ``scripts/mutation_equivalent.txt``: survivors judged equivalent
(the program behaves the same with them), one mutant name and the reason per
line. Exit 1 if fewer than 90 % of the non-equivalent mutants of a module are
killed, or if an equivalent-listed mutant no longer survives (the list is stale).

Run it after ``mutmut run`` (``nox -s mutation`` does both).
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

#: The mutants the ``mutation`` session runs: module, then glob patterns over mutmut's mutant names.
MUTANTS: dict[str, tuple[str, ...]] = {
    "envtool/env/verify.py": ("envtool.env.verify.*",),
    "envtool/lockfiles/read.py": ("envtool.lockfiles.read.*",),
    "envtool/lockfiles/explicit.py": (
        "envtool.lockfiles.explicit.x_read_explicit__mutmut_*",
        "envtool.lockfiles.explicit.x__conda_line__mutmut_*",
        "envtool.lockfiles.explicit.x__pip_line__mutmut_*",
    ),
    "envtool/lockfiles/env_file.py": (
        "envtool.lockfiles.env_file.x_find_group_file__mutmut_*",
        "envtool.lockfiles.env_file.x_read_env_file__mutmut_*",
    ),
    "envtool/lockfiles/conda_lock.py": tuple(
        f"envtool.lockfiles.conda_lock.x_{name}__mutmut_*"
        for name in (
            "read_text",
            "load_v1",
            "read_conda_lock",
            "_target_locks",
            "_in_order",
            "_conda_package",
            "_pip_package",
        )
    ),
    "envtool/lockfiles/header.py": ("envtool.lockfiles.header.*",),
    "envtool/inputs/spec.py": ("envtool.inputs.spec.*",),
}
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.txt")
THRESHOLD = 0.90


def patterns() -> list[str]:
    """Every glob of :data:`MUTANTS`, for ``mutmut run``."""
    return [p for globs in MUTANTS.values() for p in globs]


def equivalent() -> dict[str, str]:
    """Mutant name -> why it is equivalent."""
    out = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip()
    return out


def main() -> int:
    from mutmut.stats import status_by_exit_code

    judged = equivalent()
    failed = False
    print(f"{'module':34} {'mutants':>7} {'killed':>7} {'survived':>8} {'equivalent':>10} {'other':>6} {'killed %':>8}")
    for module, globs in MUTANTS.items():
        meta = json.loads(Path("mutants", module + ".meta").read_text(encoding="utf-8"))
        codes = {k: v for k, v in meta["exit_code_by_key"].items() if any(fnmatch.fnmatch(k, g) for g in globs)}
        counts: Counter[str] = Counter()
        for name, code in codes.items():
            status = status_by_exit_code[code]
            if status == "survived" and name in judged:
                status = "equivalent"
            elif name in judged:
                print(f"  stale: {name} is listed as equivalent but {status}")
                failed = True
            counts[status if status in ("killed", "survived", "equivalent") else "other"] += 1
        scored = counts["killed"] + counts["survived"] + counts["other"]
        share = counts["killed"] / scored if scored else 1.0
        failed |= share < THRESHOLD
        print(f"{module:34} {len(codes):7} {counts['killed']:7} {counts['survived']:8} {counts['equivalent']:10} "
              f"{counts['other']:6} {share:8.1%}")  # fmt: skip
        for name, code in sorted(codes.items()):
            if status_by_exit_code[code] != "killed" and name not in judged:
                print(f"    {status_by_exit_code[code]}: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--patterns"]:
        print("\n".join(patterns()))
        sys.exit(0)
    sys.exit(main())
