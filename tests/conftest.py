"""Every gate's suites share one pytest plugin: FAIL_ON_SKIP and a real PostgreSQL fixture."""

pytest_plugins = ["harness.testing.plugin"]
