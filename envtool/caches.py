"""Where envtool caches repodata and conda packages.

``$ENVTOOL_CACHE_DIR`` (repodata under it, packages in ``pkgs/``) when set,
else rattler's own default package cache (``$RATTLER_CACHE_DIR/pkgs`` or the
platform's user cache folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CACHE_ENV_VAR = "ENVTOOL_CACHE_DIR"


def cache_root(explicit: Path | None = None) -> Path | None:
    """Envtool's cache root: ``explicit``, else ``$ENVTOOL_CACHE_DIR``, else ``None`` (defaults)."""
    if explicit is not None:
        return explicit
    value = os.environ.get(CACHE_ENV_VAR)
    return Path(value) if value else None


def envtool_cache_dir() -> Path:
    """Envtool's own small caches: ``$ENVTOOL_CACHE_DIR``, else ``envtool`` in the user's cache folder."""
    return cache_root() or _user_cache() / "envtool"


def package_cache_dir(root: Path | None) -> Path:
    """Where conda packages are cached: ``<root>/pkgs``, else rattler's default package cache."""
    if root is not None:
        return root / "pkgs"
    if os.environ.get("RATTLER_CACHE_DIR"):
        return Path(os.environ["RATTLER_CACHE_DIR"]) / "pkgs"
    return _user_cache() / "rattler" / "cache" / "pkgs"


def _user_cache() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base
