"""The API docs in a real browser: Swagger UI, served by Envoy, renders every REST route."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import yaml

from tests.gateway.envoy import ROOT, Envoy

WEB = ROOT / "clients" / "web"
SCRIPT = WEB / "test" / "browser" / "open-docs.mjs"
SCREENSHOT = ROOT / "test-output" / "web" / "docs.png"


async def open_docs(url: str, screenshot: Path) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(SCRIPT),
        "--url",
        url,
        "--screenshot",
        str(screenshot),
        cwd=WEB,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()
    report: dict[str, Any] = json.loads(out)
    return report


async def test_swagger_ui_in_a_browser_lists_every_route_of_the_openapi_document(envoy: Envoy) -> None:
    report = await open_docs(f"{envoy.url}/docs/", SCREENSHOT)

    document = yaml.safe_load((ROOT / "gateway" / "openapi.yaml").read_text())
    expected = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    shown = {(op["method"].upper(), op["path"]) for op in report["operations"]}
    assert shown == expected
    assert report["failures"] == []
    assert "BotSift" in report["title"]
    assert SCREENSHOT.stat().st_size > 10_000
