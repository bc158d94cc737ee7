"""The built package works where users install it: a wheel in a clean virtual environment."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import venv
from pathlib import Path

import botsift
from tests.integration.support import TenantKeys

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import asyncio, sys, botsift

async def main():
    async with botsift.AsyncClient(api_key=sys.argv[1], target=sys.argv[2]) as client:
        async with client.session(action="login") as s:
            for i in range(30):
                s.pointer(10 + i, 20 + i * 2, t_ms=i * 15.0)
            verdict = await s.verdict()
    print(botsift.__version__, botsift.__file__, verdict.final, verdict.event_counts.total)

asyncio.run(main())
"""


async def run(*cmd: str | Path) -> str:
    """Run a command without blocking the loop the server under test runs on."""
    process = await asyncio.create_subprocess_exec(
        *map(str, cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    return out.decode()


async def test_the_wheel_installs_into_a_clean_venv_and_talks_to_the_server(
    tmp_path: Path, target: str, tenant: TenantKeys
) -> None:
    dist = tmp_path / "dist"
    await run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT / "clients/python")
    wheel = next(dist.glob("botsift-*.whl"))
    await run(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir())

    env_dir = tmp_path / "venv"
    await asyncio.to_thread(venv.create, env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies from the package index at the versions the repository pins.
    await run(python, "-m", "pip", "install", "--quiet", "-c", ROOT / "requirements-dev.txt", wheel)
    out = await run(python, "-c", SCRIPT, tenant.publishable, target)
    version, location, final, total = out.split()
    assert version == botsift.__version__
    assert location.startswith(str(env_dir))
    assert (final, total) == ("True", "30")
