"""python -m harness.evidence: the release evidence's command line (harness/evidence/cli.py)."""

import sys

from harness.evidence.cli import main

sys.exit(main())
