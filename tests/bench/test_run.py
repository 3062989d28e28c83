"""``envtool bench`` and the TF suite's decisions, without TensorFlow or a GPU.

The suite's pure helpers (``benchmarks/tf/tfbench.py``: placement check, GPU
skip reasons, mixed-precision plan, peak table) are loaded from their file; the
report, comparison, plot and host facts are fed synthetic pytest-benchmark
JSON; and the CLI runs end to end on a one-test fake suite in ``tmp_path``,
with this venv's Python standing in for the environment's.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from envtool.bench.host import CpuInfo, HostFacts, collect_host_facts, parse_cpuinfo, parse_meminfo, parse_nvidia_smi
from envtool.bench.plot import plot_panels, plot_unavailable, write_plot
from envtool.bench.report import ReportContext, envtool_section, markdown_report, tf_facts
from envtool.bench.results import BenchError, compare_results, load_results, parse_results, speedups, workload_name
from envtool.bench.run import BenchRequest, command_line
from envtool.bench.suite import SuiteRun, group_skips, parse_counts, parse_skips, suite_command
from envtool.bench.target import label_for_python, resolve_python
from envtool.cli import cli
from envtool.env.locate import default_prefix
from envtool.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, ConfigError
from tests.bench.envs import lock, prefix_for, write_lock
from tests.projects import envtool

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "benchmarks" / "tf"
CUDA_BUILD = {"is_cuda_build": True, "cuda_version": "11.2", "cudnn_version": "8"}


@pytest.fixture(scope="module")
def tfbench() -> ModuleType:
    """The suite's pure helper module, loaded from its file (it is not a package)."""
    spec = importlib.util.spec_from_file_location("tfbench", SUITE / "tfbench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tfbench"] = module
    spec.loader.exec_module(module)
    return module


def entry(name: str, median: float, **extra: Any) -> dict[str, Any]:
    """A pytest-benchmark JSON entry as the TF suite writes it."""
    device = "gpu" if "[gpu" in name else "cpu"
    params: dict[str, Any] = {"device": device}
    if "-" in name:
        params["size"] = int(name.split("-", 1)[1].rstrip("]"))
    data = [median * factor for factor in (0.9, 0.95, 1.0, 1.05, 1.1)]
    stats = {"median": median, "mean": median * 1.05, "stddev": median / 10, "rounds": 5, "data": data}
    info = {
        "device": device,
        "ran_on": f"/job:localhost/replica:0/task:0/device:{device.upper()}:0",
    }
    return {"name": name, "params": params, "stats": stats, "extra_info": {**info, **extra}}


def synthetic() -> dict[str, Any]:
    """A CPU + GPU run: matmul with references, a fit without, and facts the suite records."""
    facts = {"tf_version": "2.9.3", "cuda_version": "11.2", "cudnn_version": "8", "python": "3.9"}
    gflops = {"throughput_unit": "GFLOP/s"}
    return {
        "machine_info": {"node": "gpu01"},
        "benchmarks": [
            entry("test_matmul[cpu-1024]", 0.005, **facts, **gflops, throughput=429.5,
                  reference="numpy.matmul", reference_throughput=350.0, ratio=1.227, paired_ratio=1.31,
                  paired_ratio_min=1.1, paired_ratio_max=1.4, paired_rounds=5),
            entry("test_matmul[gpu-1024]", 0.0001, **facts, **gflops, throughput=21474.8,
                  reference="fp32 peak", reference_throughput=67000.0, ratio=0.321,
                  gpu_name="NVIDIA H100 80GB HBM3"),
            entry("test_keras_fit[cpu]", 0.05, throughput=1280.0, throughput_unit="steps/s"),
        ],
    }  # fmt: skip


def host() -> HostFacts:
    return HostFacts(
        "gpu01", "Linux", "6.1", "x86_64", CpuInfo("AMD EPYC", ("avx2", "avx512f")), 2, 24576,
        parse_nvidia_smi("NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB"), {"OMP_NUM_THREADS": "2"},
    )  # fmt: skip


