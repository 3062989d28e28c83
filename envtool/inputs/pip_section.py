"""The ``pip:`` list of a spec, read line by line as pip reads a requirements file.

``conda env create`` writes the ``pip:`` list into a requirements file beside
the spec and runs pip on it there, so every line form pip accepts in a
requirements file can appear. Each is either locked faithfully or refused
with the file, the line and why:

* requirements (``name``, ``name[extra]>=1; marker``) and direct wheel URLs
  (``name @ https://host/name-1.0-py3-none-any.whl``, locked with their sha256);
  ``--hash=sha256:...`` after a requirement is checked against what is locked;
* ``-r``/``--requirement`` and ``-c``/``--constraint`` files, read relative to
  the file naming them (the spec's folder, where conda runs pip);
* ``-i``/``--index-url``, ``--extra-index-url``, ``-f``/``--find-links``,
  ``--no-index``, ``--trusted-host``, ``--pre``: used to resolve, and written
  into the lock's ``pip:`` list so that conda's pip step finds the same files;
* ``--only-binary``, ``--prefer-binary``, ``--require-hashes``: what envtool
  always does (wheels, hashes);
* refused: ``-e``/``--editable``, local paths and ``file:`` URLs (no other
  machine has them), VCS and source-archive URLs, ``--no-binary`` and build
  options (only wheels can be locked for another platform), ``--use-feature``.

``${NAME}`` (pip's environment-variable syntax, for tokens) stays as written in
specs and locks and is expanded only when resolving.

>>> section = read_pip_lines([("-i https://example.org/simple", "s.yml:4"),
...     ("requests>=2  --hash=sha256:" + "ab" * 32, "s.yml:5")], Path("."))
>>> section.options.index_url, section.requirements[0].text, section.requirements[0].hashes[0][:4]
('https://example.org/simple', 'requests>=2', 'abab')
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from envtool.errors import SpecError

_VCS = ("git+", "hg+", "svn+", "bzr+")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_NOOP = {"--only-binary", "--prefer-binary", "--require-hashes"}
_ALIASES = {"-i": "--index-url", "-f": "--find-links", "-r": "--requirement", "-c": "--constraint",
            "-e": "--editable"}  # fmt: skip
_REFUSED = {
    "--editable": "an editable install is a working copy on this machine, not a locked file; "
    "build a wheel and list it, or install it after creating the environment",
    "--no-binary": "envtool locks wheels only (a source build cannot be verified for another platform); remove it",
    "--use-feature": "pip feature flags change how pip installs, not what; remove it",
}
_BUILD_OPTIONS = ("--global-option", "--config-settings", "--install-option", "-C")


@dataclass(frozen=True)
class PipOptions:
    """Index options from a ``pip:`` list; later specs add to (and for ``index_url`` override) earlier ones."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False
    pre: bool = False

    def merged(self, later: PipOptions) -> PipOptions:
        """These options followed by ``later``'s."""
        return PipOptions(
            later.index_url or self.index_url,
            tuple(dict.fromkeys((*self.extra_index_urls, *later.extra_index_urls))),
            tuple(dict.fromkeys((*self.find_links, *later.find_links))),
            tuple(dict.fromkeys((*self.trusted_hosts, *later.trusted_hosts))),
            self.no_index or later.no_index,
            self.pre or later.pre,
        )

    def canonical(self) -> dict[str, Any]:
        """The options that are set, JSON-able (empty when none is)."""
        out: dict[str, Any] = {}
        for key, value in (
            ("index-url", self.index_url),
            ("extra-index-url", list(self.extra_index_urls)),
            ("find-links", list(self.find_links)),
            ("trusted-host", list(self.trusted_hosts)),
            ("no-index", self.no_index),
            ("pre", self.pre),
        ):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True)
class PipLine:
    """One requirement: its text as pip reads it (options removed), where it was written, its hashes."""

    text: str
    origin: str
    hashes: tuple[str, ...] = ()
    via: str = ""  # the spec line that brought it in (itself, or the ``-r`` line naming its file)


@dataclass(frozen=True)
class PipSection:
    """What a ``pip:`` list asks for, with ``-r``/``-c`` files read in."""

    requirements: tuple[PipLine, ...] = ()
    constraints: tuple[PipLine, ...] = ()
    options: PipOptions = field(default_factory=PipOptions)
    files: tuple[Path, ...] = ()


