"""The ``envtool`` script and ``python -m envtool``: the command line of :mod:`envtool.cli`.

One case is answered before the command-line framework is even imported: a
plain ``envtool check`` (``--manifest``, ``--target``, nothing else) whose
inputs are byte for byte those the locks record. That is CI's and pre-commit's
most frequent call, and importing click alone took longer than the whole
check. Anything else (options, a changed input, an error) goes to
:func:`envtool.cli.main`, which answers it in full.
"""

from __future__ import annotations

from envtool import interrupts

interrupts.hold()  # a signal during start-up is held, then ends the command with its code (128 + N)

import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402


def main() -> None:
    """Console-script entry point."""
    try:
        interrupts.install()
    except KeyboardInterrupt as exc:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(interrupts.exit_code(exc))
    code = _unchanged_check(sys.argv[1:])
    if code is None:
        try:
            from envtool.cli import main as full
        except KeyboardInterrupt as exc:  # a signal while the CLI's modules load: the same exit
            sys.stderr.write("interrupted\n")
            sys.stderr.flush()
            os._exit(interrupts.exit_code(exc))
        full()
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)  # as envtool.cli.main ends


def _unchanged_check(args: Sequence[str]) -> int | None:
    """The exit code of ``envtool check ARGS`` when it is decided from raw bytes alone, else ``None``."""
    if not args or args[0] != "check":
        return None
    manifest: str | None = None
    targets: list[str] = []
    rest = list(args[1:])
    while rest:
        arg = rest.pop(0)
        option, equals, value = arg.partition("=")
        if option in ("-t", "--target", "--manifest") and not equals:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        elif option not in ("--target", "--manifest") or not value:
            return None  # --json, --help, anything unusual: the full command line
        if option == "--manifest":
            manifest = value
        else:
            targets.append(value)
    try:
        return _check(manifest, targets)
    except KeyboardInterrupt as exc:
        sys.stderr.write("interrupted\n")
        return interrupts.exit_code(exc)
    except Exception:  # the full command line reports it, with its exit code
        return None


def _check(manifest: str | None, targets: Sequence[str]) -> int | None:
    from pathlib import Path

    from envtool.errors import EXIT_CHECK_FAILED
    from envtool.inputs.targets import find_manifest
    from envtool.locking.freshness import describe, quick_check

    path = Path(manifest) if manifest is not None else find_manifest(Path.cwd())
    statuses = quick_check(path, tuple(targets), None)
    if statuses is None:
        return None
    sys.stderr.write("".join(f"{line}\n" for line in describe(statuses)))
    return EXIT_CHECK_FAILED if any(not s.fresh for s in statuses) else 0


if __name__ == "__main__":
    main()
