"""Only a complete, decodable PNG with a real drawing is taken as a signature in person.

A server worker that has rendered one PDF has imported WeasyPrint, which sets Pillow's
`ImageFile.LOAD_TRUNCATED_IMAGES`: from then on Pillow decodes a cut PNG without a word, its
missing rows blank. This module imports WeasyPrint as such a worker has, so every check here runs
in that condition.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import pytest
import weasyprint  # noqa: F401  (imported for its side effect on Pillow; see the docstring)
from PIL import Image, ImageDraw, ImageFile

from documents.models import Signature
from tests.conftest import World, client_for
from tests.documents.conftest import Case, png
from tests.documents.helpers import sign as sign_through_the_api
from tests.mediation.workbench.helpers import html, web
from tests.mediation.workbench.test_agreement_pages import agreed_case, parties, sign


def in_person(world: World, case: Case, image: str) -> Any:
    """The guardian signs for the minor on the mediator's device; answers in English, so that
    the reasons can be read here (the zh-Hans catalogue translates them)."""
    mediator = client_for(world.mediator.user)
    mediator.credentials(HTTP_ACCEPT_LANGUAGE="en")
    signer = case.guardian
    return sign_through_the_api(
        mediator,
        case,
        signatory=case.minor.pk,
        signer=signer.pk,
        signer_name=signer.party.name,
        method="in_person",
        image=image,
    )


def uri(data: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def drawn(size: tuple[int, int] = (480, 160), mode: str = "RGBA", **draw: Any) -> Image.Image:
    """The signature pad's canvas with the strokes of a short signature."""
    background = (0, 0, 0, 0) if mode == "RGBA" else "white"
    image = Image.new(mode, size, background)
    pen = ImageDraw.Draw(image)
    for line in draw.get(
        "lines", [[(40, 50), (100, 50)], [(70, 50), (70, 110)], [(115, 80), (160, 80)]]
    ):
        pen.line(line, fill="black", width=3)
    return image


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def short_pixel_data() -> bytes:
    """A well-formed PNG (every chunk and CRC right) whose pixel data stops halfway down: what a
    lenient decoder shows as a drawing with its lower half blank."""
    image = drawn()
    width, height = image.size
    raw = image.tobytes()
    rows = b"".join(b"\x00" + raw[y * width * 4 : (y + 1) * width * 4] for y in range(height // 2))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def flipped_pixel_byte() -> bytes:
    data = bytearray(png())
    data[len(data) // 2] ^= 0x40  # inside the pixel data: its chunk's CRC no longer matches
    return bytes(data)


def tapped() -> bytes:
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((99, 79, 101, 81), fill="black")
    return encoded(image)


REFUSED = {
    "a 60-byte cut PNG": (lambda: uri(png()[:60]), "incomplete or damaged"),
    "a PNG cut in half": (lambda: uri(png()[: len(png()) // 2]), "incomplete or damaged"),
    "a PNG missing its last byte": (lambda: uri(png()[:-1]), "incomplete or damaged"),
    "a damaged byte in the pixels": (lambda: uri(flipped_pixel_byte()), "incomplete or damaged"),
    "pixel data that stops halfway": (lambda: uri(short_pixel_data()), "incomplete or damaged"),
    "a blank transparent pad": (
        lambda: uri(encoded(Image.new("RGBA", (480, 160), (0, 0, 0, 0)))),
        "blank",
    ),
    "a blank white pad": (lambda: uri(encoded(Image.new("RGB", (480, 160), "white"))), "blank"),
    "a tap on the pad": (lambda: uri(tapped()), "blank"),
    "a black rectangle": (
        lambda: uri(encoded(Image.new("RGB", (480, 160), "black"))),
        "does not look like a drawn signature",
    ),
    "a 1×1 image": (lambda: uri(encoded(Image.new("RGBA", (1, 1), "black"))), "too small"),
    "a JPEG called PNG": (lambda: uri(encoded(drawn(mode="RGB"), "JPEG")), "must be a PNG"),
    "a GIF called PNG": (lambda: uri(encoded(drawn(mode="RGB"), "GIF")), "must be a PNG"),
    "a JPEG said to be a JPEG": (
        lambda: uri(encoded(drawn(mode="RGB"), "JPEG"), "jpeg"),
        "must be a PNG",
    ),
}


def test_weasyprint_has_made_pillow_lenient() -> None:
    # The condition these tests stand in: without it they would prove less than they say.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_is_not_a_whole_drawn_signature_is_refused(
    world: World, agreed: Case, name: str
) -> None:
    image, reason = REFUSED[name]
    response = in_person(world, agreed, image())
    assert response.status_code == 400, response.data
    assert list(response.data) == ["image"], response.data
    assert reason in str(response.data["image"]), response.data
    assert not Signature.objects.exists()


def test_a_drawn_signature_is_kept_as_the_drawing_that_was_checked(
    world: World, agreed: Case
) -> None:
    sent = encoded(drawn())
    response = in_person(world, agreed, uri(sent))
    assert response.status_code == 201, response.data
    stored = bytes(Signature.objects.get(signatory=agreed.minor).image)
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "PNG"
        assert kept.convert("RGBA").tobytes() == drawn().tobytes()


def test_a_white_pad_with_a_signature_is_taken(world: World, agreed: Case) -> None:
    # A device whose pad is opaque white (no transparency) signs as well as a transparent one.
    image = uri(encoded(drawn(mode="RGB")))
    response = in_person(world, agreed, image)
    assert response.status_code == 201, response.data


def test_the_signing_page_says_why_a_drawing_is_refused(world: World) -> None:
    dispute = agreed_case(world)
    applicant = parties(dispute)[0]
    mediator = web(world.mediator)
    cut = sign(mediator, dispute, applicant, image=uri(png()[:60]))
    assert cut.status_code == 400
    assert "The signature image is incomplete or damaged" in html(cut)
    blank = uri(encoded(Image.new("RGBA", (480, 160), (0, 0, 0, 0))))
    answer = sign(mediator, dispute, applicant, image=blank)
    assert answer.status_code == 400
    assert "The signature pad is blank or almost blank" in html(answer)
    assert not Signature.objects.exists()
    assert sign(mediator, dispute, applicant).status_code == 303
