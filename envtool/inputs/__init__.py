"""Inputs: what the user declares and configures, read strictly and fingerprinted.

Owns the ``environment.yml`` specs (:mod:`.spec`), the targets manifest
``environments/targets.yml`` (:mod:`.targets`), the per-input fingerprints that
make a lock stale (:mod:`.fingerprint`) and mirrors/configuration
(:mod:`.mirrors`). Imports only the bottom floor (``envtool.errors``,
``envtool.model``, ``envtool.yamlio``, ``envtool.tomlio``, ...).
"""
