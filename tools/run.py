"""``make run``: ``botsift-server run`` and the Envoy gateway side by side; Ctrl-C stops both.

The server serves gRPC on ``BOTSIFT_SERVER_PORT`` (50051); Envoy serves JSON/REST, grpc-web, gRPC
and the API docs on ``BOTSIFT_GATEWAY_PORT`` (8080) in front of it. When either process ends,
the other is stopped too, so a failed start never leaves half of the pair running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _wait_ready(admin_port: int, keys_file: Path, procs: list[subprocess.Popen[bytes]]) -> bool:
    """Wait until Envoy reports ready and the sandbox keys exist; False if a process ended first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/ready", timeout=1) as reply:
                if reply.status == 200 and keys_file.exists():
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _banner(port: int, keys_file: Path) -> str:
    keys = dict(
        line.split("=", 1)
        for line in keys_file.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    pk = keys.get("BOTSIFT_PUBLISHABLE_KEY", "pk_test_...")
    base = f"http://localhost:{port}"
    body = (
        '{"start": {"session_id": "rest-\'"$(date +%s%N)"\'", "action": "login", '
        '"device": {"user_agent": "HeadlessChrome/120.0", "webdriver": true}}}'
    )
    return f"""
Envoy is serving JSON/REST, grpc-web and gRPC on {base} (API docs: {base}/docs).
Demo login page with the browser collector: {base}/demo?key={pk}

  curl -s -H 'authorization: Bearer {pk}' -d '{body}' {base}/v1/sessions:score
"""


def main() -> int:
    """Start both processes, forward SIGINT/SIGTERM, and stop both when either ends."""
    server_port = int(os.environ.get("BOTSIFT_SERVER_PORT", "50051"))
    gateway_port = int(os.environ.get("BOTSIFT_GATEWAY_PORT", "8080"))
    admin_port = int(os.environ.get("BOTSIFT_GATEWAY_ADMIN_PORT", "9901"))
    keys_file = Path(os.environ.get("BOTSIFT_SANDBOX_KEYS_FILE", ".botsift/sandbox-keys.env"))
    server = subprocess.Popen([str(BIN / "botsift-server"), "run"])
    gateway = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tools" / "gateway.py"),
            "run",
            "--port",
            str(gateway_port),
            "--admin-port",
            str(admin_port),
            "--upstream",
            f"127.0.0.1:{server_port}",
        ]
    )
    procs = [server, gateway]

    def stop(signum: int, _frame: FrameType | None) -> None:
        # Ctrl-C reaches the whole process group already; SIGTERM (from a supervisor) does not.
        if signum == signal.SIGTERM:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if _wait_ready(admin_port, keys_file, procs):
        print(_banner(gateway_port, keys_file), flush=True)
    while all(p.poll() is None for p in procs):
        time.sleep(0.2)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    codes = [p.wait() for p in procs]
    # Envoy exits 0 on SIGINT/SIGTERM; the server too. Anything else is worth the exit code.
    return next((c for c in codes if c not in (0, -signal.SIGINT, -signal.SIGTERM)), 0)


if __name__ == "__main__":
    sys.exit(main())
