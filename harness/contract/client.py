"""The typed Python client of the contract: generated from contract/openapi.yaml alone by
openapi-python-client (settings in contract/client/config.yaml), built as a wheel versioned with
the contract's ``info.version``.

    python3 toxw -e client                        # reports/client/users_api_client-VERSION-*.whl
    python3 toxw -e client -- wheel --out DIR
    python3 toxw -e client -- generate --out DIR  # the generated project, to read it

The contract gate generates it with zero warnings (any warning line of the generator fails it),
builds and installs the wheel, and runs the consumer scenario (consumer.py) through it, against
the live service and against the mock (mock.py). The pipeline publishes the wheel as the
artifact ``users-api-client``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from harness.common.paths import CONTRACT, ROOT

CONFIG = ROOT / "contract" / "client" / "config.yaml"
PROJECT = "users-api-client"  # the distribution's name (contract/client/config.yaml)
PACKAGE = "users_api_client"  # the import name
WARNING = re.compile(r"warning", re.IGNORECASE)


class GenerationFailed(RuntimeError):
    """The generator failed, or printed a warning: the client would be missing a piece."""


def contract_version(contract: Path = CONTRACT) -> str:
    return str(yaml.safe_load(contract.read_text())["info"]["version"])


def _tool_env() -> dict[str, str]:
    """The environment of the generator: this interpreter's scripts (ruff, for its post-hooks)
    first on PATH."""
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}


def warning_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if WARNING.search(line)]


def generate(out_dir: Path, contract: Path = CONTRACT, config: Path = CONFIG) -> Path:
    """Generate the client's project into ``out_dir/users-api-client`` and return that folder.

    Raises GenerationFailed when the generator exits non-zero or prints any line with the word
    "warning" (it then omits what it could not read, an endpoint or a response)."""
    project = Path(out_dir) / PROJECT
    generator = Path(sys.executable).parent / "openapi-python-client"
    command = [
        str(generator if generator.exists() else "openapi-python-client"),
        "generate",
        "--path",
        str(contract),
        "--config",
        str(config),
        "--meta",
        "poetry",
        "--output-path",
        str(project),
        "--overwrite",
        "--fail-on-warning",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env=_tool_env(), timeout=300, check=False
    )
    output = result.stdout + result.stderr
    warnings = warning_lines(output)
    if result.returncode != 0 or warnings:
        raise GenerationFailed(
            f"openapi-python-client exited {result.returncode} with {len(warnings)} warning "
            f"line(s) on {contract}; fix the contract (or contract/client/config.yaml), not the "
            f"output:\n{output}"
        )
    shutil.rmtree(project / ".ruff_cache", ignore_errors=True)  # left by the post-hooks
    return project


def build_wheel(out_dir: Path, contract: Path = CONTRACT, config: Path = CONFIG) -> Path:
    """Generate the client and build its wheel into ``out_dir`` (replacing an earlier client
    wheel there); return the wheel's path.

    The wheel's version is the contract's ``info.version``; any other fails the build."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = contract_version(contract)
    for earlier in out_dir.glob(f"{PACKAGE}-*.whl"):  # one client wheel in out_dir, this one
        earlier.unlink()
    with tempfile.TemporaryDirectory(prefix="client-") as tmp:
        project = generate(Path(tmp), contract, config)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",  # the pinned build backend of this env
                "--no-cache-dir",
                "--wheel-dir",
                str(out_dir),
                str(project),
            ],
            check=True,
            timeout=300,
        )
    built = sorted(out_dir.glob(f"{PACKAGE}-*.whl"))
    expected = out_dir / f"{PACKAGE}-{version}-py3-none-any.whl"
    if built != [expected]:
        raise GenerationFailed(
            f"built {[p.name for p in built]}, expected {expected.name}: the client's version "
            f"must be the contract's info.version ({version})"
        )
    return expected


def install(wheel: Path, target: Path) -> Path:
    """Install the wheel alone (its dependencies are this env's) into ``target``, as a consumer's
    pip would; return ``target``, the folder to import it from."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-cache-dir",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return Path(target)


def load(site: Path, package: str = PACKAGE):
    """Import the installed client from ``site`` (first on sys.path) and return its package."""
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    module = importlib.import_module(package)
    origin = Path(module.__file__).resolve()
    if not origin.is_relative_to(Path(site).resolve()):
        sys.path.remove(str(site))
        raise ImportError(f"{package} was imported from {origin}, not from {site}")
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.contract.client",
        description="Generate the typed client of contract/openapi.yaml, or build its wheel.",
    )
    parser.add_argument("what", choices=("wheel", "generate"))
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--contract", type=Path, default=CONTRACT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.what == "wheel":
            path = build_wheel(args.out, args.contract)
        else:
            path = generate(args.out, args.contract)
    except GenerationFailed as exc:
        print(f"client: {exc}", file=sys.stderr)
        return 1
    print(f"client: {path} (contract version {contract_version(args.contract)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