def expand_env(text: str) -> str:
    """``${NAME}`` replaced by the environment variable's value (left as is when unset), as pip does.

    >>> os.environ["ENVTOOL_DOCTEST_TOKEN"] = "s3cret"
    >>> expand_env("https://u:${ENVTOOL_DOCTEST_TOKEN}@host/simple ${UNSET_ENVTOOL_X}")
    'https://u:s3cret@host/simple ${UNSET_ENVTOOL_X}'
    """
    return _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), text)


def read_pip_lines(lines: Sequence[tuple[str, str]], base: Path) -> PipSection:
    """Read ``(line, "file:line")`` pairs of a ``pip:`` list; relative paths are relative to ``base``."""
    return _Reader(base).read(lines, ())


class _Reader:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.requirements: list[PipLine] = []
        self.constraints: list[PipLine] = []
        self.options = PipOptions()
        self.files: list[Path] = []

    def read(self, lines: Sequence[tuple[str, str]], stack: tuple[Path, ...]) -> PipSection:
        for text, origin in lines:
            self._line(text, origin, stack, self.base, via=origin)
        return PipSection(tuple(self.requirements), tuple(self.constraints), self.options, tuple(self.files))

    def _line(
        self, raw: str, origin: str, stack: tuple[Path, ...], base: Path, *, via: str, constraint: bool = False
    ) -> None:
        line = _COMMENT.sub("", raw).strip()
        if not line:
            return
        if line.startswith("-"):
            self._option(line, origin, stack, base, via)
            return
        requirement, hashes = _split_hashes(line, origin)
        checked = _requirement(requirement, origin)
        (self.constraints if constraint else self.requirements).append(PipLine(checked, origin, hashes, via))

    def _option(self, line: str, origin: str, stack: tuple[Path, ...], base: Path, via: str) -> None:
        name, value = _option_parts(line, origin)
        if name in _REFUSED:
            raise SpecError(origin, f"pip line {line!r} cannot be locked", _REFUSED[name])
        if name in _NOOP:
            return
        if name in ("--requirement", "--constraint"):
            self._include(_need(name, value, origin), origin, stack, base, via, constraint=name == "--constraint")
        elif name == "--index-url":
            self.options = replace(self.options, index_url=_need(name, value, origin))
        elif name == "--extra-index-url":
            self.options = self.options.merged(PipOptions(extra_index_urls=(_need(name, value, origin),)))
        elif name == "--find-links":
            link = _need(name, value, origin)
            if "://" not in link:
                link = str((base / Path(link).expanduser()).resolve())
            self.options = self.options.merged(PipOptions(find_links=(link,)))
        elif name == "--trusted-host":
            self.options = self.options.merged(PipOptions(trusted_hosts=(_need(name, value, origin),)))
        elif name == "--no-index":
            self.options = replace(self.options, no_index=True)
        elif name == "--pre":
            self.options = replace(self.options, pre=True)
        else:
            raise SpecError(
                origin, f"unknown pip option {name!r} in {line!r}", "write options pip accepts in a requirements file"
            )

    def _include(
        self, name: str, origin: str, stack: tuple[Path, ...], base: Path, via: str, *, constraint: bool
    ) -> None:
        if "://" in name:
            raise SpecError(origin, f"remote requirements file {name!r}", "copy it beside the spec and name it by path")
        path = (base / Path(expand_env(name)).expanduser()).resolve()
        if path in stack:
            raise SpecError(origin, f"requirements file {name!r} includes itself", "remove the circular -r line")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(
                origin, f"cannot read requirements file {path} ({exc.strerror})", "fix the path (relative to the spec)"
            ) from None
        self.files.append(path)
        for number, line in _logical_lines(text):
            self._line(line, f"{path}:{number}", (*stack, path), path.parent, via=via, constraint=constraint)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with ``\\`` continuations joined, numbered by their first physical line."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not _COMMENT.search(raw):
            pending += raw[:-1] + " "
            continue
        out.append((start, pending + raw))
        pending = ""
    if pending:
        out.append((start, pending))
    return out


