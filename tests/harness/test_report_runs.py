"""One run in reports/: the gate report judges one run and names every file of another."""

import json
import os
import time

from harness.common import runs
from harness.report.build import build


def write_run(reports, run_id, env, monkeypatch):
    monkeypatch.setenv("GATE_RUN_ID", run_id)
    record = runs.stamp(env, reports)
    time.sleep(0.01)
    return record


def age(path, seconds):
    """Make PATH look written SECONDS ago (runs are minutes apart in real life)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_second_run_ignores_and_names_what_the_first_left(junit, tmp_path, monkeypatch):
    write_run(tmp_path, "run-a", "contract", monkeypatch)
    junit(tmp_path / "contract.xml", {f"case{i}": "passed" for i in range(17)})
    (tmp_path / "contract-stats.json").write_text(json.dumps({"inprocess": {"requests": 1402}}))
    for name in ("contract.xml", "contract-stats.json", ".run/contract.json"):
        age(tmp_path / name, 120)
    stamps = json.loads((tmp_path / ".run/contract.json").read_text())
    stamps["started_ts"] -= 121
    (tmp_path / ".run/contract.json").write_text(json.dumps(stamps))

    write_run(tmp_path, "run-b", "contract", monkeypatch)  # `-e contract -- -k breaking`
    junit(tmp_path / "contract.xml", {"test_breaking": "passed"})

    text, gates = build(tmp_path, ["contract"])
    assert "Run `run-b`" in text
    assert "1 case run" in text
    assert "1402 generated requests" not in text
    # run-b's contract record keeps run-a's, so the stale file is named by its run
    assert "- `contract-stats.json`: run run-a (contract, started" in text
    assert gates["contract"].status == "pass"


def test_a_gate_of_another_run_is_stale_and_a_missing_gate_is_missing(junit, tmp_path, monkeypatch):
    write_run(tmp_path, "run-a", "unit", monkeypatch)
    junit(tmp_path / "unit.xml", {"t": "passed"})
    write_run(tmp_path, "run-b", "smoke", monkeypatch)
    junit(tmp_path / "smoke.xml", {"t": "passed"})
    text, gates = build(tmp_path, ["unit", "smoke"])
    assert "Run `run-b`" in text
    assert "- `unit.xml`: run run-a (unit, started" in text
    assert gates["unit"].status == "MISSING"
    assert gates["smoke"].status == "pass"
    # Asked for by id, the earlier run is judged instead.
    text, gates = build(tmp_path, ["unit", "smoke"], run_id="run-a")
    assert gates["unit"].status == "pass"
    assert "- `smoke.xml`: run run-b (smoke" in text


def test_reports_without_a_run_record_are_judged_as_found(junit, tmp_path):
    junit(tmp_path / "unit.xml", {"t": "passed"})
    text, gates = build(tmp_path, ["unit"])
    assert "No run is recorded under reports/" in text
    assert gates["unit"].status == "pass"


def test_the_stamp_command_records_gates_only(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "REPORTS", tmp_path)
    monkeypatch.setenv("GATE_RUN_ID", "run-c")
    assert runs.main(["start", "unit-postgresql"]) == 0
    assert runs.main(["start", "serve"]) == 0
    assert runs.main(["nonsense"]) == 2
    recorded = runs.read_stamps(tmp_path)
    assert list(recorded) == ["unit-postgresql"]
    assert recorded["unit-postgresql"]["run_id"] == "run-c"
    assert len(recorded["unit-postgresql"]["commit"]) >= 7
