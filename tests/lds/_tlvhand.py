"""Hand TLV assembly for expected bytes, independent of cardkit.tlv (short and 81/82 lengths only)."""


def T(tag_hex: str, value: bytes | str) -> bytes:
    """Tag (hex) + length + value (bytes, or text encoded as UTF-8)."""
    v = value.encode("utf-8") if isinstance(value, str) else value
    n = len(v)
    length = bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF]))
    return bytes.fromhex(tag_hex) + length + v


def H(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)
