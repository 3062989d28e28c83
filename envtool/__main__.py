"""``python -m envtool``: the same command line as the ``envtool`` script."""

from envtool.cli import main

if __name__ == "__main__":
    main()
