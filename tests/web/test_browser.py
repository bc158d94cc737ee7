"""The browser collector in a real browser: Debian's chromium, headless, driven by playwright-core,
opens the demo page through a real Envoy in front of a real server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp

from tests.gateway.envoy import ROOT, Envoy
from tests.integration.support import TenantKeys

WEB = ROOT / "clients" / "web"
DRIVER = WEB / "test" / "browser" / "drive-demo.mjs"
SCREENSHOT = ROOT / "test-output" / "web" / "demo-verdict.png"
EMAIL = "robot.visitor@example.com"
PASSWORD = "Zq7-unguessable-Xw"


async def drive_demo(url: str, screenshot: Path) -> dict[str, Any]:
    """Run the Playwright script against ``url``; its JSON report."""
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(DRIVER),
        "--url",
        url,
        "--screenshot",
        str(screenshot),
        "--email",
        EMAIL,
        "--password",
        PASSWORD,
        cwd=WEB,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # playwright-core never downloads a browser; this keeps it from even looking.
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


async def test_a_scripted_headless_chromium_on_the_demo_page_gets_a_high_verdict_with_automation_reasons(
    envoy: Envoy, tenant: TenantKeys
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    report = await drive_demo(f"{envoy.url}/demo?key={tenant.publishable}", SCREENSHOT)

    verdict = report["verdict"]
    assert verdict is not None, report
    assert verdict["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL"), verdict
    codes = {reason["code"] for reason in verdict["reasons"]}
    assert {"AUTOMATION_WEBDRIVER", "AUTOMATION_HEADLESS_UA"} <= codes, codes
    assert verdict["final"] is True
    # The page shows what came back.
    assert verdict["risk_level"].removeprefix("RISK_LEVEL_") in report["page"]
    assert "AUTOMATION_WEBDRIVER" in report["page"]
    assert SCREENSHOT.stat().st_size > 10_000

    # One request, carrying the visitor's events but nothing typed.
    [body] = report["bodies"]
    sent = json.loads(body)
    assert sent["start"]["device"]["webdriver"] is True
    assert sent["start"]["session_id"] == verdict["session_id"]
    kinds = sent["events"]["kinds"]
    assert {1, 2, 3, 4, 5, 6} <= set(kinds)  # moves, buttons, wheel, keys
    assert kinds.count(5) == len(EMAIL) + len(PASSWORD)
    for secret in (EMAIL, PASSWORD, "robot", "unguessable", "Zq7"):
        assert secret not in body


async def test_the_backend_reads_the_demo_verdict_with_its_secret_key_through_envoy(
    envoy: Envoy, tenant: TenantKeys
) -> None:
    screenshot = SCREENSHOT.with_name("demo-backend.png")
    report = await drive_demo(f"{envoy.url}/demo?key={tenant.publishable}", screenshot)
    session_id = report["verdict"]["session_id"]

    async with aiohttp.ClientSession() as http:
        url = f"{envoy.url}/v1/sessions/{session_id}/verdict"
        async with http.get(url, headers={"authorization": f"Bearer {tenant.secret}"}) as reply:
            assert reply.status == 200
            stored = await reply.json()
        async with http.get(url, headers={"authorization": f"Bearer {tenant.publishable}"}) as reply:
            assert reply.status == 403
    assert stored["score"] == report["verdict"]["score"]
    assert stored["risk_level"] == report["verdict"]["risk_level"]
