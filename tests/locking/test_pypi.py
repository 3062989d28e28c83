"""The pip half: uv resolving for the target's platform and Python, against wheels built in the test."""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from envtool.errors import PypiError
from envtool.inputs.mirrors import configured_mirrors
from envtool.inputs.targets import Target, VirtualPackage
from envtool.lockfiles.read import read_lock
from envtool.locking.lock import LockRequest, check, lock
from envtool.locking.pypi import conda_python_packages, uv_platform, wheel_tags
from envtool.model import CondaPackage
from tests.factories import DirectoryServer, channel_url, make_simple_index, make_wheel, sha256_file
from tests.projects import build_times_only, envtool, lock_files, tf_channel, wheels, write_project


def _project(tmp_path: Path, pip: list[str], platform: str = "linux-64", **pypi: object) -> Path:
    channel = tf_channel(tmp_path)
    links = wheels(tmp_path)
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "numpy<2", "pip", {"pip": pip}]}
    return write_project(
        tmp_path, {"t": {"platform": platform, "specs": ["s.yml"]}}, {"s.yml": spec},
        pypi={"find-links": [str(links)], **pypi},
    )  # fmt: skip


def test_pip_half_is_pinned_hashed_and_skips_what_conda_installs(tmp_path: Path) -> None:
    manifest = _project(tmp_path, ["tinypkg"])
    result = lock(LockRequest(manifest=manifest)).solved[0]
    assert {(p.name, p.version) for p in result.pip} == {("tinypkg", "1.0"), ("tinydep", "1.1")}
    assert all(len(p.sha256) == 64 for p in result.pip)
    data = yaml.safe_load((tmp_path / "locks" / "t.yml").read_text())
    pip_lines = next(d["pip"] for d in data["dependencies"] if isinstance(d, dict))
    # conda's pip step must search the folder the wheels were locked from.
    assert pip_lines[0] == f"--find-links {tmp_path / 'wheels'}"
    assert all(" == " in line and "--hash=sha256:" in line for line in pip_lines[1:])
    assert not any(line.startswith("numpy") for line in pip_lines)  # conda's numpy serves it
    explicit = (tmp_path / "locks" / "t-explicit.txt").read_text()
    assert "# pip tinypkg @ " in explicit and "#sha256=" in explicit
    assert read_lock(tmp_path / "locks" / "t-explicit.txt")[0].pip == tuple(
        (type(p)(p.name, p.version, p.url, p.sha256, (p.sha256,))) for p in result.pip
    )


def test_conda_version_constrains_pip(tmp_path: Path) -> None:
    # tinypkg 2.0 needs numpy>=2, but conda installs numpy 1.23.5: uv must keep tinypkg 1.0.
    manifest = _project(tmp_path, ["tinypkg"])
    make_wheel(tmp_path / "wheels", "tinypkg", "2.0", requires=["numpy>=2"])
    make_wheel(tmp_path / "wheels", "numpy", "2.0.0")
    result = lock(LockRequest(manifest=manifest)).solved[0]
    assert ("tinypkg", "1.0") in {(p.name, p.version) for p in result.pip}


def test_platform_specific_wheel_is_chosen_for_the_target(tmp_path: Path) -> None:
    manifest = _project(tmp_path, ["native"], platform="linux-64")
    make_wheel(tmp_path / "wheels", "native", "1.0", tag="cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64")
    make_wheel(tmp_path / "wheels", "native", "1.0", tag="cp39-cp39-win_amd64")
    make_wheel(tmp_path / "wheels", "native", "1.0", tag="cp39-cp39-manylinux_2_28_x86_64")
    result = lock(LockRequest(manifest=manifest)).solved[0]
    (native,) = [p for p in result.pip if p.name == "native"]
    assert native.filename == "native-1.0-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def test_no_wheel_for_the_platform_names_package_and_platform(tmp_path: Path) -> None:
    manifest = _project(tmp_path, ["native"], platform="linux-64")
    make_wheel(tmp_path / "wheels", "native", "1.0", tag="cp39-cp39-win_amd64")
    with pytest.raises(PypiError, match=r"native.*linux-64"):
        lock(LockRequest(manifest=manifest))


