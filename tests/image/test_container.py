"""Real image builds: lock a tiny channel served on 127.0.0.1, build its image with docker, run it.

Needs a Docker daemon (``DOCKER_HOST``) and a local base image
(``ENVTOOL_TEST_BASE_IMAGE``, default ``envtool-test/bookworm``); ``.ci/run``
starts both (``.ci/container-daemon``). The image's build stage reaches Debian's
archive and PyPI (for envtool's own dependencies), as a user's build would;
the channel is served by the test. Skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PREFIX_PLACEHOLDER, DirectoryServer, index_channel, make_conda_package
from tests.install_helpers import flip_byte
from tests.projects import envtool, write_project

pytestmark = pytest.mark.container

#: Read at import: the test isolation clears ENVTOOL_* variables.
BASE_IMAGE = os.environ.get("ENVTOOL_TEST_BASE_IMAGE", "envtool-test/bookworm")
BUILD_TIMEOUT = 900
TAG = "envtool-test/demo:good"
TAMPERED_TAG = "envtool-test/demo:tampered"


def _docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def _skip_reason() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client on PATH (.ci/run installs docker.io and starts a daemon)"
    try:
        if _docker("info", timeout=20).returncode != 0:
            return "no Docker daemon answers (DOCKER_HOST); .ci/run starts one with .ci/container-daemon"
    except subprocess.TimeoutExpired:
        return "the Docker daemon does not answer within 20 s"
    if _docker("image", "inspect", BASE_IMAGE).returncode != 0:
        return f"no local base image {BASE_IMAGE} (.ci/container-daemon makes one with debootstrap)"
    return None


@pytest.fixture(scope="module")
def docker_ready() -> Iterator[None]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    yield
    _docker("image", "rm", "--force", TAG, TAMPERED_TAG)


def _channel(www: Path) -> Path:
    channel = www / "channel"
    make_conda_package(
        channel, "greet", "1.0", "h0", subdir="linux-64", depends=["greet-data"],
        prefix_placeholder_files={"bin/greet": f"#!/bin/sh\necho \"greet from {PREFIX_PLACEHOLDER}: $(cat {PREFIX_PLACEHOLDER}/share/greet.txt)\"\n"},
    )  # fmt: skip
    make_conda_package(channel, "greet-data", "2", "0", noarch="generic", files={"share/greet.txt": "hello\n"})
    index_channel(channel, subdirs=("noarch", "linux-64"))
    return channel


def _ca_args() -> list[str]:
    """This machine's local CA certificates (a TLS-inspecting proxy's, say), for the build stage."""
    return [
        arg
        for cert in sorted(Path("/usr/local/share/ca-certificates").rglob("*.crt"))
        for arg in ("--ca-cert", str(cert))
    ]


def _labels(tag: str) -> dict[str, str]:
    out = _docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag)
    assert out.returncode == 0, out.stderr
    labels: dict[str, str] = json.loads(out.stdout)
    return labels


def test_image_builds_runs_as_non_root_and_refuses_a_tampered_package(docker_ready: None, tmp_path: Path) -> None:
    root, www = tmp_path / "project", tmp_path / "www"
    _channel(www)
    with DirectoryServer(www) as server:
        write_project(
            root,
            {"demo": {"platform": "linux-64", "specs": ["demo.yml"]}},
            {"demo.yml": {"name": "demo", "channels": [f"{server.url}/channel"], "dependencies": ["greet"],
                          "variables": {"GREETING": 'hi "$USER" \\o/'}}},
        )  # fmt: skip
        locked = envtool("lock", cwd=root)
        assert locked.returncode == 0, locked.stderr
        built = envtool(
            "image", "demo", "--base-image", BASE_IMAGE, *_ca_args(),
            "--build", "--tag", TAG, "--network", "host", cwd=root, timeout=BUILD_TIMEOUT,
        )  # fmt: skip
        assert built.returncode == 0, built.stdout + built.stderr
    dockerfile = Path(built.stdout.strip())
    assert dockerfile == root / ".envtool" / "images" / "demo" / "Dockerfile"

    labels = _labels(TAG)
    body_line = (root / "locks" / "demo-lock.yml").read_text().splitlines()[1]
    assert body_line == f"# body-sha256: {labels['dev.envtool.lock.body-sha256']}"
    assert labels["dev.envtool.target"] == "demo"
    assert labels["org.opencontainers.image.base.name"] == BASE_IMAGE

    # One container (with vfs each is a full copy): copy the environment and the SBOM out, then run it.
    script = "greet && id -u && id -g && pwd && printenv GREETING"
    container = _docker("create", TAG, "sh", "-c", script).stdout.strip()
    try:
        assert _docker("cp", f"{container}:/opt/env", str(tmp_path / "env")).returncode == 0
        assert _docker("cp", f"{container}:/opt/envtool/sbom.cdx.json", str(tmp_path / "sbom.json")).returncode == 0
        ran = _docker("start", "--attach", container)
    finally:
        _docker("rm", container)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["greet from /opt/env: hello", "1000", "1000", "/work", 'hi "$USER" \\o/']
    verified = envtool("verify", str(tmp_path / "env"), "--lock", str(root / "locks" / "demo.yml"), cwd=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert labels["dev.envtool.sbom.sha256"] == hashlib.sha256((tmp_path / "sbom.json").read_bytes()).hexdigest()

    # A mirror serving a package that differs from the lock: the build stops at the hash check.
    tampered = tmp_path / "tampered"
    shutil.copytree(www, tampered)
    flip_byte(next((tampered / "channel" / "linux-64").glob("greet-1.0-*")))
    with DirectoryServer(tampered) as mirror:
        refused = envtool(
            "image", "demo", "--base-image", BASE_IMAGE, *_ca_args(), "--build", "--tag", TAMPERED_TAG,
            "--network", "host", "--mirror", f"{server.url}/channel={mirror.url}/channel",
            cwd=root, timeout=BUILD_TIMEOUT,
        )  # fmt: skip
        assert mirror.count("greet-1.0-h0.tar.bz2") >= 1
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "build failed" in refused.stderr.splitlines()[-1]
    assert "greet-1.0-h0.tar.bz2" in refused.stdout + refused.stderr
    assert _docker("image", "inspect", TAMPERED_TAG).returncode != 0
