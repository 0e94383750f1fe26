"""Per-municipality theming over the KERN design tokens."""

from __future__ import annotations

from .models import Municipality


def _mix(hex_color: str, other: tuple[int, int, int], amount: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c + (o - c) * amount) for c, o in zip((r, g, b), other, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def accessible_action_color(color: str) -> str:
    """Darken the brand colour until white text on it meets WCAG AA (4.5:1)."""
    for step in range(0, 21):
        candidate = _mix(color, (0, 0, 0), step * 0.05)
        if contrast_ratio(candidate, "#ffffff") >= 4.5:
            return candidate
    return "#000000"


def theme_css_for(municipality: Municipality | None) -> str:
    color = accessible_action_color(municipality.primary_color if municipality else "#004b87")
    light = _mix(color, (255, 255, 255), 0.9)
    return (
        ":root {\n"
        f"  --rathaus-brand: {color};\n"
        f"  --rathaus-brand-light: {light};\n"
        f"  --kern-color-action-default: {color};\n"
        f"  --kern-color-action-focus-default: {color};\n"
        f"  --kern-color-layout-background-hued: {light};\n"
        "}\n"
    )
