"""The browser collector in real browsers: Debian's chromium (headless, driven by playwright-core)
and Firefox ESR (headless, driven by puppeteer-core over WebDriver BiDi) open the demo page through
a real Envoy in front of a real server."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.gateway.envoy import ROOT, Envoy
from tests.integration.support import TenantKeys

WEB = ROOT / "clients" / "web"
DRIVER = WEB / "test" / "browser" / "drive-demo.mjs"
SCREENSHOT = ROOT / "test-output" / "web" / "demo-verdict.png"
EMAIL = "robot.visitor@example.com"
PASSWORD = "Zq7-unguessable-Xw"
# Where drive-demo.mjs's page script dispatches its fake pointer moves (and 10 fake keys).
FAKE_X = 987.6


async def start_driver(url: str, *mode: str) -> asyncio.subprocess.Process:
    """The driver script on ``url`` in a headless chromium, or the browser ``mode`` names with
    ``--browser`` (see drive-demo.mjs)."""
    return await asyncio.create_subprocess_exec(
        "node",
        str(DRIVER),
        "--url",
        url,
        *mode,
        "--email",
        EMAIL,
        "--password",
        PASSWORD,
        cwd=WEB,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # playwright-core never downloads a browser; this keeps it from even looking.
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
    )


async def finish_driver(proc: asyncio.subprocess.Process) -> bytes:
    """Close the script's stdin and wait for it to end; its stdout. Fails when it failed."""
    try:
        out, err = await asyncio.wait_for(proc.communicate(b""), timeout=90)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()
    return out


async def drive_demo(url: str, screenshot: Path, browser: str = "chromium") -> dict[str, Any]:
    """A scripted visitor fills in the demo form in ``browser`` and submits it; the script's JSON report."""
    report: dict[str, Any] = json.loads(
        await finish_driver(await start_driver(url, "--screenshot", str(screenshot), "--browser", browser))
    )
    return report


def capitals_flagged(events: dict[str, Any]) -> int:
    """Key presses of a ScoreSession body's events flagged as capitals typed without Shift."""
    buttons = events.get("buttons") or [0] * len(events["kinds"])
    return sum(1 for kind, flags in zip(events["kinds"], buttons, strict=True) if kind == 5 and flags & 1)


async def stored_verdict(envoy: Envoy, session_id: str, secret_key: str) -> dict[str, Any]:
    """GetVerdict through Envoy with the secret key, waiting up to 10 s for the verdict to exist."""
    url = f"{envoy.url}/v1/sessions/{session_id}/verdict"
    deadline = asyncio.get_running_loop().time() + 10
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.get(url, headers={"authorization": f"Bearer {secret_key}"}) as reply:
                if reply.status == 200:
                    verdict: dict[str, Any] = await reply.json()
                    return verdict
                assert reply.status == 404, await reply.text()
            assert asyncio.get_running_loop().time() < deadline, f"no verdict for {session_id}"
            await asyncio.sleep(0.1)


async def test_a_scripted_headless_chromium_on_the_demo_page_gets_a_high_verdict_its_backend_can_read(
    envoy: Envoy, tenant: TenantKeys
) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    report = await drive_demo(f"{envoy.url}/demo?key={tenant.publishable}", SCREENSHOT)

    verdict = report["verdict"]
    assert verdict is not None, report
    assert verdict["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL"), verdict
    codes = {reason["code"] for reason in verdict["reasons"]}
    assert {"AUTOMATION_WEBDRIVER", "AUTOMATION_HEADLESS_UA"} <= codes, codes
    # Playwright's keyboard.type sends the password's capitals without Shift.
    assert "KEYS_CAPITAL_WITHOUT_SHIFT" in codes
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
    # Only the keys typed: not the 10 a page script dispatched, nor its fake path.
    assert kinds.count(5) == len(EMAIL) + len(PASSWORD)
    assert FAKE_X not in sent["events"]["x"]
    assert capitals_flagged(sent["events"]) == sum(ch.isupper() for ch in EMAIL + PASSWORD) == 2
    for secret in (EMAIL, PASSWORD, "robot", "unguessable", "Zq7"):
        assert secret not in body

    # The site's backend reads the same verdict with its secret key; the page's key cannot.
    stored = await stored_verdict(envoy, verdict["session_id"], tenant.secret)
    assert (stored["score"], stored["risk_level"]) == (verdict["score"], verdict["risk_level"])
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{envoy.url}/v1/sessions/{verdict['session_id']}/verdict",
            headers={"authorization": f"Bearer {tenant.publishable}"},
        ) as reply,
    ):
        assert reply.status == 403


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
async def test_a_visitor_who_leaves_without_submitting_is_scored_by_the_pagehide_fallback_cross_origin(
    envoy: Envoy, tenant: TenantKeys, browser: str
) -> None:
    # The page comes from 127.0.0.1 and scores at localhost: another origin, so the keepalive
    # request with its authorization header needs (and gets) a CORS preflight.
    endpoint = f"http://localhost:{envoy.port}"
    proc = await start_driver(
        f"{envoy.url}/demo?key={tenant.publishable}&endpoint={endpoint}", "--leave", "--browser", browser
    )
    try:
        assert proc.stdout is not None
        left = json.loads(await asyncio.wait_for(proc.stdout.readline(), timeout=60))
        stored = await stored_verdict(envoy, left["sessionId"], tenant.secret)
    finally:
        await finish_driver(proc)
    assert stored["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL")
    assert stored["event_counts"]["keys"] == 2 * (len(EMAIL) + len(PASSWORD))