def context(run: SuiteRun, data: dict[str, Any]) -> ReportContext:
    return ReportContext(
        label="linux-gpu", command="envtool bench linux-gpu", when="2026-11-26T07:00:00+00:00",
        python="/p/.envtool/envs/linux-gpu/bin/python", suite="/p/benchmarks/tf", device="all",
        host=host(), run=run, tf=tf_facts(data), threshold=0.10,
    )  # fmt: skip


# --- the suite's decisions (benchmarks/tf/tfbench.py) -------------------------------------


def test_tfbench_doctests_pass(tfbench: ModuleType) -> None:
    failed, attempted = doctest.testmod(tfbench, optionflags=doctest.ELLIPSIS)
    assert attempted > 20 and failed == 0


def test_gpu_variant_fails_when_an_op_fell_back_to_the_cpu(tfbench: ModuleType) -> None:
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    gpu = "/job:localhost/replica:0/task:0/device:GPU:0"
    assert tfbench.check_placement("gpu", gpu) == gpu
    assert tfbench.check_placement("cpu", cpu) == cpu
    with pytest.raises(tfbench.PlacementError, match="fell back to the CPU"):
        tfbench.check_placement("gpu", cpu)
    with pytest.raises(tfbench.PlacementError, match=r"ran on .*GPU:0"):
        tfbench.check_placement("cpu", gpu)
    with pytest.raises(AssertionError, match="unknown"):  # PlacementError fails a pytest test
        tfbench.check_placement("gpu", "")


@pytest.mark.parametrize(
    ("gpus", "build", "env", "expected"),
    [
        (["/physical_device:GPU:0"], CUDA_BUILD, {}, None),
        ([], {"is_cuda_build": False}, {}, "CPU-only build"),
        ([], CUDA_BUILD, {"CUDA_VISIBLE_DEVICES": ""}, "CUDA_VISIBLE_DEVICES='' hides every GPU"),
        ([], CUDA_BUILD, {}, "built for CUDA 11.2, cuDNN 8): check the driver with nvidia-smi"),
    ],
)
def test_gpu_skip_reasons(
    tfbench: ModuleType, gpus: list[str], build: dict[str, Any], env: dict[str, str], expected: str
) -> None:
    reason = tfbench.gpu_skip_reason(gpus, build, env)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason and reason.startswith("no GPU")


def test_device_selection_and_names(tfbench: ModuleType) -> None:
    assert tfbench.selected_devices("all") == ("cpu", "gpu")
    assert tfbench.selected_devices("cpu") == ("cpu",)
    with pytest.raises(ValueError, match="--tf-device"):
        tfbench.selected_devices("both")
    assert tfbench.device_kind("/job:localhost/replica:0/task:0/device:XLA_GPU:0") == "gpu"


@pytest.mark.parametrize(
    ("name", "peak"),
    [
        ("NVIDIA H100 80GB HBM3", 67.0),
        ("NVIDIA H100 PCIe", 51.2),
        ("NVIDIA A100-SXM4-40GB", 19.5),
        ("Tesla V100-SXM2-16GB", 15.7),
        ("Tesla T4", 8.1),
        ("NVIDIA L4", 30.3),
        ("NVIDIA L40S", 91.6),
        ("NVIDIA GeForce GT 710", None),
    ],
)
def test_known_gpu_peaks(tfbench: ModuleType, name: str, peak: float | None) -> None:
    assert tfbench.peak_fp32_tflops(name) == peak


def test_ratio_to_peak_and_reference(tfbench: ModuleType) -> None:
    mine = tfbench.gflops(tfbench.matmul_flops(4096), 0.004)
    assert mine == pytest.approx(34359.74, rel=1e-4)
    assert tfbench.ratio(mine, tfbench.peak_fp32_tflops("A100") * 1000) == pytest.approx(1.762)
    assert tfbench.ratio(mine, None) is None


def test_mixed_precision_plan(tfbench: ModuleType) -> None:
    assert tfbench.mixed_precision_plan("gpu", (7, 0), [])[0] == "mixed_float16"
    assert tfbench.mixed_precision_plan("gpu", (6, 0), [])[0] is None
    assert tfbench.mixed_precision_plan("gpu", None, ["avx512_bf16"])[0] is None
    assert tfbench.mixed_precision_plan("cpu", None, ["amx_bf16"])[0] == "mixed_bfloat16"
    policy, why = tfbench.mixed_precision_plan("cpu", None, ["avx2"])
    assert policy is None and "emulated" in why


