"""An image's build context for one target: Dockerfile, .dockerignore, lock, envtool, SBOM, compose file.

:func:`write_context` reads the target's lock, checks it can become an image
(a linux platform; JupyterLab in the lock for the ``jupyter`` variant), and
writes the folder atomically: every file is written beside its destination and
renamed into place only when all are written. A folder that is not an envtool
image context is never overwritten.

Layout of the folder (the Dockerfile copies exactly these)::

    Dockerfile  .dockerignore  [compose.yaml]
    requirements.txt                   envtool's dependencies, for the build stage
    certs/                             extra CA certificates (*.crt), for the build stage
    opt/envtool-build/src/envtool/...  envtool's sources, for the build stage
    opt/envtool/lock/<target>.yml      the lock files, unchanged (and <group>-lock.yml)
    opt/envtool/sbom.cdx.json          the SBOM
    opt/envtool/entrypoint.sh          the entrypoint

``opt/`` holds the files at their paths in the image.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from envtool.atomic import replace_all
from envtool.env.activation import CUDA_PACKAGES
from envtool.env.locate import lock_path_for, project_root
from envtool.errors import ImageError
from envtool.image.compose import render_compose
from envtool.image.dockerfile import (
    BUILD_DIR,
    DEFAULT_BASE_IMAGE,
    DOCKERIGNORE,
    LABEL_NS,
    OCI,
    TOOL_DIR,
    ImageSpec,
    render_dockerfile,
    render_entrypoint,
)
from envtool.image.sbom import IMAGE_SBOM_PATH, envtool_version, render_sbom
from envtool.image.tooling import requirements, tool_sources
from envtool.lockfiles.env_file import find_group_file
from envtool.lockfiles.header import BODY
from envtool.lockfiles.read import read_lock
from envtool.model import TargetLock, normalize

VARIANTS = ("base", "jupyter")
#: ``name[:tag][@sha256:<64 hex>]``, as docker and podman accept a base image reference.
_REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*(@sha256:[0-9a-f]{64})?$")
_CERTS_README = "Extra CA certificates for the image's build stage: put PEM files named *.crt here.\n"


@dataclass(frozen=True)
class ImageRequest:
    """What ``envtool image`` was asked: which lock, which variant, where, on which base."""

    lock_arg: str
    cwd: Path
    variant: str = "base"
    output: Path | None = None
    base_image: str = DEFAULT_BASE_IMAGE
    compose: bool = False
    ca_certs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ImageContext:
    """A written build context: where, for which target, and the labels the image will carry."""

    folder: Path
    target: str
    variant: str
    lock_sha256: str
    labels: dict[str, str]

    @property
    def dockerfile(self) -> Path:
        """The Dockerfile's path."""
        return self.folder / "Dockerfile"

    @property
    def default_tag(self) -> str:
        """``envtool/<target>[-jupyter]:<first 12 hex of the lock digest>``: one tag per lock."""
        return f"envtool/{image_name(self.target, self.variant)}:{self.lock_sha256[:12]}"


def image_name(target: str, variant: str) -> str:
    """The image's name for a target and variant (``linux-gpu``, ``linux-gpu-jupyter``)."""
    return target if variant == "base" else f"{target}-{variant}"


def lock_digest(path: Path) -> str:
    """The lock's body digest, as the image's ``dev.envtool.lock.body-sha256`` label carries it.

    That is the ``# body-sha256:`` line envtool writes as a lock's second line
    (the digest of the whole file but that line, checked whenever the lock is
    read); for a lock without one (not written by envtool), the sha256 of its bytes.
    """
    data = path.read_bytes()
    second = data.split(b"\n", 2)[1].decode("utf-8", "replace") if data.count(b"\n") >= 2 else ""
    if second.startswith(BODY):
        return second[len(BODY) :].strip()
    return hashlib.sha256(data).hexdigest()


def lock_sbom(lock_arg: str, cwd: Path) -> str:
    """The CycloneDX SBOM of the lock a ``TARGET|LOCKFILE`` argument names (any platform)."""
    path = lock_path_for(lock_arg, cwd)
    lock = _target_lock(path, lock_arg)
    return render_sbom(lock, lock_digest(_lock_files(path, lock.target)[-1]))


