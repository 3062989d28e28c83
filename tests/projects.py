"""Building small envtool projects (manifest + specs) inside a test's tmp_path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.factories import channel_url, index_channel, make_conda_package, make_python_package, make_wheel

ENVTOOL = str(Path(sys.executable).parent / "envtool")


def write_project(root: Path, targets: Mapping[str, Any], specs: Mapping[str, Any], **top: Any) -> Path:
    """Write ``environments/targets.yml`` and the spec files; return the manifest path."""
    env = root / "environments"
    env.mkdir(parents=True, exist_ok=True)
    for name, content in specs.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        (env / name).write_text(text)
    manifest = {"version": 1, **top, "targets": dict(targets)}
    path = env / "targets.yml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


def tf_channel(root: Path) -> Path:
    """A tiny channel shaped like conda-forge's TensorFlow: a CUDA and a CPU build of one version.

    The CUDA build has the higher build number, so the solver prefers it
    whenever the target's virtual packages allow it (``__cuda``).
    """
    ch = root / "channel"
    make_python_package(ch, "3.9.13")
    for version in ("1.23.5", "2.0.0"):
        make_conda_package(ch, "numpy", version, "py39_0", depends=["python >=3.9,<3.10"])
    make_conda_package(ch, "cudatoolkit", "11.2.2", "h0", depends=["__cuda >=11.2"])
    make_conda_package(ch, "cudnn", "8.4.1", "h0", depends=["cudatoolkit 11.2.*"])
    make_conda_package(ch, "tensorflow", "2.9.1", "cuda112py39_1", build_number=1,
                       depends=["python >=3.9,<3.10", "numpy >=1.20", "cudatoolkit 11.2.*", "cudnn 8.*", "__cuda"])  # fmt: skip
    make_conda_package(ch, "tensorflow", "2.9.1", "cpu_py39_0", depends=["python >=3.9,<3.10", "numpy >=1.20"])
    make_conda_package(ch, "pip", "23.0", "pyhd8ed1ab_0", noarch="python", depends=["python >=3.7"])
    index_channel(ch)
    return ch


def tf_project(root: Path, channel: Path, **top: Any) -> Path:
    """A CPU and a GPU target over :func:`tf_channel`, sharing a base spec."""
    return write_project(
        root,
        {
            "cpu": {"platform": "linux-64", "specs": ["base.yml"]},
            "gpu": {
                "platform": "linux-64",
                "specs": ["base.yml", "gpu.yml"],
                "virtual-packages": ["__cuda=11.2.2"],
                "lockfile": "gpu",
            },
        },
        {
            "base.yml": {
                "name": "tf",
                "channels": [channel_url(channel)],
                "dependencies": ["python=3.9", "tensorflow=2.9", "numpy<2"],
            },
            "gpu.yml": {
                "dependencies": ["cudatoolkit=11.2", "cudnn=8"],
                "variables": {"TF_FORCE_GPU_ALLOW_GROWTH": "true"},
            },
        },
        **top,
    )


def wheels(root: Path) -> Path:
    """A find-links folder: ``tinypkg`` (needs ``tinydep`` and numpy) and a numpy matching the conda one."""
    folder = root / "wheels"
    make_wheel(folder, "tinypkg", "1.0", requires=["tinydep>=1", "numpy>=1.20"])
    make_wheel(folder, "tinydep", "1.1")
    make_wheel(folder, "tinydep", "0.9")
    make_wheel(folder, "numpy", "1.23.5")
    return folder


def envtool(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real ``envtool`` console script."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [ENVTOOL, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def lock_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root/locks`` by name, as bytes."""
    folder = root / "locks"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def fake_host_tools(folder: Path, *, cuda: str | None = None, glibc: str | None = None) -> dict[str, str]:
    """``nvidia-smi`` and ``ldd`` stand-ins printing what real ones print; the environment that puts them first.

    ``cuda=None`` leaves ``nvidia-smi`` out; the returned mapping also drops any
    ``CONDA_OVERRIDE_*`` so the probes are what the test sees.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if cuda is not None:
        smi = folder / "nvidia-smi"
        smi.write_text(
            "#!/bin/sh\ncat <<'END'\n"
            "+-----------------------------------------------------------------------------+\n"
            f"| NVIDIA-SMI 460.32.03    Driver Version: 460.32.03    CUDA Version: {cuda}     |\n"
            "+-----------------------------------------------------------------------------+\nEND\n"
        )
        smi.chmod(0o755)
    if glibc is not None:
        ldd = folder / "ldd"
        ldd.write_text(f"#!/bin/sh\necho 'ldd (GNU libc) {glibc}'\necho 'Copyright (C) 2020'\n")
        ldd.chmod(0o755)
    path = [folder.as_posix()] + [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    if cuda is None:  # hide any real nvidia-smi
        path = [p for p in path if not (Path(p) / "nvidia-smi").exists()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONDA_OVERRIDE_")}
    return {**env, "PATH": os.pathsep.join(path)}


def locked_tf_project(root: Path) -> Path:
    """:func:`tf_project` over :func:`tf_channel`, locked; returns ``root``."""
    tf_project(root, tf_channel(root))
    done = envtool("lock", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


# The real CLI in a process that stops in the middle of writing the locks until the test lets it go on:
# while the second file is being written to disk ("write": the first is complete, the second is not),
# or after the first file is renamed into place ("rename"). The test interrupts it there, so a writer
# that is not all-or-nothing fails the test.
_PAUSED_LOCK = """
import os, pathlib, signal, sys, tempfile

