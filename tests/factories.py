"""Hermetic test fixtures: tiny real conda packages, channels, wheels and HTTP servers.

Everything here builds real artefacts on disk in milliseconds, with no network:

* :func:`make_conda_package` writes a ``.tar.bz2`` or ``.conda`` package that
  ``rattler.install`` links like any conda-forge package (noarch python,
  entry points, prefix replacement and symlinks included).
* :func:`index_channel`, :func:`make_channel` and :func:`channel_url` turn a
  directory of packages into a ``file://`` conda channel.
* :func:`make_python_package` builds a fake ``python`` conda package: once
  installed, ``PREFIX/bin/python`` is a venv of the interpreter running the
  tests, so ``uv pip install --python PREFIX/bin/python`` targets the prefix.
* :func:`make_wheel` writes a valid pure-Python wheel; :func:`make_simple_index`
  lays wheels out as a PEP 503 index; :class:`DirectoryServer` /
  :func:`serve_directory` serve a directory on ``127.0.0.1`` and log requests.

Builds are deterministic (fixed mtimes and timestamps), so the same arguments
always give byte-identical files and the same sha256.

>>> pkg = make_conda_package(Path(tmp), "demo", "1.0", files={"share/demo.txt": "hi"})
>>> pkg.relative_to(tmp).as_posix()
'linux-64/demo-1.0-0.tar.bz2'
"""

from __future__ import annotations

import asyncio
import base64
import bz2
import contextlib
import functools
import hashlib
import html
import io
import json
import os
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "FIXED_TIMESTAMP",
    "HOST_PYTHON_VERSION",
    "PREFIX_PLACEHOLDER",
    "DirectoryServer",
    "PackageSpec",
    "channel_records",
    "channel_url",
    "index_channel",
    "install_records",
    "make_channel",
    "make_conda_package",
    "make_python_package",
    "make_simple_index",
    "make_wheel",
    "normalize_project_name",
    "run_sync",
    "serve_directory",
    "sha256_file",
    "solve_channel",
    "wheel_sha256",
]

#: The placeholder conda-build writes for the build prefix; installers rewrite it.
PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
#: Seconds since the epoch used for every mtime and ``index.json`` timestamp (2022-06-01).
FIXED_TIMESTAMP = 1_654_041_600
#: ``major.minor.micro`` of the interpreter running the tests.
HOST_PYTHON_VERSION = "{}.{}.{}".format(*sys.version_info[:3])

PackageFormat = Literal[".tar.bz2", ".conda"]
NoArch = Literal["python", "generic"]

_PLATFORM_ARCH: dict[str, tuple[str | None, str | None]] = {
    "noarch": (None, None),
    "linux-64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "linux-ppc64le": ("linux", "ppc64le"),
    "osx-64": ("osx", "x86_64"),
    "osx-arm64": ("osx", "arm64"),
    "win-64": ("win", "x86_64"),
}


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion, even when called from inside a running event loop.

    >>> async def answer() -> int:
    ...     return 42
    >>> run_sync(answer())
    42
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: list[Any] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _as_bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


# --------------------------------------------------------------------------- conda packages


@dataclass
class _Member:
    """One entry of a package archive: a regular file or a symlink."""

    path: str
    data: bytes = b""
    link_target: str | None = None
    executable: bool = False


def _tarinfo(member: _Member) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member.path)
    info.mtime = FIXED_TIMESTAMP
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if member.link_target is not None:
        info.type = tarfile.SYMTYPE
        info.linkname = member.link_target
        info.mode = 0o777
    else:
        info.size = len(member.data)
        info.mode = 0o755 if member.executable else 0o644
    return info


def _write_tar(tar: tarfile.TarFile, members: Iterable[_Member]) -> None:
    for member in members:
        data = None if member.link_target is not None else io.BytesIO(member.data)
        tar.addfile(_tarinfo(member), data)


