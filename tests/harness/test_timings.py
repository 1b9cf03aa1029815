"""How long each gate took: tox's journals (reports/.tox/) summed into reports/timings.json and
the gate report's slowest gates; and toxw asking tox for a journal only where envs run."""

import json
import os
import time
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader

import pytest

from harness.common.paths import ROOT
from harness.common.procs import run_module
from harness.report import timings


def journal(reports, run_id, envs: dict[str, tuple[float, list[float]]], age: float = 0):
    """A tox journal of one command that ended AGE seconds ago: env -> (its duration, its
    commands' seconds), the envs one after another."""
    path = timings.journal_path(reports, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    testenvs = {
        env: {
            "result": {"success": True, "exit_code": 0, "duration": duration},
            "test": [{"command": ["x"], "elapsed": s} for s in commands],
            "setup": [{"command": ["pip"], "elapsed": duration - sum(commands)}],
        }
        for env, (duration, commands) in envs.items()
    }
    ended = time.time() - age
    began = ended - sum(duration for duration, _ in envs.values())
    path = path.with_name(f"{run_id}--{int(began * 1e9)}-1.json")
    path.write_text(json.dumps({"reportversion": "1", "testenvs": testenvs}))
    os.utime(path, (ended, ended))
    return path


def test_gates_tools_setup_and_the_runs_wall_time(tmp_path):
    journal(tmp_path, "r1", {"unit": (50.0, [0.1, 40.0]), "lint": (12.0, [9.0])}, age=100)
    journal(tmp_path, "r1", {"contract": (90.0, [80.0]), "report": (5.0, [4.0])})
    journal(tmp_path, "r0", {"unit": (999.0, [999.0])})  # another run: not counted
    figures = timings.timings(tmp_path, "r1")
    assert figures["gates"] == {"contract": 80.0, "unit": 40.1, "lint": 9.0}
    assert list(figures["gates"]) == ["contract", "unit", "lint"]  # slowest first
    assert figures["tools"] == {"report": 4.0}
    assert figures["setup_seconds"] == pytest.approx(9.9 + 3.0 + 10.0 + 1.0)
    # from the first command's start (100 s ago, minus its 62 s) to the last one's end
    assert figures["total_seconds"] == pytest.approx(162.0, abs=1.0)


def test_a_gate_run_twice_in_one_run_counts_twice(tmp_path):
    journal(tmp_path, "r1", {"unit": (10.0, [8.0])})
    journal(tmp_path, "r1", {"unit": (10.0, [7.0])})
    assert timings.timings(tmp_path, "r1")["gates"] == {"unit": 15.0}


def test_the_report_shows_the_slowest_five(tmp_path):
    seconds = {f"g{i}": float(i) for i in range(8)}
    figures = {"gates": dict(sorted(seconds.items(), key=lambda kv: -kv[1]))}
    figures |= {"setup_seconds": 30.0, "total_seconds": 300.0}
    lines = timings.section(figures)
    assert lines[0] == "## Time to verdict"
    assert [line for line in lines if line.startswith("| g") and "gate" not in line] == [
        f"| g{i} | {i} |" for i in (7, 6, 5, 4, 3)
    ]
    assert "set-up of every env 30 s; the whole run 300 s" in lines[2]
    assert timings.section({"gates": {}, "setup_seconds": 0, "total_seconds": None}) == []


def test_a_journal_being_written_is_passed_over(tmp_path):
    (tmp_path / ".tox").mkdir()
    (tmp_path / ".tox" / "r1--1-1.json").write_text('{"testenvs": {"unit"')
    journal(tmp_path, "r1", {"lint": (3.0, [2.0])})
    assert timings.timings(tmp_path, "r1")["gates"] == {"lint": 2.0}


def test_only_the_latest_runs_journals_are_kept(tmp_path):
    for age, run in enumerate(["r9", "r8", "r7", "r6", "r5", "r4"]):
        journal(tmp_path, run, {"unit": (1.0, [1.0])}, age=age * 10)
    timings.journal_path(tmp_path, "new")
    kept = {p.name.split("--")[0] for p in (tmp_path / ".tox").glob("*.json")}
    assert kept == {"r9", "r8", "r7", "r6"}  # with the new run: five


@pytest.mark.parametrize(
    ("args", "asked"),
    [
        ([], True),
        (["-e", "unit", "--", "-k", "x"], True),
        (["run-parallel", "-p", "2"], True),
        (["-l"], False),
        (["config", "-e", "unit"], False),
        (["-e", "unit", "-i"], False),  # tox refuses --result-json with --no-capture
    ],
)
def test_toxw_asks_tox_for_a_journal_where_envs_run(args, asked, tmp_path, monkeypatch):
    loader = SourceFileLoader("toxw", str(ROOT / "toxw"))  # a script: no .py to import
    toxw = module_from_spec(spec_from_loader("toxw", loader))
    loader.exec_module(toxw)
    monkeypatch.setenv("GATE_RUN_ID", "run-1")
    monkeypatch.setattr(toxw, "ROOT", tmp_path)
    option = toxw.journal_option(args)
    assert bool(option) is asked
    if asked:
        assert option[0] == "--result-json"
        assert option[1].startswith(str(tmp_path / "reports" / ".tox" / "run-1--"))


def test_the_gate_report_writes_timings_json_and_its_table(tmp_path, junit):
    junit(tmp_path / "unit.xml", {"t": "passed"})
    journal(tmp_path, "r1", {"unit": (12.0, [10.0])})
    result = run_module("harness.report", "--reports", str(tmp_path), "--expect", "unit")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "timings.json").read_text())["gates"] == {"unit": 10.0}
    assert "| unit | 10 |" in (tmp_path / "gate-report.md").read_text()


def test_a_gate_that_runs_gates_is_counted_without_them(tmp_path):
    # The rehearsal's journal spans 100 s; inside it, unit (30 s) ran with a journal of its own.
    journal(tmp_path, "r1", {"unit": (30.0, [25.0])}, age=10)
    journal(tmp_path, "r1", {"rehearse": (100.0, [95.0])})
    figures = timings.timings(tmp_path, "r1")
    assert figures["gates"] == {"rehearse": 65.0, "unit": 25.0}
    assert figures["setup_seconds"] == pytest.approx(5.0 + 5.0)
