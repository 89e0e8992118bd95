"""A drawn signature, checked before it is kept: a complete PNG of a sensible size with enough
ink on it, re-encoded so that nothing but its pixels is stored."""

from __future__ import annotations

import io
import struct
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# A drawn signature is a few hundred pixels wide; anything far bigger is not a signature.
MAX_SIGNATURE_PIXELS = 2000 * 1000
# The signature pad is 480×160; below 80×30 a signature cannot be read on the printed agreement.
MIN_SIGNATURE_SIZE = (80, 30)
# Dark pixels a drawing needs to count as a signature. Drawn in chromium on the pad (2.5 px
# pen), a small quick 丁一 leaves about 360, a two-character name 900 and more, a single 60-px
# stroke 120, a tap 4 and a flick 30: 150 refuses taps, flicks and lone strokes with a wide
# margin below the shortest real name.
MIN_SIGNATURE_INK = 150
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the empty IEND chunk a complete PNG ends with
# Adam7 interlacing: each pass's first column and row, and its steps across and down.
ADAM7_PASSES = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def _png_pixels_complete(data: bytes) -> bool:
    """Whether the PNG's compressed pixel data (its IDAT chunks) inflate to exactly the rows its
    header announces. Pillow's own decoding would say so, but not in a process where a library
    has set `ImageFile.LOAD_TRUNCATED_IMAGES` (WeasyPrint does, on import): there a cut image
    decodes silently, its missing rows left blank. Run after `Image.verify()`, which has checked
    the chunks' lengths and CRCs."""
    header, idat, position = b"", [], len(PNG_MAGIC)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    if len(header) != 13:
        return False
    width, height, depth, colour, _method, _filter, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None:
        return False

    def rows(w: int, h: int) -> int:  # each row: a filter byte and its packed pixels
        return 0 if w <= 0 or h <= 0 else h * (1 + (w * channels * depth + 7) // 8)

    if interlace:  # Adam7: seven passes, each a smaller image of its own
        expected = sum(
            rows((width - x + dx - 1) // dx, (height - y + dy - 1) // dy)
            for x, y, dx, dy in ADAM7_PASSES
        )
    else:
        expected = rows(width, height)
    inflater = zlib.decompressobj()
    try:
        pixels = inflater.decompress(b"".join(idat), expected + 1)
    except zlib.error:
        return False
    return len(pixels) == expected and inflater.eof


def _ink_pixels(image: Image.Image) -> int:
    """Pixels at least half dark once the drawing is laid on white paper."""
    paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(paper, image).convert("L")
    return sum(grey.histogram()[:128])


def clean_signature_image(data: bytes) -> bytes:
    """A drawn signature, checked and re-encoded as PNG: what is stored is the decoded drawing
    that was checked (no metadata, nothing smuggled after it).

    Refused with a field error on `image`: anything but a complete PNG (recognised by its bytes,
    not by what the client calls it; cut or damaged files fail the chunk checks or the full
    decoding), images too small to show a signature or absurdly large in pixels, and drawings
    with too little ink to be a signature (a blank pad, a tap).
    """
    limit = settings.FENGQIAO_SIGNATURE_IMAGE_MAX_BYTES
    if not data:
        raise ValidationError({"image": _("Draw the signature.")})
    if len(data) > limit:
        raise ValidationError(
            {
                "image": _("The signature image is too large (at most %(kb)d KB).")
                % {"kb": limit // 1024}
            }
        )
    if not data.startswith(PNG_MAGIC):
        raise ValidationError({"image": _("The signature must be a PNG image.")})
    damaged = ValidationError(
        {"image": _("The signature image is incomplete or damaged: draw the signature again.")}
    )
    if not data.endswith(PNG_END):
        raise damaged
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if width < MIN_SIGNATURE_SIZE[0] or height < MIN_SIGNATURE_SIZE[1]:
                raise ValidationError(
                    {
                        "image": _(
                            "The signature image is too small: at least %(width)d×%(height)d "
                            "pixels."
                        )
                        % {"width": MIN_SIGNATURE_SIZE[0], "height": MIN_SIGNATURE_SIZE[1]}
                    }
                )
            if width * height > MAX_SIGNATURE_PIXELS:
                raise ValidationError({"image": _("The signature image is too large.")})
            image.verify()
        if not _png_pixels_complete(data):
            raise damaged
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            drawing = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        # Pillow reports a bad chunk as SyntaxError, a bad CRC or a cut file as OSError.
        raise damaged from exc
    except Image.DecompressionBombError as exc:
        raise ValidationError({"image": _("The signature image is too large.")}) from exc
    ink = _ink_pixels(drawing)
    if ink < MIN_SIGNATURE_INK:
        raise ValidationError(
            {"image": _("The signature pad is blank or almost blank: draw the signature.")}
        )
    if ink > width * height // 2:
        raise ValidationError({"image": _("This does not look like a drawn signature.")})
    out = io.BytesIO()
    drawing.save(out, format="PNG", optimize=True)
    return out.getvalue()
