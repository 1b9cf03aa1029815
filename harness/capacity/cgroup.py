"""CPU time a container has used, read from its own cgroup (v2 cpu.stat, or v1 cpuacct)."""

from __future__ import annotations

import subprocess

# Runs inside the container with the image's own Python; prints nanoseconds.
READ = """
import os
if os.path.exists("/sys/fs/cgroup/cpu.stat"):
    stat = dict(line.split() for line in open("/sys/fs/cgroup/cpu.stat"))
    print(int(stat["usage_usec"]) * 1000)
else:
    print(open("/sys/fs/cgroup/cpuacct/cpuacct.usage").read().strip())
"""


def cpu_seconds(engine: str, container: str) -> float:
    """Total CPU seconds used by every process of the container so far."""
    result = subprocess.run(
        [engine, "exec", container, "python", "-c", READ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(
            f"cannot read the CPU usage of container {container} from its cgroup: "
            f"{result.stderr.strip() or 'no output'}"
        )
    return int(result.stdout.split()[0]) / 1e9