def _tar_bytes(members: Iterable[_Member], compression: Literal["bz2", "zst"]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _write_tar(tar, members)
    if compression == "bz2":
        return bz2.compress(raw.getvalue(), compresslevel=1)
    return _zstd_compress(raw.getvalue())


def _zstd_compress(data: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]  # 3.14+
    except ImportError:
        from backports import zstd  # type: ignore[no-redef,unused-ignore]  # via conda-lock
    return bytes(zstd.compress(data, level=3))


def _is_executable(path: str, data: bytes) -> bool:
    return path.startswith(("bin/", "python-scripts/")) or data.startswith(b"#!")


def make_conda_package(
    channel_dir: Path,
    name: str,
    version: str,
    build: str = "0",
    *,
    subdir: str | None = None,
    depends: Sequence[str] = (),
    constrains: Sequence[str] = (),
    files: Mapping[str, bytes | str] | None = None,
    symlinks: Mapping[str, str] | None = None,
    noarch: NoArch | None = None,
    entry_points: Sequence[str] = (),
    prefix_placeholder_files: Mapping[str, str] | None = None,
    track_features: Sequence[str] | str = (),
    build_number: int = 0,
    fmt: PackageFormat = ".tar.bz2",
    extra_index: Mapping[str, Any] | None = None,
) -> Path:
    """Write a real conda package to ``channel_dir/<subdir>/<name>-<version>-<build><fmt>``.

    ``files`` maps paths relative to the prefix to their content (``bin/*``,
    ``python-scripts/*`` and anything starting with ``#!`` are executable).
    For ``noarch="python"`` put modules under ``site-packages/`` and scripts
    under ``python-scripts/``; the installer moves them to
    ``lib/pythonX.Y/site-packages`` and ``bin``; ``entry_points`` are
    ``"cmd = module:func"`` strings and become ``bin/cmd`` scripts.
    ``prefix_placeholder_files`` are text files whose content contains
    :data:`PREFIX_PLACEHOLDER`; they are recorded in ``paths.json`` (file mode
    ``text``) so the installer rewrites the placeholder to the real prefix.
    ``symlinks`` maps a path to its link target (relative or absolute).
    ``subdir`` defaults to ``noarch`` for noarch packages, else ``linux-64``.
    ``extra_index`` is merged into ``info/index.json`` last (``license``, ``timestamp``...).

    Returns the package path. The channel still needs :func:`index_channel`.
    """
    _check_package_args(
        noarch,
        entry_points=entry_points,
        fmt=fmt,
        files=files,
        symlinks=symlinks,
        placeholders=prefix_placeholder_files,
    )
    subdir = subdir or ("noarch" if noarch else "linux-64")
    placeholders = dict(prefix_placeholder_files or {})
    members, paths = _payload(files or {}, symlinks or {}, placeholders)

    platform, arch = _PLATFORM_ARCH.get(subdir, (subdir.split("-")[0], None))
    index: dict[str, Any] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": build_number,
        "depends": list(depends),
        "constrains": list(constrains),
        "license": "BSD-3-Clause",
        "subdir": subdir,
        "timestamp": FIXED_TIMESTAMP * 1000,
    }
    if noarch:
        index["noarch"] = noarch
    else:
        index["platform"] = platform
        index["arch"] = arch
    features = track_features.split() if isinstance(track_features, str) else list(track_features)
    if features:
        index["track_features"] = " ".join(features)
    index.update(extra_index or {})

    info: list[_Member] = [
        _Member("info/index.json", _json(index)),
        _Member("info/paths.json", _json({"paths": paths, "paths_version": 1})),
        _Member("info/files", "".join(f"{p['_path']}\n" for p in paths).encode()),
        _Member("info/about.json", _json({"summary": f"{name} test package"})),
    ]
    if placeholders:
        has_prefix = "".join(f"{PREFIX_PLACEHOLDER} text {p}\n" for p in sorted(placeholders))
        info.append(_Member("info/has_prefix", has_prefix.encode()))
    if noarch == "python":
        link = {
            "noarch": {"type": "python", "entry_points": list(entry_points)},
            "package_metadata_version": 1,
        }
        info.append(_Member("info/link.json", _json(link)))

    target = Path(channel_dir) / subdir / f"{name}-{version}-{build}{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == ".tar.bz2":
        target.write_bytes(_tar_bytes([*info, *members], "bz2"))
    else:
        stem = target.name[: -len(".conda")]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
            for arcname, data in (
                ("metadata.json", _json({"conda_pkg_format_version": 2})),
                (f"pkg-{stem}.tar.zst", _tar_bytes(members, "zst")),
                (f"info-{stem}.tar.zst", _tar_bytes(info, "zst")),
            ):
                zf.writestr(zipfile.ZipInfo(arcname, date_time=(2022, 6, 1, 0, 0, 0)), data)
    return target


