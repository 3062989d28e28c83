"""Inputs: what the user declares and configures, read strictly and fingerprinted.

Owns the ``environment.yml`` specs (:mod:`.spec`) and their ``pip:`` lists
read as pip reads a requirements file (:mod:`.pip_section`), the targets manifest
``environments/targets.yml`` (:mod:`.targets`), the per-input fingerprints that
make a lock stale (:mod:`.fingerprint`) and mirrors/configuration
(:mod:`.mirrors`); :mod:`.edit` edits spec files in place (round-trip). Imports only the bottom floor (``envtool.errors``,
``envtool.model``, ``envtool.yamlio``, ``envtool.tomlio``, ...).
"""
