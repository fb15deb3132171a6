"""MySQL's binary DECIMAL format (row images, binary JSON): bytes -> Decimal."""

from __future__ import annotations

from decimal import Decimal

#: Bytes holding a group of 0..9 decimal digits.
DIG2BYTES = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)


def decimal_size(precision: int, scale: int) -> int:
    """Bytes a DECIMAL(precision, scale) takes in a row image."""
    intg = precision - scale
    return (intg // 9) * 4 + DIG2BYTES[intg % 9] + (scale // 9) * 4 + DIG2BYTES[scale % 9]


def decode_decimal(raw: bytes, precision: int, scale: int) -> Decimal:
    """MySQL's binary DECIMAL: groups of 9 digits in 4 big-endian bytes, sign in bit 7."""
    b = bytearray(raw)
    negative = not b[0] & 0x80
    b[0] ^= 0x80
    if negative:
        b = bytearray(x ^ 0xFF for x in b)
    intg = precision - scale
    lead = DIG2BYTES[intg % 9]
    digits: list[str] = []
    p = 0
    if lead:
        digits.append(str(int.from_bytes(b[:lead], "big")))
        p = lead
    for _ in range(intg // 9):
        digits.append(f"{int.from_bytes(b[p : p + 4], 'big'):09d}")
        p += 4
    text = "".join(digits) or "0"
    if scale:
        frac: list[str] = []
        for _ in range(scale // 9):
            frac.append(f"{int.from_bytes(b[p : p + 4], 'big'):09d}")
            p += 4
        rest = scale % 9
        if rest:
            n = DIG2BYTES[rest]
            frac.append(str(int.from_bytes(b[p : p + n], "big")).zfill(rest))
        text += "." + "".join(frac)
    return Decimal("-" + text if negative else text)
