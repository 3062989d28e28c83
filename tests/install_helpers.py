"""Builders for ``envtool create`` / ``verify`` tests: a small locked world, lock files, slow servers.

A :class:`World` is a local channel plus a folder of wheels and the
:class:`~envtool.model.TargetLock` that pins them. The lock carries
*canonical* URLs on hosts that cannot resolve (``conda.invalid``,
``pypi.invalid``), so every test must go through a mirror (``file://`` or the
local HTTP server): a missed rewrite fails loudly instead of reaching the
network.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from envtool.inputs.fingerprint import Fingerprint
from envtool.inputs.mirrors import MirrorMap
from envtool.model import CondaPackage, PipPackage, TargetLock
from tests.factories import (
    PREFIX_PLACEHOLDER,
    index_channel,
    make_conda_package,
    make_python_package,
    make_wheel,
    sha256_file,
)

CANONICAL = "https://conda.invalid/test-forge"
INPUTS = Fingerprint({"channels": "ab" * 6})
PYPI = "https://pypi.invalid/packages"
ENVTOOL = [sys.executable, "-m", "envtool"]


def host_subdir() -> str:
    """The conda subdir of the machine running the tests."""
    import rattler

    return str(rattler.Subdir.current())


@dataclass
class World:
    """A channel, wheels, and the lock that pins them (canonical URLs)."""

    root: Path
    channel: Path
    wheels: Path
    lock: TargetLock
    files: dict[str, Path] = field(default_factory=dict)  # package name -> archive or wheel

    def mirrors(self, conda: str | None = None, pypi: str | None = None) -> MirrorMap:
        """Mirrors to the channel and wheel folders (``file://`` unless other bases are given)."""
        return MirrorMap({CANONICAL: conda or self.channel.as_uri(), PYPI: pypi or self.wheels.as_uri()})

    def mirror_args(self, conda: str | None = None, pypi: str | None = None) -> list[str]:
        """The same mirrors as ``--mirror`` options."""
        return [arg for c, m in self.mirrors(conda, pypi).mirrors.items() for arg in ("--mirror", f"{c}={m}")]

    def without_pip(self) -> TargetLock:
        """The lock's conda half only."""
        return replace(self.lock, pip=())


def build_world(root: Path, *, pip: bool = True, variables: dict[str, str] | None = None) -> World:
    """A channel with python, a noarch package with an entry point, prefix files, a virtual dep."""
    subdir = host_subdir()
    channel = root / "channel"
    files = {
        "python": make_python_package(channel, subdir=subdir),
        "hello": make_conda_package(
            channel, "hello", "1.0", "pyh0_0", noarch="python", depends=["python"],
            files={"site-packages/hello/__init__.py": "import sys\n\ndef main():\n    print('hello', sys.prefix)\n",
                   "site-packages/hello-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: hello\nVersion: 1.0\n",
                   "site-packages/hello-1.0.dist-info/INSTALLER": "conda\n"},
            entry_points=["hello = hello:main"],
        ),
        "prefixed": make_conda_package(
            channel, "prefixed", "2.0", "h1_1", subdir=subdir,
            prefix_placeholder_files={
                "share/prefixed/where.txt": f"prefix={PREFIX_PLACEHOLDER}\n",
                "bin/prefixed-tool": f"#!/bin/sh\necho {PREFIX_PLACEHOLDER}\n",
            },
        ),
        "needs-glibc": make_conda_package(
            channel, "needs-glibc", "0.1", "0", subdir=subdir, depends=["__glibc >=2.17", "prefixed"],
            files={"share/needs-glibc.txt": "ok\n"},
        ),
        "data": make_conda_package(channel, "data", "3", "0", noarch="generic", files={"share/data.txt": "d\n"}),
    }  # fmt: skip
    index_channel(channel, subdirs=("noarch", subdir))
    wheels = root / "wheels"
    pip_packages: list[PipPackage] = []
    if pip:
        wheel = make_wheel(
            wheels, "tiny", "1.0",
            files={"tiny/__init__.py": "import sys\n\ndef main():\n    print('tiny', sys.prefix)\n",
                   "tiny-1.0.dist-info/entry_points.txt": "[console_scripts]\ntiny = tiny:main\n"},
        )  # fmt: skip
        files["tiny"] = wheel
        sha = sha256_file(wheel)
        pip_packages.append(PipPackage("tiny", "1.0", f"{PYPI}/{wheel.name}", sha, (sha,)))
    conda = tuple(_locked(channel, path) for name, path in files.items() if name != "tiny")
    lock = TargetLock(
        target="demo", platform=subdir, name="demo", channels=(CANONICAL,), conda=conda,
        pip=tuple(pip_packages), variables=dict(variables or {}), input_hash=INPUTS.digest,
        inputs=dict(INPUTS.inputs),
    )  # fmt: skip
    return World(root, channel, wheels, lock, files)


def many_packages_world(root: Path, count: int, *, canonical: str | None = None) -> World:
    """A channel of ``count`` tiny packages (a few files each) and their lock, for benchmarks.

    ``canonical`` is the channel URL the lock names (default :data:`CANONICAL`);
    pass ``"local"`` to lock the ``file://`` channel itself, needing no mirror.
    """
    subdir = host_subdir()
    channel = root / "channel"
    files = {}
    for i in range(count):
        name = f"pkg{i:03d}"
        files[name] = make_conda_package(
            channel, name, "1.0", "0", subdir=subdir if i % 2 else "noarch",
            noarch=None if i % 2 else "generic",
            files={f"share/{name}/a.txt": f"{name} a\n" * 20, f"share/{name}/b.txt": f"{name} b\n",
                   f"lib/{name}.so": bytes(range(256)) * 8},
        )  # fmt: skip
    index_channel(channel, subdirs=("noarch", subdir))
    base = channel.as_uri() if canonical == "local" else canonical or CANONICAL
    conda = tuple(_locked(channel, path, base) for path in files.values())
    lock = TargetLock(target="bench", platform=subdir, name="bench", channels=(base,), conda=conda)
    return World(root, channel, root / "wheels", lock, files)


def _locked(channel: Path, archive: Path, base: str = CANONICAL) -> CondaPackage:
    subdir = archive.parent.name
    repodata = json.loads((channel / subdir / "repodata.json").read_text())
    entry = {**repodata.get("packages", {}), **repodata.get("packages.conda", {})}[archive.name]
    return CondaPackage(
        name=entry["name"], version=entry["version"], build=entry["build"],
        url=f"{base}/{subdir}/{archive.name}", md5=entry["md5"], sha256=entry["sha256"],
        depends=tuple(entry.get("depends", ())),
    )  # fmt: skip


# --------------------------------------------------------------------------- lock files


def write_explicit(lock: TargetLock, path: Path, *, hashes: bool = True) -> Path:
    """Write ``lock`` as an ``@EXPLICIT`` file (``url#md5``, ``# pip name @ url#sha256=``)."""
    lines = [f"# platform: {lock.platform}", "@EXPLICIT"]
    lines += [f"{p.url}#{p.md5}" if hashes else p.url for p in lock.conda]
    lines += [f"# pip {p.name} @ {p.url}#sha256={p.sha256}" for p in lock.pip]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_conda_lock(lock: TargetLock, path: Path) -> Path:
    """Write ``lock`` as a conda-lock ``*-lock.yml`` file with envtool's own writer."""
    from envtool.lockfiles.conda_lock import render_conda_lock

    path.write_text(render_conda_lock(path, [lock], []), encoding="utf-8")
    return path


def write_project(lock: TargetLock, root: Path) -> Path:
    """A project at ``root``: ``environments/targets.yml`` and ``locks/<target>.yml`` + its group file."""
    from envtool.lockfiles.env_file import render_env_file

    (root / "environments").mkdir(parents=True, exist_ok=True)
    (root / "environments" / "targets.yml").write_text("version: 1\ntargets: {}\n", encoding="utf-8")
    locks = root / "locks"
    locks.mkdir(exist_ok=True)
    write_conda_lock(lock, locks / f"{lock.target}-lock.yml")
    env_file = locks / f"{lock.target}.yml"
    env_file.write_text(render_env_file(env_file, lock), encoding="utf-8")
    return root


# --------------------------------------------------------------------------- files and processes


def flip_byte(path: Path, offset: int = -20) -> None:
    """Corrupt one byte of a file in place."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def snapshot(folder: Path) -> dict[str, Any]:
    """Every path under ``folder`` with its kind, content hash or link target, and mode."""
    if not folder.exists():
        return {}
    out: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = ("link", str(path.readlink()))
        elif path.is_dir():
            out[rel] = ("dir", path.stat().st_mode)
        else:
            out[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    return out


def leftovers(folder: Path) -> list[str]:
    """Staging or old-environment folders envtool left beside its environments."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if ".envtool-" in p.name)


def run_envtool(args: Sequence[str], cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (``python -m envtool``)."""
    return subprocess.run([*ENVTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def interrupt_when(
    args: Sequence[str], ready: threading.Event, sig: int = signal.SIGINT, timeout: float = 30
) -> tuple[int, str]:
    """Start the CLI, wait until ``ready`` is set, send ``sig``; return (exit code, stderr)."""
    proc = subprocess.Popen([*ENVTOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if not ready.wait(timeout):
            proc.kill()
            _, err = proc.communicate(timeout=5)
            raise AssertionError(f"never got ready (exit {proc.returncode}): {err}")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


# --------------------------------------------------------------------------- a server that stalls


class StallingServer:
    """Serve a folder on 127.0.0.1, but hold any request whose path ends in ``stall`` until stopped.

    ``stalled`` is set once such a request has arrived (so the client is mid-download).
    """

    def __init__(self, directory: Path, stall: str) -> None:
        self.directory = directory
        self.stall = stall
        self.stalled = threading.Event()
        self._release = threading.Event()
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(outer.directory), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                if self.path.endswith(outer.stall):
                    outer.stalled.set()
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"\0" * 10)
                    self.wfile.flush()
                    outer._release.wait(60)
                    return
                super().do_GET()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> StallingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (interrupted, say) is what these tests are about."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class GatedServer:
    """Serve a folder on 127.0.0.1; a request whose path ends in ``gate`` waits, unanswered, until :meth:`open`.

    ``arrived`` is set once such a request has come in. Unlike :class:`StallingServer`,
    nothing at all is sent before the gate opens, and then the whole file is.
    """

    def __init__(self, directory: Path, gate: str) -> None:
        self.arrived = threading.Event()
        self._open = threading.Event()
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(directory), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                if self.path.endswith(gate):
                    outer.arrived.set()
                    outer._open.wait(60)
                super().do_GET()

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def open(self) -> None:
        """Let the waiting request (and every later one) through."""
        self._open.set()

    def __enter__(self) -> GatedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._open.set()
        self._server.shutdown()
        self._server.server_close()


def read_only_mount_prefix(folder: Path) -> list[str] | None:
    """A command prefix running its command with ``folder`` mounted read-only (None if impossible).

    Root ignores file permissions, so ``chmod`` alone cannot make a read-only
    destination for a root test run; a private mount namespace can.
    """
    if os.geteuid() != 0:
        return []
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False) if _has("unshare") else None
    if probe is None or probe.returncode != 0:
        return None
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh"]


def tiny_disk_prefix(folder: Path, size_kb: int = 64) -> list[str] | None:
    """A command prefix running its command with a ``size_kb`` tmpfs mounted on ``folder``."""
    if not _has("unshare"):
        return None
    flags = "-m" if os.geteuid() == 0 else "-rm"
    probe = subprocess.run(
        ["unshare", flags, "sh", "-c", f'mount -t tmpfs -o size={size_kb}k tmpfs "{folder}"'],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    script = f'mount -t tmpfs -o size={size_kb}k tmpfs "{folder}" && exec "$@"'
    return ["unshare", flags, "sh", "-c", script, "sh"]


def _has(program: str) -> bool:
    from shutil import which

    return which(program) is not None


def iter_lines(text: str) -> Iterator[str]:
    """Non-empty lines."""
    return (line for line in text.splitlines() if line.strip())