def _option_parts(line: str, origin: str) -> tuple[str, str | None]:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise SpecError(origin, f"cannot read pip line {line!r} ({exc})", "fix the quoting") from None
    head = words[0]
    name, sep, value = head.partition("=")
    if not sep and not head.startswith("--") and len(head) > 2:
        name, value = head[:2], head[2:]  # -ihttps://... as pip allows
    name = _ALIASES.get(name, name)
    if value:
        return name, value
    return name, " ".join(words[1:]) or None


def _need(name: str, value: str | None, origin: str) -> str:
    if not value:
        raise SpecError(origin, f"pip option {name} needs a value", f"write '{name} VALUE'")
    return value


def _split_hashes(line: str, origin: str) -> tuple[str, tuple[str, ...]]:
    match = re.search(r"\s--?[A-Za-z]", f" {line}")
    if match is None or match.start() == 0:
        return line, ()
    requirement, options = line[: match.start() - 1].strip(), line[match.start() - 1 :].strip()
    hashes: list[str] = []
    words = shlex.split(options)
    for index, word in enumerate(words):
        name, _, value = word.partition("=")
        if name == "--hash" and not value and index + 1 < len(words):
            value = words[index + 1]
        if name == "--hash":
            algorithm, _, digest = value.partition(":")
            if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise SpecError(
                    origin, f"unusable hash {value!r}", "give --hash=sha256:<64 hex digits>, the hash envtool locks"
                )
            hashes.append(digest)
        elif name.startswith(_BUILD_OPTIONS):
            raise SpecError(
                origin,
                f"build option {name} on {requirement!r}",
                "envtool locks wheels only, which are not built; remove it",
            )
        elif name.startswith("-"):
            raise SpecError(
                origin, f"unknown option {name} on {requirement!r}", "pip accepts --hash after a requirement"
            )
    return requirement, tuple(hashes)


def _requirement(text: str, origin: str) -> str:
    """Check one requirement can be locked; return it as written.

    Only the form is checked here (kept cheap: ``envtool check`` reads every spec);
    :func:`check_requirement` parses it fully before resolving.
    """
    if text.startswith(_VCS) or "://" in text.split("@", 1)[0] or _looks_like_path(text):
        return _unnamed(text, origin)
    _, at, url = text.partition("@")
    if at and "://" in url:
        _direct_url(url.split(";", 1)[0].strip(), text, origin)
    return text


def check_requirement(text: str, origin: str) -> None:
    """Parse a requirement as pip does (PEP 508); raise :class:`SpecError` naming ``origin`` if it is not one."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(expand_env(text))
    except InvalidRequirement as exc:
        raise SpecError(
            origin,
            f"invalid pip requirement {text!r} ({exc})",
            "write 'name', 'name==1.0' or 'name @ https://.../name-1.0-py3-none-any.whl'",
        ) from None


def _looks_like_path(text: str) -> bool:
    head = re.split(r"[@;\s]", text, maxsplit=1)[0]
    return (
        text.startswith((".", "/", "~", "\\"))
        or (len(text) > 1 and text[1] == ":")
        or "/" in head
        or "\\" in head
        or head.endswith((".whl", ".tar.gz", ".zip"))
    )


def _unnamed(text: str, origin: str) -> str:
    if text.startswith(_VCS):
        raise SpecError(
            origin,
            f"pip line {text!r} is a version-control checkout",
            "a checkout is built from source and cannot be locked by hash; publish a wheel and pin it",
        )
    if "://" in text and not text.startswith("file:"):
        _direct_url(text, text, origin)
        filename = text.split("#", 1)[0].rsplit("/", 1)[-1]
        raise SpecError(origin, f"direct URL {text!r} without a name", f"write '{filename.split('-', 1)[0]} @ {text}'")
    raise SpecError(
        origin,
        f"pip line {text!r} is a path on this machine",
        "no other machine has it: serve the wheel over https and write 'name @ URL', or list its folder with --find-links",
    )


def _direct_url(url: str, text: str, origin: str) -> None:
    path = url.split("#", 1)[0].split("?", 1)[0]
    if url.startswith(_VCS):
        _unnamed(url, origin)
    if url.startswith("file:"):
        _unnamed("./" + path.rsplit("/", 1)[-1], origin)
    if not path.endswith(".whl"):
        raise SpecError(origin, f"{text!r} is not a wheel", "envtool locks wheels only: point at a .whl file")
