"""Where things are: the checkout the harness runs from, and the reports every gate writes."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
CONTRACT = ROOT / "contract" / "openapi.yaml"