def test_unresolvable_pip_requirement_is_a_pypi_error(tmp_path: Path) -> None:
    manifest = _project(tmp_path, ["tinydep>=5"])
    with pytest.raises(PypiError, match="tinydep"):
        lock(LockRequest(manifest=manifest))


def test_uv_platform_and_tags_per_target() -> None:
    osx = Target("m", "osx-arm64", (), (VirtualPackage("__osx", "11.0"),), "m")
    assert uv_platform(osx) == "aarch64-apple-darwin"
    tags = wheel_tags(osx, "3.9.13")
    assert "cp39-cp39-macosx_11_0_arm64" in tags and "cp39-cp39-macosx_12_0_arm64" not in tags
    linux = Target("l", "linux-64", (), (), "l")
    assert tags_index(wheel_tags(linux, "3.10.4"), "cp310-cp310-manylinux_2_17_x86_64") < tags_index(
        wheel_tags(linux, "3.10.4"), "cp310-cp310-manylinux1_x86_64"
    )
    assert "cp310-cp310-manylinux_2_28_x86_64" not in wheel_tags(linux, "3.10.4")


def tags_index(tags: list[str], tag: str) -> int:
    return tags.index(tag)


def test_conda_python_packages_maps_names() -> None:
    pkgs = [
        CondaPackage("python", "3.9.13", "h", "u/linux-64/python.conda", "0"),
        CondaPackage("matplotlib-base", "3.7.1", "p", "u/linux-64/m.conda", "0", depends=("python >=3.9,<3.10",)),
        CondaPackage("libzlib", "1.2.13", "h", "u/linux-64/z.conda", "0", depends=("libgcc-ng >=12",)),
    ]
    assert conda_python_packages(pkgs) == {"matplotlib": "3.7.1"}


@pytest.mark.network
def test_tensorflow_wheels_resolve_from_pypi_for_linux_and_apple_silicon(tmp_path: Path) -> None:
    import asyncio

    from envtool.inputs.spec import Dependency
    from envtool.inputs.targets import PypiSettings, with_defaults
    from envtool.locking.pypi import PipRequest, resolve_pip

    cases = [
        ("linux-64", "tensorflow-cpu==2.9.*", "manylinux"),
        ("osx-arm64", "tensorflow-macos==2.9.*", "macosx_11_0_arm64"),
    ]
    for platform, req, marker in cases:
        target = Target("t", platform, (), tuple(with_defaults(platform, [])), "t")
        request = PipRequest(
            target, (Dependency(req, "s.yml:1"), Dependency("numpy<2", "s.yml:2"), Dependency("protobuf<3.20", "s.yml:3")),
            "3.9.13", {}, PypiSettings(exclude_newer="2023-04-30T00:00:00Z"), tmp_path,
        )  # fmt: skip
        pins = {p.name: p for p in asyncio.run(resolve_pip(request))}
        tf = pins[req.split("==")[0]]
        assert tf.version.startswith("2.9.") and marker in tf.filename and len(tf.sha256) == 64
        assert int(pins["numpy"].version.split(".")[0]) < 2


