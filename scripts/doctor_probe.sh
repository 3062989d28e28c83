#!/bin/sh
# envtool doctor's host probes on a bare machine: only this repository and a Python 3.10+ (see doctor_probe.py).
exec "${PYTHON:-python3}" "$(dirname "$0")/doctor_probe.py" "$@"
