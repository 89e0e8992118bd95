"""QR codes of the documents' verification URLs, as SVG data URIs for the PDF templates."""

from __future__ import annotations

import segno


def qr_svg_data_uri(text: str, *, scale: int = 4, border: int = 2) -> str:
    """A QR code of text (error correction M) as a ``data:image/svg+xml`` URI.

    SVG keeps the code sharp at any print size and costs ~2 kB in the PDF.
    """
    if not text:
        raise ValueError("Nothing to encode in a QR code.")
    code = segno.make(text, error="m", micro=False)
    return code.svg_data_uri(scale=scale, border=border, dark="#000", light="#fff")