class _CachingIndex:
    """A PEP 691 JSON index on 127.0.0.1 with upload times, whose pages clients revalidate; counts requests."""

    def __init__(self, root: Path, wheel_files: list[Path]) -> None:
        import functools
        import json
        import threading
        from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

        from tests.factories import normalize_project_name, sha256_file

        projects: dict[str, list[Path]] = {}
        for wheel in wheel_files:
            projects.setdefault(normalize_project_name(wheel.name.split("-")[0]), []).append(wheel)
        for project, files in projects.items():
            page = {
                "meta": {"api-version": "1.1"},
                "name": project,
                "files": [
                    {"filename": f.name, "url": f"../../files/{f.name}", "hashes": {"sha256": sha256_file(f)},
                     "upload-time": "2023-01-01T00:00:00Z"}
                    for f in files
                ],
            }  # fmt: skip
            (root / "simple" / project).mkdir(parents=True, exist_ok=True)
            (root / "simple" / project / "index.json").write_text(json.dumps(page))
            (root / "files").mkdir(exist_ok=True)
            for f in files:
                (root / "files" / f.name).write_bytes(f.read_bytes())
        self.requests: list[str] = []
        requests = self.requests

        class Handler(SimpleHTTPRequestHandler):
            def guess_type(self, path: str | os.PathLike[str]) -> str:
                return (
                    "application/vnd.pypi.simple.v1+json" if str(path).endswith(".json") else "application/octet-stream"
                )

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def end_headers(self) -> None:
                """May be stored, must be revalidated: what makes uv ask again on every run."""
                self.send_header("Cache-Control", "no-cache")
                super().end_headers()

            def send_head(self) -> object:
                requests.append(self.path)
                if self.path.endswith("/"):
                    self.path += "index.json"
                return super().send_head()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_exclude_newer_resolves_from_uvs_cache_first_and_online_on_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.projects import lock_files

    monkeypatch.delenv("UV_OFFLINE", raising=False)
    folder = wheels(tmp_path)
    make_wheel(folder, "latepkg", "1.0")
    index = _CachingIndex(tmp_path / "index", sorted(folder.glob("*.whl")))
    channel = build_times_only(tf_channel(tmp_path))
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "numpy<2", "pip", {"pip": ["tinypkg"]}]}
    pypi = {"index-url": f"{index.url}/simple"}
    manifest = write_project(
        tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec},
        pypi=pypi, **{"exclude-newer": "2024-01-01T00:00:00Z"},
    )  # fmt: skip
    try:
        lock(LockRequest(manifest=manifest))
        assert any(path.startswith("/simple/tinypkg") for path in index.requests)
        first = lock_files(tmp_path)
        index.requests.clear()
        lock(LockRequest(manifest=manifest, force=True))
        assert index.requests == []  # uv's cache answered: no round trip at all
        assert lock_files(tmp_path) == first
        spec["dependencies"][-1] = {"pip": ["tinypkg", "latepkg"]}
        (manifest.parent / "s.yml").write_text(yaml.safe_dump(spec))
        result = lock(LockRequest(manifest=manifest)).solved[0]
        assert "latepkg" in {p.name for p in result.pip}  # a cache miss goes to the index
        assert any(path.startswith("/simple/latepkg") for path in index.requests)
    finally:
        index.stop()


def test_a_newly_added_extra_index_is_asked_even_with_a_warm_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Offline, uv takes an index it never read as empty: a warm cache must not let an added
    # --extra-index-url (here unreachable) go unasked and the lock "succeed" without it.
    from envtool.errors import EnvtoolError

    monkeypatch.delenv("UV_OFFLINE", raising=False)
    folder = wheels(tmp_path)
    index = _CachingIndex(tmp_path / "index", sorted(folder.glob("*.whl")))
    channel = build_times_only(tf_channel(tmp_path))
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "numpy<2", "pip", {"pip": ["tinypkg"]}]}
    manifest = write_project(
        tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec},
        pypi={"index-url": f"{index.url}/simple"}, **{"exclude-newer": "2024-01-01T00:00:00Z"},
    )  # fmt: skip
    try:
        lock(LockRequest(manifest=manifest))
        before = lock_files(tmp_path)
        spec["dependencies"][-1] = {"pip": ["--extra-index-url http://127.0.0.1:9/simple", "tinypkg"]}
        (manifest.parent / "s.yml").write_text(yaml.safe_dump(spec))
        with pytest.raises(EnvtoolError, match=re.escape("127.0.0.1:9")):
            lock(LockRequest(manifest=manifest))
        assert lock_files(tmp_path) == before
    finally:
        index.stop()


def _index(tmp_path: Path) -> Path:
    """A PyPI-shaped index folder: ``simple/`` pages linking to ``files/``, and a wheel served by URL."""
    folder = tmp_path / "built"
    built = [
        make_wheel(folder, "tinypkg", "1.0", requires=["tinydep>=1"]),
        make_wheel(folder, "tinydep", "1.1"),
    ]
    root = tmp_path / "index"
    make_simple_index(root, built)
    make_wheel(root / "direct", "direct", "1.0")
    return root


def _private_project(tmp_path: Path, pip: list[str], **pypi: object) -> Path:
    channel = tf_channel(tmp_path)
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "pip", {"pip": pip}]}
    return write_project(tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec}, pypi=pypi)


