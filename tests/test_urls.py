"""Credentials in channel, mirror and index URLs: used for the run, never written, never printed."""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from envtool.urls import redact, redact_text, strip_credentials
from tests.factories import index_channel, make_conda_package, make_python_package, make_simple_index, make_wheel
from tests.projects import envtool, write_project

SECRET = "s3cr3t-Pa55"
TOKEN = "tk-0123456789abcdef"
USER = "alice"


@pytest.mark.parametrize(
    ("url", "stripped", "shown"),
    [
        ("https://u:p@h.example/c", "https://h.example/c", "https://***@h.example/c"),
        ("https://tok@h.example/c/", "https://h.example/c/", "https://***@h.example/c/"),
        ("https://conda.anaconda.org/t/tk-1/chan/noarch", "https://conda.anaconda.org/chan/noarch",
         "https://conda.anaconda.org/t/***/chan/noarch"),
        ("https://h.example/t/tk-1", "https://h.example", "https://h.example/t/***"),
        ("https://conda.anaconda.org/conda-forge", "https://conda.anaconda.org/conda-forge",
         "https://conda.anaconda.org/conda-forge"),
        ("file:///srv/channel", "file:///srv/channel", "file:///srv/channel"),
        ("conda-forge", "conda-forge", "conda-forge"),
    ],
)  # fmt: skip
def test_strip_and_redact(url: str, stripped: str, shown: str) -> None:
    assert (strip_credentials(url), redact(url)) == (stripped, shown)


def test_redact_text_masks_every_url_in_a_message() -> None:
    text = f"error: https://{USER}:{SECRET}@h.example/simple/x/ (401), via http://{USER}:{SECRET}@127.0.0.1:9/c"
    assert SECRET not in redact_text(text)
    assert redact_text(text).count("***@") == 2


