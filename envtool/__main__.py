"""``python -m envtool``: the same command line as the ``envtool`` script.

The process ends with ``os._exit`` once output is flushed: rattler's tokio
threads may still hold Python objects, and interpreter shutdown racing them
can crash a process whose work succeeded (see ``install._let_rattler_finish``).
"""

import os
import sys

from envtool.cli import main


def _run() -> None:
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _run()