def write_context(request: ImageRequest) -> ImageContext:
    """Write the build context of ``request``'s target; return where and what it holds."""
    if request.variant not in VARIANTS:
        raise ImageError("--variant", f"unknown variant {request.variant!r}", f"use one of {', '.join(VARIANTS)}")
    _check_reference(request.base_image)
    path = lock_path_for(request.lock_arg, request.cwd)
    lock = _target_lock(path, request.lock_arg)
    _check_lock(lock, path, request.variant)
    lock_files = _lock_files(path, lock.target)
    digest_file = lock_files[-1]
    digest = lock_digest(digest_file)
    sbom = render_sbom(lock, digest)
    name = image_name(lock.target, request.variant)
    labels = {
        f"{OCI}.title": name,
        f"{OCI}.description": f"envtool environment of target {lock.target} ({lock.platform}), built from its lock",
        f"{OCI}.base.name": request.base_image,
        **({f"{OCI}.base.digest": request.base_image.split("@", 1)[1]} if "@" in request.base_image else {}),
        f"{LABEL_NS}.target": lock.target,
        f"{LABEL_NS}.variant": request.variant,
        f"{LABEL_NS}.platform": lock.platform,
        f"{LABEL_NS}.lock.file": digest_file.name,
        f"{LABEL_NS}.lock.body-sha256": digest,
        f"{LABEL_NS}.version": envtool_version(),
        f"{LABEL_NS}.sbom.path": IMAGE_SBOM_PATH,
        f"{LABEL_NS}.sbom.sha256": hashlib.sha256(sbom.encode()).hexdigest(),
    }
    spec = ImageSpec(
        target=lock.target,
        prefix_lock=f"lock/{path.name}",
        base_image=request.base_image,
        variant=request.variant,
        gpu=_is_gpu(lock),
        variables=dict(lock.variables),
        labels=labels,
        regenerate=_regenerate(request),
    )
    folder = request.output or project_root(request.cwd) / ".envtool" / "images" / name
    files = {
        "Dockerfile": render_dockerfile(spec),
        ".dockerignore": DOCKERIGNORE,
        "requirements.txt": requirements(),
        "certs/README": _CERTS_README,
        f"{TOOL_DIR[1:]}/entrypoint.sh": render_entrypoint(request.variant),
        f"{TOOL_DIR[1:]}/sbom.cdx.json": sbom,
        **{f"{BUILD_DIR[1:]}/src/{rel}": text for rel, text in tool_sources().items()},
        **{f"{TOOL_DIR[1:]}/lock/{p.name}": p.read_text(encoding="utf-8") for p in lock_files},
        **{f"certs/{p.stem}.crt": _read_cert(p) for p in request.ca_certs},
    }
    if request.compose:
        files["compose.yaml"] = render_compose(spec, name, f"envtool/{name}:{digest[:12]}")
    _write_folder(Path(folder), files)
    return ImageContext(Path(folder), lock.target, request.variant, digest, labels)


def _check_reference(reference: str) -> None:
    if not _REFERENCE_RE.match(reference):
        raise ImageError(
            "--base-image",
            f"invalid image reference {reference!r}",
            "give NAME[:TAG] or NAME@sha256:<64 hex digits> (pinning by digest makes the base reproducible)",
        )


def _target_lock(path: Path, lock_arg: str) -> TargetLock:
    locks = read_lock(path)
    named = [lk for lk in locks if lk.target == lock_arg]
    if named:
        return named[0]
    if len(locks) == 1:
        return locks[0]
    names = ", ".join(lk.target for lk in locks)
    raise ImageError(str(path), f"holds several targets ({names})", "pass a target name instead of the file")


def _check_lock(lock: TargetLock, path: Path, variant: str) -> None:
    if not lock.platform.startswith("linux-"):
        raise ImageError(
            str(path),
            f"target {lock.target} is for {lock.platform or 'an unknown platform'}; container images hold linux environments",
            "choose a linux target (linux-64, linux-aarch64)",
        )
    names = {p.name for p in lock.conda} | {normalize(p.name) for p in lock.pip}
    if variant == "jupyter" and "jupyterlab" not in names:
        raise ImageError(
            str(path),
            f"target {lock.target} holds no jupyterlab, which the jupyter variant runs",
            "add jupyterlab to the target's spec and re-lock, or use --variant base",
        )


def _lock_files(path: Path, target: str) -> list[Path]:
    """The lock files the image carries: ``path``, then the group file holding the hashes (when apart)."""
    group = find_group_file(path.parent, target)
    if group is None or group.resolve() == path.resolve():
        return [path]
    return [path, group]


def _is_gpu(lock: TargetLock) -> bool:
    return any(p.name in CUDA_PACKAGES for p in lock.conda)


def _regenerate(request: ImageRequest) -> str:
    words = ["envtool image", request.lock_arg]
    if request.variant != "base":
        words.append(f"--variant {request.variant}")
    if request.base_image != DEFAULT_BASE_IMAGE:
        words.append(f"--base-image {request.base_image}")
    if request.compose:
        words.append("--compose")
    return " ".join(words)


def _read_cert(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImageError(str(path), f"cannot read the certificate ({exc})", "give a PEM file") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ImageError(str(path), "not a PEM certificate", "give a PEM file (-----BEGIN CERTIFICATE-----)")
    return text


def _write_folder(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` under ``folder`` all or nothing; drop files an earlier context had and this one lacks."""
    dockerfile = folder / "Dockerfile"
    ours = dockerfile.is_file() and dockerfile.read_text(encoding="utf-8").startswith("# Generated by envtool")
    if folder.exists() and any(folder.iterdir()) and not ours:
        raise ImageError(
            str(folder),
            "exists and is not an image folder envtool wrote",
            "choose another -o PATH; envtool never overwrites other folders",
        )
    replace_all({folder / rel: text for rel, text in files.items()})
    for sub in ("opt", "certs"):
        for stale in sorted((folder / sub).rglob("*"), reverse=True):
            rel = stale.relative_to(folder).as_posix()
            if stale.is_file() and rel not in files:
                stale.unlink()
            elif stale.is_dir() and not any(stale.iterdir()):
                stale.rmdir()
    if "compose.yaml" not in files:
        (folder / "compose.yaml").unlink(missing_ok=True)
