"""Start and stop a throw-away PostgreSQL 15 and Redis 7 on a loopback address.

Used by the test fixtures and by bench/api_load.sh (`python -m quantumvest_api.testing.servers`).
PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user
(`runuser -u postgres --`) in a directory that user owns. Both servers require a password, and
the API reads it from a file, as it does in production (QV_DB_PASSWORD_FILE, QV_REDIS_PASSWORD_FILE).
Tokens come from a throw-away issuer whose public keys the API reads (QV_AUTH_JWKS_FILE); with
--env-file, QV_TEST_TOKEN holds a token of user `bench` with every scope.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from quantumvest_api.auth import scopes
from quantumvest_api.auth.issuer import LocalIssuer

PG_BIN = Path(os.environ.get("QV_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
APP_USER = "quantumvest_app"
APP_DATABASE = "quantumvest"


class ServerError(RuntimeError):
    pass


class PortBusy(ServerError):
    """The port is taken: another live run holds its lock, or something this harness did not start listens
    there (a server a killed run left behind, another program). A caller may try another port."""


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


class _PortLock:
    """Serialises concurrent test runs that want the same address and port, instead of flaking.

    The holder notes in the lock file how its server is stopped, and clears the note on release. A run
    killed before its teardown (SIGKILL, a mutation tester's timeout) leaves the note behind with its
    server still listening; the next holder reads it and stops that orphan instead of failing on a busy port.
    """

    def __init__(self, host: str, port: int, timeout: float = 900) -> None:
        self._path = Path(tempfile.gettempdir()) / f"qv-api-servers-{host}-{port}.lock"
        self._timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> str:
        """Waits for the lock; returns the note a dead holder left ("" after a clean release)."""
        # Not open("w"): that would truncate the note of a live holder before the lock is ours.
        fd = self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PortBusy(f"{self._path} held by another run for {self._timeout:.0f} s") from None
                time.sleep(0.5)
        return os.pread(fd, 4096, 0).decode(errors="replace").strip()

    def note(self, text: str) -> None:
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None


def _wait_port_free(host: str, port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while _port_in_use(host, port):
        if time.monotonic() > deadline:
            raise ServerError(f"{host}:{port} is still in use {seconds:.0f} s after stopping an orphaned server")
        time.sleep(0.05)


class PostgresServer:
    def __init__(self, host: str, port: int, base_dir: Path, *, durable: bool = False, wait: float = 900) -> None:
        self.host, self.port, self.durable = host, port, durable
        self.root = base_dir / "postgres"
        self.data = self.root / "data"
        self.superuser_password = secrets.token_urlsafe(24)
        self.app_password = secrets.token_urlsafe(24)
        self.app_password_file = base_dir / "db-password"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._lock = _PortLock(host, port, wait)

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self._as_postgres, *command], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ServerError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")

    def _server_options(self) -> str:
        options = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": "100",
        }
        if not self.durable:  # tests throw the data away: skip the disk flushes
            options |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        return " ".join(f"-c {key}={shlex.quote(value)}" for key, value in options.items())

    def init(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise ServerError(f"PostgreSQL 15 binaries not found in {PG_BIN} (apt-get install postgresql-15)")
        self._stop_orphan(self._lock.acquire())
        if _port_in_use(self.host, self.port):
            raise PortBusy(f"{self.host}:{self.port} is already in use; stop what listens there")
        self._lock.note(str(self.data))
        self.root.mkdir(mode=0o700)
        password_file = self.root / "superuser-password"
        password_file.write_text(self.superuser_password)
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            for path in (self.root, password_file):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8", "--no-locale",
            "--auth-local=peer", "--auth-host=scram-sha-256", f"--pwfile={password_file}", "--no-sync",
        )  # fmt: skip
        password_file.unlink()
        self.start()
        with self.connect_superuser() as connection:
            connection.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(APP_USER), sql.Literal(self.app_password)
                )
            )
            connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(APP_DATABASE), sql.Identifier(APP_USER)
            ))  # fmt: skip
        self.app_password_file.write_text(self.app_password + "\n")
        self.app_password_file.chmod(0o600)

    def _stop_orphan(self, data: str) -> None:
        """Stops the server of a run that died holding the lock, and removes that run's directory."""
        if not data or not (Path(data) / "postmaster.pid").exists():
            return
        with contextlib.suppress(ServerError):
            self._run(str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "30", "-m", "immediate", "-D", data)
        shutil.rmtree(Path(data).parents[1], ignore_errors=True)  # <base>/postgres/data
        _wait_port_free(self.host, self.port)

    def start(self) -> None:
        log = self.root / "postgres.log"
        self._run(str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(log),
                  "-o", self._server_options())  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "30", "-m", "fast", "-D", str(self.data))

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect_superuser(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.host, port=self.port, user="postgres", password=self.superuser_password,
            dbname=dbname, autocommit=True, connect_timeout=5,
        )  # fmt: skip

    def environment(self) -> dict[str, str]:
        return {
            "QV_DB_HOST": self.host,
            "QV_DB_PORT": str(self.port),
            "QV_DB_NAME": APP_DATABASE,
            "QV_DB_USER": APP_USER,
            "QV_DB_PASSWORD_FILE": str(self.app_password_file),
            "QV_DB_SSLMODE": "disable",
        }

    def destroy(self) -> None:
        with contextlib.suppress(ServerError):
            if self.is_running():
                self.stop()
        self._lock.release()


