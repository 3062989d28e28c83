"""The conda half as conda reads specs: channel spellings and pins through mirrors, solver explanations, cut-off dates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from envtool.errors import ManifestError, SolveError
from envtool.inputs.mirrors import MirrorMap
from envtool.locking.lock import LockRequest, check, lock
from tests.factories import DirectoryServer, index_channel, make_conda_package, make_python_package
from tests.projects import envtool, lock_files, tf_channel, write_project

CONDA_FORGE = "https://conda.anaconda.org/conda-forge"
DAY = 86_400_000  # milliseconds


def _one_target(tmp_path: Path, spec: dict[str, object], **target: object) -> Path:
    return write_project(tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"], **target}}, {"s.yml": spec})


def _urls(tmp_path: Path) -> list[str]:
    text = (tmp_path / "locks" / "t-explicit.txt").read_text()
    return [line.split("#")[0] for line in text.splitlines() if line.startswith(("http", "file"))]


def test_channel_pinned_spec_solves_through_a_mirror_as_without_the_prefix(tmp_path: Path) -> None:
    served = tf_channel(tmp_path)
    _one_target(
        tmp_path, {"channels": ["conda-forge"], "dependencies": ["python=3.9", "conda-forge::numpy>=1.20,<1.24"]}
    )
    folder = envtool("lock", "--mirror", f"conda-forge={served}", cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    assert f"{CONDA_FORGE}/linux-64/numpy-1.23.5-py39_0.tar.bz2" in _urls(tmp_path)
    first = lock_files(tmp_path)
    with DirectoryServer(served) as server:
        mirrors = MirrorMap.parse([f"conda-forge={server.url}"], "--mirror")
        lock(LockRequest(tmp_path / "environments" / "targets.yml", force=True, mirrors=mirrors))
        assert server.count("/linux-64/repodata.json") >= 1
    assert lock_files(tmp_path) == first  # the mirror is transparent, whichever kind


def test_a_channel_named_only_in_a_pin_is_searched_and_subdir_pins_hold(tmp_path: Path) -> None:
    main = tf_channel(tmp_path)
    extra = tmp_path / "extra"
    make_conda_package(extra, "extra-tool", "1.0", "0", subdir="noarch", noarch="generic")
    make_conda_package(extra, "numpy", "9.9", "py39_0", depends=["python >=3.9,<3.10"])
    index_channel(extra)
    spec = {
        "channels": ["conda-forge"],
        "dependencies": ["python=3.9", "../extra::extra-tool", "conda-forge/linux-64::numpy<2"],
    }
    _one_target(tmp_path, spec)
    result = lock(
        LockRequest(tmp_path / "environments" / "targets.yml", mirrors=MirrorMap({CONDA_FORGE: main.as_uri()}))
    )
    pins = {p.name: p for p in result.solved[0].conda}
    assert pins["extra-tool"].url == f"{extra.resolve().as_uri()}/noarch/extra-tool-1.0-0.tar.bz2"
    assert pins["numpy"].version == "1.23.5"  # conda-forge's, though the other channel has a newer one
    assert result.solved[0].channels == ("conda-forge", "../extra")  # as spelled; a pin's channel is listed too


def test_defaults_means_anacondas_channels_and_nodefaults_adds_none(tmp_path: Path) -> None:
    main, r = tmp_path / "main", tmp_path / "r"
    make_python_package(main, "3.9.13")
    make_conda_package(r, "r-base", "4.2.0", "0")
    index_channel(main)
    index_channel(r)
    _one_target(tmp_path, {"channels": ["defaults"], "dependencies": ["python=3.9", "r-base"]})
    mirrors = MirrorMap.parse([f"pkgs/main={main}", f"pkgs/r={r}"], "--mirror")
    manifest = tmp_path / "environments" / "targets.yml"
    lock(LockRequest(manifest, mirrors=mirrors))
    assert sorted(u.rsplit("/", 2)[0] for u in _urls(tmp_path)) == [
        "https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r",
    ]  # fmt: skip
    # nodefaults: no default channel is read (there is no mirror for them here, nor a network)
    _one_target(tmp_path, {"channels": [str(main), "nodefaults"], "dependencies": ["python=3.9"]})
    assert lock(LockRequest(manifest)).solved[0].channels == (str(main), "nodefaults")  # as spelled, for conda


def test_unsatisfiable_virtual_package_names_the_constraint_and_the_fix(tmp_path: Path) -> None:
    channel = tmp_path / "channel"
    make_python_package(channel, "3.9.13")
    make_conda_package(channel, "cudatoolkit", "11.2.2", "h0", constrains=["__cuda >=11.2.2"])
    make_conda_package(channel, "cudnn", "8.4.1", "h0", depends=["cudatoolkit 11.2.*"])
    for build, python in (("cuda112py39_0", "python >=3.9,<3.10"), ("cuda112py310_0", "python >=3.10,<3.11")):
        make_conda_package(channel, "tensorflow", "2.9.1", build, depends=[python, "cudatoolkit >=11.2,<12", "__cuda"])
    index_channel(channel)
    spec = {
        "channels": [str(channel)],
        "dependencies": ["python=3.9", "tensorflow=2.9.*=cuda112*", "cudatoolkit=11.2", "cudnn=8"],
    }
    _one_target(tmp_path, spec, **{"virtual-packages": ["__cuda=11.2"]})
    result = envtool("lock", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "cudatoolkit 11.2.2 needs __cuda >=11.2.2 but the target declares __cuda=11.2" in line
    assert "virtual-packages" in line and "python >=3.10" not in line  # the unrelated branch is gone


def test_a_cuda_build_on_a_target_without_cuda_says_what_to_declare(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    _one_target(tmp_path, {"channels": [str(channel)], "dependencies": ["python=3.9", "tensorflow=*=cuda112*"]})
    with pytest.raises(SolveError) as caught:
        lock(LockRequest(tmp_path / "environments" / "targets.yml"))
    assert "needs __cuda, which the target does not declare" in caught.value.what
    assert "virtual-packages" in caught.value.fix


def test_a_missing_virtual_package_does_not_hide_why_the_other_builds_fail(tmp_path: Path) -> None:
    channel = tmp_path / "channel"
    make_python_package(channel, "3.9.13")
    make_conda_package(channel, "absl", "1.0", "0")
    make_conda_package(channel, "absl", "2.0", "0")
    make_conda_package(channel, "tensorflow", "2.9.1", "cuda112_0", depends=["__cuda", "absl"])
    make_conda_package(channel, "tensorflow", "2.9.1", "cpu_0", depends=["absl <2"])
    index_channel(channel)
    _one_target(tmp_path, {"channels": [str(channel)], "dependencies": ["python=3.9", "tensorflow=2.9", "absl>=2"]})
    with pytest.raises(SolveError) as caught:
        lock(LockRequest(tmp_path / "environments" / "targets.yml"))
    what = caught.value.what
    assert "needs __cuda, which the target does not declare; other builds:" in what
    assert "absl" in what.split("other builds:", 1)[1]


def test_unsatisfiable_pins_keep_the_lines_naming_the_inputs(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    _one_target(tmp_path, {"channels": [str(channel)], "dependencies": ["python=3.9", "numpy>=3"]})
    with pytest.raises(SolveError) as caught:
        lock(LockRequest(tmp_path / "environments" / "targets.yml"))
    assert "numpy >=3" in caught.value.what and "no candidates" in caught.value.what.lower()


def _dated_channel(tmp_path: Path) -> Path:
    channel = tmp_path / "channel"
    make_python_package(channel, "3.9.13")
    april_2023 = 1_682_812_800_000  # 2023-04-30T00:00:00Z
    make_conda_package(channel, "tool", "1.0", "0", extra_index={"timestamp": april_2023 - 30 * DAY})
    make_conda_package(channel, "tool", "2.0", "0", extra_index={"timestamp": april_2023 + 30 * DAY})
    make_conda_package(channel, "undated", "1.0", "0")
    index_channel(channel)
    repodata = channel / "linux-64" / "repodata.json"
    data = json.loads(repodata.read_text())
    for record in data["packages"].values():
        record.pop("indexed_timestamp", None)  # the indexer stamps "now"; conda-forge's records carry build times
        if record["name"] in ("undated", "python"):
            record.pop("timestamp", None)  # as many records of real channels (and the snapshot) have none
    repodata.write_text(json.dumps(data))
    return channel


def test_one_cut_off_date_excludes_newer_conda_records_and_keeps_undated_ones(tmp_path: Path) -> None:
    channel = _dated_channel(tmp_path)
    spec = {"channels": [str(channel)], "dependencies": ["python=3.9", "tool", "undated"]}
    manifest = write_project(tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec})
    assert {p.name: p.version for p in lock(LockRequest(manifest)).solved[0].conda}["tool"] == "2.0"
    text = manifest.read_text().replace("targets:", 'exclude-newer: "2023-04-30T00:00:00Z"\ntargets:', 1)
    manifest.write_text(text)
    assert not check(manifest)[0].fresh  # the date is an input
    pins = {p.name: p.version for p in lock(LockRequest(manifest)).solved[0].conda}
    assert pins["tool"] == "1.0" and pins["undated"] == "1.0"


def test_the_cut_off_date_is_one_for_both_halves(tmp_path: Path) -> None:
    spec = {"dependencies": []}
    manifest = write_project(tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, {"s.yml": spec},
                             pypi={"exclude-newer": "2023-04-30T00:00:00Z"})  # fmt: skip
    with pytest.raises(ManifestError, match="move it to the top level") as caught:
        check(manifest)
    assert caught.value.where.endswith("targets.yml:3")
    data = yaml.safe_load(manifest.read_text())
    data["exclude-newer"] = "last tuesday"
    data.pop("pypi")
    manifest.write_text(yaml.safe_dump(data))
    with pytest.raises(ManifestError, match="invalid exclude-newer"):
        check(manifest)