def _env_pip_list(tmp_path: Path) -> list[str]:
    data = yaml.safe_load((tmp_path / "locks" / "t.yml").read_text())
    return list(next(d["pip"] for d in data["dependencies"] if isinstance(d, dict)))


def test_index_options_requirement_files_and_direct_wheels_lock_as_pip_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UV_OFFLINE")  # uv reaches the index served on 127.0.0.1
    root = _index(tmp_path)
    with DirectoryServer(root) as server:
        direct_url = f"{server.url}/direct/direct-1.0-py3-none-any.whl"
        manifest = _private_project(tmp_path, ["-r requirements/base.txt", f"direct @ {direct_url}"])
        (tmp_path / "environments" / "requirements").mkdir()
        (tmp_path / "environments" / "requirements" / "base.txt").write_text(
            f"--index-url {server.url}/simple\ntinypkg\n"
        )
        result = lock(LockRequest(manifest)).solved[0]
    pins = {p.name: p for p in result.pip}
    assert sorted(pins) == ["direct", "tinydep", "tinypkg"]
    assert pins["tinypkg"].url == f"{server.url}/files/tinypkg-1.0-py3-none-any.whl"
    assert pins["direct"].url == direct_url and pins["direct"].sha256 == sha256_file(
        root / "direct" / direct_url.rsplit("/", 1)[1]
    )
    lines = _env_pip_list(tmp_path)
    # conda's pip step reads the same index, and fetches the direct wheel by its URL, hash-checked
    assert lines[0] == f"--index-url {server.url}/simple"
    assert f"direct @ {direct_url} --hash=sha256:{pins['direct'].sha256}" in lines
    assert any(line.startswith("tinypkg == 1.0 --hash=sha256:") for line in lines)
    assert f"# pip direct @ {direct_url}#sha256=" in (tmp_path / "locks" / "t-explicit.txt").read_text()
    # the requirements file is an input, read relative to the spec
    (tmp_path / "environments" / "requirements" / "base.txt").write_text("tinypkg>=1\n")
    status = check(manifest)[0]
    assert not status.fresh and status.reasons[0].startswith("spec environments/s.yml changed")


def test_a_hash_the_spec_demands_is_checked(tmp_path: Path) -> None:
    manifest = _project(tmp_path, [f"tinydep==1.1 --hash=sha256:{'0' * 64}"])
    with pytest.raises(PypiError, match="none of the line's --hash values") as caught:
        lock(LockRequest(manifest))
    assert caught.value.where.endswith("s.yml:8")
    good = sha256_file(tmp_path / "wheels" / "tinydep-1.1-py3-none-any.whl")
    manifest = _project(tmp_path, [f"tinydep==1.1 --hash=sha256:{good}"])
    assert [p.name for p in lock(LockRequest(manifest)).solved[0].pip] == ["tinydep"]


def test_a_pypi_mirror_is_configuration_and_gives_byte_identical_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UV_OFFLINE")
    root = _index(tmp_path)
    canonical = DirectoryServer(root).start()
    manifest = _private_project(tmp_path, ["tinypkg"], **{"index-url": f"{canonical.url}/simple"})
    lock(LockRequest(manifest))
    first = lock_files(tmp_path)
    assert f"--index-url {canonical.url}/simple" in _env_pip_list(tmp_path)  # a private index reaches the env file
    canonical.stop()  # from here on only the mirror serves the same files
    with DirectoryServer(root) as mirror:
        entry = f"{canonical.url}/simple={mirror.url}/simple"
        run = envtool("lock", "--force", cwd=tmp_path, env={"ENVTOOL_MIRRORS": entry})
        assert run.returncode == 0, run.stderr
        assert mirror.count("/simple/tinypkg/") >= 1
        assert lock_files(tmp_path) == first
        config = tmp_path / "config"
        (config / "envtool").mkdir(parents=True)
        (config / "envtool" / "config.toml").write_text(
            f'[mirrors]\n"{canonical.url}/simple" = "{mirror.url}/simple"\n'
        )
        monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
        lock(LockRequest(manifest, force=True, mirrors=configured_mirrors()))
    assert lock_files(tmp_path) == first


