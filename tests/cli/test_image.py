"""``envtool image`` and ``envtool sbom`` through the real console script: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from envtool.errors import ImageError
from envtool.image.build import BuildRequest, build_command, find_builder, source_facts
from envtool.image.context import ImageRequest, write_context
from envtool.inputs.mirrors import MirrorMap
from tests.projects import envtool

REPO = Path(__file__).resolve().parents[2]


def test_image_prints_the_dockerfile_path(tmp_path: Path) -> None:
    done = envtool("image", "linux-gpu", "--variant", "jupyter", "--compose", "-o", str(tmp_path / "ctx"), cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{tmp_path / 'ctx' / 'Dockerfile'}\n"
    assert (tmp_path / "ctx" / "compose.yaml").is_file()


def test_build_without_a_builder_exits_2_naming_the_dockerfile(tmp_path: Path) -> None:
    bare_path = {"PATH": str(Path(sys.executable).parent)}  # envtool and python, no docker, no podman
    done = envtool("image", "linux-cpu", "-o", str(tmp_path / "ctx"), "--build", cwd=REPO, env=bare_path)
    assert done.returncode == 2
    dockerfile = tmp_path / "ctx" / "Dockerfile"
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {dockerfile}: no container builder (docker or podman) found on PATH")
    assert dockerfile.is_file()


def test_a_named_builder_must_be_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImageError, match=r"no container builder \(podman\) found on PATH"):
        find_builder("podman", tmp_path / "Dockerfile")
    (tmp_path / "podman").write_text("#!/bin/sh\n")
    (tmp_path / "podman").chmod(0o755)
    assert find_builder(None, tmp_path / "Dockerfile") == str(tmp_path / "podman")


def test_non_linux_targets_are_refused_in_one_line(tmp_path: Path) -> None:
    done = envtool("image", "osx-cpu", "-o", str(tmp_path / "ctx"), cwd=REPO)
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {REPO}/locks/osx-cpu.yml: target osx-cpu is for osx-64; container images hold linux environments; "
        "choose a linux target (linux-64, linux-aarch64)\n"
    )
    assert not (tmp_path / "ctx").exists()
    for target in ("osx-arm64-cpu", "win-cpu"):
        with pytest.raises(ImageError, match=f"target {target} is for "):
            write_context(ImageRequest(target, REPO, output=tmp_path / target))


def test_build_options_need_build(tmp_path: Path) -> None:
    done = envtool("image", "linux-cpu", "--tag", "x:1", "-o", str(tmp_path / "ctx"), cwd=REPO)
    assert done.returncode == 2 and "go with --build" in done.stderr


def test_sbom_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    shown = envtool("sbom", "linux-cpu", cwd=REPO)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["bomFormat"] == "CycloneDX" and doc["metadata"]["component"]["name"] == "linux-cpu"
    written = envtool("sbom", "linux-cpu", "-o", str(tmp_path / "sbom.json"), cwd=REPO)
    assert written.returncode == 0, written.stderr
    assert (written.stdout, written.stderr) == ("", f"{tmp_path / 'sbom.json'}\n")
    assert (tmp_path / "sbom.json").read_text() == shown.stdout
    missing = envtool("sbom", "no-such-target", cwd=REPO)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no lock for target" in missing.stderr


def test_build_command_passes_mirrors_and_sources_as_build_args(tmp_path: Path) -> None:
    request = BuildRequest(
        context=tmp_path, tag="t:1", network="host", index_url="https://pypi.example/simple",
        mirrors=MirrorMap.parse(["conda-forge=https://mirror.example/cf"], origin="--mirror"),
        source_url="https://example.org/p.git", revision="abc",
    )  # fmt: skip
    assert build_command(request, "/usr/bin/podman") == [
        "/usr/bin/podman", "build", "--tag", "t:1", "--network", "host",
        "--build-arg", "ENVTOOL_MIRRORS=https://conda.anaconda.org/conda-forge=https://mirror.example/cf",
        "--build-arg", "PIP_INDEX_URL=https://pypi.example/simple",
        "--label", "org.opencontainers.image.source=https://example.org/p.git",
        "--label", "org.opencontainers.image.revision=abc", str(tmp_path),
    ]  # fmt: skip


def test_source_facts_drop_credentials(tmp_path: Path) -> None:
    import subprocess

    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["remote", "add", "origin", "https://user:t0ken@example.org/p.git"]):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, env=env)
    assert source_facts(tmp_path) == ("https://example.org/p.git", "")
    assert source_facts(tmp_path / "nowhere") == ("", "")
