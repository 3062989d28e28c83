"""A CycloneDX SBOM of a lock: every conda and PyPI package with its purl, hashes and download URL.

Written with ``cyclonedx-python-lib`` as CycloneDX 1.6 JSON, which grype and
trivy read. The document is deterministic: its serial number is derived from
the lock's digest and it carries no timestamp, so the same lock always gives
the same bytes (and an image can carry the SBOM's digest as a label).

>>> from envtool.model import CondaPackage, PipPackage, TargetLock
>>> zlib = CondaPackage("zlib", "1.2.13", "h166bdaf_4",
...     "https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-h166bdaf_4.tar.bz2", "65d3" * 8)
>>> conda_purl(zlib)
'pkg:conda/zlib@1.2.13?build=h166bdaf_4&channel=conda-forge&subdir=linux-64&type=tar.bz2'
>>> pypi_purl(PipPackage("Keras_Preprocessing", "1.1.2", "https://x/k.whl", "ab" * 32))
'pkg:pypi/keras-preprocessing@1.1.2'
"""

from __future__ import annotations

import re
import uuid
from importlib import metadata
from typing import TYPE_CHECKING, Any

from envtool.inputs.mirrors import CHANNEL_ALIAS
from envtool.model import CondaPackage, PipPackage, TargetLock, normalize

if TYPE_CHECKING:
    from cyclonedx.model.component import Component

#: Where images carry the SBOM.
IMAGE_SBOM_PATH = "/opt/envtool/sbom.cdx.json"


def conda_purl(package: CondaPackage) -> str:
    """The package URL (purl-spec ``conda`` type) of a locked conda package."""
    from packageurl import PackageURL

    channel = package.channel
    if channel.startswith(CHANNEL_ALIAS + "/"):
        channel = channel[len(CHANNEL_ALIAS) + 1 :]
    kind = "conda" if package.filename.endswith(".conda") else "tar.bz2"
    qualifiers = {"build": package.build, "channel": channel, "subdir": package.subdir, "type": kind}
    return str(PackageURL(type="conda", name=package.name, version=package.version, qualifiers=qualifiers))


def pypi_purl(package: PipPackage) -> str:
    """The package URL (purl-spec ``pypi`` type: normalized, lower-case name) of a locked wheel."""
    from packageurl import PackageURL

    return str(PackageURL(type="pypi", name=normalize(package.name), version=package.version))


def render_sbom(lock: TargetLock, lock_digest: str) -> str:
    """The CycloneDX 1.6 JSON document for ``lock``; ``lock_digest`` is its lock file's body digest."""
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6

    subject = Component(
        type=ComponentType.APPLICATION,
        name=lock.target,
        bom_ref=f"envtool-target:{lock.target}",
        description=f"the locked environment of target {lock.target} ({lock.platform})",
        properties=[
            Property(name="envtool:platform", value=lock.platform),
            Property(name="envtool:lock-body-sha256", value=lock_digest),
            *([Property(name="envtool:input-hash", value=lock.input_hash)] if lock.input_hash else []),
        ],
    )
    tool = Component(type=ComponentType.APPLICATION, name="envtool", version=envtool_version())
    meta = BomMetaData(component=subject)
    meta.tools.components.add(tool)
    meta.timestamp = None  # type: ignore[assignment]  # deterministic: the same lock, the same bytes
    components = [_conda_component(p) for p in lock.conda] + [_pip_component(p) for p in lock.pip]
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"envtool:{lock.target}:{lock_digest}"),
        metadata=meta,
        components=components,
    )
    _register_dependencies(bom, subject, lock, components)
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _register_dependencies(bom: Any, subject: Component, lock: TargetLock, components: list[Component]) -> None:
    """The environment depends on every package; each package on the locked packages its ``depends`` name.

    Built as ``Dependency`` objects directly: ``Bom.register_dependency``
    searches the graph on every call, quadratic for a TensorFlow lock.
    """
    from cyclonedx.model.dependency import Dependency

    graph = [Dependency(ref=subject.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in components])]
    packages: list[CondaPackage | PipPackage] = [*lock.conda, *lock.pip]
    by_name = {normalize(p.name): c for p, c in zip(packages, components, strict=True)}
    for package, component in zip(packages, components, strict=True):
        names = {normalize(re.split(r"[\s<>=!~;\[(]", dep.strip(), maxsplit=1)[0]) for dep in package.depends}
        found = [by_name[name] for name in sorted(names) if name in by_name and by_name[name] is not component]
        graph.append(Dependency(ref=component.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in found]))
    bom.dependencies.update(graph)


def _conda_component(package: CondaPackage) -> Component:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, XsUri
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    hashes = [HashType(alg=HashAlgorithm.MD5, content=package.md5)] if package.md5 else []
    if package.sha256:
        hashes.append(HashType(alg=HashAlgorithm.SHA_256, content=package.sha256))
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version,
        bom_ref=f"conda:{package.subdir}/{package.filename}",
        purl=PackageURL.from_string(conda_purl(package)),
        hashes=hashes,
        external_references=[ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(package.url))],
    )


def _pip_component(package: PipPackage) -> Component:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, XsUri
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    return Component(
        type=ComponentType.LIBRARY,
        name=normalize(package.name),
        version=package.version,
        bom_ref=f"pypi:{package.filename}",
        purl=PackageURL.from_string(pypi_purl(package)),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=package.sha256)],
        external_references=[ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(package.url))],
    )


def envtool_version() -> str:
    """The installed envtool's version (``unknown`` when run from copied sources)."""
    try:
        return metadata.version("envtool")
    except metadata.PackageNotFoundError:  # sources copied into an image's build stage
        return "unknown"