def _check_package_args(
    noarch: str | None,
    *,
    entry_points: Sequence[str],
    fmt: str,
    files: Mapping[str, bytes | str] | None,
    symlinks: Mapping[str, str] | None,
    placeholders: Mapping[str, str] | None,
) -> None:
    if noarch not in (None, "python", "generic"):
        raise ValueError(f"noarch must be 'python', 'generic' or None, not {noarch!r}")
    if entry_points and noarch != "python":
        raise ValueError("entry_points need noarch='python'")
    if fmt not in (".tar.bz2", ".conda"):
        raise ValueError(f"fmt must be '.tar.bz2' or '.conda', not {fmt!r}")
    for path, text in (placeholders or {}).items():
        if PREFIX_PLACEHOLDER not in text:
            raise ValueError(
                f"{path}: prefix_placeholder_files content must contain PREFIX_PLACEHOLDER ({PREFIX_PLACEHOLDER})"
            )
    groups = [set(files or {}), set(symlinks or {}), set(placeholders or {})]
    overlap = (groups[0] & groups[1]) | (groups[0] & groups[2]) | (groups[1] & groups[2])
    if overlap:
        raise ValueError(f"paths given more than once: {sorted(overlap)}")
    for path in set().union(*groups):
        if path.startswith("/") or ".." in path.split("/"):
            raise ValueError(f"package paths must be relative and inside the prefix: {path!r}")


def _payload(
    files: Mapping[str, bytes | str],
    symlinks: Mapping[str, str],
    placeholders: Mapping[str, str],
) -> tuple[list[_Member], list[dict[str, Any]]]:
    """Archive members and ``paths.json`` entries for the package's files, sorted by path."""
    members: list[_Member] = []
    paths: list[dict[str, Any]] = []
    contents = {p: _as_bytes(c) for p, c in files.items()}
    contents.update({p: t.encode() for p, t in placeholders.items()})
    for path in sorted(set(contents) | set(symlinks)):
        if path in symlinks:
            members.append(_Member(path, link_target=symlinks[path]))
            paths.append({"_path": path, "path_type": "softlink"})
            continue
        data = contents[path]
        members.append(_Member(path, data, executable=_is_executable(path, data)))
        entry: dict[str, Any] = {
            "_path": path,
            "path_type": "hardlink",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size_in_bytes": len(data),
        }
        if path in placeholders:
            entry["file_mode"] = "text"
            entry["prefix_placeholder"] = PREFIX_PLACEHOLDER
        paths.append(entry)
    return members, paths


def _json(obj: Any) -> bytes:
    return json.dumps(obj, indent=2, sort_keys=True).encode()


