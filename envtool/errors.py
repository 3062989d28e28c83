"""The one error hierarchy of envtool.

Library code raises these; only the CLI turns them into a message and an exit
code. Every message names the file, the offending value and the fix.

Exit codes (documented in README.md):

* 0: success
* 1: a check failed (stale lock, environment differs from its lock, benchmark regression)
* 2: bad input (spec, manifest, lock, command line, unsatisfiable spec, unreachable channel)
* 130: interrupted

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


class CheckFailed(EnvtoolError):
    """A check ran and found a difference: stale lock, drifted environment, regression."""

    exit_code = EXIT_CHECK_FAILED
