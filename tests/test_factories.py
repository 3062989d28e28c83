"""The test-fixture library builds real, installable artefacts, quickly and hermetically."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
from uv import find_uv_bin

from tests.conftest import ChannelFactory, WheelFactory
from tests.factories import (
    HOST_PYTHON_VERSION,
    PREFIX_PLACEHOLDER,
    DirectoryServer,
    PackageSpec,
    channel_records,
    channel_url,
    index_channel,
    install_records,
    make_channel,
    make_conda_package,
    make_python_package,
    make_simple_index,
    make_wheel,
    run_sync,
    serve_directory,
    solve_channel,
    wheel_sha256,
)

HOST_MM = "{}.{}".format(*sys.version_info[:2])


def _run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, env=env, timeout=60)


def _uv_install(
    prefix: Path, requirements: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(
        find_uv_bin(), "pip", "install", "--python", prefix / "bin/python",
        "--no-deps", "--require-hashes", "-r", requirements, *extra, env=env,
    )  # fmt: skip


# --------------------------------------------------------------------------- conda packages


def test_tar_bz2_layout_and_metadata(tmp_path: Path) -> None:
    pkg = make_conda_package(
        tmp_path, "foo", "1.2", "h0_1", build_number=1, depends=["bar >=1"],
        constrains=["baz <2"], track_features=["feat"], files={"bin/foo": "#!/bin/sh\n"},
    )  # fmt: skip
    assert pkg == tmp_path / "linux-64" / "foo-1.2-h0_1.tar.bz2"
    with tarfile.open(pkg) as tar:
        names = set(tar.getnames())
        index = json.load(tar.extractfile("info/index.json"))  # type: ignore[arg-type]
        paths = json.load(tar.extractfile("info/paths.json"))  # type: ignore[arg-type]
        assert tar.getmember("bin/foo").mode == 0o755
    assert {"info/index.json", "info/paths.json", "info/files", "bin/foo"} <= names
    assert index["depends"] == ["bar >=1"]
    assert index["constrains"] == ["baz <2"]
    assert index["track_features"] == "feat"
    assert (index["subdir"], index["platform"], index["arch"]) == ("linux-64", "linux", "x86_64")
    assert index["build_number"] == 1
    [entry] = paths["paths"]
    assert entry["sha256"] == hashlib.sha256(b"#!/bin/sh\n").hexdigest()


def test_conda_format_layout(tmp_path: Path) -> None:
    pkg = make_conda_package(tmp_path, "foo", "1.0", fmt=".conda", noarch="generic")
    assert pkg == tmp_path / "noarch" / "foo-1.0-0.conda"
    with zipfile.ZipFile(pkg) as zf:
        assert sorted(zf.namelist()) == [
            "info-foo-1.0-0.tar.zst",
            "metadata.json",
            "pkg-foo-1.0-0.tar.zst",
        ]


def test_packages_are_deterministic(tmp_path: Path) -> None:
    for i in range(20):
        make_conda_package(tmp_path / "a", f"p{i}", "1.0", files={"share/x": "x" * 100})
        make_conda_package(tmp_path / "b", f"p{i}", "1.0", files={"share/x": "x" * 100})
    a = sorted((tmp_path / "a/linux-64").iterdir())
    b = sorted((tmp_path / "b/linux-64").iterdir())
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


@pytest.mark.parametrize(
    "bad",
    [
        {"noarch": "cuda"},
        {"entry_points": ["x = y:z"]},
        {"fmt": ".zip"},
        {"prefix_placeholder_files": {"etc/x": "no placeholder"}},
        {"files": {"/abs": ""}},
        {"files": {"a": ""}, "symlinks": {"a": "b"}},
    ],
)
def test_invalid_arguments_are_rejected(tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_conda_package(tmp_path, "foo", "1.0", **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", [".tar.bz2", ".conda"])
def test_packages_install_with_rattler(channel_factory: ChannelFactory, tmp_path: Path, fmt: str) -> None:
    """noarch python relocation, entry points, prefix replacement and symlinks all work."""
    channel_factory.add_python()
    channel_factory.add(
        "tool", "1.0", noarch="python", depends=["python"], fmt=fmt,
        files={"site-packages/tool/__init__.py": "def main():\n    print('tool says hi')\n"},
        entry_points=["tool = tool:main"],
    )  # fmt: skip
    channel_factory.add(
        "data", "2.0", "h1", fmt=fmt, depends=["tool"],
        prefix_placeholder_files={"etc/data.conf": f"root={PREFIX_PLACEHOLDER}\n"},
        files={"bin/data-hello": "#!/bin/sh\necho data\n"},
        symlinks={"bin/data-alias": "data-hello"},
    )  # fmt: skip
    channel_factory.index()
    records = solve_channel(channel_factory.dir, ["data"])
    assert sorted(r.name.normalized for r in records) == ["data", "python", "tool"]

    prefix = tmp_path / "env"
    install_records(records, prefix)

    assert (prefix / "etc/data.conf").read_text() == f"root={prefix}\n"
    assert (prefix / f"lib/python{HOST_MM}/site-packages/tool/__init__.py").is_file()
    assert _run(prefix / "bin/tool").stdout == "tool says hi\n"
    assert (prefix / "bin/data-alias").is_symlink()
    assert _run(prefix / "bin/data-alias").stdout == "data\n"
    meta = sorted(p.name for p in (prefix / "conda-meta").glob("*.json"))
    assert meta == ["data-2.0-h1.json", f"python-{HOST_PYTHON_VERSION}-0.json", "tool-1.0-0.json"]


def test_rattler_cache_notices_changed_content(tmp_path: Path) -> None:
    """Same name-version-build, different bytes: the shared package cache re-extracts."""
    for i, content in enumerate(["first", "second"]):
        spec = {"name": "same", "version": "1.0", "files": {"share/same.txt": content}}
        channel = make_channel(tmp_path, [spec], name=f"c{i}")
        install_records(solve_channel(channel, ["same"]), tmp_path / f"env{i}")
        assert (tmp_path / f"env{i}/share/same.txt").read_text() == content


# --------------------------------------------------------------------------- channels


def test_index_channel_writes_repodata_for_empty_and_new_subdirs(tmp_path: Path) -> None:
    channel = tmp_path / "chan"
    index_channel(channel)
    for subdir in ("noarch", "linux-64"):
        repodata = json.loads((channel / subdir / "repodata.json").read_text())
        assert repodata["packages"] == {}
    make_conda_package(channel, "foo", "1.0", subdir="osx-arm64")
    make_conda_package(channel, "bar", "1.0", fmt=".conda")
    index_channel(channel)
    osx = json.loads((channel / "osx-arm64/repodata.json").read_text())
    linux = json.loads((channel / "linux-64/repodata.json").read_text())
    assert list(osx["packages"]) == ["foo-1.0-0.tar.bz2"]
    assert list(linux["packages.conda"]) == ["bar-1.0-0.conda"]


def test_make_channel_accepts_simple_specs(tmp_path: Path) -> None:
    channel = make_channel(
        tmp_path,
        [
            ("a", "1.0"),
            ("b", "2.0", "h1"),
            "c 3.0",
            PackageSpec("d", "4.0", kwargs={"noarch": "generic"}),
            {"name": "e", "version": "5.0", "depends": ["a"]},
        ],
        python=True,
    )
    assert channel == tmp_path / "channel"
    names = sorted(r.name.normalized for r in channel_records(channel))
    assert names == ["a", "b", "c", "d", "e", "python"]
    assert sorted(r.name.normalized for r in solve_channel(channel, ["e"])) == ["a", "e"]


def test_channel_records_reads_every_indexed_subdir(tmp_path: Path) -> None:
    make_conda_package(tmp_path, "tool", "1.0", "h0_0", subdir="linux-64")
    make_conda_package(tmp_path, "data", "2.0", "0", noarch="generic")
    index_channel(tmp_path)
    records = channel_records(tmp_path, subdirs=("noarch", "linux-64", "osx-arm64"))  # osx-arm64: no repodata
    url = channel_url(tmp_path)
    assert sorted((r.name.normalized, r.subdir, r.url) for r in records) == [
        ("data", "noarch", f"{url}/noarch/data-2.0-0.tar.bz2"),
        ("tool", "linux-64", f"{url}/linux-64/tool-1.0-h0_0.tar.bz2"),
    ]


def test_channel_url_is_file_url(tmp_path: Path) -> None:
    url = channel_url(tmp_path / "chan")
    assert url.startswith("file:///")
    assert url.endswith("/chan")


def test_channel_factory_fixture(channel_factory: ChannelFactory) -> None:
    channel_factory.add("foo", "1.0")
    assert channel_factory.index() == channel_factory.url
    assert [r.url for r in channel_records(channel_factory.dir)] == [
        f"{channel_factory.url}/linux-64/foo-1.0-0.tar.bz2"
    ]


def test_run_sync_inside_a_running_loop(tmp_path: Path) -> None:
    async def inner() -> None:
        index_channel(tmp_path / "chan")  # would fail with plain asyncio.run

    asyncio.run(inner())
    assert (tmp_path / "chan/noarch/repodata.json").is_file()
    with pytest.raises(ZeroDivisionError):

        async def boom() -> None:
            run_sync(_divide())

        asyncio.run(boom())


async def _divide() -> float:
    return 1 / 0


# --------------------------------------------------------------------------- fake python + uv


def _python_env(tmp_path: Path, version: str | None = None) -> Path:
    channel = tmp_path / "pychan"
    make_python_package(channel, version)
    make_conda_package(
        channel, "condapkg", "1.0", noarch="python", depends=["python"],
        files={"site-packages/condapkg/__init__.py": "VALUE = 'conda'\n"},
    )  # fmt: skip
    index_channel(channel)
    prefix = tmp_path / "env"
    install_records(solve_channel(channel, ["python", "condapkg"]), prefix)
    return prefix


def test_fake_python_is_a_venv_rooted_in_the_prefix(tmp_path: Path) -> None:
    prefix = _python_env(tmp_path)
    out = _run(
        prefix / "bin/python", "-c",
        "import sys, sysconfig; print(sys.prefix); print(sysconfig.get_path('purelib'));"
        "print('%d.%d' % sys.version_info[:2])",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        str(prefix),
        str(prefix / f"lib/python{HOST_MM}/site-packages"),
        HOST_MM,
    ]
    # The test venv's own packages (pytest) are not visible.
    assert _run(prefix / "bin/python", "-c", "import pytest").returncode != 0


@pytest.mark.parametrize("version", [None, "3.9.13"])
def test_uv_installs_wheels_into_the_fake_python_prefix(
    tmp_path: Path, wheel_factory: WheelFactory, version: str | None
) -> None:
    prefix = _python_env(tmp_path, version)
    wheel = wheel_factory("my-wheel", "1.0", files={"my_wheel/__init__.py": "X = 1\n"})
    requirements = tmp_path / "req.txt"
    requirements.write_text(f"my-wheel==1.0 --hash=sha256:{wheel_sha256(wheel)}\n")

    result = _uv_install(prefix, requirements, "--no-index", "--find-links", str(wheel_factory.dir))
    assert result.returncode == 0, result.stderr

    label_mm = ".".join((version or HOST_PYTHON_VERSION).split(".")[:2])
    site = prefix / f"lib/python{label_mm}/site-packages"
    assert (site / "my_wheel/__init__.py").is_file()
    assert (site / "condapkg/__init__.py").is_file()
    out = _run(prefix / "bin/python", "-c", "import my_wheel, condapkg; print(condapkg.VALUE)")
    assert out.stdout == "conda\n", out.stderr
    assert (prefix / f"bin/python{label_mm}").exists()


def test_uv_rejects_a_wrong_hash(tmp_path: Path, wheel_factory: WheelFactory) -> None:
    prefix = _python_env(tmp_path)
    wheel_factory("my-wheel", "1.0")
    requirements = tmp_path / "req.txt"
    requirements.write_text(f"my-wheel==1.0 --hash=sha256:{'0' * 64}\n")
    result = _uv_install(prefix, requirements, "--no-index", "--find-links", str(wheel_factory.dir))
    assert result.returncode != 0
    assert "hash" in result.stderr.lower()


# --------------------------------------------------------------------------- wheels


def test_wheel_record_hashes_match(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "Some.Pkg", "2.0", requires=["dep>=1"], tag="py2.py3-none-any")
    assert wheel.name == "some_pkg-2.0-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        record = zf.read("some_pkg-2.0.dist-info/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if not digest:
                assert path.endswith("RECORD")
                continue
            data = zf.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == f"sha256={expected.decode()}"
            assert int(size) == len(data)
        metadata = zf.read("some_pkg-2.0.dist-info/METADATA").decode()
        wheel_meta = zf.read("some_pkg-2.0.dist-info/WHEEL").decode()
        assert zf.read("some_pkg/__init__.py") == b'__version__ = "2.0"\n'
    assert "Name: Some.Pkg\n" in metadata
    assert "Requires-Dist: dep>=1\n" in metadata
    assert "Tag: py2-none-any\nTag: py3-none-any\n" in wheel_meta
    assert wheel_sha256(wheel) == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert make_wheel(tmp_path / "again", "Some.Pkg", "2.0", requires=["dep>=1"],
                      tag="py2.py3-none-any").read_bytes() == wheel.read_bytes()  # fmt: skip


# --------------------------------------------------------------------------- HTTP


def test_http_server_logs_requests(http_server: DirectoryServer) -> None:
    (http_server.directory / "a.txt").write_text("A")
    assert urllib.request.urlopen(f"{http_server.url}/a.txt").read() == b"A"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{http_server.url}/missing")
    assert http_server.requests == ["/a.txt", "/missing"]
    assert http_server.count("a.txt") == 1
    http_server.clear()
    assert http_server.requests == []


def test_serve_directory_yields_url(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    with serve_directory(tmp_path) as url:
        assert urllib.request.urlopen(f"{url}/x").read() == b"x"


def test_conda_channel_over_http_is_logged(tmp_path: Path) -> None:
    channel = make_channel(tmp_path, [("foo", "1.0")])
    with DirectoryServer(channel) as server:
        records = solve_channel(server.url, ["foo"])
        install_records(records, tmp_path / "env", cache_dir=tmp_path / "fresh-cache")
    assert records[0].url == f"{server.url}/linux-64/foo-1.0-0.tar.bz2"
    assert server.count("/linux-64/foo-1.0-0.tar.bz2") == 1
    assert server.count("/noarch/repodata.json") == 1


def test_uv_installs_from_a_served_simple_index(
    tmp_path: Path, wheel_factory: WheelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = _python_env(tmp_path)
    wheel = wheel_factory("served", "0.1")
    make_simple_index(tmp_path / "www", [wheel])
    requirements = tmp_path / "req.txt"
    requirements.write_text(f"served==0.1 --hash=sha256:{wheel_sha256(wheel)}\n")
    monkeypatch.delenv("UV_OFFLINE")  # offline mode refuses even 127.0.0.1
    with DirectoryServer(tmp_path / "www") as server:
        result = _uv_install(prefix, requirements, "--index-url", f"{server.url}/simple")
    assert result.returncode == 0, result.stderr
    assert server.count("/simple/served/") == 1
    assert server.count("/files/served-0.1-py3-none-any.whl") == 1


# --------------------------------------------------------------------------- isolation


def test_environment_is_hermetic(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert os.environ["UV_OFFLINE"] == "1"
    assert os.environ["UV_NO_CONFIG"] == "1"
    base = tmp_path_factory.getbasetemp()
    for var in ("RATTLER_CACHE_DIR", "ENVTOOL_CACHE_DIR", "UV_CACHE_DIR"):
        assert Path(os.environ[var]).is_relative_to(base)
    assert "VIRTUAL_ENV" not in os.environ
    assert not [v for v in os.environ if v.startswith(("CONDA_", "PIP_"))]
    assert "127.0.0.1" in os.environ["NO_PROXY"]
