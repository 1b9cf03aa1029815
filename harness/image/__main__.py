"""python -m harness.image: build, run, stop and check the service's container image."""

import sys

from harness.image.cli import main

sys.exit(main())
