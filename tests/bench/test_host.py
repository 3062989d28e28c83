"""Facts about the host: the parsers, and this host's own facts."""

from __future__ import annotations

import json

from envtool.bench.host import CpuInfo, collect_host_facts, parse_cpuinfo, parse_meminfo, parse_nvidia_smi


def test_host_fact_parsers() -> None:
    cpu = parse_cpuinfo("model name\t: Intel Xeon\nflags\t\t: fpu avx2 fma avx512f avx512_vnni\n")
    assert cpu == CpuInfo("Intel Xeon", ("avx2", "fma", "avx512f", "avx512_vnni"))
    assert parse_meminfo("MemFree: 3 kB\n") is None
    gpus = parse_nvidia_smi("Tesla T4, 535.1, 15360 MiB\nNVIDIA A100, 535.1, [N/A]\n\n")
    assert [(g.name, g.memory_mib) for g in gpus] == [("Tesla T4", 15360), ("NVIDIA A100", None)]


def test_collect_host_facts_here() -> None:
    facts = collect_host_facts({"TF_ENABLE_ONEDNN_OPTS": "0", "HOME": "/root"})
    assert facts.cpus_usable >= 1 and facts.hostname
    assert facts.env == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    json.dumps(facts.to_json())
