"""Device and automation signals: hard automation evidence decides, unusual setups do not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from botsift_server.engine import Assessment, Device, Engine, RiskLevel, SessionContext

from .traces import CHROME_UA, CLEAN_CHROME, human_mouse

ENGINE = Engine()


def _assess(device: Device, with_human_mouse: bool = False) -> Assessment:
    state = ENGINE.start(SessionContext(action="login", device=device))
    if with_human_mouse:
        ENGINE.add(state, human_mouse(np.random.default_rng(7)))
    return ENGINE.assess(state)


def _codes(device: Device) -> set[str]:
    return {r.code for r in _assess(device).reasons}


def test_webdriver_session_is_critical_with_automation_webdriver() -> None:
    a = _assess(dataclasses.replace(CLEAN_CHROME, webdriver=True))
    assert a.risk_level is RiskLevel.CRITICAL
    assert a.reasons[0].code == "AUTOMATION_WEBDRIVER"
    assert a.reasons[0].weight > 0


def test_webdriver_alone_on_an_otherwise_unreported_device_is_critical() -> None:
    assert _assess(Device(webdriver=True)).risk_level is RiskLevel.CRITICAL


@pytest.mark.parametrize(
    "user_agent",
    [
        CHROME_UA.replace("Chrome/", "HeadlessChrome/"),
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 "
        "Safari/538.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:60.0) Gecko/20100101 SlimerJS/1.0.0",
    ],
)
def test_headless_user_agent_is_at_least_high(user_agent: str) -> None:
    a = _assess(dataclasses.replace(CLEAN_CHROME, user_agent=user_agent, eval_length=None, product_sub=""))
    assert a.risk_level >= RiskLevel.HIGH
    assert "AUTOMATION_HEADLESS_UA" in {r.code for r in a.reasons}


@pytest.mark.parametrize(
    "marker",
    ["cdc_adoQpoasnfa76pfcZLmcfl_Array", "__nightmare", "callPhantom", "_phantom", "__selenium_unwrapped"],
)
def test_known_automation_marker_is_at_least_high(marker: str) -> None:
    a = _assess(dataclasses.replace(CLEAN_CHROME, automation_markers=(marker,)))
    assert a.risk_level >= RiskLevel.HIGH
    assert "AUTOMATION_MARKER" in {r.code for r in a.reasons}


def test_bare_phantom_marker_is_the_crypto_wallet_and_no_evidence() -> None:
    a = _assess(dataclasses.replace(CLEAN_CHROME, automation_markers=("phantom", "solana")))
    assert "AUTOMATION_MARKER" not in {r.code for r in a.reasons}
    assert a.risk_level is RiskLevel.LOW


def test_marker_message_never_echoes_client_text() -> None:
    a = _assess(dataclasses.replace(CLEAN_CHROME, automation_markers=("cdc_<script>alert(1)</script>",)))
    message = next(r.message for r in a.reasons if r.code == "AUTOMATION_MARKER")
    assert "<script>" not in message


UNUSUAL_BUT_LEGIT = {
    "no plugins": dataclasses.replace(CLEAN_CHROME, plugins_count=0),
    "pdf viewer off": dataclasses.replace(CLEAN_CHROME, plugins_count=0, pdf_viewer_enabled=False),
    "fake plugin array (extension)": dataclasses.replace(CLEAN_CHROME, plugins_is_plugin_array=False),
    "unusual languages": dataclasses.replace(CLEAN_CHROME, languages=("tlh", "x-klingon")),
    "no languages": dataclasses.replace(CLEAN_CHROME, languages=()),
    "phantom wallet": dataclasses.replace(CLEAN_CHROME, automation_markers=("phantom",)),
    "software renderer (VM)": dataclasses.replace(
        CLEAN_CHROME,
        webgl_renderer="ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader)",
    ),
    "llvmpipe (Linux without GPU)": dataclasses.replace(
        CLEAN_CHROME, webgl_renderer="llvmpipe (LLVM 15.0.7, 256 bits)"
    ),
    "zero outer window (in-app WebView)": dataclasses.replace(CLEAN_CHROME, outer_width=0, outer_height=0),
    "notifications denied (incognito)": dataclasses.replace(CLEAN_CHROME, notification_permission="denied"),
    "headless permission pattern": dataclasses.replace(
        CLEAN_CHROME, notification_permission="denied", notification_permission_query="prompt"
    ),
    "electron app": dataclasses.replace(
        CLEAN_CHROME, user_agent=CHROME_UA + " Electron/33.0.0", electron_process=True
    ),
    "user agent switcher (eval length)": dataclasses.replace(CLEAN_CHROME, eval_length=37),
    "user agent switcher (productSub)": dataclasses.replace(CLEAN_CHROME, product_sub="20100101"),
    "user agent switcher (platform)": dataclasses.replace(CLEAN_CHROME, platform="Linux x86_64"),
    "desktop mode on a phone": dataclasses.replace(
        CLEAN_CHROME,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        platform="Linux armv8l",
        max_touch_points=0,
    ),
    "android in-app webview": dataclasses.replace(
        CLEAN_CHROME,
        user_agent="Mozilla/5.0 (Linux; Android 13; SM-S911B; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/400.0.0.0;]",
        platform="Linux aarch64",
        plugins_count=0,
        pdf_viewer_enabled=False,
        max_touch_points=5,
        outer_width=0,
        outer_height=0,
    ),
    "tor browser": Device(
        user_agent="Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0",
        platform="Win32",
        languages=("en-US", "en"),
        webdriver=False,
        plugins_count=5,
        timezone="UTC",
        timezone_offset_minutes=0,
        screen_width=1400,
        screen_height=900,
        webgl_renderer="Mozilla",
        eval_length=37,
        product_sub="20100101",
        pdf_viewer_enabled=True,
    ),
    "brave": dataclasses.replace(CLEAN_CHROME, plugins_count=0, hardware_concurrency=2, languages=("en-US",)),
}


@pytest.mark.parametrize("with_human_mouse", [False, True], ids=["no events", "human mouse"])
@pytest.mark.parametrize("device", UNUSUAL_BUT_LEGIT.values(), ids=UNUSUAL_BUT_LEGIT.keys())
def test_single_unusual_but_legitimate_signal_stays_below_high(
    device: Device, with_human_mouse: bool
) -> None:
    a = _assess(device, with_human_mouse)
    assert a.risk_level < RiskLevel.HIGH, [(r.code, r.weight) for r in a.reasons]


def test_missing_device_fields_are_not_evidence() -> None:
    a = _assess(Device())
    assert all(r.detector != "device" for r in a.reasons)
    assert a.risk_level is RiskLevel.LOW


def test_several_headless_tells_together_reach_high() -> None:
    device = dataclasses.replace(
        CLEAN_CHROME,
        webgl_renderer="Google SwiftShader",
        outer_width=0,
        outer_height=0,
        notification_permission="denied",
        notification_permission_query="prompt",
        plugins_count=0,
    )
    assert _assess(device).risk_level >= RiskLevel.HIGH


@pytest.mark.parametrize(
    ("device", "code"),
    [
        (
            dataclasses.replace(
                CLEAN_CHROME,
                user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                platform="iPhone",
                eval_length=37,
                max_touch_points=0,
            ),
            "DEVICE_MOBILE_WITHOUT_TOUCH",
        ),
        (dataclasses.replace(CLEAN_CHROME, platform="MacIntel"), "DEVICE_PLATFORM_MISMATCH"),
        (dataclasses.replace(CLEAN_CHROME, eval_length=39), "DEVICE_EVAL_LENGTH_MISMATCH"),
        (dataclasses.replace(CLEAN_CHROME, product_sub="20100101"), "DEVICE_PRODUCT_SUB_MISMATCH"),
        (dataclasses.replace(CLEAN_CHROME, webgl_renderer="Mesa OffScreen"), "DEVICE_SOFTWARE_RENDERER"),
    ],
)
def test_inconsistent_device_signals_are_named(device: Device, code: str) -> None:
    assert code in _codes(device)


def test_clean_chrome_has_no_device_reasons() -> None:
    assert all(r.detector != "device" for r in _assess(CLEAN_CHROME).reasons)


MAC_SAFARI_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "touch_points", "on_screen", "desktop"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            0,
            False,
            True,
        ),
        # A Windows laptop with a touch screen still has a physical keyboard.
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
            10,
            False,
            False,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
            5,
            True,
            False,
        ),
        # iPadOS Safari says it is a Mac; Macs have no touch screens.
        (
            MAC_SAFARI_UA,
            5,
            True,
            False,
        ),
        (
            MAC_SAFARI_UA,
            0,
            False,
            True,
        ),
    ],
)
def test_phones_and_tablets_type_on_screen_and_desktops_do_not(
    user_agent: str, touch_points: int, on_screen: bool, desktop: bool
) -> None:
    device = Device(user_agent=user_agent, max_touch_points=touch_points)
    assert device.types_on_screen is on_screen
    assert device.is_desktop is desktop
