"""Conda package names that differ from their PyPI project names.

Only Python packages matter (those whose conda record depends on ``python``);
for them the conda name is the PyPI name unless listed here. The table covers
the packages of the scientific and ML stack whose names differ.

>>> pypi_name("matplotlib-base"), pypi_name("pytorch"), pypi_name("numpy")
('matplotlib', 'torch', 'numpy')
"""

from __future__ import annotations

from envtool.model import normalize

CONDA_TO_PYPI: dict[str, str] = {
    "matplotlib-base": "matplotlib",
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "tensorflow-base": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "py-opencv": "opencv-python",
    "pyqt": "pyqt5",
    "pytables": "tables",
    "typing_extensions": "typing-extensions",
    "importlib_metadata": "importlib-metadata",
    "importlib_resources": "importlib-resources",
    "prompt_toolkit": "prompt-toolkit",
    "jupyter_core": "jupyter-core",
    "jupyter_client": "jupyter-client",
    "jupyter_server": "jupyter-server",
    "ruamel_yaml": "ruamel-yaml",
    "msgpack-python": "msgpack",
    "protobuf": "protobuf",
    "libprotobuf": "",  # C++ library, not the Python package
    "grpcio": "grpcio",
    "py-cpuinfo": "py-cpuinfo",
    "absl-py": "absl-py",
    "google-auth": "google-auth",
    "keras": "keras",
    "python-flatbuffers": "flatbuffers",
    "python-gflags": "python-gflags",
    "pyyaml": "pyyaml",
    "pywin32-on-windows": "",
    "brotli-python": "brotli",
    "brotlipy": "brotlipy",
    "pysocks": "pysocks",
}


def pypi_name(conda_name: str) -> str:
    """The PyPI project name for a conda Python package ('' when it has none)."""
    return normalize(CONDA_TO_PYPI.get(conda_name, conda_name))
