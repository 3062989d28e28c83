"""Synthetic conda channels for the toolkit benchmarks: repodata only, shaped like conda-forge.

A channel of N records is written as plain ``repodata.json`` files (rattler
solves from repodata alone; nothing is ever installed, so md5 and sha256 are
fake). Its shape follows conda-forge's:

* a *base* every environment needs: ``python`` (3.8 to 3.11, several patch
  releases), ``python_abi``, ``libzlib``, ``openssl``, ``numpy``, and, on
  linux-64 and win-64 only, ``cudatoolkit`` (each needing ``__cuda``) and
  ``cudnn``;
* ``framework``, a TensorFlow look-alike with CPU builds everywhere and CUDA
  builds (higher build number, needing ``__cuda``) on linux-64 and win-64;
* the *env cluster* (``envpkg-00`` .. ``envpkg-99``), what :data:`BASE_SPECS`
  pulls in: deep dependency chains, since each name depends on a few of the
  names just before it, with ``>=`` bounds and pinned ``>=x.y.z,<x.(y+1).0a0``
  windows (run-exports style) that follow the dependent's version;
* then clusters of unrelated names (``c0001-000`` ...) of the same shape, as
  many as it takes to reach N records.

Python packages have one build per Python (and sometimes a rebuild); noarch
packages live in ``noarch``. Generation is deterministic and sequential, so
every size holds the very same base and env cluster: solving
:data:`BASE_SPECS` is the same work in a 1k and a 300k channel, and only the
repodata the solver has to read grows.

>>> import json, pathlib, tempfile
>>> root = generate_channel(pathlib.Path(tempfile.mkdtemp()) / "ch", 1000)
>>> count_records(root)
1000
>>> sorted(p.name for p in root.iterdir())
['linux-64', 'noarch']
"""

from __future__ import annotations

import functools
import json
import random
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: The conda specs of the benchmark environment (every target); GPU targets add :data:`GPU_SPECS`.
BASE_SPECS = (
    "python=3.9",
    "framework=2.9",
    "numpy",
    "envpkg-99",
    "envpkg-97",
    "envpkg-94",
    "envpkg-90",
    "envpkg-85",
    "envpkg-80",
)
#: What a GPU target adds (like TF 2.9's ``cudatoolkit=11.2 cudnn=8``).
GPU_SPECS = ("cudatoolkit=11.2", "cudnn=8")
#: Subdirs that get CUDA packages and CUDA builds of ``framework``.
CUDA_SUBDIRS = ("linux-64", "win-64")
#: How many names the env cluster has.
ENV_CLUSTER = 100

_PYTHONS = ("3.8", "3.9", "3.10", "3.11")
_CLUSTER = 200  # names per unrelated cluster
_WINDOW = 8  # a name depends on names at most this far before it in its cluster
_TIMESTAMP = 1_650_000_000_000  # ms, 2022-04-15
_VERSIONS = (1, 2, 3, 4, 5, 6, 8, 10, 14, 20)  # versions per name, drawn uniformly
_ENV_VERSIONS = (1, 2, 2, 3, 3, 4, 6)  # fewer in the env cluster, so that 1k records hold it


@dataclass
class _Name:
    """One package name of the plan: its versions, what kind of builds it has, its deps."""

    name: str
    versions: list[str]
    kind: str  # "python", "noarch", "lib", "framework", "python-interp", "abi", "cuda"
    deps: list[tuple[_Name, bool]] = field(default_factory=list)  # (dependency, pinned)
    rebuilds: int = 1  # build numbers per version (0 .. rebuilds-1)


def generate_channel(root: Path, records: int, platforms: Sequence[str] = ("linux-64",), seed: int = 29) -> Path:
    """Write ``root/<subdir>/repodata.json`` (``platforms`` + ``noarch``) holding ``records`` records.

    Raises ``ValueError`` when ``records`` is too small to hold the base and the env cluster.
    """
    subdirs = [*platforms, "noarch"]
    repodata: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in subdirs}
    hexes = random.Random(f"{seed}-hex")
    total = 0
    complete = 0  # names fully written
    for plan in _plan(random.Random(seed)):
        for subdir in subdirs:
            for filename, record in _records(plan, subdir, hexes):
                if total == records:
                    break
                repodata[subdir][filename] = record
                total += 1
        if total == records:
            break
        complete += 1
    if complete < _base_names() + ENV_CLUSTER + 1:  # + framework
        raise ValueError(f"{records} records cannot hold the base and env cluster of the benchmark channel")
    for subdir, entries in repodata.items():
        folder = root / subdir
        folder.mkdir(parents=True, exist_ok=True)
        packages = {k: v for k, v in entries.items() if k.endswith(".tar.bz2")}
        conda = {k: v for k, v in entries.items() if k.endswith(".conda")}
        data = {
            "info": {"subdir": subdir},
            "packages": packages,
            "packages.conda": conda,
            "repodata_version": 1,
        }
        (folder / "repodata.json").write_text(json.dumps(data), encoding="utf-8")
    return root


