"""Reading TOML on every supported Python (tomllib from 3.11, tomli before).

>>> loads('a = 1')
{'a': 1}
"""

from __future__ import annotations

import sys
from typing import Any


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text; raises ``ValueError`` (tomllib's TOMLDecodeError) on bad input."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    data: dict[str, Any] = tomllib.loads(text)
    return data