class _AuthHandler(SimpleHTTPRequestHandler):
    """Serves files only to requests carrying the expected basic-auth header; records the others."""

    expected = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.server.refused.append(self.path)  # type: ignore[attr-defined]
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.served.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """``tmp_path/www`` served on 127.0.0.1 to ``alice:SECRET`` only."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_AuthHandler, directory=str(root)))
    server.daemon_threads = True
    server.served, server.refused = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()


def _private_project(tmp_path: Path, host: str) -> Path:
    www = tmp_path / "www"
    channel = www / "channel"
    make_python_package(channel, "3.9.13")
    make_conda_package(channel, "pip", "23.0", "pyhd8ed1ab_0", noarch="python", depends=["python >=3.7"])
    make_conda_package(channel, "zlib", "1.2.13", "h0")
    index_channel(channel)
    make_simple_index(www, [make_wheel(tmp_path / "wheels", "tinydep", "1.1")])
    write_project(
        tmp_path,
        {"private": {"platform": "linux-64", "specs": ["env.yml"]}},
        {
            "env.yml": {
                "name": "private",
                # the canonical channel needs a token; it is read through an authenticated mirror
                "channels": [f"https://conda.example.invalid/t/{TOKEN}/private"],
                "dependencies": ["python=3.9", "pip", "zlib", {"pip": ["tinydep"]}],
            }
        },
        pypi={"index-url": f"http://{USER}:{SECRET}@{host}/simple"},
    )
    return tmp_path


@pytest.mark.usefixtures("uv_online")
def test_a_project_with_credentials_everywhere_locks_and_leaks_none(
    tmp_path: Path, private_server: tuple[str, Any]
) -> None:
    host, server = private_server
    root = _private_project(tmp_path, host)
    mirror = f"https://conda.example.invalid/t/{TOKEN}/private=http://{USER}:{SECRET}@{host}/channel"
    env = {"ENVTOOL_MIRRORS": f"https://other.invalid/t/{TOKEN}/x=http://{USER}:{SECRET}@{host}/unused"}
    done = envtool("lock", "--json", "--mirror", mirror, cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert server.served and not server.refused  # every request carried the credentials
    written = {p.name: p.read_text() for p in (root / "locks").iterdir()}
    assert set(written) == {"private.yml", "private-explicit.txt", "private-lock.yml"}
    assert "https://conda.example.invalid/private/linux-64/zlib-1.2.13-h0.tar.bz2" in written["private-lock.yml"]
    # creating from the lock: credentials again come with the mirrors, for this run only
    wheels = f"http://{host}/files=http://{USER}:{SECRET}@{host}/files"
    created = envtool("create", "private", "--mirror", mirror, "--mirror", wheels, "--json", cwd=root)
    assert created.returncode == 0, created.stderr
    prefix = root / ".envtool" / "envs" / "private"
    assert (prefix / "conda-meta" / "zlib-1.2.13-h0.json").is_file()
    assert not server.refused
    outputs = [done.stdout, done.stderr, created.stdout, created.stderr]
    installed = [
        p.read_bytes().decode("utf-8", "replace") for p in prefix.rglob("*") if p.is_file() and not p.is_symlink()
    ]
    for text in [*written.values(), *outputs, *installed]:
        assert SECRET not in text and TOKEN not in text and f"{USER}:" not in text


@pytest.mark.usefixtures("uv_online")
def test_stored_credentials_serve_urls_that_carry_none(tmp_path: Path, private_server: tuple[str, Any]) -> None:
    host, server = private_server
    root = _private_project(tmp_path, host)
    targets = root / "environments" / "targets.yml"
    targets.write_text(targets.read_text().replace(f"{USER}:{SECRET}@", ""))
    auth = tmp_path / "rattler-auth.json"  # rattler's authentication storage, keyed by host
    auth.write_text(json.dumps({"127.0.0.1": {"BasicHTTP": {"username": USER, "password": SECRET}}}))
    netrc = tmp_path / "netrc"  # uv's
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {SECRET}\n")
    env = {"RATTLER_AUTH_FILE": str(auth), "NETRC": str(netrc)}
    mirror = f"https://conda.example.invalid/private=http://{host}/channel"
    done = envtool("lock", "--mirror", mirror, cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    created = envtool("create", "private", "--mirror", mirror, cwd=root, env=env)
    assert created.returncode == 0, created.stderr
    assert server.served
    for text in [done.stderr, created.stderr, *(p.read_text() for p in (root / "locks").iterdir())]:
        assert SECRET not in text


def test_a_new_credential_does_not_change_the_input_fingerprint(tmp_path: Path) -> None:
    from envtool.inputs.fingerprint import fingerprint
    from envtool.inputs.targets import load_manifest

    root = _private_project(tmp_path, "127.0.0.1:9")
    manifest = root / "environments" / "targets.yml"
    before = fingerprint(load_manifest(manifest), load_manifest(manifest).targets["private"])
    for name in ("env.yml", "targets.yml"):
        spec = root / "environments" / name
        spec.write_text(spec.read_text().replace(TOKEN, "tk-rotated").replace(SECRET, "rotated"))
    after = fingerprint(load_manifest(manifest), load_manifest(manifest).targets["private"])
    assert after == before
    spec = root / "environments" / "env.yml"
    spec.write_text(spec.read_text().replace("conda.example.invalid", "conda.other.invalid"))
    moved = fingerprint(load_manifest(manifest), load_manifest(manifest).targets["private"])
    assert moved.changed(before) == ["spec environments/env.yml", "channels"]


@pytest.mark.usefixtures("uv_online")
def test_errors_mask_credentials_of_channels_mirrors_and_indexes(
    tmp_path: Path, private_server: tuple[str, Any]
) -> None:
    host, _ = private_server
    root = _private_project(tmp_path, host)
    wrong = f"https://conda.example.invalid/t/{TOKEN}/private=http://{USER}:{SECRET}@{host}/nowhere"
    cases = [
        ["lock", "--mirror", wrong],  # unreadable channel through an authenticated mirror
        ["lock", "--mirror", f"http://{USER}:{SECRET}@{host}/bad"],  # malformed --mirror
    ]
    for args in cases:
        done = envtool(*args, cwd=root)
        assert done.returncode == 2, done.stderr
        assert [line for line in done.stderr.splitlines() if line.startswith("error: ")], done.stderr
        assert SECRET not in done.stderr and TOKEN not in done.stderr and "Traceback" not in done.stderr
    bad_env = envtool("lock", cwd=root, env={"ENVTOOL_MIRRORS": f"http://{USER}:{SECRET}@{host}/x"})
    assert bad_env.returncode == 2 and SECRET not in bad_env.stderr, bad_env.stderr
    config = tmp_path / "config" / "envtool" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[mirrors]\n"https://conda.example.invalid/t/{TOKEN}/private" = "http://{USER}:{SECRET}@{host}/gone"\n'
    )
    from_config = envtool("lock", cwd=root, env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert from_config.returncode == 2 and SECRET not in from_config.stderr, from_config.stderr
    assert "***@" in from_config.stderr
    targets = root / "environments" / "targets.yml"
    targets.write_text(targets.read_text().replace(host, "127.0.0.1:9"))  # an index nobody serves
    good = f"https://conda.example.invalid/t/{TOKEN}/private=http://{USER}:{SECRET}@{host}/channel"
    no_index = envtool("lock", "--mirror", good, cwd=root)
    assert no_index.returncode == 2, no_index.stderr
    assert "error: http://***@127.0.0.1:9/simple: cannot reach the package index" in no_index.stderr
    assert SECRET not in no_index.stderr and "Traceback" not in no_index.stderr


@pytest.fixture
def uv_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let uv reach the local HTTP server (conftest keeps uv offline by default)."""
    monkeypatch.delenv("UV_OFFLINE", raising=False)
