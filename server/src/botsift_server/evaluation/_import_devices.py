"""Real browser profiles (DoubleAgent) as the device signals a session starts with.

The profiles were collected through a remote WebDriver service, so ``webdriver`` is true in all
of them: they show which values real browsers report together (user agent, platform, screen,
WebGL, plugins), not what a clean human session looks like. The traces carry no label and no
events; tests of device consistency use their ``device`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from botsift_server.engine import Device, EventColumns
from botsift_server.evaluation._archive import members
from botsift_server.evaluation._traces import Trace, device_from_dict


def import_browser_profiles(archive: Path) -> Iterator[Trace]:
    """One trace (no events, no label) per browser profile, carrying its device signals."""
    found: dict[str, dict[str, Any]] = {}
    for name, text in members(archive):
        path = PurePosixPath(name)
        if path.name not in ("browser-fingerprints.json", "http-basic-headers.json"):
            continue
        profile = f"{path.parent.parent.name}/{path.parent.name}"
        found.setdefault(profile, {})[path.name] = json.loads(text.read())
    for profile in sorted(found):
        files = found[profile]
        if "browser-fingerprints.json" not in files:
            continue
        device = profile_device(files["browser-fingerprints.json"], files.get("http-basic-headers.json"))
        name = profile.split("/", 1)[0]
        yield Trace(
            session_id=f"browser-profiles/{profile}",
            events=EventColumns.empty(),
            device=device,
            source=f"browser-profiles/{name}",
            person=f"browser-profiles/{name}",
        )


def profile_device(fingerprint: Mapping[str, Any], headers: Mapping[str, Any] | None = None) -> Device:
    """The :class:`Device` of one profile's FingerprintJS components (and its HTTP headers)."""
    components = {c["key"]: c.get("value") for c in fingerprint["data"][0]["components"]}
    values: dict[str, Any] = {
        "user_agent": components.get("userAgent", ""),
        "platform": components.get("platform", ""),
        "webdriver": components.get("webdriver") if isinstance(components.get("webdriver"), bool) else None,
        "color_depth": _int(components.get("colorDepth")),
        "device_memory_gib": _float(components.get("deviceMemory")),
        "device_pixel_ratio": _float(components.get("pixelRatio")),
        "hardware_concurrency": _int(components.get("hardwareConcurrency")),
        "timezone": components.get("timezone") or "",
        "timezone_offset_minutes": _int(components.get("timezoneOffset")),
    }
    plugins = components.get("plugins")
    if isinstance(plugins, list):
        values["plugins_count"] = len(plugins)
    screen = components.get("screenResolution")
    if isinstance(screen, list) and len(screen) == 2:
        # FingerprintJS sorts the pair as strings, so the order says nothing; desktop screens
        # (all of these profiles) are landscape.
        values["screen_width"], values["screen_height"] = max(screen), min(screen)
    webgl = components.get("webglVendorAndRenderer")
    if isinstance(webgl, str) and "~" in webgl:
        values["webgl_vendor"], values["webgl_renderer"] = webgl.split("~", 1)
    touch = components.get("touchSupport")
    if isinstance(touch, list) and len(touch) == 3:
        values["max_touch_points"] = _int(touch[0])
        values["touch_support"] = bool(touch[1] or touch[2])
    values["languages"] = _languages(headers) or [components.get("language", "")]
    if "Chrome/" in values["user_agent"]:
        values["has_chrome_object"] = True
        values["vendor"] = "Google Inc."
    return device_from_dict({k: v for k, v in values.items() if v not in (None, "", [""])})


def _languages(headers: Mapping[str, Any] | None) -> list[str]:
    if not headers:
        return []
    for request in headers.get("data", []):
        for key, value in request.get("rawHeaders", []):
            if key.lower() == "accept-language":
                return [part.split(";", 1)[0].strip() for part in value.split(",") if part.strip()]
    return []


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
