"""The CycloneDX SBOM of a lock: valid CycloneDX 1.6, every package with purl and hashes, deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from envtool.image.sbom import render_sbom
from tests.install_helpers import build_world

REPO = Path(__file__).resolve().parents[2]


def test_sbom_lists_conda_and_pypi_packages_with_purls_and_hashes(tmp_path: Path) -> None:
    lock = build_world(tmp_path).lock
    text = render_sbom(lock, "f" * 64)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    by_name = {c["name"]: c for c in doc["components"]}
    assert sorted(by_name) == sorted([p.name for p in lock.conda] + ["tiny"])
    hello = next(p for p in lock.conda if p.name == "hello")
    assert by_name["hello"]["purl"] == (
        "pkg:conda/hello@1.0?build=pyh0_0&channel=https://conda.invalid/test-forge&subdir=noarch&type=tar.bz2"
    )
    assert {h["alg"]: h["content"] for h in by_name["hello"]["hashes"]} == {"MD5": hello.md5, "SHA-256": hello.sha256}
    assert by_name["hello"]["externalReferences"] == [{"type": "distribution", "url": hello.url}]
    tiny = lock.pip[0]
    assert by_name["tiny"]["purl"] == "pkg:pypi/tiny@1.0"
    assert by_name["tiny"]["hashes"] == [{"alg": "SHA-256", "content": tiny.sha256}]
    assert doc["metadata"]["component"]["name"] == "demo"
    assert "timestamp" not in doc["metadata"]
    needs = next(d for d in doc["dependencies"] if d["ref"].startswith("conda:") and "needs-glibc" in d["ref"])
    assert [ref.split("/")[-1] for ref in needs["dependsOn"]] == [
        p.filename for p in lock.conda if p.name == "prefixed"
    ]


def test_the_same_lock_gives_the_same_bytes_and_another_lock_another_serial(tmp_path: Path) -> None:
    lock = build_world(tmp_path).lock
    assert render_sbom(lock, "a" * 64) == render_sbom(lock, "a" * 64)
    first, second = json.loads(render_sbom(lock, "a" * 64)), json.loads(render_sbom(lock, "b" * 64))
    assert first["serialNumber"] != second["serialNumber"]


def test_committed_lock_purls_name_the_conda_forge_channel_by_name() -> None:
    from envtool.lockfiles.read import read_lock

    lock = read_lock(REPO / "locks" / "linux-gpu.yml")[0]
    doc = json.loads(render_sbom(lock, "c" * 64))
    purls = {c["name"]: c["purl"] for c in doc["components"]}
    assert (
        purls["cudatoolkit"]
        == "pkg:conda/cudatoolkit@11.2.2?build=he111cf0_9&channel=conda-forge&subdir=linux-64&type=tar.bz2"
    )
    assert len(doc["components"]) == len(lock.conda) + len(lock.pip)