# What a genuine Firefox reports where Chrome differs; a check that assumed Chrome would call each a lie.
FIREFOX_SIGNALS = {"product_sub": "20100101", "eval_length": 37, "has_chrome_object": False}


async def test_a_scripted_firefox_is_caught_by_its_webdriver_flag_and_its_own_signals_raise_no_false_alarm(
    envoy: Envoy, tenant: TenantKeys
) -> None:
    screenshot = ROOT / "test-output" / "web" / "demo-verdict-firefox.png"
    screenshot.unlink(missing_ok=True)
    report = await drive_demo(f"{envoy.url}/demo?key={tenant.publishable}", screenshot, "firefox")

    verdict = report["verdict"]
    assert verdict is not None, report
    assert verdict["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL"), verdict
    assert verdict["final"] is True
    assert verdict["risk_level"].removeprefix("RISK_LEVEL_") in report["page"]
    assert screenshot.stat().st_size > 10_000
    [body] = report["bodies"]
    sent = json.loads(body)
    device = sent["start"]["device"]
    assert "Firefox/" in device["user_agent"]
    assert device["webdriver"] is True
    assert {name: device.get(name) for name in FIREFOX_SIGNALS} == FIREFOX_SIGNALS
    # Its automation is caught; nothing else about the browser itself is held against it: not
    # its productSub, its eval length, its missing window.chrome or empty vendor, its plugins.
    # (A machine without a GPU may give headless Firefox a software WebGL renderer: that is true.)
    codes = {reason["code"] for reason in verdict["reasons"] if reason["weight"] > 0}
    device_codes = {code for code in codes if code.startswith(("AUTOMATION_", "DEVICE_"))}
    assert device_codes - {"DEVICE_SOFTWARE_RENDERER"} == {"AUTOMATION_WEBDRIVER"}
    # Puppeteer's keyboard.type sends the password's capitals without Shift, in Firefox too.
    assert "KEYS_CAPITAL_WITHOUT_SHIFT" in codes
    assert capitals_flagged(sent["events"]) == 2
    # Keys arrive as classes with Firefox's event times, and nothing typed leaves the page.
    kinds, times = sent["events"]["kinds"], sent["events"]["t_ms"]
    assert kinds.count(5) == kinds.count(6) == len(EMAIL) + len(PASSWORD)
    assert FAKE_X not in sent["events"]["x"]
    assert times == sorted(times)
    assert times[-1] > 0
    for secret in (EMAIL, PASSWORD, "robot", "unguessable", "Zq7"):
        assert secret not in body


async def test_a_stealth_firefox_script_hiding_navigator_webdriver_is_caught_by_how_it_types_and_clicks(
    envoy: Envoy, tenant: TenantKeys
) -> None:
    # The page's navigator.webdriver reads false, as stealth plugins make it; Firefox's user agent
    # says nothing of headless. Only behaviour is left.
    screenshot = ROOT / "test-output" / "web" / "demo-verdict-firefox-stealth.png"
    proc = await start_driver(
        f"{envoy.url}/demo?key={tenant.publishable}",
        "--screenshot",
        str(screenshot),
        "--browser",
        "firefox",
        "--stealth",
    )
    report: dict[str, Any] = json.loads(await finish_driver(proc))

    verdict = report["verdict"]
    assert verdict is not None, report
    [body] = report["bodies"]
    assert json.loads(body)["start"]["device"]["webdriver"] is False
    codes = {reason["code"] for reason in verdict["reasons"] if reason["weight"] > 0}
    device_codes = {code for code in codes if code.startswith(("AUTOMATION_", "DEVICE_"))}
    assert device_codes <= {"DEVICE_SOFTWARE_RENDERER"}, codes  # (true of a machine without a GPU)
    assert verdict["risk_level"] in ("RISK_LEVEL_HIGH", "RISK_LEVEL_CRITICAL"), verdict
    # Bare capitals (keys held for the same few milliseconds and clicks released at once add to
    # them, but their timing depends on how busy the machine is).
    assert "KEYS_CAPITAL_WITHOUT_SHIFT" in codes, codes


