"""Device and automation signals: what the browser says about itself, and whether it adds up.

Two kinds of evidence, kept apart on purpose:

* **hard** automation evidence — ``navigator.webdriver``, a headless user agent, globals that
  automation frameworks leave behind — is strong enough to carry a verdict on its own;
* **soft** evidence — inconsistencies and unusual values — is capped per signal (at most
  :data:`SOFT_MAX_LOG_ODDS`) so that no single unusual-but-legitimate setup (no plugins, a
  privacy browser, an in-app WebView, a VM without GPU, the Phantom wallet) reaches HIGH alone.
  Several of them together can.

Missing values (``None``, empty strings, empty tuples) are never evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from botsift_server.engine._evidence import Evidence, Finding
from botsift_server.engine._types import Device
from botsift_server.engine.device_consistency import consistency_findings

DETECTOR = "device"

SOFT_MAX_LOG_ODDS = 1.5
"""The most any single soft signal adds; with the default prior that stays below MEDIUM."""

# Globals and attributes automation tools leave in the page, lower-cased. A bare "phantom" is
# the Phantom crypto wallet (window.phantom), not PhantomJS, so only its underscore forms count.
_EXACT_MARKERS = frozenset(
    {
        "callphantom",
        "_phantom",
        "__phantomas",
        "__nightmare",
        "domautomation",
        "domautomationcontroller",
        "_webdriver_script_fn",
        "__webdriver_script_fn",
        "__driver_evaluate",
        "__webdriver_evaluate",
        "__selenium_evaluate",
        "__fxdriver_evaluate",
        "__driver_unwrapped",
        "__webdriver_unwrapped",
        "__selenium_unwrapped",
        "__fxdriver_unwrapped",
        "__lastwatirasync",
        "__lastwatirconfirm",
        "__lastwatirprompt",
        "_selenium",
        "calledselenium",
        "__playwright",
        "__pwinitscripts",
        "__playwright__binding__",
        "__puppeteer_evaluation_script__",
        "geb",
        "awesomium",
        "_selenium_ide_recorder",
    }
)
_MARKER_PREFIXES = ("cdc_", "$cdc_", "$wdc_", "__webdriver", "__selenium", "__fxdriver", "__playwright")
_MARKER_WORDS = ("selenium", "webdriver", "puppeteer", "chromedriver", "geckodriver")

_HEADLESS_UA = ("headlesschrome", "phantomjs", "slimerjs", "headless")
_SOFTWARE_RENDERERS = ("swiftshader", "llvmpipe", "mesa offscreen", "software rasterizer")

# eval.toString().length by JavaScript engine: V8 33, SpiderMonkey/JavaScriptCore 37, Chakra/IE 39.
_EVAL_LENGTH: Mapping[str, int] = MappingProxyType({"blink": 33, "gecko": 37, "webkit": 37, "trident": 39})
_PRODUCT_SUB: Mapping[str, str] = MappingProxyType(
    {"blink": "20030107", "webkit": "20030107", "gecko": "20100101"}
)
# navigator.platform prefixes each operating system (as named by the user agent) may report.
_PLATFORMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Windows": ("win",),
        "iOS": ("iphone", "ipad", "ipod", "mac"),
        "Android": ("linux", "android", "arm", "aarch"),
        "ChromeOS": ("linux", "cros"),
        "macOS": ("mac",),
        "Linux": ("linux", "x11", "freebsd", "openbsd"),
    }
)


def assess(device: Device) -> Evidence:
    """Judge the device signals of a session (pure; no events needed)."""
    ua = device.user_agent.lower()
    app_version = device.app_version.lower()
    hard: list[Finding] = []
    soft: list[Finding] = []

    if device.webdriver is True:
        hard.append(
            Finding(
                "AUTOMATION_WEBDRIVER",
                "navigator.webdriver is true: the browser is driven by WebDriver "
                "(Selenium, Playwright, Puppeteer or similar).",
                7.0,
            )
        )
    headless = [name for name in _HEADLESS_UA if name in ua or name in app_version]
    if headless:
        hard.append(
            Finding(
                "AUTOMATION_HEADLESS_UA",
                f"The user agent names a headless browser ({headless[0]}).",
                6.0,
            )
        )
    markers = sorted({m for m in (_known_marker(raw) for raw in device.automation_markers) if m})
    if markers:
        hard.append(
            Finding(
                "AUTOMATION_MARKER",
                f"The page carries globals that automation tools leave behind ({', '.join(markers[:3])}).",
                6.0,
            )
        )

    engine = _engine(ua)
    mobile = _is_mobile(ua)
    if "electron/" in ua or device.electron_process is True:
        soft.append(
            Finding(
                "AUTOMATION_ELECTRON",
                "The page runs inside Electron, used by desktop apps and by automation (Nightmare).",
                1.2,
            )
        )
    renderer = device.webgl_renderer.lower()
    software = next((name for name in _SOFTWARE_RENDERERS if name in renderer), None)
    if software:
        soft.append(
            Finding(
                "DEVICE_SOFTWARE_RENDERER",
                f"WebGL renders in software ({software}), as in headless browsers and servers without a GPU.",
                1.5,
            )
        )
    if device.document_focused is True and (device.outer_width == 0 or device.outer_height == 0):
        soft.append(
            Finding(
                "DEVICE_ZERO_WINDOW",
                "The window has no outer size although the page has focus, as in headless browsers.",
                1.5,
            )
        )
    if device.notification_permission == "denied" and device.notification_permission_query == "prompt":
        soft.append(
            Finding(
                "DEVICE_PERMISSION_INCONSISTENT",
                "Notifications are 'denied' while the Permissions API says 'prompt', a headless Chrome tell.",
                1.5,
            )
        )
    if (
        engine == "blink"
        and not mobile
        and device.plugins_count == 0
        and device.pdf_viewer_enabled is not False
    ):
        soft.append(
            Finding(
                "DEVICE_NO_PLUGINS",
                "Desktop Chrome with its PDF viewer on normally lists plugins; this one lists none.",
                1.0,
            )
        )
    if device.plugins_is_plugin_array is False:
        soft.append(
            Finding(
                "DEVICE_FAKE_PLUGINS",
                "navigator.plugins is not a genuine PluginArray, so it was replaced by a script.",
                1.2,
            )
        )
    if not device.languages and device.user_agent and device.platform and device.plugins_count is not None:
        # The collector reported the rest of navigator, so the empty list is what the page saw.
        soft.append(Finding("DEVICE_NO_LANGUAGES", "The browser reports no preferred languages.", 0.6))
    if engine and device.eval_length is not None and device.eval_length != _EVAL_LENGTH[engine]:
        soft.append(
            Finding(
                "DEVICE_EVAL_LENGTH_MISMATCH",
                f"The JavaScript engine (eval length {device.eval_length}) is not the one the user agent "
                f"names ({engine}): the user agent is spoofed.",
                1.5,
            )
        )
    expected_sub = _PRODUCT_SUB.get(engine)
    if expected_sub and device.product_sub and device.product_sub != expected_sub:
        soft.append(
            Finding(
                "DEVICE_PRODUCT_SUB_MISMATCH",
                f"navigator.productSub is {device.product_sub[:16]!r}, not what the browser "
                "in the user agent reports.",
                1.0,
            )
        )
    if mobile and (device.max_touch_points == 0 or device.touch_support is False):
        soft.append(
            Finding(
                "DEVICE_MOBILE_WITHOUT_TOUCH",
                "The user agent is a phone or tablet but the device has no touch support.",
                1.2,
            )
        )
    soft.extend(consistency_findings(device))
    ua_os = _os(ua)
    if ua_os and device.platform and not _platform_matches(ua_os, device.platform.lower()):
        soft.append(
            Finding(
                "DEVICE_PLATFORM_MISMATCH",
                f"The user agent says {ua_os} but navigator.platform says {device.platform[:24]!r}.",
                1.5,
            )
        )

    findings = tuple(hard + [_cap(f) for f in soft])
    if hard:
        confidence = 1.0
    elif soft:
        confidence = min(1.0, sum(f.log_odds for f in findings) / 4.0)
    else:
        confidence = 0.1 * _coverage(device)
    return Evidence(DETECTOR, findings, confidence)


def _cap(finding: Finding) -> Finding:
    if finding.log_odds <= SOFT_MAX_LOG_ODDS:
        return finding
    return Finding(finding.code, finding.message, SOFT_MAX_LOG_ODDS)


def _known_marker(raw: str) -> str:
    """The canonical name of a known automation marker, or "" (unknown names are no evidence)."""
    marker = raw.strip().lower()
    if marker in _EXACT_MARKERS:
        return marker
    for prefix in _MARKER_PREFIXES:
        if marker.startswith(prefix):
            return prefix + "*"
    for word in _MARKER_WORDS:
        if word in marker:
            return "*" + word + "*"
    return ""


def _engine(ua: str) -> str:
    """The JavaScript engine the user agent claims: blink, gecko, webkit, trident or ""."""
    if not ua:
        return ""
    if "trident/" in ua or "msie " in ua:
        return "trident"
    ios = "iphone" in ua or "ipad" in ua or "ipod" in ua
    if ios:
        return "webkit"  # every iOS browser runs on WebKit, whatever it calls itself
    if "firefox/" in ua:
        return "gecko"
    if "chrome/" in ua or "chromium/" in ua:
        return "blink"
    if "applewebkit/" in ua:
        return "webkit"
    return ""


def _is_mobile(ua: str) -> bool:
    return any(word in ua for word in ("mobile", "android", "iphone", "ipad", "ipod"))


def _os(ua: str) -> str:
    if "windows" in ua:
        return "Windows"
    if "iphone" in ua or "ipad" in ua or "ipod" in ua:
        return "iOS"
    if "android" in ua:
        return "Android"
    if "cros " in ua:
        return "ChromeOS"
    if "macintosh" in ua or "mac os x" in ua:
        return "macOS"
    if "linux" in ua or "x11" in ua:
        return "Linux"
    return ""


def _platform_matches(ua_os: str, platform: str) -> bool:
    return platform.startswith(_PLATFORMS[ua_os])


def _coverage(device: Device) -> float:
    """Share of the main signals the collector reported (a clean, well-reported device is still weak)."""
    reported = (
        bool(device.user_agent),
        bool(device.platform),
        device.webdriver is not None,
        device.plugins_count is not None,
        bool(device.webgl_renderer),
        bool(device.languages),
        device.outer_width is not None,
        device.eval_length is not None,
    )
    return sum(reported) / len(reported)
