"""Lock files: the formats envtool writes and reads, each in one module.

:mod:`.header` is the generated-file header (body digest; per target: input
hash, fingerprints and input-file digests); :mod:`.conda_lock` is conda-lock's
v1 group file, byte for byte as conda-lock writes it but without importing it;
:mod:`.yamltext` lays out its YAML as PyYAML would; :mod:`.toposort` orders
packages as conda does; :mod:`.env_file` the ``<target>.yml`` that
``conda env create -f`` reads; :mod:`.explicit` the ``@EXPLICIT`` file;
:mod:`.read` reads any of them into :class:`~envtool.model.TargetLock`;
:mod:`.folder` reads every lock of a folder, or of a git revision of it.
Imports :mod:`envtool.inputs` and the bottom floor only.
"""
