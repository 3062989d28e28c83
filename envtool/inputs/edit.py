"""Editing spec files in place: ``envtool add`` and ``envtool remove``.

Each file is loaded and dumped with ruamel.yaml's round-trip mode, so
comments, key order, quoting and indentation stay as written; only the
dependency lists change. A spec already listed is replaced where it stands;
a new conda spec goes before the ``pip:`` list, a new pip requirement at the
end of it. Removing a dependency also removes the comment block written
directly above it (and keeps the comments that belong to the next one).

Which file: ``--file`` when given; else the file that already lists the name
(refused when several do); else, for a new name, the one spec file every
target composes (refused when there is none).

>>> text = "dependencies:\\n  # the interpreter\\n  - python=3.9\\n  # arrays\\n  - numpy<2  # pinned\\n  - pip\\n"
>>> print(remove_dependency(text, "numpy", pip=False), end="")
dependencies:
  # the interpreter
  - python=3.9
  - pip
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.errors import SpecError
from envtool.inputs.spec import Dependency
from envtool.inputs.targets import Manifest
from envtool.model import normalize


@dataclass(frozen=True)
class Occurrence:
    """Where a spec file lists a package: the file, ``conda`` or ``pip``, and ``file:line``."""

    path: Path
    kind: str
    origin: str


def dependency_name(text: str, pip: bool) -> str:
    """The package a conda spec or pip requirement names (normalized for pip)."""
    if pip:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            return normalize(Requirement(text).name)
        except InvalidRequirement:
            return normalize(Dependency(text, "").name)
    return Dependency(text, "").name


def spec_files(manifest: Manifest) -> list[Path]:
    """Every spec file some target composes, in manifest order."""
    return list(dict.fromkeys(p for t in manifest.targets.values() for p in t.specs))


def find(manifest: Manifest, name: str, pip: bool | None) -> list[Occurrence]:
    """Where ``name`` is listed (``pip=None``: in either half)."""
    from envtool.inputs.spec import load

    found: list[Occurrence] = []
    for path in spec_files(manifest):
        spec = load(path)
        if pip is not True:
            found += [
                Occurrence(path, "conda", d.origin) for d in spec.conda if d.name == name.lower().replace("_", "-")
            ]
        if pip is not False:
            found += [Occurrence(path, "pip", d.origin) for d in spec.pip if normalize(d.name) == normalize(name)]
    return found


def choose_file(manifest: Manifest, name: str, pip: bool, given: Path | None, verb: str) -> Path:
    """The one spec file to edit for ``name`` (see the module's rules); refuse when ambiguous."""
    if given is not None:
        return given
    found = find(manifest, name, pip if verb == "add" else None)
    files = list(dict.fromkeys(o.path for o in found))
    if len(files) == 1:
        return files[0]
    if len(files) > 1:
        raise SpecError(
            ", ".join(o.origin for o in found),
            f"{name!r} is listed in {len(files)} spec files",
            f"say which with --file, e.g. envtool {verb} --file {files[-1]} ...",
        )
    if verb == "remove":
        raise SpecError(str(manifest.path.parent), f"no spec file lists {name!r}", "check the name with 'envtool why'")
    shared = [p for p in spec_files(manifest) if all(p in t.specs for t in manifest.targets.values())]
    if len(shared) != 1:
        raise SpecError(
            str(manifest.path),
            f"no single spec file is composed by every target to add {name!r} to",
            f"say which with --file (one of: {', '.join(p.name for p in spec_files(manifest))})",
        )
    return shared[0]


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, offset = load_yaml_guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    sequence, offset = indent or 2, offset or 0
    # the guess reads the sequences' indent; mappings keep theirs (2 in nearly every environment.yml)
    yaml.indent(mapping=sequence - offset if offset else sequence, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _lists(data: Any, path: str) -> tuple[Any, Any | None]:
    """The spec's ``dependencies`` list (created if missing) and its ``pip:`` list (``None`` if none)."""
    from ruamel.yaml.comments import CommentedSeq

    deps = data.get("dependencies")
    if deps is None:
        deps = data["dependencies"] = CommentedSeq()
    if not isinstance(deps, list):
        raise SpecError(path, "dependencies is not a list", "write one '- spec' per line")
    pip = next((item["pip"] for item in deps if isinstance(item, dict) and "pip" in item), None)
    return deps, pip


def _index(items: Any, name: str, pip: bool) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, str) and dependency_name(item, pip) == dependency_name(name, pip):
            return i
    return None


def _like(old: Any, text: str) -> Any:
    """``text`` quoted as ``old`` was (a double- or single-quoted scalar stays so)."""
    kind = type(old)
    return kind(text) if kind is not str and issubclass(kind, str) else text


def add_dependency(text: str, spec: str, *, pip: bool, path: str = "spec") -> str:
    """``text`` with ``spec`` added (or replacing the same package's entry where it stands)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml(text)
    data = yaml.load(text)
    if data is None:
        data = CommentedMap()
    deps, pip_list = _lists(data, path)
    name = dependency_name(spec, pip)
    if pip:
        if pip_list is None:
            if _index(deps, "pip", False) is None:
                deps.append("pip")
            pip_list = CommentedSeq()
            deps.append(CommentedMap([("pip", pip_list)]))
        target = pip_list
    else:
        target = deps
    at = _index(target, name, pip)
    if at is not None:
        target[at] = _like(target[at], spec)
    elif pip:
        target.append(spec)
    else:
        first_pip = next((i for i, item in enumerate(deps) if isinstance(item, dict)), len(deps))
        deps.insert(first_pip, spec)
    return _dump(yaml, data)


def remove_dependency(text: str, name: str, *, pip: bool | None, path: str = "spec") -> str:
    """``text`` without ``name``'s entry, nor the comment block directly above it.

    ``pip=None`` removes it from whichever half lists it (refused when both do).
    """
    yaml = _yaml(text)
    data = yaml.load(text)
    deps, pip_list = _lists(data, path)
    in_conda = _index(deps, name, False) if pip is not True else None
    in_pip = _index(pip_list, name, True) if pip is not False and pip_list is not None else None
    if in_conda is not None and in_pip is not None:
        raise SpecError(path, f"{name!r} is both a conda and a pip dependency", "pass --pip to remove the pip one")
    if in_conda is None and in_pip is None:
        half = {True: "pip ", False: "conda ", None: ""}[pip]
        raise SpecError(path, f"{name!r} is not in its {half}dependencies", "check the name")
    pip = in_pip is not None
    items = pip_list if pip else deps
    index = in_pip if pip else in_conda
    assert index is not None
    holder = next((item for item in deps if isinstance(item, dict) and "pip" in item), None)
    if pip:
        _drop(items, index, holder, "pip")
    else:
        _drop(items, index, data, "dependencies")
    if pip and not items:  # an empty pip: list would be an invalid spec
        _drop(deps, deps.index(holder), data, "dependencies")
    return _dump(yaml, data)


def _drop(items: Any, at: int, parent: Any, key: str) -> None:
    """Delete ``items[at]`` with the comments that describe it, keeping those of its neighbours.

    ruamel keeps the comment lines between two items on the first of them, and
    those above the first item on the list (and on its ``parent[key]``).
    """
    from ruamel.yaml.tokens import CommentToken

    after = _comment_after(items, at)
    below = after.split("\n", 1)[1] if "\n" in after else ""  # lines above the next item
    if at == 0:
        column = _mark(items, 0)
        above = "".join(str(t.value) for t in ((items.ca.comment or [None, None])[1] or []))
        text = _without_last_block(above) + "".join(f"{line.strip()}\n" for line in below.splitlines())
        tokens = [CommentToken(line + "\n", column, None) for line in text.splitlines()]
        items.ca.comment = [None, tokens or None]
        if key in parent.ca.items:
            parent.ca.items[key][3] = tokens or None
    else:
        above = _comment_after(items, at - 1)
        eol, _, block = above.partition("\n")
        kept = _without_last_block(block)
        text = eol + "\n" + kept + below
        items.ca.items[at - 1] = [CommentToken(text, _mark(items, at - 1), None), None, None, None]
    items.ca.items.pop(at, None)
    del items[at]
    if at > 0 and not text.strip():
        items.ca.items.pop(at - 1, None)


def _comment_after(items: Any, index: int) -> str:
    entry = items.ca.items.get(index)
    token = entry[0] if entry else None
    return str(token.value) if token is not None else "\n"


def _mark(items: Any, index: int) -> Any:
    from ruamel.yaml.error import CommentMark

    entry = items.ca.items.get(index)
    column = entry[0].start_mark.column if entry and entry[0] is not None else 0
    return CommentMark(column)


def _without_last_block(lines: str) -> str:
    """Comment lines minus the block that directly precedes the next item (after the last blank line)."""
    rows = lines.splitlines(keepends=True)
    cut = len(rows)
    while cut > 0 and rows[cut - 1].strip().startswith("#"):
        cut -= 1
    return "".join(rows[:cut])


def check_spec(spec: str, pip: bool, where: str) -> None:
    """Refuse a spec conda (or pip) would not read, before any file is touched."""
    if pip:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            Requirement(spec)
        except InvalidRequirement as exc:
            raise SpecError(where, f"invalid pip requirement {spec!r} ({exc})", "write e.g. 'requests>=2,<3'") from None
        return
    import rattler

    try:
        rattler.MatchSpec(spec)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(
            where, f"invalid match spec {spec!r} ({reason})", "use conda syntax, e.g. 'numpy>=1.20,<2'"
        ) from None


def plan_edit(manifest: Manifest, verb: str, specs: Sequence[str], *, pip: bool, file: Path | None) -> dict[Path, str]:
    """The new text of every spec file ``envtool add``/``remove`` changes (nothing written)."""
    texts: dict[Path, str] = {}
    for spec in specs:
        if verb == "add":
            check_spec(spec, pip, "envtool add")
        name = dependency_name(spec, pip)
        path = choose_file(manifest, name, pip, file, verb)
        text = texts.get(path)
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise SpecError(str(path), f"cannot read the spec file ({exc.strerror})", "check --file") from None
        if verb == "add":
            texts[path] = add_dependency(text, spec, pip=pip, path=str(path))
        else:
            texts[path] = remove_dependency(text, spec, pip=pip or None, path=str(path))
    return texts
