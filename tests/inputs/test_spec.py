"""Environment specs: read strictly (every bad value named with file and line) and composed in order;
specs as people write them (``conda env export`` output, conda-lock's selectors and keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import SpecError
from envtool.inputs.spec import Dependency, EnvSpec, compose, load


def spec(tmp_path: Path, text: str, name: str = "env.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(path: Path) -> str:
    with pytest.raises(SpecError) as err:
        load(path)
    return str(err.value)


def test_a_full_spec_is_read(tmp_path: Path) -> None:
    path = spec(
        tmp_path,
        "name: tf\nprefix: /opt/envs/tf\nchannels: [' conda-forge ', nvidia]\n"
        "dependencies:\n  - ' python=3.9 '\n  - conda-forge::numpy<2\n  - pip:\n    - ' requests==2.* '\n"
        "variables:\n  B: two\n  A: 1\n  C: 1.5\n",
    )
    loaded = load(path)
    assert loaded == EnvSpec(
        name="tf",
        channels=("conda-forge", "nvidia"),
        conda=(Dependency("python=3.9", f"{path}:5"), Dependency("conda-forge::numpy<2", f"{path}:6")),
        pip=(Dependency("requests==2.*", f"{path}:8"),),
        variables={"B": "two", "A": "1", "C": "1.5"},
        sources=(path,),
    )
    assert loaded.canonical() == {
        "name": "tf",
        "channels": ["conda-forge", "nvidia"],
        "conda": ["python=3.9", "conda-forge::numpy<2"],
        "pip": ["requests==2.*"],
        "variables": {"A": "1", "B": "two", "C": "1.5"},
    }
    assert list(loaded.canonical()["variables"]) == ["A", "B", "C"]


def test_an_empty_spec_is_empty(tmp_path: Path) -> None:
    assert load(spec(tmp_path, "name:\nchannels:\ndependencies:\nvariables:\n")) == EnvSpec(
        "", (), (), (), {}, (tmp_path / "env.yml",)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: tf\ndependancies: []\n", ":2: unknown key 'dependancies'; allowed keys: name, channels, dependencies, variables, prefix"),
        ("platforms: [linux-64]\n", ":1: unknown key 'platforms'; platforms are declared per target in environments/targets.yml"),
        ("name: [tf]\n", ":1: name must be a string, got ['tf']; write 'name: myenv'"),
        ("name: 3\n", ":1: name must be a string, got 3; write 'name: myenv'"),
        ("channels: conda-forge\n", ":1: channels must be a list of strings, got 'conda-forge'; write 'channels: [a, b]'"),
        ("channels: [conda-forge, '']\n", ":1: channels must be a list of strings, got ['conda-forge', '']; write 'channels: [a, b]'"),
        ("channels: ['  ']\n", ":1: channels must be a list of strings, got ['  ']; write 'channels: [a, b]'"),
        ("channels: [1]\n", ":1: channels must be a list of strings, got [1]; write 'channels: [a, b]'"),
        ("dependencies: python\n", ":1: dependencies must be a list, got 'python'; write one '- spec' per line"),
        ("dependencies:\n  - python\n  - ''\n", ":3: dependency must be a match spec string or a 'pip:' list, got ''; write '- name=version' or '- pip: [...]'"),
        ("dependencies:\n  - 3\n", ":2: dependency must be a match spec string or a 'pip:' list, got 3; write '- name=version' or '- pip: [...]'"),
        ("dependencies:\n  - pip: requests\n", ":2: dependency must be a match spec string or a 'pip:' list, got {'pip': 'requests'}; write '- name=version' or '- pip: [...]'"),
        ("dependencies:\n  - pip: [requests]\n    extra: 1\n", ":2: dependency must be a match spec string or a 'pip:' list, got {'pip': ['requests'], 'extra': 1}; write '- name=version' or '- pip: [...]'"),
        ("dependencies:\n  - pips: [requests]\n", ":2: dependency must be a match spec string or a 'pip:' list, got {'pips': ['requests']}; write '- name=version' or '- pip: [...]'"),
        ("dependencies:\n  - pip:\n    - requests\n    - 2\n", ":4: pip requirement must be a string, got 2; write '- package==1.0'"),
        ("dependencies:\n  - pip:\n    - ' '\n", ":3: pip requirement must be a string, got ' '; write '- package==1.0'"),
        ("variables: [A]\n", ":1: variables must be a mapping, got ['A']; write 'variables: {NAME: value}'"),
        ("variables:\n  OK: 1\n  1ABC: x\n", ":3: invalid variable name '1ABC'; use letters, digits and '_'"),
        ("variables:\n  A-B: x\n", ":2: invalid variable name 'A-B'; use letters, digits and '_'"),
        ("variables:\n  'A B': x\n", ":2: invalid variable name 'A B'; use letters, digits and '_'"),
        ('variables:\n  "AB\\n": x\n', ":2: invalid variable name 'AB\\n'; use letters, digits and '_'"),
        ("variables:\n  1: x\n", ":2: invalid variable name 1; use letters, digits and '_'"),
        ("variables:\n  A: true\n", ":2: variable A must be a string or number, got True; quote the value"),
        ("variables:\n  A:\n", ":2: variable A must be a string or number, got None; quote the value"),
        ("variables:\n  A: [1]\n", ":2: variable A must be a string or number, got [1]; quote the value"),
        ("variables:\n  A: {b: 1}\n", ":2: variable A must be a string or number, got {'b': 1}; quote the value"),
    ],
)  # fmt: skip
def test_bad_values_are_named_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = spec(tmp_path, text)
    assert refused(path) == f"{path}{message}"


def test_variable_names_of_letters_digits_and_underscores_are_accepted(tmp_path: Path) -> None:
    path = spec(tmp_path, "variables:\n  _A1: 'true'\n  a_b: ''\n  Z: 0\n  N: no\n")
    assert load(path).variables == {"_A1": "true", "a_b": "", "Z": "0", "N": "no"}  # YAML 1.2: 'no' is a string


def test_a_long_value_is_shortened_in_the_message(tmp_path: Path) -> None:
    path = spec(tmp_path, f"channels: {'x' * 100}\n")
    fix = "write 'channels: [a, b]'"
    assert refused(path) == f"{path}:1: channels must be a list of strings, got '{'x' * 56}...; {fix}"
    exactly = spec(tmp_path, f"channels: {'y' * 58}\n", "exact.yml")  # a repr of 60 characters is kept whole
    assert refused(exactly) == f"{exactly}:1: channels must be a list of strings, got '{'y' * 58}'; {fix}"
    longer = spec(tmp_path, f"channels: {'z' * 59}\n", "longer.yml")  # one more is not
    assert refused(longer) == f"{longer}:1: channels must be a list of strings, got '{'z' * 56}...; {fix}"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("numpy>=1.20", "numpy"),
        ("conda-forge::numpy=1.23", "numpy"),
        ("conda-forge/label/x::NumPy", "numpy"),
        ("  typing_extensions ==4", "typing-extensions"),
        ("python.app", "python.app"),
        ("_libgcc_mutex", "-libgcc-mutex"),
        ("requests[socks]>=2", "requests"),
        ("*weird", "*weird"),
        (" Odd Name ", "odd"),
    ],
)
def test_a_dependency_is_about_one_package_name(text: str, name: str) -> None:
    assert Dependency(text, "x.yml:1").name == name


def test_later_specs_win_and_channel_prefixes_collapse(tmp_path: Path) -> None:
    base = spec(
        tmp_path,
        "name: tf\nchannels: [conda-forge]\n"
        "dependencies:\n  - python=3.9\n  - numpy<2\n  - typing_extensions\n  - pip:\n    - requests==2.*\n    - tiny\n"
        "variables:\n  A: base\n  B: base\n",
        "base.yml",
    )
    gpu = spec(
        tmp_path,
        "channels: [nvidia, conda-forge]\n"
        "dependencies:\n  - conda-forge::numpy=1.23\n  - typing-extensions=4\n  - cudnn\n  - pip:\n    - Requests==2.28\n"
        "variables:\n  B: gpu\n  C: gpu\n",
        "gpu.yml",
    )
    composed = compose([load(base), load(gpu)])
    assert composed.name == "tf"  # a spec without a name keeps the earlier one
    assert composed.channels == ("conda-forge", "nvidia")
    assert [d.text for d in composed.conda] == ["python=3.9", "conda-forge::numpy=1.23", "typing-extensions=4", "cudnn"]
    assert [d.origin for d in composed.conda][1] == f"{gpu}:3"
    assert [d.text for d in composed.pip] == ["Requests==2.28", "tiny"]
    assert dict(composed.variables) == {"A": "base", "B": "gpu", "C": "gpu"}
    assert composed.sources == (base, gpu)
    renamed = compose([load(base), load(gpu), load(spec(tmp_path, "name: other\n", "name.yml"))])
    assert renamed.name == "other"
    assert compose([]) == EnvSpec("", (), (), (), {}, ())


def test_unreadable_files_are_spec_errors(tmp_path: Path) -> None:
    path = spec(tmp_path, "name: tf\nchannels: [conda-forge\n")
    assert refused(path) == f"{path}:3: malformed YAML (expected ',' or ']', but got '<stream end>'); fix the syntax"
    assert refused(tmp_path / "gone.yml") == f"{tmp_path / 'gone.yml'}: file not found; create it or fix the path"


# What `conda env export` writes (conda 23-26): name, channels with defaults, exact pins,
# a pip section of == pins, prefix; name may be null when exported by prefix.
CONDA_ENV_EXPORT = """\
name: null
channels:
  - conda-forge
  - defaults
