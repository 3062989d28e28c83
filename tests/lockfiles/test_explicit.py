"""``<target>-explicit.txt``: conda's ``@EXPLICIT`` format, read as conda reads it (CEP 23)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import LockFormatError
from envtool.inputs.fingerprint import Fingerprint
from envtool.lockfiles.explicit import read_explicit, render_explicit
from envtool.lockfiles.header import BODY, seal
from envtool.lockfiles.read import read_lock
from envtool.model import CondaPackage, PipPackage, TargetLock

CF = "https://conda.anaconda.org/conda-forge"
MD5 = "0123456789abcdef0123456789abcdef"
SHA = "ab" * 32
WHEEL = "https://files.pythonhosted.org/packages/ab/cd/tiny_pkg-1.2-py3-none-any.whl"


def explicit(tmp_path: Path, *lines: str, name: str = "demo-explicit.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_md5_sha256_and_prefixed_sha256_are_each_read_as_what_they_are(tmp_path: Path) -> None:
    # conda list --explicit --md5 writes #MD5; --sha256 writes #SHA256; CEP 23 also allows #sha256:SHA256
    path = explicit(
        tmp_path,
        "@EXPLICIT",
        f"{CF}/linux-64/zlib-1.2.13-h166bdaf_4.tar.bz2#{MD5}",
        f"{CF}/linux-64/xz-5.2.6-h166bdaf_0.conda#{SHA}",
        f"{CF}/noarch/tzdata-2023c-h71feb2d_0.conda#sha256:{'cd' * 32}",
    )
    conda = read_explicit(path).conda
    assert [(p.name, p.version, p.build, p.md5, p.sha256) for p in conda] == [
        ("zlib", "1.2.13", "h166bdaf_4", MD5, None),
        ("xz", "5.2.6", "h166bdaf_0", "", SHA),
        ("tzdata", "2023c", "h71feb2d_0", "", "cd" * 32),
    ]
    assert conda[0].url == f"{CF}/linux-64/zlib-1.2.13-h166bdaf_4.tar.bz2"


@pytest.mark.parametrize(
    "digest",
    ["abc", MD5.upper(), MD5 + "0", "sha256:" + MD5, "md5:" + MD5, "sha256:" + SHA[:-1], SHA + "0"],
)
def test_anything_else_after_the_hash_sign_is_refused(tmp_path: Path, digest: str) -> None:
    path = explicit(tmp_path, "# platform: linux-64", "@EXPLICIT", f"{CF}/linux-64/zlib-1.2.13-h0_4.conda#{digest}")
    with pytest.raises(LockFormatError) as err:
        read_explicit(path)
    assert str(err.value) == (
        f"{path}:3: package zlib-1.2.13-h0_4.conda has no md5 or sha256 after '#': {digest!r}; "
        "re-lock: every line must end in #MD5 (32 hex digits) or #sha256:HASH (64)"
    )


def test_a_line_without_hash_is_refused(tmp_path: Path) -> None:
    path = explicit(tmp_path, "@EXPLICIT", "", f"{CF}/linux-64/zlib-1.2.13-h0_4.conda")
    with pytest.raises(LockFormatError) as err:
        read_explicit(path)
    assert str(err.value) == (
        f"{path}:3: package zlib-1.2.13-h0_4.conda has no hash; re-lock: every line must end in #md5 or #sha256:HASH"
    )


def test_a_file_name_that_is_not_name_version_build_is_refused(tmp_path: Path) -> None:
    path = explicit(tmp_path, "@EXPLICIT", f"{CF}/linux-64/zlib.conda#{MD5}")
    with pytest.raises(LockFormatError) as err:
        read_explicit(path)
    assert str(err.value) == f"{path}:2: cannot read name-version-build from 'zlib.conda'; use conda package file names"


def test_the_explicit_line_is_required(tmp_path: Path) -> None:
    # without @EXPLICIT, conda reads the lines as match specs to solve, not as pinned files
    path = explicit(tmp_path, "# platform: linux-64", f"{CF}/linux-64/zlib-1.2.13-h0_4.conda#{MD5}")
    with pytest.raises(LockFormatError) as err:
        read_explicit(path)
    assert str(err.value) == (f"{path}: no @EXPLICIT line; pass an explicit lock, a <target>.yml or a conda-lock file")


def test_comments_and_blank_lines_after_the_marker_are_not_packages(tmp_path: Path) -> None:
    path = explicit(
        tmp_path,
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        "# platform: osx-arm64",
        "  @EXPLICIT  ",
        "# a comment after the marker",
        "#",
        "",
        f"   {CF}/osx-arm64/zlib-1.2.13-h0_4.conda#{MD5}   ",
        "   # an indented comment",
        f"#{CF}/osx-arm64/commented-1-0.conda#{MD5}",
    )
    lock = read_explicit(path)
    assert [p.name for p in lock.conda] == ["zlib"]
    assert lock.pip == ()
    assert lock.platform == "osx-arm64"
    assert lock.channels == (CF,)


def test_without_an_envtool_header_the_target_comes_from_the_file_name(tmp_path: Path) -> None:
    # `conda list --explicit` output: no envtool header, accepted (its lines carry their own hashes)
    path = explicit(tmp_path, "@EXPLICIT", f"{CF}/linux-64/zlib-1.2.13-h0_4.conda#{MD5}", name="mine-explicit.txt")
    lock = read_explicit(path)
    assert (lock.target, lock.platform, lock.name, lock.input_hash, dict(lock.inputs)) == ("mine", "", "", "", {})
    assert read_lock(path) == [lock]


def test_pip_lines_are_read_with_their_sha256(tmp_path: Path) -> None:
    path = explicit(
        tmp_path,
        "@EXPLICIT",
        f"# pip tiny-pkg @ {WHEEL}#sha256={SHA}",
        f"# pip two @ {CF}/two-2.0-x.whl#sha256={SHA}",
        f"# pip odd @ {CF}/odd-1.whl#sha256={SHA}",
    )
    assert read_explicit(path).pip == (
        PipPackage("tiny-pkg", "1.2", WHEEL, SHA, (SHA,)),
        PipPackage("two", "2.0", f"{CF}/two-2.0-x.whl", SHA, (SHA,)),
        PipPackage("odd", "", f"{CF}/odd-1.whl", SHA, (SHA,)),
    )


@pytest.mark.parametrize("fragment", ["", f"#md5={MD5}", f"#SHA256={SHA}"])
def test_a_pip_line_without_sha256_is_refused(tmp_path: Path, fragment: str) -> None:
    path = explicit(tmp_path, "@EXPLICIT", f"# pip tiny-pkg @ {WHEEL}{fragment}")
    with pytest.raises(LockFormatError) as err:
        read_explicit(path)
    assert str(err.value) == (
        f"{path}:2: pip package tiny-pkg has no sha256; re-lock: every pip line must end in #sha256=HASH"
    )


def test_envtools_own_file_reads_back_as_it_was_written(tmp_path: Path) -> None:
    lock = TargetLock(
        target="gpu",
        platform="linux-64",
        name="",
        channels=(CF, "https://conda.anaconda.org/nvidia"),
        conda=(
            CondaPackage("zlib", "1.2.13", "h166bdaf_4", f"{CF}/linux-64/zlib-1.2.13-h166bdaf_4.tar.bz2", MD5, SHA),
            CondaPackage(
                "cudnn", "8.4.1", "h0", "https://conda.anaconda.org/nvidia/linux-64/cudnn-8.4.1-h0.conda", "f" * 32
            ),
        ),
        pip=(PipPackage("tiny-pkg", "1.2", WHEEL, SHA, (SHA,)),),
        input_hash="",
        inputs={"target gpu": "1" * 12, "channels": "2" * 12},
    )
    path = tmp_path / "locks" / "gpu-explicit.txt"
    path.parent.mkdir()
    path.write_text(render_explicit(Path("locks/gpu-explicit.txt"), lock))
    back = read_explicit(path)
    assert back.target == "gpu" and back.platform == "linux-64"
    assert dict(back.inputs) == {"target gpu": "1" * 12, "channels": "2" * 12}
    assert back.input_hash == Fingerprint(dict(lock.inputs)).digest
    assert back.channels == ("https://conda.anaconda.org/nvidia", CF)  # in the order the lines name them
    assert sorted((p.name, p.version, p.build, p.url, p.md5) for p in back.conda) == sorted(
        (p.name, p.version, p.build, p.url, p.md5) for p in lock.conda
    )
    assert back.pip == lock.pip


def test_the_header_names_the_target_and_platform_whatever_the_file_is_called(tmp_path: Path) -> None:
    lock = TargetLock(
        "gpu", "linux-aarch64", "", (CF,), (CondaPackage("z", "1", "0", f"{CF}/linux-aarch64/z-1-0.conda", MD5),)
    )
    text = render_explicit(Path("locks/gpu-explicit.txt"), lock)
    kept = [line for line in text.splitlines() if not line.startswith(("# platform:", BODY))]
    path = tmp_path / "x.txt"
    path.write_text(seal("\n".join(kept) + "\n"))
    back = read_explicit(path)
    assert (back.target, back.platform) == ("gpu", "linux-aarch64")


def test_a_line_may_name_a_local_file(tmp_path: Path) -> None:
    # CEP 23: the URL part before the file name is optional
    path = explicit(tmp_path, "@EXPLICIT", f"zlib-1.2.13-h0_4.conda#{MD5}")
    (zlib,) = read_explicit(path).conda
    assert (zlib.name, zlib.version, zlib.build, zlib.url, zlib.md5) == (
        "zlib",
        "1.2.13",
        "h0_4",
        "zlib-1.2.13-h0_4.conda",
        MD5,
    )
    wheel = explicit(tmp_path, "@EXPLICIT", f"# pip tiny @ tiny-1.0-py3-none-any.whl#sha256={SHA}", name="w.txt")
    assert read_explicit(wheel).pip == (PipPackage("tiny", "1.0", "tiny-1.0-py3-none-any.whl", SHA, (SHA,)),)
    bare = explicit(tmp_path, "@EXPLICIT", "zlib-1.2.13-h0_4.conda", name="bare-explicit.txt")
    with pytest.raises(LockFormatError, match=r"bare-explicit.txt:2: package zlib-1.2.13-h0_4.conda has no hash;"):
        read_explicit(bare)
