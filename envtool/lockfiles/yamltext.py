"""Block-style YAML text for plain data, laid out exactly as PyYAML's ``yaml.dump`` lays it out.

conda-lock writes its files with ``yaml.dump(data, sort_keys=False)``; envtool
writes the same bytes without importing PyYAML or building the text event by
event, which was most of a lock's rendering time. The layout is PyYAML's
default: two-space indentation, sequences inside mappings not indented, lines
folded at spaces past column 80, ``{}``/``[]`` for empty collections, and each
string plain unless YAML 1.1 would read it as something else (a number, a
date, a boolean) or it starts with an indicator, then single-quoted.

Only what a lock holds is supported (mappings, lists, strings, booleans,
integers, printable ASCII); :func:`dump` returns ``None`` for anything else,
and the caller falls back to PyYAML. ``tests/lockfiles/test_yamltext.py``
checks both against PyYAML.

>>> print(dump({"version": 1, "a": {"b": ["1.0", ">=2", "x y"], "c": {}}, "d": False}), end="")
version: 1
a:
  b:
  - '1.0'
  - '>=2'
  - x y
  c: {}
d: false
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

WIDTH = 80

# YAML 1.1 implicit types (yaml.org/type): a plain scalar matching one is not read as a string.
_IMPLICIT = re.compile(
    r"""(?:
        yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF   # bool
      | ~|null|Null|NULL                                                             # null
      | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
      | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+                                           # int
      | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)  # float
      | [0-9]{4}-[0-9]{2}-[0-9]{2}
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?                                # timestamp
      | <<|=|!|&|\*                                                                  # merge, value, yaml
    )""",
    re.VERBOSE,
)
# The first characters of every implicit form above; other texts need no regex match.
_IMPLICIT_FIRST = frozenset("yYnNtTfFoO~0123456789+-.<=!&*")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


class Unsupported(Exception):
    """A value this writer does not lay out (the caller falls back to PyYAML)."""


def dump(data: Mapping[str, object]) -> str | None:
    """``data`` as PyYAML's ``yaml.dump(data, sort_keys=False)`` writes it, or ``None`` if unsupported."""
    lines: list[str] = []
    try:
        _mapping(data, 0, "", lines)
    except Unsupported:
        return None
    return "\n".join(lines) + "\n"


def _mapping(data: Mapping[str, object], indent: int, first: str, lines: list[str]) -> None:
    """Lines of a block mapping at ``indent``; ``first`` prefixes its first line (``- `` in a list)."""
    pad = " " * indent
    keys, texts = _KEYS, _UNFOLDED
    for number, (key, value) in enumerate(data.items()):
        head = (pad if number else first) + (keys.get(key) or _key(key)) + ":"
        if isinstance(value, str):  # most values: the fast path
            lines.append(f"{head} {texts.get(value) or _scalar(value, len(head) + 1, indent + 2)}")
        elif isinstance(value, Mapping) and value:
            lines.append(head)
            _mapping(value, indent + 2, pad + "  ", lines)
        elif isinstance(value, list) and value:
            lines.append(head)
            _sequence(value, indent, lines)
        else:
            lines.append(f"{head} {_leaf(value, len(head) + 1, indent + 2)}")


def _sequence(items: Sequence[object], indent: int, lines: list[str]) -> None:
    """Lines of a block sequence whose dashes stand at ``indent``."""
    dash = " " * indent + "- "
    for item in items:
        if isinstance(item, Mapping) and item:
            _mapping(item, indent + 2, dash, lines)
        elif isinstance(item, list) and item:
            raise Unsupported(item)
        else:
            lines.append(dash + _leaf(item, indent + 2, indent + 2))


def _leaf(value: object, column: int, indent: int) -> str:
    if isinstance(value, str):
        return _scalar(value, column, indent)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    raise Unsupported(value)


_KEYS: dict[str, str] = {}


def _key(text: object) -> str:
    cached = _KEYS.get(text) if isinstance(text, str) else None
    if cached is not None:
        return cached
    if not isinstance(text, str) or not text or len(text) > 128 or not _printable(text) or not _plain(text):
        raise Unsupported(text)  # quoted and long keys are laid out differently
    _KEYS[text] = text
    return text


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _plain(text: str) -> bool:
    """Whether PyYAML writes ``text`` (non-empty, printable ASCII) as a plain scalar in block context."""
    first = text[0]
    if first in _FIRST_INDICATORS or first == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if first in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    if ": " in text or " #" in text or text[-1] == ":":
        return False
    return not (first in _IMPLICIT_FIRST and _IMPLICIT.fullmatch(text))


_UNFOLDED: dict[str, str] = {}  # texts without spaces, whose layout does not depend on the column


def _scalar(text: str, column: int, indent: int) -> str:
    """``text`` starting at ``column``, folded at spaces past the width onto lines indented by ``indent``."""
    known = _UNFOLDED.get(text)
    if known is not None:
        return known
    if not text:
        return "''"
    if not _printable(text):
        raise Unsupported(text)  # PyYAML double-quotes these, with escapes
    if " " not in text:
        written = text if _plain(text) else "'" + text.replace("'", "''") + "'"
        _UNFOLDED[text] = written
        return written
    if _plain(text):
        return _fold(text, column, indent, quoted=False)
    return "'" + _fold(text.replace("'", "''"), column + 1, indent, quoted=True) + "'"


def _fold(text: str, column: int, indent: int, *, quoted: bool) -> str:
    """Break at single spaces once the line is past the width, as PyYAML's emitter does.

    A run of several spaces never breaks; a quoted scalar never breaks at its first or last character.
    """
    if " " not in text:
        return text
    out: list[str] = []
    words = text.split(" ")
    at = 0  # index in ``text`` of the space before the current word
    for number, word in enumerate(words):
        if number:
            single = word != "" and words[number - 1] != ""
            edge = quoted and (at == 0 or at + 1 == len(text))
            if single and not edge and column > WIDTH:
                out.append("\n" + " " * indent)
                column = indent
            else:
                out.append(" ")
                column += 1
            at += 1
        out.append(word)
        column += len(word)
        at += len(word)
    return "".join(out)
