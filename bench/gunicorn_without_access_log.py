"""gunicorn.conf.py (the container's settings) without the access log, for the benchmark only:
the difference to the same run with the log is what one JSON access log line costs."""

import runpy
from pathlib import Path

_settings = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
globals().update({name: value for name, value in _settings.items() if not name.startswith("__")})
accesslog = None
