"""Container images and SBOMs from locks: a lock in, a Dockerfile, compose file and CycloneDX SBOM out.

:mod:`.context` writes an image's build context for one target (the
Dockerfile from :mod:`.dockerfile`, the lock files, envtool's own sources for
the build stage, the SBOM from :mod:`.sbom`, an optional compose file from
:mod:`.compose`); :mod:`.build` runs docker or podman on it. The image's build
stage runs ``envtool create`` on the lock, so every package is checked against
its hash inside the build, through the mirrors given as build arguments.
Imports :mod:`envtool.env`, :mod:`envtool.lockfiles` and the floors below.
"""