def test_cpu_features_and_onednn(tfbench: ModuleType) -> None:
    info = tfbench.cpu_features(
        "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: sse4_2 avx avx2 fma avx512f amx_tile\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: sse\n"
    )
    assert info == {
        "model": "Xeon",
        "flags": ["sse4_2", "avx", "avx2", "fma", "avx512f", "amx_tile"],
    }
    assert tfbench.onednn_state({"TF_ENABLE_ONEDNN_OPTS": "1"}, []) == "on (TF_ENABLE_ONEDNN_OPTS=1)"
    assert tfbench.onednn_state({}, info["flags"]).startswith("on (TF 2.9 default")


def test_suite_collects_and_skips_without_tensorflow() -> None:
    if importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here; the suite would run instead of skipping")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-c", str(SUITE / "pytest.ini"),
         "--rootdir", str(SUITE), "-rs", "-q"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 5, done.stdout + done.stderr  # ran nothing: all modules skipped
    assert "could not import 'tensorflow'" in done.stdout
    assert re.search(r"^\d+ skipped in ", done.stdout, re.MULTILINE), done.stdout


# --- results, comparison, report --------------------------------------------------------


def test_results_from_pytest_benchmark_json() -> None:
    results = parse_results(synthetic(), "run.json")
    assert [(r.workload, r.device) for r in results] == [
        ("matmul[1024]", "cpu"),
        ("matmul[1024]", "gpu"),
        ("keras_fit", "cpu"),
    ]
    assert results[0].ratio == pytest.approx(429.5 / 350.0) and results[0].unit == "GFLOP/s"
    [pair] = speedups(results)
    assert pair.workload == "matmul[1024]" and pair.factor == pytest.approx(50.0)
    assert workload_name("test_x[gpu-a-1]", {"device": "gpu", "a": "a", "n": 1}) == "x[a-1]"


def test_compare_flags_a_significant_slow_down_only() -> None:
    old = parse_results(synthetic(), "old.json")
    data = synthetic()
    slower = data["benchmarks"][0]["stats"]
    slower["median"] *= 1.3  # every round 30 % slower
    slower["data"] = [t * 1.3 for t in slower["data"]]
    data["benchmarks"][1]["stats"]["median"] *= 1.15  # the median moved, the rounds did not
    data["benchmarks"][2]["stats"]["median"] = 0.04  # faster
    comparisons = compare_results(old, parse_results(data, "new.json"))
    assert [c.verdict for c in comparisons] == ["slower", "noise", "ok"]
    assert comparisons[0].change == pytest.approx(0.30)
    assert compare_results(old, parse_results(data, "new.json"), threshold=0.4)[0].regressed is False


def test_unreadable_results_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text('{"benchmarks": [{"name": "x"}]}')
    with pytest.raises(BenchError, match=r"a\.json: not JSON") as err:
        load_results(tmp_path / "a.json")
    assert err.value.exit_code == EXIT_BAD_INPUT
    with pytest.raises(BenchError, match="benchmark #0 has no usable name or stats"):
        load_results(tmp_path / "b.json")
    with pytest.raises(BenchError, match="cannot read it"):
        load_results(tmp_path / "missing.json")


def test_pytest_summary_parsing() -> None:
    output = [
        "SKIPPED [3] test_matmul.py:28: no GPU: this TensorFlow is a CPU-only build",
        "SKIPPED [1] test_copies.py:23: no GPU: this TensorFlow is a CPU-only build",
        "SKIPPED [1] test_mixed_precision.py:34: mixed precision: compute capability 6.1 < 7.0",
        "======= 10 passed, 5 skipped, 1 warning in 10.55s =======",
    ]
    assert parse_counts(output) == {"passed": 10, "skipped": 5, "warning": 1}
    groups = group_skips(parse_skips(output))
    assert [(reason[:6], count) for reason, count, _ in groups] == [("no GPU", 4), ("mixed ", 1)]


