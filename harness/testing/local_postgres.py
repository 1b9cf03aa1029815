#!/usr/bin/env python3
"""Start, stop or inspect a throwaway local PostgreSQL cluster; print its DATABASE_URL.

    python3 -m harness.testing.local_postgres start DIR   # initialise DIR if new, start, print URL
    python3 -m harness.testing.local_postgres stop DIR    # fast shutdown (the data stays in DIR)
    python3 -m harness.testing.local_postgres url DIR     # print the URL of a cluster in DIR
    python3 -m harness.testing.local_postgres run -- CMD  # CMD with DATABASE_URL set (see run())

PostgreSQL refuses to run as root, so when run as root the cluster belongs to the ``postgres``
system user (created by Debian's package). It listens on 127.0.0.1 on a free port, with its
socket inside DIR; authentication is ``trust`` because only loopback can reach it.
"""

import argparse
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.common.procs import free_port
from harness.common.urls import is_postgresql, without_password

DB_USER = "postgres"
DB_NAME = "postgres"


def find_bindir() -> Path:
    if shutil.which("pg_config"):
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(bindir) / "initdb").exists():
            return Path(bindir)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    sys.exit("PostgreSQL server binaries not found: install the postgresql package")


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", DB_USER, "--", *cmd]


def _chown_for_owner(path: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam(DB_USER)
        os.chown(path, owner.pw_uid, owner.pw_gid)


def url(datadir: Path) -> str:
    port = (datadir / "port").read_text().strip()
    return f"postgresql://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"


def _initdb(bindir: Path, datadir: Path, pgdata: Path) -> None:
    datadir.mkdir(parents=True, exist_ok=True)
    _chown_for_owner(datadir)
    if os.geteuid() == 0:
        # The postgres user must be able to reach DIR through every parent.
        for parent in datadir.parents:
            if parent.stat().st_mode & 0o001 == 0:
                os.chmod(parent, parent.stat().st_mode | 0o001)
    initdb = [str(bindir / "initdb"), "-D", str(pgdata), "-U", DB_USER, "-A", "trust"]
    subprocess.run(
        _as_owner([*initdb, "-E", "UTF8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL
    )


def start(datadir: Path, timeout: float = 30.0) -> str:
    """Initialise DATADIR if new, start the server on its port, wait until it answers."""
    bindir = find_bindir()
    datadir = datadir.resolve()
    pgdata = datadir / "pgdata"
    if not pgdata.exists():
        _initdb(bindir, datadir, pgdata)
    port_file = datadir / "port"
    if not port_file.exists():
        port_file.write_text(str(free_port()))
    port = port_file.read_text().strip()
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={datadir} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(datadir / "server.log")]
    subprocess.run(
        _as_owner([*pg_ctl, "-o", options, "-w", "-t", str(int(timeout)), "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while (
        subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", port, "-q"]).returncode
        != 0
    ):
        if time.monotonic() > deadline:
            sys.exit(f"PostgreSQL did not become ready; see {datadir / 'server.log'}")
        time.sleep(0.2)
    return url(datadir)


def stop(datadir: Path) -> None:
    pgdata = datadir.resolve() / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    subprocess.run(
        _as_owner([str(find_bindir() / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run(command: list[str]) -> int:
    """Run COMMAND with DATABASE_URL naming a real PostgreSQL: the one the environment names,
    else a throwaway cluster started for it and deleted afterwards. The postgresql variant of a
    gate (python3 toxw -e unit-postgresql) runs through this: no database to set up by hand."""
    if not command:
        sys.exit("run: name the command to run after --")
    configured = os.environ.get("DATABASE_URL", "")
    if is_postgresql(configured):
        print(f"PostgreSQL: {without_password(configured)} (DATABASE_URL)", flush=True)
        return subprocess.call(command)
    datadir = Path(tempfile.mkdtemp(prefix="gate-postgres-"))
    try:
        database_url = start(datadir)
        print(f"PostgreSQL: a throwaway cluster at {database_url}", flush=True)
        return subprocess.call(command, env={**os.environ, "DATABASE_URL": database_url})
    finally:
        stop(datadir)
        shutil.rmtree(datadir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        command = argv[1:]
        sys.exit(run(command[1:] if command[:1] == ["--"] else command))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("datadir", type=Path)
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.datadir))
    elif args.action == "stop":
        stop(args.datadir)
    else:
        print(url(args.datadir))


if __name__ == "__main__":
    main()
