"""How many SMS segments a text costs (3GPP TS 23.038 / 23.040).

A text made only of GSM-7 characters travels 7 bits a character: 160 in one segment, 153
per segment once split (the rest carries the concatenation header); the extension table's
characters (`€ [ ] { } ~ ^ | \\` and form feed) take two. Any other character — every Hindi
or Odia letter — switches the whole message to UCS-2: 70 UTF-16 units in one segment, 67
per segment once split (a character outside the BMP, such as an emoji, takes two units).
Operators bill per segment, so the count is recorded with every SMS sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
_SINGLE = {GSM7: 160, UCS2: 70}
_PER_PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_size(text: str) -> SmsSize:
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        encoding = GSM7
        units = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
    else:
        encoding = UCS2
        units = len(text.encode("utf-16-le")) // 2
    if units <= _SINGLE[encoding]:
        return SmsSize(encoding, units, 1)
    return SmsSize(encoding, units, math.ceil(units / _PER_PART[encoding]))