def test_index_options_reach_uv_through_mirrors_and_the_env_file_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools

    from envtool.inputs.mirrors import MirrorMap
    from envtool.inputs.pip_section import PipOptions
    from envtool.inputs.spec import Dependency
    from envtool.inputs.targets import PypiSettings
    from envtool.locking.pypi import PipRequest, env_file_options, uv_command

    options = PipOptions(
        index_url="https://private.example/simple",
        extra_index_urls=("https://${TOKEN}@extra.example/simple",),
        find_links=("https://wheels.example/links/",),
        trusted_hosts=("private.example",),
        pre=True,
    )
    mirrors = MirrorMap.parse(["https://private.example/simple=https://mirror.example/private/simple"], "--mirror")
    request = PipRequest(
        Target("t", "linux-64", (), (), "t"), (Dependency("six", "s.yml:5"),), "3.9.13", {},
        PypiSettings(exclude_newer="2023-04-30T00:00:00Z"), tmp_path, options=options, mirrors=mirrors,
    )  # fmt: skip
    monkeypatch.setenv("TOKEN", "s3cret")
    pairs = list(itertools.pairwise(uv_command(request, Path("r.in"), Path("c.txt"), Path("pylock.toml"))))
    assert ("--index-url", "https://mirror.example/private/simple") in pairs
    assert ("--extra-index-url", "https://s3cret@extra.example/simple") in pairs
    assert ("--index-strategy", "unsafe-best-match") in pairs  # pip's choice across indexes
    assert ("--allow-insecure-host", "private.example") in pairs and ("--prerelease", "allow") in pairs
    assert ("--exclude-newer", "2023-04-30T00:00:00Z") in pairs
    assert env_file_options(request) == (
        "--index-url https://private.example/simple",
        "--extra-index-url https://${TOKEN}@extra.example/simple",
        "--find-links https://wheels.example/links/",
        "--trusted-host private.example",
    )


class _JsonIndex(BaseHTTPRequestHandler):
    """A PEP 691 JSON index with upload times (PEP 700), as PyPI serves: ``/simple/<name>/`` and ``/files/<wheel>``."""

    folder: Path
    uploaded: dict[str, str]

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_HEAD(self) -> None:
        """Headers only (uv asks before reading a wheel's metadata in ranges)."""
        self.do_GET(body=False)

    def do_GET(self, body: bool = True) -> None:
        """Serve a project page or a file."""
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if parts[:1] == ["files"] and (self.folder / parts[-1]).is_file():
            data, kind = (self.folder / parts[-1]).read_bytes(), "application/octet-stream"
        elif parts[:1] == ["simple"] and len(parts) == 2:
            files = [
                {"filename": w.name, "url": f"/files/{w.name}", "hashes": {"sha256": sha256_file(w)},
                 "upload-time": self.uploaded[w.name]}
                for w in sorted(self.folder.glob(f"{parts[1].replace('-', '_')}-*.whl"))
            ]  # fmt: skip
            page = {"meta": {"api-version": "1.1"}, "name": parts[1], "files": files}
            data, kind = json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)


def test_one_cut_off_date_applies_to_the_pip_half_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UV_OFFLINE")
    folder = tmp_path / "files"
    uploaded = {
        make_wheel(folder, "tinydep", "1.0").name: "2023-01-10T00:00:00Z",
        make_wheel(folder, "tinydep", "1.1").name: "2023-06-10T00:00:00Z",  # after the cut-off
    }
    handler = type("Handler", (_JsonIndex,), {"folder": folder, "uploaded": uploaded})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        index = f"http://127.0.0.1:{server.server_address[1]}/simple"
        manifest = _private_project(tmp_path, ["tinydep"], **{"index-url": index})
        build_times_only(tmp_path / "channel")
        assert [p.version for p in lock(LockRequest(manifest)).solved[0].pip] == ["1.1"]
        text = manifest.read_text().replace("targets:", "exclude-newer: '2023-04-30'\ntargets:", 1)
        manifest.write_text(text)
        assert [p.version for p in lock(LockRequest(manifest)).solved[0].pip] == ["1.0"]
    finally:
        server.shutdown()
        server.server_close()
