"""A minimal TNEF (winmail.dat) writer for tests: one message-level MAPI property block.

Written from MS-OXTNEF (attribute layout) and MS-OXRTFCP (the body compressed with
compressed_rtf), so tests need no binary fixture."""

from __future__ import annotations

import struct

import compressed_rtf

TNEF_SIGNATURE = 0x223E9F78
LVL_MESSAGE = 1
ATT_MAPI_PROPS = 0x9003
PT_BINARY = 0x0102
PR_RTF_COMPRESSED = 0x1009


def _attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def tnef_with_rtf_body(rtf: bytes) -> bytes:
    """A winmail.dat whose only body is `rtf`, LZFu-compressed as Outlook sends it."""
    compressed = compressed_rtf.compress(rtf, compressed=True)
    padded = compressed + b"\x00" * (-len(compressed) % 4)
    props = struct.pack("<IHHII", 1, PT_BINARY, PR_RTF_COMPRESSED, 1, len(compressed)) + padded
    return struct.pack("<IH", TNEF_SIGNATURE, 0) + _attribute(LVL_MESSAGE, ATT_MAPI_PROPS, 6, props)