ready, go, phase = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
calls = []

def pause(count):
    calls.append(1)
    if len(calls) == count:
        arrived, arrived_w = os.pipe()
        os.set_blocking(arrived_w, False)
        signal.set_wakeup_fd(arrived_w)
        os.write(ready, b"x")
        os.read(go, 1)  # the test has sent its signal ...
        os.read(arrived, 1)  # ... and it has arrived (on whichever thread): its handler runs next

fsync, rename, mkstemp = os.fsync, pathlib.Path.replace, tempfile.mkstemp

made = {}  # temporary files by descriptor

def recorded_mkstemp(*args, **kwargs):
    fd, name = mkstemp(*args, **kwargs)
    made[fd] = pathlib.Path(name)
    return fd, name

def paused_fsync(fd):
    if phase == "write" and made.get(fd, pathlib.Path()).parent.name == "locks":  # not envtool's cache files
        pause(2)
    return fsync(fd)

def paused_rename(self, target):
    moved = rename(self, target)
    if phase == "rename" and pathlib.Path(target).parent.name == "locks":  # not envtool's cache files
        pause(1)
    return moved

os.fsync, pathlib.Path.replace, tempfile.mkstemp = paused_fsync, paused_rename, recorded_mkstemp
from envtool.cli import main
main(sys.argv[4:])
"""


class PausedLock:
    """``envtool ARGS`` paused mid-write (see above); ``with`` it, ``wait()`` until paused, then signal it."""

    def __init__(self, root: Path, phase: str, *args: str) -> None:
        self.ready, ready_w = os.pipe()
        go_r, self.go = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _PAUSED_LOCK, str(ready_w), str(go_r), phase, *args],
            cwd=root, pass_fds=(ready_w, go_r), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        os.close(ready_w)
        os.close(go_r)

    def __enter__(self) -> PausedLock:
        return self

    def wait(self) -> None:
        """Block until the process is paused mid-write (fails if it ended first)."""
        if os.read(self.ready, 1) != b"x":
            _, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"never paused (exit {self.proc.returncode}): {err}")

    def interrupt(self, sig: int = signal.SIGINT, timeout: float = 30) -> tuple[int, str]:
        """Send ``sig``, let the process go on once it has the signal, wait for its end: (exit code, stderr)."""
        self.proc.send_signal(sig)
        os.write(self.go, b"x")
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        os.close(self.ready)
        os.close(self.go)


def build_times_only(channel: Path) -> Path:
    """Drop the indexer's ``indexed_timestamp`` (the time of indexing, i.e. now) from a test channel's records.

    conda-forge's records carry build times only; with a cut-off date (``exclude-newer``) a
    channel indexed by the test would otherwise be wholly newer than any date in the past.
    """
    import json

    for repodata in channel.glob("*/repodata.json"):
        data = json.loads(repodata.read_text())
        for key in ("packages", "packages.conda"):
            for record in data.get(key, {}).values():
                record.pop("indexed_timestamp", None)
        repodata.write_text(json.dumps(data))
    return channel
