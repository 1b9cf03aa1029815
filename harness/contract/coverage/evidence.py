"""The recorded exchanges of one run (harness/testing/exchanges.py writes them).

A run is chosen as the gate report chooses it: ``--run ID`` (or GATE_RUN_ID) takes that run's
folder, also inside the artifacts of earlier stages collected into reports/ (``--collect``);
without one, each gate env's latest run, as its stamp in reports/.run/ names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.common.runs import read_stamps
from harness.testing.exchanges import FOLDER


@dataclass
class Evidence:
    files: list[Path] = field(default_factory=list)
    exchanges: list[dict] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)  # response sha -> body
    unreadable: list[str] = field(default_factory=list)

    @property
    def gates(self) -> list[str]:
        return sorted({e["gate"] for e in self.exchanges})

    def body(self, exchange: dict) -> str | None:
        return self.bodies.get(exchange["response_sha"])


def run_files(reports: Path, run_id: str | None) -> list[Path]:
    root = reports / FOLDER
    if run_id:
        # reports/exchanges/RUN, and the artifacts of other stages collected into reports/NAME/.
        # A file is named by its process (ENV-PID-TOKEN): where a job's own reports/ was also
        # collected as its artifact, the same file is there twice and is read once.
        found = [*(root / run_id).glob("*.jsonl"), *reports.glob(f"*/{FOLDER}/{run_id}/*.jsonl")]
        return sorted({path.name: path for path in sorted(found, reverse=True)}.values())
    files: list[Path] = []
    for env, stamp in sorted(read_stamps(reports).items()):
        files += sorted((root / stamp["run_id"]).glob(f"{env}-*.jsonl"))
    return files


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as lines:
        yield from enumerate(lines, 1)


def load(reports: Path, run_id: str | None) -> Evidence:
    evidence = Evidence(files=run_files(reports, run_id))
    for path in evidence.files:
        for number, line in _lines(path):
            try:
                exchange = json.loads(line)
            except ValueError:
                # A process killed mid-write leaves half a line; say so, never guess.
                evidence.unreadable.append(f"{path.name}:{number}")
                continue
            if "response_body" in exchange:
                evidence.bodies[exchange["response_sha"]] = exchange.pop("response_body")
            evidence.exchanges.append(exchange)
    return evidence