class RedisServer:
    def __init__(self, host: str, port: int, base_dir: Path, *, wait: float = 900) -> None:
        self.host, self.port = host, port
        self.dir = base_dir / "redis"
        self.password = secrets.token_urlsafe(24)
        self.password_file = base_dir / "redis-password"
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = _PortLock(host, port, wait)

    def init(self) -> None:
        if shutil.which("redis-server") is None:
            raise ServerError("redis-server not found on PATH (apt-get install redis-server)")
        self._stop_orphan(self._lock.acquire())
        self.dir.mkdir(mode=0o700)
        config = self.dir / "redis.conf"  # a file, so the password never shows in `ps`
        config.write_text(
            f"bind {self.host}\nport {self.port}\nrequirepass {self.password}\n"
            f'dir {self.dir}\nsave ""\nappendonly no\ndaemonize no\nlogfile {self.dir / "redis.log"}\n'
        )
        config.chmod(0o600)
        self.password_file.write_text(self.password + "\n")
        self.password_file.chmod(0o600)
        self.start()

    def start(self) -> None:
        if _port_in_use(self.host, self.port):
            raise PortBusy(f"{self.host}:{self.port} is already in use; stop what listens there")
        self.process = subprocess.Popen(["redis-server", str(self.dir / "redis.conf")], stdin=subprocess.DEVNULL)
        self._lock.note(f"{self.process.pid} {self.dir.parent}")
        client = redis.Redis(host=self.host, port=self.port, password=self.password, socket_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(f"redis-server did not start; see {self.dir / 'redis.log'}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def _stop_orphan(self, note: str) -> None:
        """Kills the redis-server of a run that died holding the lock, and removes that run's directory."""
        pid, _, base = note.partition(" ")
        if not pid.isdigit():
            return
        with contextlib.suppress(OSError):
            # The pid may have been reused since: kill it only if it is still a redis-server.
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"redis-server"):
                os.kill(int(pid), signal.SIGKILL)
        if base:
            shutil.rmtree(base, ignore_errors=True)
        _wait_port_free(self.host, self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case a test left it paused
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the port stays open but nothing answers, like a hung server."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def environment(self) -> dict[str, str]:
        return {"QV_REDIS_URL": f"redis://{self.host}:{self.port}/0", "QV_REDIS_PASSWORD_FILE": str(self.password_file)}

    def destroy(self) -> None:
        self.stop()
        self._lock.release()


class Servers:
    """PostgreSQL and Redis together, in one temporary directory removed on destroy().

    `wait`: seconds to wait for another run's hold on a port; past it, start() raises PortBusy."""

    def __init__(self, host: str, pg_port: int, redis_port: int, *, durable: bool = False, wait: float = 900) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="qv-api-servers-"))
        self.base.chmod(0o711)  # the postgres user must traverse it to reach its own directory
        self.postgres = PostgresServer(host, pg_port, self.base, durable=durable, wait=wait)
        self.redis = RedisServer(host, redis_port, self.base, wait=wait)
        self.issuer = LocalIssuer.generate(issuer="quantumvest-tests", audience="quantumvest-api")
        self.jwks_file = self.base / "jwks.json"

    def start(self) -> Servers:
        try:
            self.postgres.init()
            self.redis.init()
            self.jwks_file.write_text(self.issuer.jwks())
        except BaseException:
            self.destroy()
            raise
        return self

    def environment(self) -> dict[str, str]:
        auth = {
            "QV_AUTH_ISSUER": self.issuer.issuer,
            "QV_AUTH_AUDIENCE": self.issuer.audience,
            "QV_AUTH_JWKS_FILE": str(self.jwks_file),
        }
        return {**self.postgres.environment(), **self.redis.environment(), **auth}

    def token(self, subject: str, granted: tuple[str, ...] = scopes.ALL, lifetime_seconds: int = 3600) -> str:
        return self.issuer.mint(subject, granted, lifetime_seconds)

    def destroy(self) -> None:
        try:
            self.redis.destroy()
            self.postgres.destroy()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run PostgreSQL and Redis on loopback until SIGTERM/SIGINT")
    parser.add_argument("--host", default="127.0.21.1")
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--durable", action="store_true", help="keep fsync and synchronous commit on")
    parser.add_argument("--env-file", type=Path, required=True, help="written with `export QV_...` lines once ready")
    args = parser.parse_args(argv)

    stop = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    servers = Servers(args.host, args.pg_port, args.redis_port, durable=args.durable)
    try:
        servers.start()
        environment = servers.environment() | {"QV_TEST_TOKEN": servers.token("bench", lifetime_seconds=86400)}
        lines = [f"export {key}={shlex.quote(value)}" for key, value in environment.items()]
        args.env_file.write_text("\n".join(lines) + "\n")
        while not stop:
            time.sleep(0.2)
    except ServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        servers.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
