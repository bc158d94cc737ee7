"""Device consistency: whether the time zone and the window sizes a browser reports add up.

* the IANA time zone and ``getTimezoneOffset()`` come from the same clock settings, so the
  offset must be one the zone has (in winter or summer); a spoofed time zone (set with a CDP
  override or a fingerprint-spoofing extension) often leaves the offset of the host, and vice
  versa. Zone offsets are read from the time zone database (:mod:`zoneinfo`): deterministic data
  for a given database release, no clock and no I/O beyond reading it;
* a browser window is not larger than the screen it is on (a little slack for window borders
  and a window dragged across two monitors' edges), and the page's viewport is not larger than
  its window unless the page is zoomed out, which stays soft.

All of these are soft: each is capped by the device detector, so no one of them reaches HIGH.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from botsift_server.engine._evidence import Finding
from botsift_server.engine._types import Device

# Winter and summer of recent years: a zone's offsets on these dates are the ones it uses.
_PROBES = tuple(
    dt.datetime(year, month, 15, 12, tzinfo=dt.UTC) for year in (2024, 2025, 2026) for month in (1, 7)
)
# A window may exceed its screen by borders, or straddle a second monitor: only far beyond counts.
WINDOW_SLACK = 1.25
# Zooming out makes the viewport (CSS px) larger than the window: beyond 90% zoom it counts, a
# little (people do zoom out, which is why this stays the weakest device signal).
VIEWPORT_SLACK = 1.1


def zone_offsets(zone: str) -> frozenset[int] | None:
    """The ``getTimezoneOffset()`` values (minutes, positive west of UTC) ``zone`` uses, or
    None when the zone is unknown to the time zone database."""
    if not zone or len(zone) > 64:
        return None
    try:
        info = zoneinfo.ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return None
    out = set()
    for probe in _PROBES:
        offset = probe.astimezone(info).utcoffset()
        if offset is not None:
            out.add(-int(offset.total_seconds() // 60))
    return frozenset(out)


def consistency_findings(device: Device) -> list[Finding]:
    """Soft findings about the time zone and window geometry (empty when they add up)."""
    out: list[Finding] = []
    if device.timezone and device.timezone_offset_minutes is not None:
        offsets = zone_offsets(device.timezone)
        if offsets and device.timezone_offset_minutes not in offsets:
            out.append(
                Finding(
                    "DEVICE_TIMEZONE_MISMATCH",
                    f"The time zone {device.timezone[:40]!r} never has the clock offset the browser "
                    f"reports ({device.timezone_offset_minutes} min): one of them is spoofed.",
                    1.2,
                )
            )
    sw, sh, ow, oh = device.screen_width, device.screen_height, device.outer_width, device.outer_height
    if sw and sh and ow and oh:
        # Screens are reported in either orientation by some browsers: compare both ways.
        fits = (ow <= WINDOW_SLACK * sw and oh <= WINDOW_SLACK * sh) or (
            ow <= WINDOW_SLACK * sh and oh <= WINDOW_SLACK * sw
        )
        if not fits:
            out.append(
                Finding(
                    "DEVICE_WINDOW_LARGER_THAN_SCREEN",
                    f"The browser window ({ow}x{oh}) is larger than its screen ({sw}x{sh}).",
                    1.0,
                )
            )
    iw, ih = device.inner_width, device.inner_height
    if iw and ih and ow and oh and (iw > VIEWPORT_SLACK * ow or ih > VIEWPORT_SLACK * oh):
        out.append(
            Finding(
                "DEVICE_VIEWPORT_LARGER_THAN_WINDOW",
                f"The page viewport ({iw}x{ih}) is larger than the window around it ({ow}x{oh}).",
                0.6,
            )
        )
    return out