def make_python_package(
    channel_dir: Path,
    version: str | None = None,
    build: str = "0",
    *,
    subdir: str = "linux-64",
    fmt: PackageFormat = ".tar.bz2",
    depends: Sequence[str] = (),
) -> Path:
    """Write a fake ``python`` conda package backed by the interpreter running the tests.

    Installed, the package makes the prefix a virtual environment of the host
    interpreter: ``pyvenv.cfg`` (``home`` = the host's real ``bin``) plus
    ``bin/pythonX.Y`` -> host binary and ``bin/python``, ``bin/python3`` ->
    ``pythonX.Y``. So ``PREFIX/bin/python`` reports ``sys.prefix == PREFIX``,
    imports from ``PREFIX/lib/pythonX.Y/site-packages`` only, and uv accepts it
    as ``--python``. X.Y is the *host* version.

    ``version`` defaults to :data:`HOST_PYTHON_VERSION`. A different major.minor
    (say ``"3.9.13"`` on a 3.11 host) is allowed as a label: the package then
    also ships ``bin/python3.9`` and ``lib/python3.11 -> python3.9``, so
    ``lib/python3.9/site-packages`` (where rattler links noarch packages) and
    ``lib/python3.11/site-packages`` (where the interpreter and uv look) are
    the same directory. The interpreter still *is* the host's (``sys.version``,
    wheel tags, ``uv`` output say 3.11), so only pure-Python wheels fit a label.
    """
    version = version or HOST_PYTHON_VERSION
    host_mm = "{}.{}".format(*sys.version_info[:2])
    label_mm = ".".join(version.split(".")[:2])
    real = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    files: dict[str, bytes | str] = {
        "pyvenv.cfg": (
            f"home = {Path(real).parent}\ninclude-system-site-packages = false\nversion = {HOST_PYTHON_VERSION}\n"
        ),
        # Creates the site-packages that noarch python packages link into.
        f"lib/python{label_mm}/site-packages/README.envtool-fake-python": (
            f"fake python {version} for the envtool test suite, backed by {real}\n"
        ),
    }
    symlinks = {
        f"bin/python{host_mm}": real,
        "bin/python": f"python{host_mm}",
        "bin/python3": f"python{host_mm}",
    }
    if label_mm != host_mm:
        # The real directory must be the label's: rattler links packages in parallel,
        # so a noarch package could create lib/python<label> before a symlink there.
        symlinks[f"bin/python{label_mm}"] = f"python{host_mm}"
        symlinks[f"lib/python{host_mm}"] = f"python{label_mm}"
    return make_conda_package(
        channel_dir,
        "python",
        version,
        build,
        subdir=subdir,
        depends=depends,
        files=files,
        symlinks=symlinks,
        fmt=fmt,
    )


# --------------------------------------------------------------------------- channels


def index_channel(channel_dir: Path, subdirs: Iterable[str] = ("noarch", "linux-64")) -> None:
    """Write ``repodata.json`` for every subdir of ``channel_dir`` with ``rattler.index``.

    ``subdirs`` are created first (even empty), so a solver for those
    platforms finds an (empty) repodata instead of a missing file; ``noarch``
    is always created. No ``.zst`` or shards are written (faster, and
    ``file://`` channels then read plain ``repodata.json``). Re-indexing after
    adding packages picks them up (``force=True``).
    """
    from rattler.index import index_fs

    channel_dir = Path(channel_dir)
    for subdir in {"noarch", *subdirs}:
        (channel_dir / subdir).mkdir(parents=True, exist_ok=True)
    run_sync(index_fs(channel_dir, write_zst=False, write_shards=False, force=True))


def channel_url(path: Path) -> str:
    """``file://`` URL of a local channel or directory (absolute, no trailing slash).

    >>> channel_url(Path("/tmp/chan"))
    'file:///tmp/chan'
    """
    return Path(path).absolute().as_uri()


@dataclass
class PackageSpec:
    """Arguments for :func:`make_conda_package`, for :func:`make_channel`."""

    name: str
    version: str
    build: str = "0"
    kwargs: dict[str, Any] = field(default_factory=dict)


SimpleSpec = PackageSpec | tuple[str, str] | tuple[str, str, str] | Mapping[str, Any] | str


def _coerce_spec(spec: SimpleSpec) -> PackageSpec:
    if isinstance(spec, PackageSpec):
        return spec
    if isinstance(spec, str):
        parts = spec.split()
        if not 2 <= len(parts) <= 3:
            raise ValueError(f"string specs are 'name version [build]', got {spec!r}")
        return PackageSpec(parts[0], parts[1], parts[2] if len(parts) == 3 else "0")
    if isinstance(spec, tuple):
        return PackageSpec(spec[0], spec[1], spec[2] if len(spec) == 3 else "0")
    kwargs = dict(spec)
    return PackageSpec(kwargs.pop("name"), kwargs.pop("version"), kwargs.pop("build", "0"), kwargs)