def test_suite_command_uses_the_suites_own_config(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = suite_command(Path("/env/bin/python"), tmp_path, tmp_path / "o.json", "gpu", "matmul")
    assert command[:3] == ["/env/bin/python", "-m", "pytest"]
    assert ["-c", str(tmp_path / "pytest.ini")] == command[6:8]
    assert command[-4:] == ["--tf-device", "gpu", "-k", "matmul"]


def test_markdown_report_has_facts_speedup_comparison_and_skips() -> None:
    data = synthetic()
    results = parse_results(data, "run.json")
    before = parse_results(synthetic(), "old.json")
    old = [r if r.device == "gpu" else replace(r, median_s=r.median_s / 2, data=tuple(t / 2 for t in r.data))
           for r in before]  # fmt: skip
    comparisons = compare_results(old, results)
    run = SuiteRun(
        ("python", "-m", "pytest"), 0, {"passed": 3, "skipped": 2},
        parse_skips(["SKIPPED [2] test_copies.py:23: no GPU: CUDA_VISIBLE_DEVICES='-1'"]),
    )  # fmt: skip
    text = markdown_report(context(run, data), results, comparisons)
    assert text.startswith("# TensorFlow benchmarks: linux-gpu on gpu01\n")
    assert "do not edit" in text
    assert "TensorFlow 2.9.3; CUDA 11.2; cuDNN 8" in text
    assert "GPU: NVIDIA H100 80GB HBM3 (TF sees NVIDIA H100 80GB HBM3)" in text
    assert "**Environment not checked against a lock.**" in text
    assert "| matmul[1024] | cpu | 5.00 ms |" in text
    assert "| 429.5 GFLOP/s | numpy.matmul (350.0 GFLOP/s) | 1.23 | 1.31x (range 1.10-1.40, 5 pairs) | CPU:0 |" in text
    assert "| matmul[1024] | 5.00 ms | 100 µs | x50.0 |" in text
    assert (
        "| keras_fit | cpu | 25.0 ms (IQR 23.8 ms-26.3 ms, 5 rounds) | 50.0 ms (IQR 47.5 ms-52.5 ms, 5 rounds) | +100.0% |"
        in text
    )
    assert "**slower by ≥ 10%, significant** |" in text
    assert "- 2 x no GPU: CUDA_VISIBLE_DEVICES='-1' (`test_copies.py:23`)" in text
    section = envtool_section(context(run, data), comparisons)
    json.dumps(section)  # JSON-ready
    assert section["format"] == 2 and section["tf"]["cuda_version"] == "11.2" and section["environment"] is None
    assert section["run"]["skipped"][0]["count"] == 2
    assert [w["regressed"] for w in section["comparison"]["workloads"]] == [True, False, True]


# --- host facts ---------------------------------------------------------------------------


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


# --- plot ---------------------------------------------------------------------------------


def test_plot_panels_pair_devices_and_references() -> None:
    results = parse_results(synthetic(), "run.json")
    matmul, fit = plot_panels(results, ("cpu", "gpu"))
    assert [b.label for b in matmul.bars] == ["CPU", "numpy.matmul", "GPU", "fp32 peak"]
    assert matmul.speedup == pytest.approx(50.0) and matmul.unit == "GFLOP/s"
    assert matmul.ratios == (
        "CPU/numpy.matmul 430/350 = 1.23; paired 1.31 (1.10-1.40)",
        "GPU/fp32 peak 21,475/67,000 = 0.32",
    )
    assert [(b.label, b.missing) for b in fit.bars] == [("CPU", False), ("GPU", True)]
    assert fit.speedup is None


def test_write_plot_makes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    write_plot(parse_results(synthetic(), "run.json"), path, "test", ("cpu", "gpu"))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_plot_is_skipped_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    reason = plot_unavailable()
    assert reason is not None and "envtool[plot]" in reason


# --- target resolution --------------------------------------------------------------------


def test_target_name_resolves_to_the_create_default_prefix(tmp_path: Path) -> None:
    prefix = default_prefix("linux-cpu", tmp_path)
    assert prefix == tmp_path / ".envtool" / "envs" / "linux-cpu"
    with pytest.raises(ConfigError, match="run `envtool create linux-cpu`"):
        resolve_python("linux-cpu", None, tmp_path)
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").symlink_to(sys.executable)
    assert resolve_python("linux-cpu", None, tmp_path) == (prefix / "bin" / "python")
    assert resolve_python(str(prefix), None, tmp_path) == prefix / "bin" / "python"
    assert label_for_python(prefix / "bin" / "python") == "linux-cpu"


def test_bad_environment_requests() -> None:
    with pytest.raises(ConfigError, match="no environment given"):
        resolve_python(None, None, Path.cwd())
    with pytest.raises(ConfigError, match="both TARGET and --python"):
        resolve_python("x", Path(sys.executable), Path.cwd())
    with pytest.raises(ConfigError, match="no executable Python"):
        resolve_python(None, Path("/nonexistent/python"), Path.cwd())
    request = BenchRequest(python=Path("/x/python"), device="cpu", compare=Path("old.json"), lock=Path("l.yml"),
                           allow_drift=True)  # fmt: skip
    assert command_line(request) == (
        "envtool bench --python /x/python --lock l.yml --allow-drift --device cpu --compare old.json "
        "--output-dir bench-results"
    )


# --- the command, end to end on a fake suite ----------------------------------------------

FAKE_CONFTEST = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--tf-device", default="all", choices=("cpu", "gpu", "all"))

def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        option = metafunc.config.getoption("tf_device")
        metafunc.parametrize("device", ["cpu", "gpu"] if option == "all" else [option])
"""

FAKE_TEST = """
import os
import pytest

def test_sum(benchmark, device):
    if device == "gpu":
        pytest.skip("no GPU: fake suite")
    benchmark.extra_info.update(device=device, ran_on="/device:CPU:0", throughput=1.5,
                                throughput_unit="sums/s", tf_version="fake")
    benchmark(sum, range(100))
    if os.environ.get("FAKE_FAIL"):
        raise AssertionError("asked for the GPU but the op ran on /device:CPU:0")
"""


@pytest.fixture
def fake_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(textwrap.dedent(FAKE_CONFTEST))
    (suite / "test_fake.py").write_text(textwrap.dedent(FAKE_TEST))
    (suite / "pytest.ini").write_text("[pytest]\naddopts = --benchmark-max-time=0.01 --benchmark-min-rounds=3\n")
    return suite


def bench_args(suite: Path, out: Path, *more: str) -> list[str]:
    """Run the fake suite with this test run's Python, which is no locked environment: drift allowed."""
    demo = write_lock(lock(), out.parent / "demo-lock.yml")
    return ["bench", "--python", sys.executable, "--lock", str(demo), "--allow-drift", "--suite", str(suite),
            "--output-dir", str(out), "--label", "fake", "-q", *more]  # fmt: skip


def test_cli_end_to_end_writes_json_markdown_png(fake_suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, bench_args(fake_suite, out))
    assert result.exit_code == 0, result.output
    [json_path] = out.glob("fake-*.json")
    assert json_path.name.startswith("fake-") and not list(out.glob(".*"))
    data = json.loads(json_path.read_text())
    assert data["benchmarks"][0]["name"] == "test_sum[cpu]"
    assert data["envtool"]["format"] == 2
    environment = data["envtool"]["environment"]
    assert environment["matches"] is False and environment["allowed_drift"] is True
    assert {"name": "tiny", "locked": "1.0", "installed": "", "kind": "missing", "manager": "pip", "detail": ""} in (
        environment["differences"]
    )
    assert data["envtool"]["run"]["skipped"][0]["reason"] == "no GPU: fake suite"
    assert data["envtool"]["host"]["cpus_usable"] >= 1
    markdown = json_path.with_suffix(".md").read_text()
    assert "| sum | cpu |" in markdown and "1.5 sums/s" in markdown
    assert f"**{environment['headline']}**" in markdown and "tiny 1.0 missing" in environment["headline"]
    assert environment["headline"] in result.output
    assert "no GPU: fake suite" in result.output
    if plot_unavailable() is None:
        assert json_path.with_suffix(".png").is_file()


def test_cli_compare_flags_a_regression(fake_suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert CliRunner().invoke(cli, bench_args(fake_suite, out, "--device", "cpu")).exit_code == 0
    [first] = out.glob("*.json")
    old = json.loads(first.read_text())
    old["benchmarks"][0]["stats"]["median"] /= 100  # the old run was far faster, every round of it
    old["benchmarks"][0]["stats"]["data"] = [t / 100 for t in old["benchmarks"][0]["stats"]["data"]]
    (tmp_path / "old.json").write_text(json.dumps(old))
    result = CliRunner().invoke(
        cli, bench_args(fake_suite, out, "--device", "cpu", "--compare", str(tmp_path / "old.json"))
    )
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "1 workload(s) 10% or more slower, significantly over their rounds: sum (cpu)" in result.stderr
    [second] = set(out.glob("*.json")) - {first}
    comparison = json.loads(second.read_text())["envtool"]["comparison"]
    assert comparison["threshold"] == 0.1 and comparison["workloads"][0]["regressed"] is True
    markdown = second.with_suffix(".md").read_text()
    assert "**slower by ≥ 10%, significant**" in markdown
    assert "Load average before the earlier run: " in markdown


def test_cli_failed_benchmark_exits_1(fake_suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_FAIL", "1")
    result = CliRunner().invoke(cli, bench_args(fake_suite, tmp_path / "out"))
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "benchmark(s) failed" in result.stderr and "fell back to the CPU" in result.stderr


def test_cli_bad_input_exits_2(fake_suite: Path, tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("[]")
    bad_compare = bench_args(fake_suite, tmp_path / "out", "--compare", str(tmp_path / "old.json"))
    result = CliRunner().invoke(cli, bad_compare)
    assert result.exit_code == EXIT_BAD_INPUT and "not pytest-benchmark JSON" in result.stderr
    missing = CliRunner().invoke(cli, ["bench", str(tmp_path / "no-such-prefix")])
    assert missing.exit_code == EXIT_BAD_INPUT and "no environment for" in missing.stderr
    no_suite = CliRunner().invoke(cli, bench_args(tmp_path / "nowhere", tmp_path / "out"))
    assert no_suite.exit_code == EXIT_BAD_INPUT and "no benchmark suite there" in no_suite.stderr


def test_console_script_runs_the_fake_suite(fake_suite: Path, tmp_path: Path) -> None:
    done = envtool(*bench_args(fake_suite, tmp_path / "out", "--device", "cpu"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote " in done.stdout and "Traceback" not in done.stderr


def test_an_environment_matching_its_lock_is_measured_and_says_so(fake_suite: Path, tmp_path: Path) -> None:
    demo = lock()
    prefix = prefix_for(demo, tmp_path / "env")
    lock_file = write_lock(demo, tmp_path / "demo-lock.yml")
    out = tmp_path / "out"
    args = ["bench", str(prefix), "--lock", str(lock_file), "--suite", str(fake_suite), "--output-dir", str(out), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [json_path] = out.glob("env-*.json")
    environment = json.loads(json_path.read_text())["envtool"]["environment"]
    assert environment["matches"] is True and environment["checked"] == "prefix" and environment["differences"] == []
    assert f"**environment matches {lock_file}**" in json_path.with_suffix(".md").read_text()


def test_a_drifted_environment_is_refused_before_anything_is_timed(fake_suite: Path, tmp_path: Path) -> None:
    demo = lock()
    prefix = prefix_for(demo, tmp_path / "env")
    newer = write_lock(replace(demo, pip=(replace(demo.pip[0], version="1.1"),)), tmp_path / "newer-lock.yml")
    out = tmp_path / "out"
    args = ["bench", str(prefix), "--lock", str(newer), "--suite", str(fake_suite), "--output-dir", str(out), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert f"environment differs from {newer} in 1 package: tiny 1.1 -> 1.0" in result.stderr
    assert "--allow-drift" in result.stderr and "test_sum" not in result.output
    assert not out.exists()  # nothing ran, nothing written


def test_a_bare_interpreter_needs_a_lock(fake_suite: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "--python", sys.executable, "--suite", str(fake_suite)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "no lock to check the interpreter against; pass --lock FILE" in result.stderr
