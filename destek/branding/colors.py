"""The primary colour: a #rrggbb value on which white text stays readable (WCAG AA, 4.5:1),
since buttons, the chat widget's header and its bubbles put white text on it."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEX = re.compile(r"^#[0-9a-f]{6}$")
MIN_CONTRAST_WITH_WHITE = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(color: str) -> float:
    return 1.05 / (luminance(color) + 0.05)


def rgb(color: str) -> tuple[int, int, int]:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return r, g, b


def darker(color: str, factor: float = 0.85) -> str:
    return "#" + "".join(f"{int(c * factor):02x}" for c in rgb(color))


def clean_color(value: str) -> str:
    """The colour as stored ('#0a58ca'), or ValidationError with a message for people."""
    color = value.strip().lower()
    if not color:
        return ""
    if re.fullmatch(r"[0-9a-f]{6}", color):
        color = "#" + color
    if not HEX.match(color):
        raise ValidationError(_("Enter a colour as # and six hexadecimal digits, such as "
                                "#0a58ca."), code="invalid")
    ratio = contrast_with_white(color)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise ValidationError(
            _("White text on %(color)s is hard to read (contrast %(ratio).1f:1, at least "
              "4.5:1 is needed). Choose a darker colour.") % {"color": color, "ratio": ratio},
            code="contrast")
    return color