def make_channel(
    root: Path,
    packages: Iterable[SimpleSpec] = (),
    *,
    name: str = "channel",
    python: bool | str = False,
) -> Path:
    """Build and index a channel at ``root/name`` and return its directory.

    ``packages`` items are :class:`PackageSpec`, ``(name, version[, build])``
    tuples, ``"name version [build]"`` strings, or mappings of
    :func:`make_conda_package` keyword arguments (with ``name``, ``version``).
    ``python=True`` (or a version string) adds :func:`make_python_package`.
    """
    channel_dir = Path(root) / name
    channel_dir.mkdir(parents=True, exist_ok=True)
    if python:
        make_python_package(channel_dir, python if isinstance(python, str) else None)
    for item in packages:
        spec = _coerce_spec(item)
        make_conda_package(channel_dir, spec.name, spec.version, spec.build, **spec.kwargs)
    index_channel(channel_dir)
    return channel_dir


def channel_records(channel_dir: Path, subdirs: Iterable[str] = ("noarch", "linux-64")) -> list[Any]:
    """Every ``RepoDataRecord`` of an indexed local channel (for ``rattler.install``)."""
    from rattler import Channel, RepoData

    channel = Channel(channel_url(channel_dir))
    records: list[Any] = []
    for subdir in subdirs:
        repodata = Path(channel_dir) / subdir / "repodata.json"
        if repodata.exists():
            records.extend(RepoData.from_path(repodata).into_repo_data(channel))
    return records


def solve_channel(
    channels: Path | str | Sequence[Path | str],
    specs: Sequence[str],
    platform: str = "linux-64",
) -> list[Any]:
    """Solve ``specs`` against local channels with no virtual packages; return records."""
    from rattler import solve

    if isinstance(channels, (str, Path)):
        channels = [channels]
    urls: list[Any] = [c if isinstance(c, str) else channel_url(c) for c in channels]
    platforms: list[Any] = [platform, "noarch"]
    return list(run_sync(solve(sources=urls, specs=list(specs), platforms=platforms, virtual_packages=[])))


def install_records(records: Sequence[Any], prefix: Path, cache_dir: Path | None = None) -> None:
    """``rattler.install`` the records into ``prefix`` quietly (a test convenience)."""
    from rattler import install

    run_sync(install(list(records), prefix, cache_dir=cache_dir, show_progress=False))


# --------------------------------------------------------------------------- wheels


