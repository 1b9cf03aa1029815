"""What the contract gate adds to Schemathesis: its check and its generation hook.

Importing this module registers both; schemathesis.toml names it as ``hooks``, so a plain
``st run`` from the repository loads them as the gate does.
"""

from harness.contract import checks, hooks  # noqa: F401 - importing registers them