@pytest.mark.parametrize("how", ["script", "input"])
@pytest.mark.parametrize("browser", ["chromium", "firefox"])
async def test_a_page_a_script_scrolls_with_no_input_is_flagged_and_one_scrolled_by_wheel_and_keys_is_not(
    envoy: Envoy, tenant: TenantKeys, browser: str, how: str
) -> None:
    # Before the form, the visitor reads an article below it, 3,600 px in six steps: `script` with
    # window.scrollBy as scrapers do, `input` with the wheel and Page Down.
    screenshot = ROOT / "test-output" / "web" / f"demo-verdict-scroll-{browser}-{how}.png"
    proc = await start_driver(
        f"{envoy.url}/demo?key={tenant.publishable}",
        "--screenshot",
        str(screenshot),
        "--browser",
        browser,
        "--scroll",
        how,
    )
    report: dict[str, Any] = json.loads(await finish_driver(proc))

    verdict = report["verdict"]
    assert verdict is not None, report
    [body] = report["bodies"]
    events = json.loads(body)["events"]
    offsets = [y for kind, y in zip(events["kinds"], events["y"], strict=True) if kind == 10]
    assert max(offsets) >= 3000.0
    reasons = {reason["code"]: reason for reason in verdict["reasons"]}
    if how == "script":
        assert 4 not in events["kinds"][: events["kinds"].index(10)]  # no wheel before it scrolled
        assert reasons["BEHAVIOUR_SCROLL_WITHOUT_INPUT"]["weight"] > 1.0, reasons
    else:
        assert 4 in events["kinds"]
        assert "BEHAVIOUR_SCROLL_WITHOUT_INPUT" not in reasons, reasons


@pytest.mark.parametrize(("how", "touch_screen"), [("script", True), ("finger", True), ("finger", False)])
async def test_swipes_a_script_interpolates_on_a_touch_screen_are_flagged_and_a_thumbs_are_not(
    envoy: Envoy, tenant: TenantKeys, how: str, touch_screen: bool
) -> None:
    # Chromium on a touch screen: before the form, three swipes up a long page through CDP touch
    # input, each move awaited: `script` in 20 equal steps along a line, `finger` along a thumb's
    # arc, speeding up and slowing down. Without a touch screen the touches reach the page all the
    # same, from a browser that says it has none.
    screen = "touch" if touch_screen else "none"
    screenshot = ROOT / "test-output" / "web" / f"demo-verdict-swipe-{how}-{screen}.png"
    mode = ("--swipe", how) if touch_screen else ("--swipe", how, "--no-touch-screen")
    proc = await start_driver(
        f"{envoy.url}/demo?key={tenant.publishable}", "--screenshot", str(screenshot), *mode
    )
    report: dict[str, Any] = json.loads(await finish_driver(proc))

    verdict = report["verdict"]
    assert verdict is not None, report
    [body] = report["bodies"]
    sent = json.loads(body)
    assert (sent["start"]["device"].get("max_touch_points", 0) > 0) == touch_screen
    kinds = sent["events"]["kinds"]
    assert kinds.count(7) == kinds.count(9) == 3  # three touches, started and ended
    assert kinds.count(8) >= 24, kinds.count(8)  # most of their moves (some dropped while the page scrolls)
    reasons = {reason["code"]: reason for reason in verdict["reasons"]}
    if how == "script":
        assert reasons["POINTER_INTERPOLATED_SWIPE"]["weight"] >= 2.0, reasons  # two strokes or more
    else:
        assert "POINTER_INTERPOLATED_SWIPE" not in reasons, reasons
    assert ("BEHAVIOUR_TOUCH_WITHOUT_TOUCH_SCREEN" in reasons) == (not touch_screen), reasons
