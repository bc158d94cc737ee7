"""A process running the server forks clean children while gRPC is serving calls."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import asyncio, getpass, subprocess

    import botsift_server  # first, as the server's entry point imports it
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    async def main() -> None:
        server = grpc.aio.server()
        health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        stub = health_pb2_grpc.HealthStub(grpc.aio.insecure_channel(f"127.0.0.1:{port}"))
        serving = True

        async def calls() -> None:
            while serving:
                await stub.Check(health_pb2.HealthCheckRequest())

        load = [asyncio.create_task(calls()) for _ in range(4)]

        def child() -> tuple[int, bytes]:
            # As the PostgreSQL wheel runs initdb and pg_ctl: with user=, which forks (no vfork).
            done = subprocess.run(["/bin/true"], user=getpass.getuser(), capture_output=True)
            return done.returncode, done.stderr

        results = [await asyncio.to_thread(child) for _ in range(100)]
        serving = False
        await asyncio.gather(*load)
        await server.stop(None)
        print(sum(1 for code, err in results if code != 0 or err))

    asyncio.run(main())
    """
)


def test_children_forked_while_grpc_serves_calls_run_clean() -> None:
    # Without the package's setting, a third of these children crash or write gRPC errors.
    env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"
    assert "fork" not in done.stderr
