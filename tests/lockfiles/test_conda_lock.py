"""envtool's conda-lock v1 writer and renders against conda-lock's own code, on the same data.

conda-lock is the reference for the format but is never imported by envtool
itself; here its writer, renderer and parser run on every committed lock and on
data chosen to stress quoting, folding and ordering, and the bytes must agree.
The committed locks are also read by every conda-lock v1 reader installable
from PyPI (conda-lock's parser, py-rattler's ``LockFile``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from envtool.lockfiles.conda_lock import read_conda_lock, v1_document, yaml_text
from envtool.lockfiles.env_file import env_lines
from envtool.lockfiles.explicit import explicit_lines
from envtool.lockfiles.toposort import order
from envtool.model import CondaPackage, PipPackage, TargetLock
from tests.factories import conda_lock_model

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_GROUPS = sorted((ROOT / "locks").glob("*-lock.yml"))


def _committed() -> list[list[TargetLock]]:
    return [read_conda_lock(path) for path in COMMITTED_GROUPS]


def _tricky() -> list[TargetLock]:
    """Two platforms of made-up packages whose text needs PyYAML's quoting and folding rules."""
    conda = (
        CondaPackage("python", "3.9.13", "h_0", "https://example.org/ch/linux-64/python-3.9.13-h_0.conda",
                     "a" * 32, "b" * 64, ("pip", "libzlib >=1.2.13,<2.0a0", "__glibc >=2.17")),
        CondaPackage("pip", "23.0", "pyhd8ed1ab_0", "https://example.org/ch/noarch/pip-23.0-pyhd8ed1ab_0.tar.bz2",
                     "c" * 32, None, ("python >=3.7",)),
        CondaPackage("libzlib", "1.0", "0", "https://example.org/ch/linux-64/libzlib-1.0-0.tar.bz2", "d" * 32,
                     "e" * 64, ("yes", "no-spec", "cyc 1.0")),
        CondaPackage("cyc", "2023-01-01", "y", "https://example.org/ch/linux-64/cyc-2023-01-01-y.conda", "f" * 32,
                     None, ("libzlib", "x 1.0 *_0")),
        CondaPackage("on", "0.1", "off", "https://example.org/ch/linux-64/on-0.1-off.conda", "0" * 32, None, ()),
        CondaPackage("__cuda", "11.2", "0", "https://example.org/ch/linux-64/__cuda-11.2-0.conda", "1" * 32),
    )  # fmt: skip
    pip = (
        PipPackage("zeta", "1.0", "https://files.example.org/zeta-1.0-py3-none-any.whl", "2" * 64,
                   depends=("alpha >=1",)),
        PipPackage("alpha", "1e5", "https://files.example.org/alpha-1e5-py3-none-any.whl", "3" * 64),
    )  # fmt: skip
    variables = {"LONG": "a value with spaces " * 6, "QUOTE": "it's: #1"}
    first = TargetLock("t-linux", "linux-64", "env: one", ("conda-forge", "https://example.org/ch"), conda, pip,
                       variables, "4" * 64, {"spec environments/a.yml": "5" * 12})  # fmt: skip
    second = TargetLock("t-osx", "osx-64", "two", ("conda-forge",), conda[:3], (), {}, "6" * 64)
    return [first, second]


CASES = [pytest.param(locks, id=locks[0].target) for locks in [*_committed(), _tricky()]]


def _conda_lock_model(locks: Sequence[TargetLock], sources: Sequence[str]) -> object:
    custom = v1_document(locks, sources)["metadata"]["custom_metadata"]
    return conda_lock_model(locks, sources, custom)


@pytest.mark.parametrize("locks", CASES)
def test_group_file_body_is_conda_locks_writer_output(locks: list[TargetLock], tmp_path: Path) -> None:
    from conda_lock.lockfile import write_conda_lock_file

    sources = ["../environments/a.yml", "../environments/b c.yml"]
    path = tmp_path / "x-lock.yml"
    write_conda_lock_file(_conda_lock_model(locks, sources), path, metadata_choices=None, include_help_text=False)
    assert yaml_text(v1_document(locks, sources)) == path.read_text()


@pytest.mark.parametrize("locks", CASES)
def test_target_renders_are_conda_locks_renderer_output(locks: list[TargetLock]) -> None:
    from conda_lock.conda_lock import render_lockfile_for_platform

    for lk in locks:
        for kind, ours in (("env", env_lines(lk)), ("explicit", explicit_lines(lk))):
            theirs = render_lockfile_for_platform(
                lockfile=_conda_lock_model([lk], []), include_dev_dependencies=False, extras=None,
                kind=kind, platform=lk.platform, suppress_warning_for_pip_and_explicit=True,
            )  # fmt: skip
            text = "\n".join(theirs).splitlines()[1:]  # conda-lock's first line claims authorship
            if kind == "env":
                text = text[text.index("channels:") :]
            assert ours == text, (lk.target, kind)


