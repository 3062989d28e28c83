"""URL helpers shared by the stages."""

from __future__ import annotations

from pathlib import Path


def local_path(url: str) -> Path:
    """The file a ``file://`` URL names.

    >>> local_path("file:///srv/chan/noarch/a%20b-1-0.conda").as_posix()
    '/srv/chan/noarch/a b-1-0.conda'
    """
    from urllib.parse import urlparse
    from urllib.request import url2pathname  # imports http.client, email...: only when needed

    return Path(url2pathname(urlparse(url).path))
