"""Input fingerprints: which inputs changed, added and removed ones included."""

from __future__ import annotations

import hashlib

from envtool.inputs.fingerprint import Fingerprint

OLD = Fingerprint(
    {"target gpu": "1" * 12, "spec environments/base.yml": "2" * 12, "spec environments/gpu.yml": "3" * 12}
)


def test_changed_added_and_removed_inputs_are_all_named_in_order() -> None:
    new = Fingerprint({"target gpu": "9" * 12, "spec environments/base.yml": "2" * 12, "channels": "4" * 12})
    assert new.changed(OLD) == ["target gpu", "channels", "spec environments/gpu.yml"]
    assert OLD.changed(new) == ["target gpu", "spec environments/gpu.yml", "channels"]


def test_a_removed_input_alone_is_a_change() -> None:
    fewer = Fingerprint({k: v for k, v in OLD.inputs.items() if k != "spec environments/gpu.yml"})
    assert fewer.changed(OLD) == ["spec environments/gpu.yml"]
    assert fewer.digest != OLD.digest


def test_the_digest_depends_on_content_not_order() -> None:
    same = Fingerprint(dict(reversed(list(OLD.inputs.items()))))
    assert same.digest == OLD.digest and same.changed(OLD) == []
    # the digest is sha256 over the sorted (label, digest) pairs as compact JSON
    assert Fingerprint({"b": "2", "a": "1"}).digest == hashlib.sha256(b'[["a","1"],["b","2"]]').hexdigest()
