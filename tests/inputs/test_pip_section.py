"""Every line form pip accepts in a requirements file: read as pip reads it, or refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import SpecError
from envtool.inputs.pip_section import check_requirement
from envtool.inputs.spec import EnvSpec, load

HASH = "0" * 63 + "1"


def _spec(tmp_path: Path, *lines: str) -> tuple[Path, EnvSpec]:
    path = tmp_path / "env" / "s.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f"      - {line!r}\n".replace("'", '"') if '"' not in line else f"      - '{line}'\n" for line in lines
    )
    path.write_text(f"dependencies:\n  - python=3.9\n  - pip\n  - pip:\n{body}")
    return path, load(path)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("requests", "requests"),
        ("requests[socks]>=2.28,<3", "requests[socks]>=2.28,<3"),
        ('pywin32; sys_platform == "win32"', 'pywin32; sys_platform == "win32"'),
        ("six==1.16.0  # why: tf 2.9 pins it", "six==1.16.0"),
        ("tftext @ https://files.example.org/tftext-2.9.0-py3-none-any.whl", "tftext @ https://files.example.org/tftext-2.9.0-py3-none-any.whl"),
        (f"six==1.16.0 --hash=sha256:{HASH}", "six==1.16.0"),
    ],
)  # fmt: skip
def test_requirement_lines_are_kept_as_pip_reads_them(tmp_path: Path, line: str, text: str) -> None:
    _, spec = _spec(tmp_path, line)
    assert [d.text for d in spec.pip] == [text]
    if "--hash" in line:
        assert spec.pip[0].hashes == (HASH,)
        assert f"--hash=sha256:{HASH}" in spec.canonical()["pip"][0]  # a hash is an input


def test_index_options_are_read_and_relative_paths_are_the_specs(tmp_path: Path) -> None:
    _, spec = _spec(
        tmp_path,
        "--index-url https://pypi.example.org/simple",
        "--extra-index-url=https://${TOKEN}@extra.example.org/simple",
        "-f ./wheels",
        "--trusted-host pypi.example.org",
        "--pre",
        "--only-binary :all:",
        "--prefer-binary",
        "--require-hashes",
        "six",
    )
    options = spec.pip_options
    assert options.index_url == "https://pypi.example.org/simple"
    assert options.extra_index_urls == ("https://${TOKEN}@extra.example.org/simple",)  # kept as written
    assert options.find_links == (str((tmp_path / "env" / "wheels").resolve()),)
    assert options.trusted_hosts == ("pypi.example.org",) and options.pre
    assert spec.canonical()["pip-options"]["index-url"] == "https://pypi.example.org/simple"


def test_requirement_and_constraint_files_are_read_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "env" / "reqs").mkdir(parents=True)
    (tmp_path / "env" / "reqs" / "base.txt").write_text(
        "# shared pins\nnumpy<2 \\\n    ; python_version >= '3.9'\n-r more.txt\n-c pins.txt\n"
    )
    (tmp_path / "env" / "reqs" / "more.txt").write_text("six\n")
    (tmp_path / "env" / "reqs" / "pins.txt").write_text("six==1.16.0\n")
    path, spec = _spec(tmp_path, "-r reqs/base.txt", "requests")
    assert [(d.text, d.origin) for d in spec.pip] == [
        ("numpy<2      ; python_version >= '3.9'", f"{tmp_path / 'env' / 'reqs' / 'base.txt'}:2"),
        ("six", f"{tmp_path / 'env' / 'reqs' / 'more.txt'}:1"),
        ("requests", f"{path}:6"),
    ]
    assert [d.text for d in spec.pip_constraints] == ["six==1.16.0"]
    assert [f.name for f in spec.included] == ["base.txt", "more.txt", "pins.txt"]
    before = spec.canonical()
    (tmp_path / "env" / "reqs" / "more.txt").write_text("six>=1.15\n")
    assert load(path).canonical() != before  # an included file is part of the spec's fingerprint


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-e .", "editable install"),
        ("--editable=git+https://github.com/x/y.git#egg=y", "editable install"),
        (".", "path on this machine"),
        ("./vendor/pkg", "path on this machine"),
        ("/opt/wheels/six-1.16.0-py2.py3-none-any.whl", "path on this machine"),
        ("six-1.16.0-py2.py3-none-any.whl", "path on this machine"),
        ("six @ file:///opt/wheels/six-1.16.0-py2.py3-none-any.whl", "path on this machine"),
        ("git+https://github.com/x/y.git", "version-control checkout"),
        ("y @ git+https://github.com/x/y.git@v1", "version-control checkout"),
        ("y @ https://example.org/y-1.0.tar.gz", "not a wheel"),
        ("https://example.org/y-1.0-py3-none-any.whl", "without a name"),
        ("--no-binary :all:", "wheels only"),
        ("--use-feature truststore", "feature flags"),
        ("six --config-settings=x=y", "build option"),
        ("six --hash=md5:abc", "unusable hash"),
        ("--frobnicate", "unknown pip option"),
        ("-r missing.txt", "cannot read requirements file"),
        ("-r https://example.org/reqs.txt", "remote requirements file"),
        ("--index-url", "needs a value"),
    ],
)
def test_lines_that_cannot_be_locked_are_refused_with_file_line_and_why(
    tmp_path: Path, line: str, message: str
) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        _spec(tmp_path, "requests", line)
    assert caught.value.where.endswith("s.yml:6")


def test_a_requirements_file_including_itself_is_refused(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "a.txt").write_text("-r a.txt\n")
    with pytest.raises(SpecError, match="includes itself") as caught:
        _spec(tmp_path, "-r a.txt")
    assert caught.value.where == f"{(tmp_path / 'env' / 'a.txt').resolve()}:1"


def test_a_malformed_requirement_is_refused_before_resolving(tmp_path: Path) -> None:
    path, spec = _spec(tmp_path, "six=1.0")
    with pytest.raises(SpecError, match=r"invalid pip requirement 'six=1\.0'") as caught:
        check_requirement(spec.pip[0].text, spec.pip[0].origin)
    assert caught.value.where == f"{path}:5"
