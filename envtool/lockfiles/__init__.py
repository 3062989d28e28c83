"""Lock files: the formats envtool writes and reads, each in one module.

:mod:`.header` is the generated-file header (per target: input hash and
fingerprints); :mod:`.conda_lock` is conda-lock's v1 group file (written and
read through conda-lock's models); :mod:`.env_file` the ``<target>.yml`` that
``conda env create -f`` reads; :mod:`.explicit` the ``@EXPLICIT`` file;
:mod:`.read` reads any of them into :class:`~envtool.model.TargetLock`.
Imports :mod:`envtool.inputs` and the bottom floor only.
"""
