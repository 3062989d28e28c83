"""Compare an installed environment with its lock: missing, extra and changed packages, altered files.

The conda half is read from ``PREFIX/conda-meta/*.json`` (name, version,
build, md5, sha256 of the package file), the pip half from the
``*.dist-info`` folders in ``site-packages`` that no conda package owns
(``METADATA`` name and version, ``INSTALLER``, and the sha256 in
``direct_url.json`` where the installer recorded one).

>>> from envtool.model import CondaPackage
>>> pkg = CondaPackage("zlib", "1.2", "h0_0", "https://c/linux-64/zlib-1.2-h0_0.conda", "aa" * 16)
>>> installed = {"zlib": InstalledConda("zlib", "1.2", "h0_1", "aa" * 16, None)}
>>> [d.detail for d in compare_conda([pkg], installed)]
['build h0_0 -> h0_1']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from envtool.errors import CheckFailed, ConfigError, InstallError
from envtool.model import CondaPackage, PipPackage, TargetLock, normalize

Kind = Literal["missing", "extra", "changed", "files"]


@dataclass(frozen=True)
class InstalledConda:
    """A conda package as ``conda-meta`` records it."""

    name: str
    version: str
    build: str
    md5: str | None
    sha256: str | None


@dataclass(frozen=True)
class InstalledPip:
    """A Python distribution installed by pip or uv (not by a conda package)."""

    name: str
    version: str
    installer: str
    sha256: str | None
    location: str


@dataclass(frozen=True)
class Difference:
    """One way the environment differs from its lock."""

    kind: Kind
    manager: Literal["conda", "pip"]
    name: str
    locked: str
    installed: str
    detail: str = ""


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of :func:`verify_environment`."""

    prefix: Path
    target: str
    lock_path: Path | None
    conda_checked: int
    pip_checked: int
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        """Whether the environment matches its lock exactly."""
        return not self.differences

    def summary(self) -> str:
        """``2 missing, 1 changed`` (or ``identical``)."""
        counts = {k: sum(1 for d in self.differences if d.kind == k) for k in ("missing", "extra", "changed")}
        parts = [f"{n} {k}" for k, n in counts.items() if n]
        files = sum(1 for d in self.differences if d.kind == "files")
        if files:
            parts.append(f"{files} with missing or altered files")
        return ", ".join(parts) or "identical"

    def check(self) -> None:
        """Raise :class:`~envtool.errors.CheckFailed` unless the environment matches its lock."""
        if self.ok:
            return
        lock = str(self.lock_path) if self.lock_path is not None else f"target {self.target!r}"
        raise CheckFailed(
            str(self.prefix),
            f"differs from {lock}: {self.summary()}",
            f"recreate it with 'envtool create {lock} -p {self.prefix} --force'",
        )

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` report."""
        return {
            "prefix": str(self.prefix), "target": self.target,
            "lock": str(self.lock_path) if self.lock_path is not None else None,
            "ok": self.ok, "conda_checked": self.conda_checked, "pip_checked": self.pip_checked,
            "differences": [d.__dict__ for d in self.differences],
        }  # fmt: skip


def verify_environment(
    prefix: Path, lock: TargetLock, lock_path: Path | None = None, *, fast: bool = False
) -> VerifyReport:
    """Compare the environment at ``prefix`` with ``lock``: packages, then (unless ``fast``) every file."""
    meta = require_environment(prefix)
    records = _conda_meta(meta)
    conda = {r["name"]: _installed_conda(r) for r in records}
    owned = {f for r in records for f in r.get("files", ())}
    pip = installed_pip(prefix, owned)
    differences = [*compare_conda(lock.conda, conda), *compare_pip(lock.pip, pip)]
    if not fast:
        differences += compare_files(prefix, records, {key: p.location for key, p in pip.items()})
    return VerifyReport(prefix, lock.target, lock_path, len(conda), len(pip), tuple(differences))


def compare_files(
    prefix: Path, records: Sequence[Mapping[str, Any]], dist_infos: Mapping[str, str]
) -> list[Difference]:
    """One difference per package with missing or altered files (see :mod:`envtool.env.contents`)."""
    from envtool.env.contents import check_files, conda_expected, pip_expected

    problems = check_files(prefix, [*conda_expected(records), *pip_expected(prefix, dist_infos)])
    by_package: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        by_package.setdefault((problem.manager, problem.package), []).append(f"{problem.kind} {problem.path}")
    out = []
    for (manager, name), lines in sorted(by_package.items()):
        shown = "; ".join(lines[:5]) + (f"; and {len(lines) - 5} more" if len(lines) > 5 else "")
        out.append(Difference("files", manager, name, "", "", shown))  # type: ignore[arg-type]
    return out


def require_environment(prefix: Path) -> Path:
    """``prefix/conda-meta``; refuse a folder that is not an environment (or does not exist)."""
    meta = prefix / "conda-meta"
    if not meta.is_dir():
        what = "does not exist" if not prefix.exists() else "is not an environment (no conda-meta/)"
        raise InstallError(
            str(prefix), what, "pass the prefix of an environment made by envtool create, conda or micromamba"
        )
    return meta


def lock_for(prefix: Path, lock_file: Path | None, target: str | None, cwd: Path) -> tuple[Path, TargetLock]:
    """The lock to verify ``prefix`` against: ``--lock``, ``--target``, or the one it came from."""
    from envtool.env.create import read_marker
    from envtool.env.locate import host_platform, lock_path_for, select_lock
    from envtool.lockfiles.read import read_lock

    require_environment(prefix)
    marker = read_marker(prefix)
    if lock_file is not None:
        path = lock_file
    elif target is not None:
        path = lock_path_for(target, cwd)
    elif marker.get("lock"):
        path = Path(str(marker["lock"]))
    else:
        raise ConfigError(
            str(prefix),
            "no lock given and the environment records none",
            "pass --lock FILE or --target NAME",
        )
    platform = str(marker.get("platform") or host_platform())
    wanted = target or (str(marker["target"]) if marker.get("target") else None)
    return path, select_lock(read_lock(path), str(path), platform, wanted)


def _conda_meta(meta: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(meta.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InstallError(str(path), f"unreadable conda-meta record ({exc})", "recreate the environment") from None
        if isinstance(data, dict) and "name" in data:
            records.append(data)
    return records


def _installed_conda(record: Mapping[str, Any]) -> InstalledConda:
    return InstalledConda(
        str(record["name"]), str(record.get("version", "")), str(record.get("build", "")),
        record.get("md5") or None, record.get("sha256") or None,
    )  # fmt: skip


def installed_pip(prefix: Path, conda_files: Iterable[str] = ()) -> dict[str, InstalledPip]:
    """Python distributions in ``prefix`` not owned by a conda package, by normalized name."""
    from email.parser import HeaderParser

    owned = set(conda_files)
    found: dict[str, InstalledPip] = {}
    for site in _site_packages(prefix):
        for info in sorted([*site.glob("*.dist-info"), *site.glob("*.egg-info")]):
            meta = info / ("METADATA" if info.suffix == ".dist-info" else "PKG-INFO")
            relative = meta.relative_to(prefix).as_posix()
            if relative in owned or info.relative_to(prefix).as_posix() in owned or not meta.is_file():
                continue
            headers = HeaderParser().parsestr(meta.read_text(encoding="utf-8", errors="replace"))
            name = headers.get("Name") or info.name.split("-")[0]
            installer = info / "INSTALLER"
            found[normalize(name)] = InstalledPip(
                name=name,
                version=str(headers.get("Version", "")),
                installer=installer.read_text(encoding="utf-8").strip() if installer.is_file() else "",
                sha256=_recorded_sha256(info / "direct_url.json"),
                location=info.relative_to(prefix).as_posix(),
            )
    return found


def _site_packages(prefix: Path) -> list[Path]:
    found = sorted(p for p in prefix.glob("lib/python*/site-packages") if p.is_dir() and not p.is_symlink())
    windows = prefix / "Lib" / "site-packages"
    return found + ([windows] if windows.is_dir() else [])


def _recorded_sha256(path: Path) -> str | None:
    try:
        archive = json.loads(path.read_text(encoding="utf-8")).get("archive_info", {})
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(archive, dict):
        return None
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return str(hashes["sha256"])
    single = archive.get("hash")
    if isinstance(single, str) and single.startswith("sha256="):
        return single[len("sha256=") :]
    return None


def compare_conda(locked: Sequence[CondaPackage], installed: Mapping[str, InstalledConda]) -> list[Difference]:
    """Missing, extra and changed conda packages (version, build, md5, sha256)."""
    out: list[Difference] = []
    wanted = {p.name: p for p in locked}
    for name, pkg in sorted(wanted.items()):
        have = installed.get(name)
        want = f"{pkg.version} {pkg.build}"
        if have is None:
            out.append(Difference("missing", "conda", name, want, ""))
            continue
        changes = [
            f"{label} {a} -> {b}"
            for label, a, b in (
                ("version", pkg.version, have.version), ("build", pkg.build, have.build),
                ("md5", pkg.md5 or None, have.md5), ("sha256", pkg.sha256, have.sha256),
            )
            if a and b and a.lower() != b.lower()
        ]  # fmt: skip
        if changes:
            out.append(
                Difference(
                    "changed",
                    "conda",
                    name,
                    want,
                    f"{have.version} {have.build}",
                    "; ".join(changes),
                )
            )
    out += [
        Difference("extra", "conda", n, "", f"{h.version} {h.build}")
        for n, h in sorted(installed.items())
        if n not in wanted
    ]
    return out


def compare_pip(locked: Sequence[PipPackage], installed: Mapping[str, InstalledPip]) -> list[Difference]:
    """Missing, extra and changed pip packages (version, and sha256 where the installer kept it)."""
    out: list[Difference] = []
    wanted = {normalize(p.name): p for p in locked}
    for key, pkg in sorted(wanted.items()):
        have = installed.get(key)
        if have is None:
            out.append(Difference("missing", "pip", pkg.name, pkg.version, ""))
            continue
        changes = []
        if pkg.version and have.version and pkg.version != have.version:
            changes.append(f"version {pkg.version} -> {have.version}")
        accepted = {h.lower() for h in (pkg.sha256, *pkg.hashes) if h}
        if have.sha256 and accepted and have.sha256.lower() not in accepted:
            changes.append(f"sha256 {pkg.sha256} -> {have.sha256}")
        if changes:
            out.append(Difference("changed", "pip", pkg.name, pkg.version, have.version, "; ".join(changes)))
    out += [
        Difference("extra", "pip", h.name, "", h.version, f"installed by {h.installer or 'unknown'}")
        for k, h in sorted(installed.items())
        if k not in wanted
    ]
    return out