dependencies:
  - _libgcc_mutex=0.1=conda_forge
  - numpy=1.23.5=py39h3d75532_0
  - python=3.9.16=h2782a2a_0_cpython
  - pip:
      - tensorflow-cpu==2.9.3
      - protobuf==3.19.6
variables:
  TF_CPP_MIN_LOG_LEVEL: '1'
prefix: /home/me/miniconda3/envs/tf
"""


def _write(tmp_path: Path, text: str, name: str = "s.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_conda_env_export_file_is_accepted_as_conda_reads_it(tmp_path: Path) -> None:
    spec = load(_write(tmp_path, CONDA_ENV_EXPORT))
    assert spec.name == ""
    assert spec.channels == ("conda-forge", "defaults")
    assert [d.text for d in spec.conda] == [
        "_libgcc_mutex=0.1=conda_forge", "numpy=1.23.5=py39h3d75532_0", "python=3.9.16=h2782a2a_0_cpython",
    ]  # fmt: skip
    assert [d.text for d in spec.pip] == ["tensorflow-cpu==2.9.3", "protobuf==3.19.6"]
    assert dict(spec.variables) == {"TF_CPP_MIN_LOG_LEVEL": "1"}
    assert "prefix" not in spec.canonical()  # where it was exported from is not an input


def test_selectors_apply_per_platform_as_conda_lock_reads_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "dependencies:\n  - python=3.9\n  - pywin32  # [win]\n  - libgcc-ng  # [linux64]\n"
        "  - numpy=1.23  # [unix]\n  - numpy=1.22  # [win]\n  - pip:\n    - uvloop  # [unix]\n",
    )
    spec = compose([load(path)])
    linux, win = spec.for_platform("linux-64"), spec.for_platform("win-64")
    assert [d.text for d in linux.conda] == ["python=3.9", "libgcc-ng", "numpy=1.23", "pip"]  # for uvloop
    assert [d.text for d in win.conda] == ["python=3.9", "pywin32", "numpy=1.22"]
    assert [d.text for d in linux.pip] == ["uvloop"] and win.pip == ()
    assert [d.text for d in spec.for_platform("osx-arm64").conda] == ["python=3.9", "numpy=1.23", "pip"]
    # the selector is part of the spec's fingerprint: moving a package to another platform is a change
    assert "pywin32  # [win]" in load(path).canonical()["conda"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("dependencies:\n  - python=3.9\n  - numpy  # [py<39]\n", 3, r"unsupported selector \[py<39\]"),
        (
            "channels:\n  - conda-forge  # [win]\ndependencies: [python]\n",
            2,
            "selector on a line that is not a dependency",
        ),
        ("platforms: [linux-64]\ndependencies: [python]\n", 1, "platforms are declared per target"),
        ("category: dev\ndependencies: [python]\n", 1, "no categories"),
        ("pip-repositories: [https://x.org/simple]\ndependencies: [python]\n", 1, "--extra-index-url"),
        ("allow-pypi-requests: false\ndependencies: [python]\n", 1, "--no-index"),
        ("channels: [local]\ndependencies: [python]\n", 1, "conda-build's output folder"),
        ("channels:\n  - https://${USER}:${TOKEN}@conda.example.org/private\n", 2, "environment variable in channel"),
    ],
)
def test_conda_lock_forms_envtool_cannot_honour_are_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError, match=message) as caught:
        load(path)
    assert caught.value.where == f"{path}:{line}"


def test_a_selector_on_the_pip_list_or_a_requirements_file_selects_all_it_brings(tmp_path: Path) -> None:
    (tmp_path / "win.txt").write_text("pywin32\nwmi\n")
    path = _write(tmp_path, "dependencies:\n  - pip:  # [unix]\n    - uvloop\n  - pip:\n    - -r win.txt  # [win]\n")
    spec = compose([load(path)])
    assert [d.text for d in spec.for_platform("linux-64").pip] == ["uvloop"]
    assert [d.text for d in spec.for_platform("win-64").pip] == ["pywin32", "wmi"]
    index_line = _write(tmp_path, "dependencies:\n  - pip:\n    - --index-url https://x.org/simple  # [win]\n")
    with pytest.raises(SpecError, match=r"selector \[win\] on pip option") as caught:
        load(index_line)
    assert caught.value.where == f"{index_line}:3"


@pytest.mark.parametrize("name", ["pyproject.toml", "meta.yaml"])
def test_conda_lock_sources_other_than_environment_yml_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(SpecError, match=r"envtool reads environment\.yml specs"):
        load(_write(tmp_path, "[project]\nname = 'x'\n", name))


def test_a_pip_list_brings_pip_as_conda_lock_does(tmp_path: Path) -> None:
    spec = compose([load(_write(tmp_path, "dependencies:\n  - python=3.9\n  - pip:\n    - six\n"))])
    assert [d.text for d in spec.for_platform("linux-64").conda] == ["python=3.9", "pip"]
    assert "pip" not in [d.text for d in spec.conda]  # not an input: the spec is what was written
    with_pip = compose([load(_write(tmp_path, "dependencies:\n  - pip=23\n  - pip:\n    - six\n", "b.yml"))])
    assert [d.text for d in with_pip.for_platform("linux-64").conda] == ["pip=23"]


def test_a_later_or_selected_pin_replaces_an_earlier_one_per_platform(tmp_path: Path) -> None:
    base = load(_write(tmp_path, "dependencies:\n  - numpy=1.22  # [win]\n  - scipy\n", "base.yml"))
    overlay = load(_write(tmp_path, "dependencies:\n  - numpy=1.23\n  - scipy=1.9  # [linux]\n", "gpu.yml"))
    spec = compose([base, overlay])
    assert [d.text for d in spec.for_platform("win-64").conda] == ["numpy=1.23", "scipy"]
    assert sorted(d.text for d in spec.for_platform("linux-64").conda) == ["numpy=1.23", "scipy=1.9"]
