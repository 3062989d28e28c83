"""envtool's sessions: tests, lint, typecheck, locks and benchmarks.

Default sessions (`nox`): tests, lint, typecheck, lock_check. The others are
opt-in: `nox -s locks`, `nox -s tf_smoke -- /path/to/python3.9`, `nox -s bench_toolkit`,
`nox -s bench_tf_cpu -- PYTHON`, `nox -s bench_tf_gpu -- PYTHON`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck", "lock_check"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
SNAPSHOT = Path(os.environ.get("ENVTOOL_SNAPSHOT") or ROOT.parent / "shared" / "conda-forge-tf29")


def _install(session: nox.Session, *extras: str) -> None:
    spec = f".[{','.join(extras)}]" if extras else "."
    # Byte-compiled at install: where PYTHONDONTWRITEBYTECODE is set, nothing is ever compiled otherwise
    # and every start of envtool recompiles what it imports.
    session.install("-e", spec, env={"UV_COMPILE_BYTECODE": "1"})
    session.run("python", "-m", "compileall", "-q", "envtool", silent=True)


def _mirror_args() -> list[str]:
    """Solve conda-forge against the local snapshot when it is there (this project's CI)."""
    if (SNAPSHOT / "noarch" / "repodata.json").is_file():
        return ["--mirror", f"conda-forge={SNAPSHOT}"]
    return []


@nox.session
def tests(session: nox.Session) -> None:
    """The hermetic test suite (no network); snapshot tests run where ../shared exists."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def tests_network(session: nox.Session) -> None:
    """Tests that reach PyPI (TensorFlow wheels, byte-for-byte re-lock of every target)."""
    _install(session, "test")
    session.run("pytest", "-m", "network", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*[d for d in PYPROJECT["project"]["optional-dependencies"]["dev"] if d.startswith("ruff")])
    session.run("ruff", "check", "envtool", "tests", "benchmarks", "scripts", "noxfile.py")
    session.run("ruff", "format", "--check", "envtool", "tests", "benchmarks", "scripts", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    _install(session, "dev")
    session.run("mypy")


@nox.session
def locks(session: nox.Session) -> None:
    """Re-lock stale targets (pass --force to re-solve all)."""
    _install(session)
    session.run("envtool", "lock", *_mirror_args(), *session.posargs)


@nox.session
def lock_check(session: nox.Session) -> None:
    """Fail if any committed lock is stale (never solves)."""
    _install(session)
    session.run("envtool", "check")


@nox.session
def bench_toolkit(session: nox.Session) -> None:
    """envtool's own speed against the raw libraries, side by side."""
    _install(session, "test")
    (ROOT / "bench-results").mkdir(exist_ok=True)
    session.run("pytest", "benchmarks/toolkit", "-p", "no:cacheprovider", "-o", "addopts=", "--benchmark-only",
                "--benchmark-json", "bench-results/toolkit.json", *session.posargs)  # fmt: skip


def _tf_python(session: nox.Session) -> str:
    python = session.posargs[0] if session.posargs else os.environ.get("ENVTOOL_TF_PYTHON", "")
    if not python:
        session.skip(
            "give a CPython 3.9/3.10 with TensorFlow 2.9: nox -s SESSION -- /path/to/python (or ENVTOOL_TF_PYTHON)"
        )
    return python


@nox.session
def tf_smoke(session: nox.Session) -> None:
    """Install the Linux CPU lock's Python half into a venv of the given CPython 3.9/3.10 and run TF."""
    _install(session)
    python = _tf_python(session)
    session.run("python", "scripts/tf_smoke_env.py", python, "locks/linux-cpu.yml")


@nox.session
def bench_tf_cpu(session: nox.Session) -> None:
    """The TensorFlow benchmarks on the CPU, with the given environment's Python."""
    _install(session, "plot")
    session.run("envtool", "bench", "--python", _tf_python(session), "--device", "cpu", *session.posargs[1:])


@nox.session
def bench_tf_gpu(session: nox.Session) -> None:
    """The TensorFlow benchmarks on the GPU; skips cleanly where there is none."""
    import shutil

    if shutil.which("nvidia-smi") is None:
        session.skip("no NVIDIA GPU here (nvidia-smi not found)")
    _install(session, "plot")
    session.run("envtool", "bench", "--python", _tf_python(session), "--device", "gpu", *session.posargs[1:])
