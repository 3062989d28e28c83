"""The one error hierarchy of envtool.

Library code raises these; only the CLI turns them into a message and an exit
code. Every message names the file, the offending value and the fix.

Exit codes (documented in README.md):

* 0: success
* 1: a check failed (stale lock, environment differs from its lock, benchmark regression)
* 2: bad input (spec, manifest, lock, command line, unsatisfiable spec, unreachable channel,
  a file or folder of ours that cannot be read or written: read-only, full disk, not a folder, not text)
* 70: internal error, a bug in envtool (``EX_SOFTWARE``); ``envtool -v`` shows the traceback
* 128 + signal: interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP); nothing was changed

>>> err = SpecError("environments/base.yml", "unknown key 'dependancies'", "did you mean 'dependencies'?")
>>> str(err)
"environments/base.yml: unknown key 'dependancies'; did you mean 'dependencies'?"
>>> err.exit_code
2
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class EnvtoolError(Exception):
    """Base of every error envtool raises on purpose.

    ``where`` is the file (or URL, or target) the problem is in, ``what`` the
    offending value, ``fix`` what the user should do. ``str()`` is the one-line
    message the CLI prints.
    """

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, where: str, what: str, fix: str = "") -> None:
        self.where = where
        self.what = what
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text}; {self.fix}" if self.fix else text


class SpecError(EnvtoolError):
    """An environment spec (``environment.yml``) is malformed or invalid."""


class ManifestError(EnvtoolError):
    """The target manifest (``environments/targets.yml``) is malformed or invalid."""


class ConfigError(EnvtoolError):
    """Configuration or a command-line value (mirror, target name) is invalid."""


class ChannelError(EnvtoolError):
    """A channel or mirror could not be read."""


class SolveError(EnvtoolError):
    """The conda half of a target cannot be satisfied."""


class PypiError(EnvtoolError):
    """The pip half of a target cannot be resolved."""


class LockFormatError(EnvtoolError):
    """A lock file is unreadable, of an unknown version, or lacks what is needed."""


class InstallError(EnvtoolError):
    """An environment could not be created; the destination is left as it was."""


class HashMismatchError(InstallError):
    """A downloaded file does not match the hash recorded in the lock."""


class BenchError(EnvtoolError):
    """The benchmark suite could not run, or a results file is unreadable."""


class ImageError(EnvtoolError):
    """A container image cannot be generated or built for a target (platform, variant, builder)."""


class CheckFailed(EnvtoolError):
    """A check ran and found a difference: stale lock, drifted environment, regression."""

    exit_code = EXIT_CHECK_FAILED


class FileAccessError(EnvtoolError):
    """A file or folder envtool reads or writes cannot be used: permissions, full disk, wrong kind, not text."""


_ERRNO_FIXES = {
    "EACCES": "make it writable (or readable) for you, or work in a copy you own",
    "EPERM": "make it writable (or readable) for you, or work in a copy you own",
    "EROFS": "the file system is read-only; work in a writable copy",
    "ENOSPC": "free some space, then retry",
    "EDQUOT": "free some space (disk quota exceeded), then retry",
    "ENOTDIR": "a file stands where a folder is expected; move it away",
    "EEXIST": "a file stands where a folder is expected; move it away",
    "EISDIR": "a folder stands where a file is expected; move it away",
    "ENOENT": "check the path",
}


def file_error(exc: OSError | UnicodeDecodeError, path: object = None) -> FileAccessError:
    """One :class:`FileAccessError` for an operating-system or decoding error on ``path``.

    >>> import errno
    >>> str(file_error(OSError(errno.EROFS, "Read-only file system", "locks/a.yml")))
    'locks/a.yml: Read-only file system; the file system is read-only; work in a writable copy'
    >>> str(file_error(UnicodeDecodeError("utf-8", b"\\xff", 0, 1, "invalid start byte"), "locks/a.yml"))
    'locks/a.yml: not UTF-8 text (invalid start byte at byte 0); restore it from version control or re-create it'
    """
    import errno

    if isinstance(exc, UnicodeDecodeError):
        return FileAccessError(
            str(path or "<file>"),
            f"not UTF-8 text ({exc.reason} at byte {exc.start})",
            "restore it from version control or re-create it",
        )
    named = str(exc.filename) if exc.filename else ""
    # the folder itself when that is what failed (``locks`` is a file, say), else the file we meant
    where = named if named and (path is None or str(path).startswith(named)) else str(path or named or "<file>")
    name = errno.errorcode.get(exc.errno or 0, "")
    fix = _ERRNO_FIXES.get(name, "check the path and its permissions")
    return FileAccessError(where, exc.strerror or str(exc), fix)