class ChannelServer:
    """Serve a folder of channels on ``127.0.0.1`` in a thread, as a remote channel is used.

    Unlike the test suite's ``DirectoryServer`` it answers conditional requests
    with ``304 Not Modified``, so a warm rattler cache is revalidated, not
    downloaded again. ``url`` has no trailing slash.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ChannelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the benchmark output clean."""


def count_records(root: Path) -> int:
    """How many records the channel at ``root`` holds, over all subdirs."""
    total = 0
    for path in root.glob("*/repodata.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        total += len(data.get("packages", {})) + len(data.get("packages.conda", {}))
    return total


def specs_for(platform: str, gpu: bool) -> list[str]:
    """The conda specs of a benchmark target."""
    if gpu and platform not in CUDA_SUBDIRS:
        raise ValueError(f"no CUDA packages for {platform}")
    return [*BASE_SPECS, *(GPU_SPECS if gpu else ())]


# --------------------------------------------------------------------------- the plan


def _base_names() -> int:
    return sum(1 for _ in _base())


def _plan(rng: random.Random) -> Iterator[_Name]:
    base = {plan.name: plan for plan in _base()}
    yield from base.values()
    env = _cluster(rng, "envpkg-{:02d}", ENV_CLUSTER, base, spread=_ENV_VERSIONS, rebuilds=False)
    framework = _Name(
        "framework",
        ["2.8.0", "2.9.1", "2.10.0", "2.11.0"],
        "framework",
        rebuilds=2,
    )
    # Like TF's pins: an older framework holds its deps to older minor series.
    framework.deps = [(base["numpy"], True), *((p, True) for p in env[::7])]
    yield from env
    yield framework
    for number in range(1, 1_000_000):
        yield from _cluster(rng, f"c{number:04d}-{{:03d}}", _CLUSTER, base)


def _base() -> Iterator[_Name]:
    zlib = _Name("libzlib", ["1.2.11", "1.2.12", "1.2.13"], "lib", rebuilds=2)
    openssl = _Name("openssl", ["1.1.1s", "1.1.1t", "3.0.7", "3.0.8", "3.1.0"], "lib", rebuilds=2)
    python = _Name(
        "python",
        [f"{mm}.{patch}" for mm in _PYTHONS for patch in (10, 12, 16)],
        "python-interp",
        [(zlib, True), (openssl, False)],
    )
    abi = _Name("python_abi", list(_PYTHONS), "abi")
    numpy = _Name("numpy", [f"1.{minor}.{p}" for minor in (21, 22, 23, 24) for p in range(3)], "python")
    cuda = _Name("cudatoolkit", ["10.2.89", "11.0.3", "11.2.2", "11.8.0"], "cuda")
    cudnn = _Name("cudnn", ["8.1.0.77", "8.2.1.32", "8.4.1.50", "8.8.0.121"], "cuda", [(cuda, False)])
    yield from (zlib, openssl, python, abi, numpy, cuda, cudnn)


def _cluster(
    rng: random.Random,
    pattern: str,
    size: int,
    base: dict[str, _Name],
    *,
    spread: Sequence[int] = _VERSIONS,
    rebuilds: bool = True,
) -> list[_Name]:
    names: list[_Name] = []
    for index in range(size):
        roll = rng.random()
        kind = "python" if roll < 0.55 else "noarch" if roll < 0.7 else "lib"
        builds = rng.choice((1, 1, 2, 3)) if rebuilds else 1
        plan = _Name(pattern.format(index), _versions(rng, spread), kind, rebuilds=builds)
        earlier = names[max(0, index - _WINDOW) : index]
        if earlier:
            picks = rng.sample(earlier, min(len(earlier), rng.randint(1, 4)))
            if names[-1] not in picks and rng.random() < 0.6:
                picks.append(names[-1])  # chains: often depend on the name just before
            plan.deps = [(p, p.kind == "lib" and rng.random() < 0.5) for p in picks]
        if kind == "lib":
            plan.deps.append((base[rng.choice(("libzlib", "openssl"))], True))
        elif rng.random() < 0.3:
            plan.deps.append((base["numpy"], False))
        names.append(plan)
    return names


def _versions(rng: random.Random, spread: Sequence[int]) -> list[str]:
    major, minor, patch = rng.randint(0, 3), rng.randint(0, 9), 0
    out = [f"{major}.{minor}.{patch}"]
    for _ in range(rng.choice(spread) - 1):
        step = rng.random()
        if step < 0.6:
            patch += 1
        elif step < 0.9:
            minor, patch = minor + 1, 0
        else:
            major, minor, patch = major + 1, 0, 0
        out.append(f"{major}.{minor}.{patch}")
    return out


# --------------------------------------------------------------------------- records


def _constraint(dep: _Name, rank: int, count: int, pinned: bool) -> str:
    """``dep``'s bound in the ``rank``-th of ``count`` versions: newer dependents need newer deps."""
    if rank == 0:
        return dep.name  # the oldest version takes any
    # Versions are spread evenly over one timeline: bound by the dep's newest at that time.
    index = (rank * (len(dep.versions) - 1)) // (count - 1)
    low = dep.versions[index]
    if pinned:
        major, minor = low.split(".")[:2]
        return f"{dep.name} >={low},<{major}.{int(minor) + 1}.0a0"
    return f"{dep.name} >={low}"


def _records(plan: _Name, subdir: str, hexes: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    if (plan.kind == "noarch") != (subdir == "noarch"):
        return
    if plan.kind == "cuda" and subdir not in CUDA_SUBDIRS:
        return
    count = len(plan.versions)
    for rank, version in enumerate(plan.versions):
        depends = [_constraint(dep, rank, count, pinned) for dep, pinned in plan.deps]
        for build, extra, number in _builds(plan, version, subdir, hexes):
            for bn in range(number, number + plan.rebuilds):
                build_string = build if plan.kind == "abi" else f"{build}_{bn}"
                ext = ".conda" if (rank + bn) % 4 else ".tar.bz2"
                filename = f"{plan.name}-{version}-{build_string}{ext}"
                record = {
                    "build": build_string,
                    "build_number": bn,
                    "depends": [*depends, *extra],
                    "license": "BSD-3-Clause",
                    "md5": f"{hexes.getrandbits(128):032x}",
                    "name": plan.name,
                    "sha256": f"{hexes.getrandbits(256):064x}",
                    "size": 10_000 + rank * 1_000 + bn,
                    "subdir": subdir,
                    "timestamp": _TIMESTAMP + rank * 86_400_000,
                    "version": version,
                }
                if plan.kind == "noarch":
                    record["noarch"] = "python"
                yield filename, record


def _builds(plan: _Name, version: str, subdir: str, hexes: random.Random) -> Iterator[tuple[str, list[str], int]]:
    """(build string without number, extra depends, first build number) of each build variant."""
    tag = f"h{hexes.getrandbits(28):07x}"
    if plan.kind in ("lib", "abi", "noarch"):
        if plan.kind == "abi":
            yield f"3_cp{version.replace('.', '')}", [], 0
        elif plan.kind == "noarch":
            yield "pyhd8ed1ab", ["python >=3.7"], 0
        else:
            yield tag, [], 0
        return
    if plan.kind == "python-interp":
        mm = ".".join(version.split(".")[:2])
        yield f"{tag}_cpython", [f"python_abi {mm}.* *_cp{mm.replace('.', '')}"], 0
        return
    if plan.kind == "cuda":
        if plan.name == "cudatoolkit":
            yield tag, [f"__cuda >={'.'.join(version.split('.')[:2])}"], 0
        else:
            yield tag, ["cudatoolkit >=11.0,<12"], 0
        return
    for mm in _PYTHONS:
        py = mm.replace(".", "")
        extra = [f"python >={mm},<{mm[:2]}{int(mm[2:]) + 1}.0a0", f"python_abi {mm}.* *_cp{py}"]
        if plan.kind == "framework":
            yield f"cpu_py{py}{tag}", extra, 0
            if subdir in CUDA_SUBDIRS:
                cuda = ["cudatoolkit >=11.2,<12", "cudnn >=8.1,<9", "__cuda"]
                yield f"cuda112py{py}{tag}", [*extra, *cuda], 1
        else:
            yield f"py{py}{tag}", extra, 0


__all__ = [
    "BASE_SPECS",
    "CUDA_SUBDIRS",
    "ENV_CLUSTER",
    "GPU_SPECS",
    "ChannelServer",
    "count_records",
    "generate_channel",
    "specs_for",
]
