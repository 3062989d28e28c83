"""What conda installs counts as installed for pip: names from the maintained mapping, no re-resolution."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from envtool.errors import PypiError, SolveError
from envtool.inputs.mirrors import MirrorMap
from envtool.locking.lock import LockRequest, lock
from envtool.locking.pypi_names import MAPPING_FILE, mapping_source, pypi_name
from tests.factories import index_channel, make_conda_package, make_python_package, make_wheel
from tests.projects import write_project


def _conda_tf_with_protobuf_3_20(tmp_path: Path) -> Path:
    """conda-forge's shape: TensorFlow 2.9.1 built against protobuf 3.20.1, fastjsonschema under a python- name."""
    channel = tmp_path / "channel"
    make_python_package(channel, "3.9.13")
    py = ["python >=3.9,<3.10"]
    make_conda_package(channel, "pip", "23.0", "pyhd8ed1ab_0", noarch="python", depends=["python >=3.7"])
    make_conda_package(channel, "protobuf", "3.20.1", "py39_0", depends=py)
    make_conda_package(channel, "libprotobuf", "3.20.1", "h0")
    make_conda_package(
        channel, "tensorflow-base", "2.9.1", "cuda112py39_0", depends=[*py, "protobuf >=3.9.2", "libprotobuf"]
    )
    make_conda_package(channel, "tensorflow", "2.9.1", "cuda112py39_0", depends=[*py, "tensorflow-base 2.9.1"])
    make_conda_package(
        channel, "python-fastjsonschema", "2.16.3", "pyhd8ed1ab_0", noarch="python", depends=["python >=3.3"]
    )
    index_channel(channel)
    return channel


def _pypi(tmp_path: Path) -> Path:
    folder = tmp_path / "pypi"
    # PyPI's own TensorFlow 2.9.1 pins protobuf<3.20: re-resolving it would clash with conda's 3.20.1.
    # (a platform wheel, as PyPI's: uv prefers its tags to a pure wheel of the same version)
    make_wheel(folder, "tensorflow", "2.9.1", requires=["protobuf<3.20,>=3.9.2"],
               tag="cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64")  # fmt: skip
    make_wheel(folder, "protobuf", "3.19.6")
    make_wheel(folder, "protobuf", "3.20.1")
    make_wheel(folder, "tensorflow-hub", "0.13.0", requires=["protobuf>=3.19.6"])
    make_wheel(folder, "tensorflow-text", "2.9.0", requires=["tensorflow<2.10,>=2.9.0", "tensorflow-hub>=0.8.0"])
    make_wheel(folder, "fastjsonschema", "2.16.3")
    make_wheel(folder, "jupytext", "1.14.5", requires=["fastjsonschema"])
    return folder


def test_a_pypi_add_on_is_resolved_against_the_conda_packages(tmp_path: Path) -> None:
    channel = _conda_tf_with_protobuf_3_20(tmp_path)
    spec = {
        "channels": [str(channel)],
        "dependencies": ["python=3.9", "tensorflow=2.9.*=cuda112*", "python-fastjsonschema", "pip",
                         {"pip": ["tensorflow-text==2.9.0", "jupytext==1.14.5"]}],
    }  # fmt: skip
    manifest = write_project(
        tmp_path,
        {"gpu": {"platform": "linux-64", "specs": ["s.yml"], "virtual-packages": ["__cuda=11.2.2"]}},
        {"s.yml": spec},
        pypi={"find-links": [str(_pypi(tmp_path))]},
    )
    result = lock(LockRequest(manifest)).solved[0]
    # only what the add-ons newly need; conda's tensorflow, protobuf and fastjsonschema serve the rest
    assert {(p.name, p.version) for p in result.pip} == {
        ("tensorflow-text", "2.9.0"), ("tensorflow-hub", "0.13.0"), ("jupytext", "1.14.5"),
    }  # fmt: skip
    assert {p.name: p.version for p in result.conda}["protobuf"] == "3.20.1"