def normalize_project_name(name: str) -> str:
    """PEP 503 normalized project name.

    >>> normalize_project_name("My_Pkg.Name")
    'my-pkg-name'
    """
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    files: Mapping[str, str | bytes] | None = None,
    tag: str = "py3-none-any",
    requires_python: str | None = None,
) -> Path:
    """Write a valid wheel ``dest_dir/<name>-<version>-<tag>.whl`` and return its path.

    ``files`` are paths inside the wheel (site-packages relative); the default
    is ``<module>/__init__.py`` defining ``__version__``, where ``<module>`` is
    the name with ``-``/``.`` replaced by ``_``. The wheel is deterministic.

    >>> whl = make_wheel(Path(tmp), "my-pkg", "1.0", requires=["other>=2"])
    >>> whl.name
    'my_pkg-1.0-py3-none-any.whl'
    """
    dist = normalize_project_name(name).replace("-", "_")
    if files is None:
        files = {f"{dist}/__init__.py": f'__version__ = "{version}"\n'}
    dist_info = f"{dist}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        metadata.append(f"Requires-Python: {requires_python}")
    metadata += [f"Requires-Dist: {req}" for req in requires]
    wheel_meta = "Wheel-Version: 1.0\nGenerator: envtool-tests\nRoot-Is-Purelib: true\n" + "".join(
        f"Tag: {t}\n" for t in _expand_tag(tag)
    )
    entries: list[tuple[str, bytes]] = [(p, _as_bytes(c)) for p, c in sorted(files.items())]
    entries += [
        (f"{dist_info}/METADATA", ("\n".join(metadata) + "\n").encode()),
        (f"{dist_info}/WHEEL", wheel_meta.encode()),
    ]
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in entries)
    record += f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))

    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in entries:
            info = zipfile.ZipInfo(path, date_time=(2022, 6, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return target


def _expand_tag(tag: str) -> list[str]:
    interpreters, abis, platforms = tag.split("-")
    return [f"{i}-{a}-{p}" for i in interpreters.split(".") for a in abis.split(".") for p in platforms.split(".")]


def wheel_sha256(path: Path) -> str:
    """Hex sha256 of a wheel, as used in ``--require-hashes`` requirement files."""
    return sha256_file(path)


def make_simple_index(root: Path, wheels: Iterable[Path]) -> Path:
    """Lay out ``wheels`` as a PEP 503 simple index under ``root``; return ``root/simple``.

    Wheels are copied to ``root/files/``; ``root/simple/<project>/index.html``
    links them with ``#sha256=`` fragments. Serve ``root`` with
    :class:`DirectoryServer` and use ``<url>/simple`` as ``--index-url``.
    (A plain directory of wheels already works as ``uv --find-links DIR``,
    locally or over HTTP through the server's directory listing.)
    """
    root = Path(root)
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    projects: dict[str, list[Path]] = {}
    for wheel in wheels:
        copy = files_dir / wheel.name
        copy.write_bytes(Path(wheel).read_bytes())
        project = normalize_project_name(wheel.name.split("-")[0])
        projects.setdefault(project, []).append(copy)
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    for project, copies in projects.items():
        links = "".join(
            f'<a href="../../files/{html.escape(c.name)}#sha256={sha256_file(c)}">{html.escape(c.name)}</a><br/>\n'
            for c in sorted(copies)
        )
        (simple / project).mkdir(exist_ok=True)
        (simple / project / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    index = "".join(f'<a href="{p}/">{p}</a><br/>\n' for p in sorted(projects))
    (simple / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{index}</body></html>\n")
    return simple


# --------------------------------------------------------------------------- HTTP


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files silently and records each request path on the server."""

    server: _RecordingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _record(self) -> None:
        with self.server.lock:
            self.server.requests.append(self.path.split("?", 1)[0])

    def _forget_validators(self) -> None:
        # Always answer 200 with the current file: mtimes have 1 s resolution, so a
        # conditional request could otherwise get 304 for a file rewritten in the same second.
        del self.headers["If-Modified-Since"]
        del self.headers["If-None-Match"]

    def end_headers(self) -> None:
        """Forbid caching of anything served."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        """Record, then serve."""
        self._record()
        self._forget_validators()
        super().do_GET()

    def do_HEAD(self) -> None:
        """Record, then serve."""
        self._record()
        self._forget_validators()
        super().do_HEAD()


class _RecordingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, directory: Path) -> None:
        self.requests: list[str] = []
        self.lock = threading.Lock()
        handler = functools.partial(_QuietHandler, directory=str(directory))
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up early (uv, rattler racing requests) are not errors."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class DirectoryServer:
    """Serve a directory over HTTP on ``127.0.0.1`` (ephemeral port) in a thread.

    Use as a context manager. ``url`` is the base URL (no trailing slash);
    ``requests`` lists each GET/HEAD path in arrival order (``/linux-64/repodata.json``).

    >>> (Path(tmp) / "hello.txt").write_text("hi")
    2
    >>> import urllib.request
    >>> with DirectoryServer(Path(tmp)) as server:
    ...     urllib.request.urlopen(server.url + "/hello.txt").read()
    ...     server.count("/hello.txt")
    b'hi'
    1
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._server: _RecordingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def requests(self) -> list[str]:
        """Request paths received so far (a copy)."""
        if self._server is None:
            return []
        with self._server.lock:
            return list(self._server.requests)

    def count(self, path_or_suffix: str) -> int:
        """How many requests hit exactly ``path_or_suffix``, or ended with it if no ``/`` prefix."""
        if path_or_suffix.startswith("/"):
            return sum(1 for p in self.requests if p == path_or_suffix)
        return sum(1 for p in self.requests if p.endswith(path_or_suffix))

    def clear(self) -> None:
        """Forget the requests received so far."""
        if self._server is not None:
            with self._server.lock:
                self._server.requests.clear()

    def start(self) -> DirectoryServer:
        """Start serving; returns self."""
        self._server = _RecordingHTTPServer(self.directory)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DirectoryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on ``127.0.0.1`` for the ``with`` block; yield its base URL.

    Use :class:`DirectoryServer` directly to see which paths were requested.
    """
    with DirectoryServer(directory) as server:
        yield server.url


#: Variables that would point envtool, rattler, conda or uv at the developer's machine.
LEAKY_PREFIXES = ("CONDA_", "MAMBA_", "PIXI_", "RATTLER_", "UV_", "PIP_", "ENVTOOL_")
LEAKY_NAMES = ("CONDARC", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "XDG_CONFIG_HOME")
#: ENVTOOL_ variables that select test data rather than behaviour.
KEEP = ("ENVTOOL_SNAPSHOT",)


def isolate_environment(mp: Any, caches: Path, *, offline: bool) -> None:
    """Cut envtool, rattler and uv off from the user's configuration, caches and indexes.

    ``mp`` is a ``pytest.MonkeyPatch``. Clears conda/mamba/pixi/rattler/uv/pip/envtool
    variables (except ``ENVTOOL_SNAPSHOT``), points every cache and the config home under
    ``caches``, makes uv ignore config files and never download Pythons, keeps it off the
    network when ``offline``, and exempts 127.0.0.1 from any proxy.
    """
    for name in list(os.environ):
        if (name.startswith(LEAKY_PREFIXES) or name in LEAKY_NAMES) and name not in KEEP:
            mp.delenv(name)
    for variable, folder in (
        ("RATTLER_CACHE_DIR", "rattler"),
        ("ENVTOOL_CACHE_DIR", "envtool"),
        ("UV_CACHE_DIR", "uv"),
        ("XDG_CACHE_HOME", "xdg-cache"),
        ("XDG_CONFIG_HOME", "xdg-config"),
    ):
        mp.setenv(variable, str(caches / folder))
    mp.setenv("UV_NO_CONFIG", "1")
    mp.setenv("UV_PYTHON_DOWNLOADS", "never")
    if offline:
        mp.setenv("UV_OFFLINE", "1")
    for var in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(var, "")
        mp.setenv(var, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))


def conda_lock_model(
    locks: Sequence[Any], sources: Sequence[str], custom_metadata: dict[str, str] | None = None
) -> Any:
    """conda-lock's own model (``Lockfile``) of envtool ``TargetLock`` objects, built field by field.

    For comparing envtool's writer with conda-lock's, and for writing a plain
    conda-lock file (``conda_lock.lockfile.write_conda_lock_file``) in tests.
    """
    from conda_lock.lockfile.v2prelim.models import HashModel, LockedDependency, Lockfile, LockMeta
    from conda_lock.models.channel import Channel

    def deps(depends: Sequence[str]) -> dict[str, str]:
        return {d.partition(" ")[0]: d.partition(" ")[2].strip() for d in depends}

    packages = []
    for lk in locks:
        packages += [LockedDependency(name=c.name, version=c.version, manager="conda", platform=lk.platform,
                                      dependencies=deps(c.depends), url=c.url,
                                      hash=HashModel(md5=c.md5, sha256=c.sha256), categories={"main"}, build=c.build)
                     for c in lk.conda]  # fmt: skip
        packages += [LockedDependency(name=p.name, version=p.version, manager="pip", platform=lk.platform,
                                      dependencies=deps(p.depends), url=p.url, hash=HashModel(sha256=p.sha256),
                                      categories={"main"}) for p in lk.pip]  # fmt: skip
    meta = LockMeta(
        content_hash={lk.platform: lk.input_hash for lk in locks},
        channels=[Channel(url=ch, used_env_vars=()) for ch in dict.fromkeys(c for lk in locks for c in lk.channels)],
        platforms=sorted(lk.platform for lk in locks),
        sources=list(sources),
        custom_metadata=custom_metadata,
    )
    return Lockfile(package=packages, metadata=meta)
