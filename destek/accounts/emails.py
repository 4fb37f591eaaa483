"""Email addresses as Destek stores and compares them."""

from __future__ import annotations


def normalized_email(value: str) -> str:
    """`value` trimmed and lower-cased, the way every door stores and looks up an address.

    A Turkish keyboard types the capital of i as İ (U+0130), whose lower case is two code
    points, "i̇" (i and a combining dot): `"İNFO@ÖRNEK.COM".lower()` is not an address anyone
    owns. It is folded to the plain i first, so the address is the one the person meant.
    """
    return value.strip().replace("\u0130", "I").lower()