def test_the_mapping_is_shipped_with_its_source_and_date() -> None:
    data = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    assert data["source"].startswith("https://raw.githubusercontent.com/prefix-dev/parselmouth/")
    assert len(data["commit"]) == 40 and data["date"][:2] == "20"
    assert len(data["mapping"]) > 30_000
    assert data["commit"][:12] in mapping_source()
    # names that differ, and packages that install no PyPI project at all
    assert [pypi_name(n) for n in ("python-fastjsonschema", "tensorflow-base", "msgpack-python", "pytorch")] == [
        "fastjsonschema", "tensorflow", "msgpack", "torch",
    ]  # fmt: skip
    assert pypi_name("libprotobuf", depends=("python",)) is None and pypi_name("cudatoolkit") is None


SNAPSHOT = Path(
    os.environ.get("ENVTOOL_SNAPSHOT") or Path(__file__).resolve().parents[3] / "shared" / "conda-forge-tf29"
)
needs_snapshot = pytest.mark.skipif(
    not (SNAPSHOT / "noarch" / "repodata.json").is_file(), reason=f"conda-forge snapshot not found at {SNAPSHOT}"
)


@pytest.mark.network
@pytest.mark.snapshot
@needs_snapshot
def test_the_reported_specs_lock_against_conda_forge_and_pypi(tmp_path: Path) -> None:
    gpu = ["python=3.9", "numpy>=1.20,<1.24", "tensorflow=2.9.*=cuda112*", "cudatoolkit=11.2", "cudnn=8", "pip"]
    manifest = write_project(
        tmp_path,
        {
            "jupyter": {"platform": "linux-64", "specs": ["jupyter.yml"]},
            "gpu": {"platform": "linux-64", "specs": ["gpu.yml"], "virtual-packages": ["__cuda=11.2.2"]},
        },
        {
            "jupyter.yml": {"channels": ["conda-forge"], "dependencies": ["python=3.9", "jupyterlab", "pip", {"pip": ["jupytext==1.14.5"]}]},
            "gpu.yml": {"channels": ["conda-forge"], "dependencies": [*gpu, {"pip": ["tensorflow-text==2.9.0"]}]},
        },
        **{"exclude-newer": "2023-04-30T00:00:00Z"},
    )  # fmt: skip
    mirrors = MirrorMap.parse([f"conda-forge={SNAPSHOT}"], "--mirror")
    solved = {lk.target: lk for lk in lock(LockRequest(manifest, mirrors=mirrors)).solved}
    jupyter_conda = {p.name for p in solved["jupyter"].conda}
    assert "python-fastjsonschema" in jupyter_conda and "fastjsonschema" not in {p.name for p in solved["jupyter"].pip}
    assert {p.name for p in solved["gpu"].pip} == {"tensorflow-text", "tensorflow-hub"}


@pytest.mark.snapshot
@needs_snapshot
def test_the_reported_cuda_11_2_target_names_the_driver_constraint(tmp_path: Path) -> None:
    spec = {
        "channels": ["conda-forge"],
        "dependencies": ["python=3.9", "tensorflow=2.9.*=cuda112*", "cudatoolkit=11.2", "cudnn=8"],
    }
    manifest = write_project(
        tmp_path,
        {"gpu": {"platform": "linux-64", "specs": ["s.yml"], "virtual-packages": ["__cuda=11.2"]}},
        {"s.yml": spec},
    )
    with pytest.raises(SolveError) as caught:
        lock(LockRequest(manifest, mirrors=MirrorMap.parse([f"conda-forge={SNAPSHOT}"], "--mirror")))
    assert "cudatoolkit 11.2.2 needs __cuda >=11.2.2 but the target declares __cuda=11.2" in caught.value.what
    assert "python >=3.10" not in str(caught.value)


def test_a_pip_pin_against_a_conda_package_says_conda_installs_it(tmp_path: Path) -> None:
    channel = _conda_tf_with_protobuf_3_20(tmp_path)
    spec = {"channels": [str(channel)], "dependencies": ["python=3.9", "protobuf", "pip", {"pip": ["protobuf<3.20"]}]}
    manifest = write_project(
        tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec},
        pypi={"find-links": [str(_pypi(tmp_path))]},
    )  # fmt: skip
    with pytest.raises(PypiError, match=r"protobuf==3\.20\.1 \(installed by conda\)"):
        lock(LockRequest(manifest))
