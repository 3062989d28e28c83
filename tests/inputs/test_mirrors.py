"""Channel spellings as conda's environment.yml means them, and mirrors of channels and package indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import ConfigError
from envtool.inputs.mirrors import MirrorMap, SpecialChannelError, channel_url, expand_channels


@pytest.mark.parametrize(
    ("spelling", "url"),
    [
        ("conda-forge", "https://conda.anaconda.org/conda-forge"),
        ("conda-forge/label/broken", "https://conda.anaconda.org/conda-forge/label/broken"),
        ("conda-forge/linux-64", "https://conda.anaconda.org/conda-forge"),
        ("https://conda.anaconda.org/conda-forge/", "https://conda.anaconda.org/conda-forge"),
        ("https://conda.anaconda.org/conda-forge/noarch", "https://conda.anaconda.org/conda-forge"),
        ("http://localhost:8000/my-channel", "http://localhost:8000/my-channel"),
        ("pkgs/main", "https://repo.anaconda.com/pkgs/main"),
        ("pkgs/r", "https://repo.anaconda.com/pkgs/r"),
        ("pkgs/msys2", "https://repo.anaconda.com/pkgs/msys2"),
        ("file:///srv/channel", "file:///srv/channel"),
        ("/srv/channel/", "file:///srv/channel"),
    ],
)
def test_one_channel_spelling_is_the_channel_conda_uses(spelling: str, url: str) -> None:
    assert channel_url(spelling) == url


def test_relative_and_home_paths_are_local_channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert channel_url("./chan", tmp_path) == (tmp_path / "chan").resolve().as_uri()
    assert channel_url("../chan", tmp_path / "env") == (tmp_path / "chan").resolve().as_uri()
    assert channel_url("~/chan") == (tmp_path / "chan").resolve().as_uri()


def test_defaults_and_nodefaults_expand_as_conda_does() -> None:
    main, r, msys2 = (f"https://repo.anaconda.com/pkgs/{n}" for n in ("main", "r", "msys2"))
    assert expand_channels(["defaults"], "linux-64") == [main, r]
    assert expand_channels(["defaults"], "win-64") == [main, r, msys2]
    assert expand_channels(["conda-forge", "nodefaults"], "osx-arm64") == ["https://conda.anaconda.org/conda-forge"]
    # named twice (a URL and a name for the same channel): one channel, first place kept
    assert expand_channels(["pkgs/main", "defaults"], "linux-64") == [main, r]
    with pytest.raises(SpecialChannelError):
        expand_channels(["local"], "linux-64")


def test_a_mirror_of_defaults_must_name_each_channel() -> None:
    with pytest.raises(ConfigError, match="not one channel"):
        MirrorMap.parse(["defaults=https://mirror.example/anaconda"], "--mirror")
    mirrors = MirrorMap.parse(["pkgs/main=https://mirror.example/anaconda/pkgs/main"], "--mirror")
    assert mirrors.to_mirror("https://repo.anaconda.com/pkgs/main/noarch/x-1-0.conda") == (
        "https://mirror.example/anaconda/pkgs/main/noarch/x-1-0.conda"
    )


def test_a_package_index_mirror_serves_the_index_files_too() -> None:
    mirrors = MirrorMap.parse(["https://pypi.org/simple=https://pypi.tuna.tsinghua.edu.cn/simple"], "--mirror")
    wheel = "https://files.pythonhosted.org/packages/ab/cd/ef/six-1.16.0-py2.py3-none-any.whl"
    mirrored = "https://pypi.tuna.tsinghua.edu.cn/packages/ab/cd/ef/six-1.16.0-py2.py3-none-any.whl"
    assert mirrors.to_mirror("https://pypi.org/simple") == "https://pypi.tuna.tsinghua.edu.cn/simple"
    assert mirrors.to_mirror(wheel) == mirrored
    assert mirrors.to_canonical(mirrored) == wheel
