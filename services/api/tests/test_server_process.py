"""The real server process: `qv-api migrate`, `qv-api serve`, JSON logs and graceful shutdown on SIGTERM."""

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from api_test_helpers import HOST, port_offset, wait_until

pytestmark = pytest.mark.slow

QV_API = [sys.executable, "-m", "quantumvest_api.cli"]  # the `qv-api` console script's entry point


@pytest.fixture
def server(api_environment, tmp_path):
    environment = os.environ | api_environment | {"QV_LOG_LEVEL": "INFO"}
    migrate = subprocess.run([*QV_API, "migrate"], env=environment, capture_output=True, text=True, timeout=60)
    assert migrate.returncode == 0, migrate.stderr
    port = 58000 + port_offset()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*QV_API, "serve", "--host", HOST, "--port", str(port), "--workers", "1"],
            env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base_url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base_url}/livez", timeout=1)
            break
        except httpx.TransportError:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    yield process, base_url, log_path
    if process.poll() is None:
        process.kill()
        process.wait()


def _holds_a_connection(process: subprocess.Popen[bytes], base_url: str) -> bool:
    """An established connection on the server's port whose socket belongs to the server process
    (`ss -p`: one still waiting in the listen backlog belongs to no process yet)."""
    port = base_url.rsplit(":", 1)[1]
    listed = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    return f"pid={process.pid}," in listed


def _refuses_connections(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/livez", timeout=1)
    except httpx.TransportError:
        return True
    return False


def test_sigterm_lets_the_in_flight_request_finish(server, servers) -> None:
    process, base_url, log_path = server
    token = f"Bearer {servers.token('price-feed')}"
    # 5 000 distinct (symbol, day) rows, sent in two halves with a pause in between: a slow client.
    first_day = datetime.date(1990, 1, 1)
    rows = [
        {"symbol": f"S{i % 20}", "date": (first_day + datetime.timedelta(days=i // 20)).isoformat(), "close": 1}
        for i in range(5_000)
    ]
    assert len({(r["symbol"], r["date"]) for r in rows}) == len(rows)
    body = json.dumps({"prices": rows}).encode()
    first_half_sent, resume = threading.Event(), threading.Event()

    def slow_body():
        yield body[: len(body) // 2]
        first_half_sent.set()  # the generator is resumed only after the first half went out
        resume.wait(60)  # longer than every wait of the test below
        yield body[len(body) // 2 :]

    result: dict[str, httpx.Response] = {}

    def send() -> None:
        result["response"] = httpx.post(
            f"{base_url}/api/v1/prices/bulk",
            content=slow_body(),
            headers={"Content-Type": "application/json", "X-Request-ID": "in-flight-1", "Authorization": token},
            timeout=30,
        )

    sender = threading.Thread(target=send)
    sender.start()
    assert first_half_sent.wait(30)
    # The server holds the connection (accepted, its first half read) before it is told to stop.
    wait_until("the server accepts the slow request's connection", lambda: _holds_a_connection(process, base_url))
    process.send_signal(signal.SIGTERM)
    # Shutting down: new connections are refused while the process stays up for the request in flight.
    wait_until("the server refuses new connections after SIGTERM", lambda: _refuses_connections(base_url))
    assert process.poll() is None, "the server exited with a request in flight"
    resume.set()
    sender.join(30)
    response = result["response"]
    assert response.status_code == 200, response.text
    assert response.json() == {"ingested": 5_000, "symbols": 20}
    assert process.wait(20) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its graceful exit

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert lines and all("request_id" in line and "level" in line for line in lines)
    access = [line for line in lines if line["message"] == "request" and line["request_id"] == "in-flight-1"]
    assert [(a["route"], a["status"]) for a in access] == [("/api/v1/prices/bulk", 200)]
    assert any(line["message"].startswith("stopping") for line in lines)