@pytest.mark.parametrize("path", COMMITTED_GROUPS, ids=[p.name for p in COMMITTED_GROUPS])
def test_committed_group_file_reads_alike_with_conda_locks_parser(path: Path) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    parsed = parse_conda_lock_file(path)
    for lk in read_conda_lock(path):
        theirs = [p for p in parsed.package if p.platform == lk.platform]
        ours = [(c.name, c.version, c.url, c.md5, c.sha256) for c in lk.conda]
        ours += [(p.name, p.version, p.url, None, p.sha256) for p in lk.pip]
        assert ours == [(p.name, p.version, p.url, p.hash.md5, p.hash.sha256) for p in theirs]
    assert [ch.url for ch in parsed.metadata.channels] == ["conda-forge"]  # as the specs spell it


@pytest.mark.parametrize("path", COMMITTED_GROUPS, ids=[p.name for p in COMMITTED_GROUPS])
def test_committed_group_file_reads_with_rattler(path: Path) -> None:
    import rattler

    ours = {lk.platform: lk for lk in read_conda_lock(path)}
    environment = rattler.LockFile.from_path(path).default_environment()
    assert environment is not None
    for platform in environment.platforms():
        records = environment.conda_repodata_records_for_platform(platform) or []
        pypi = environment.pypi_packages_for_platform(platform) or []
        lk = ours[str(platform.name)]
        assert sorted(str(r.url) for r in records) == sorted(c.url for c in lk.conda)
        assert len(pypi) == len(lk.pip)


@pytest.mark.parametrize("path", COMMITTED_GROUPS, ids=[p.name for p in COMMITTED_GROUPS])
def test_committed_group_file_has_what_conda_lockfiles_requires(path: Path) -> None:
    """The fields conda's ``conda-lockfiles`` plugin (not installable without conda) validates."""
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    assert data["version"] == 1
    metadata = data["metadata"]
    assert metadata["custom_metadata"]["created_by"].startswith("envtool ")
    assert metadata["platforms"] and all(isinstance(ch["url"], str) for ch in metadata["channels"])
    assert all(isinstance(v, str) for v in metadata["custom_metadata"].values())
    for package in data["package"]:
        assert {"name", "version", "manager", "platform", "url", "hash", "category", "optional"} <= set(package)


def test_toposort_is_condas(tmp_path: Path) -> None:
    from conda_lock.interfaces.vendored_conda import toposort

    rng = random.Random(7)
    names = [f"p{i}" for i in range(12)] + ["python", "pip", "__glibc"]
    for _ in range(400):
        graph = {n: {rng.choice(names) for _ in range(rng.randint(0, 3))} for n in rng.sample(names, 9)}
        assert order(graph) == toposort(graph), graph


def test_yaml_text_is_pyyaml_dump_for_awkward_strings() -> None:
    rng = random.Random(3)
    alphabet = "ab019._:-+ #'\"!&*?%@`[]{}~,>=<|eExYNnoO/"
    fixed = ["", "yes", "No", "~", "null", "1.0", "017", "0x1F", "1_000", "190:20:30", ".inf", "2001-12-14",
             "2001-12-14 21:59:43.10 -5", "<<", "=", "- a", "-a", "? a", "a: b", "a #b", "a#b", "---", "x" * 130]  # fmt: skip
    texts = fixed + [
        "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 2, 4, 9, 30, 95]))) for _ in range(3000)
    ]
    for text in texts:
        document = {"a": {"key": text, "list": [text, {"x": text}]}, "b": [{"name": text}], "c": {}, "d": False}
        assert yaml_text(document) == yaml.dump(document, sort_keys=False), text


@pytest.mark.parametrize("name", ["linux-gpu.yml", "linux-cpu-explicit.txt", "tf29-cpu-lock.yml"])
def test_reading_a_lock_imports_no_conda_lock_or_pydantic(name: str) -> None:
    """What ``create`` and ``verify`` read by target name (``locks/<target>.yml``, then its group file)."""
    code = (
        "import json, sys; from pathlib import Path; from envtool.lockfiles.read import read_lock; "
        f"read_lock(Path({str(ROOT / 'locks' / name)!r})); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('conda_lock', 'pydantic'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
