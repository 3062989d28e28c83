"""URL helpers shared by the stages: local paths, and keeping credentials out of files and messages.

A channel, mirror or index URL may carry credentials (``https://user:secret@host/...``,
or anaconda.org's ``/t/<token>/`` path segment). They are used, in memory, for
the run that was given them; they are never written to a lock, a header, JSON
output or a message. :func:`strip_credentials` removes them (what a lock
records), :func:`redact` masks them (what a message shows), and
:func:`redact_text` masks every URL inside a longer text such as a tool's
error output.

>>> strip_credentials("https://user:secret@conda.example.org/t/tk-123/chan/noarch/a-1-0.conda")
'https://conda.example.org/chan/noarch/a-1-0.conda'
>>> redact("https://user:secret@conda.example.org/t/tk-123/chan")
'https://***@conda.example.org/t/***/chan'
>>> redact_text("failed: https://u:p@h.example/simple/ and http://127.0.0.1:8/x")
'failed: https://***@h.example/simple/ and http://127.0.0.1:8/x'
"""

from __future__ import annotations

import re
from pathlib import Path

# scheme://[userinfo@]rest; userinfo is everything up to the last '@' before the path
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/@\s]*@)")
_TOKEN = re.compile(r"/t/(?P<token>[^/\s]+)(?=/|$|\s)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()]+")


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries user-info or a ``/t/<token>/`` segment.

    >>> has_credentials("https://conda.anaconda.org/conda-forge"), has_credentials("https://a:b@h/c")
    (False, True)
    """
    return strip_credentials(url) != url


def strip_credentials(url: str) -> str:
    """``url`` without user-info and without anaconda.org-style ``/t/<token>`` segments."""
    if "://" not in url:
        return url
    url = _USERINFO.sub(lambda m: m.group("scheme"), url, count=1)
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{_TOKEN.sub('', rest)}"


def redact(url: str) -> str:
    """``url`` with its credentials masked as ``***``, for messages (the host stays visible)."""
    if "://" not in url:
        return url
    url = _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", url, count=1)
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{_TOKEN.sub('/t/***', rest)}"


def redact_text(text: str) -> str:
    """Every URL in ``text`` redacted (see :func:`redact`)."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact(m.group(0)), text)


def local_path(url: str) -> Path:
    """The file a ``file://`` URL names.

    >>> local_path("file:///srv/chan/noarch/a%20b-1-0.conda").as_posix()
    '/srv/chan/noarch/a b-1-0.conda'
    """
    from urllib.parse import urlparse
    from urllib.request import url2pathname  # imports http.client, email...: only when needed

    return Path(url2pathname(urlparse(url).path))
