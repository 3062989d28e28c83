"""``envtool why``: the chains from the requested specs down to a package, shortest first, with file and line."""

from __future__ import annotations

from pathlib import Path

from envtool.locking.why import why
from tests.factories import channel_url, index_channel, make_conda_package
from tests.projects import envtool, tf_channel, wheels, write_project


def test_why_on_a_three_level_chain(tmp_path: Path) -> None:
    channel = tmp_path / "channel"
    make_conda_package(channel, "app", "1.0", "0", depends=["lib >=2"])
    make_conda_package(channel, "lib", "2.1", "0", depends=["core"])
    make_conda_package(channel, "core", "3.0", "h1", depends=["__glibc >=2.17"])
    make_conda_package(channel, "tool", "1.0", "0", depends=["core"])
    make_conda_package(channel, "alone", "1.0", "0")
    index_channel(channel)
    spec = f"name: w\nchannels:\n  - {channel_url(channel)}\ndependencies:\n  - app\n  # a second way in\n  - tool>=1\n  - alone\n"
    write_project(tmp_path, {"t": {"platform": "linux-64", "specs": ["w.yml"]}}, {"w.yml": spec})
    assert envtool("lock", cwd=tmp_path).returncode == 0

    done = envtool("why", "core", "--target", "t", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "core 3.0 h1 (conda) is in t's lock:",
        "  tool -> core    ['tool>=1' at environments/w.yml:7]",
        "  app -> lib -> core    ['app' at environments/w.yml:5]",
    ]
    missing = envtool("why", "nothere", "-t", "t", cwd=tmp_path)
    assert missing.returncode == 2
    assert (
        missing.stderr
        == "error: locks of t: 'nothere' is not in the lock; check the name (as in 'envtool diff' or the lock)\n"
    )


def test_why_in_the_pip_half_reads_the_environments_wheel_metadata(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    links = wheels(tmp_path)
    spec = {
        "name": "w",
        "channels": [channel_url(channel)],
        "dependencies": ["python=3.9", "numpy<2", "pip", {"pip": ["tinypkg"]}],
    }
    write_project(
        tmp_path,
        {"t": {"platform": "linux-64", "specs": ["w.yml"]}},
        {"w.yml": spec},
        pypi={"find-links": [str(links)]},
    )
    assert envtool("lock", cwd=tmp_path).returncode == 0
    before = why(tmp_path / "environments" / "targets.yml", "t", "tinydep", tmp_path / "no-env")
    assert before.chains == ()
    assert before.note.startswith("the lock records no pip dependencies, and no environment of the target was found")
    assert envtool("create", "t", cwd=tmp_path).returncode == 0
    after = envtool("why", "tinydep", "-t", "t", cwd=tmp_path)
    assert after.stdout.splitlines() == [
        "tinydep 1.1 (pip) is in t's lock:",
        "  tinypkg -> tinydep    ['tinypkg' at environments/w.yml:9]",
    ]
