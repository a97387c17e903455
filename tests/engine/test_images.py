from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from scenemaker_desktop.engine.errors import ImageTooLargeError, InputImageError
from scenemaker_desktop.engine.images import (
    ImageInfo,
    downscale_image,
    inspect_image,
    normalise_image,
)

RED = (220, 30, 30)
BLUE = (30, 40, 200)


def _noise_rgb(size: tuple[int, int]) -> Image.Image:
    # Random-looking content keeps JPEGs big enough that cutting them really truncates data.
    return Image.effect_noise(size, 80).convert("RGB")


def crafted_png(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width``×``height`` but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def _rejection(path: Path) -> str:
    with pytest.raises(InputImageError) as caught:
        inspect_image(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- refusals -------------------------------------------------------------------------


def test_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    message = _rejection(tmp_path / "photo.png")
    assert "photo.png" in message and "does not exist" in message


def test_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    folder.mkdir()
    assert "is a folder" in _rejection(folder)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert "empty.png is empty (0 bytes)" in _rejection(path)


def test_text_file_is_refused_as_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("She turns and walks into the fog.\nSecond line, café.\n", encoding="utf-8")
    assert "notes.png is a text file, not an image" in _rejection(path)


def test_html_page_is_refused_as_html(tmp_path: Path) -> None:
    path = tmp_path / "download.jpg"
    path.write_text("<!DOCTYPE html>\n<html><body><img src='x.jpg'></body></html>")
    assert "download.jpg is an HTML page, not an image" in _rejection(path)


@pytest.mark.parametrize(
    "text",
    [
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"></svg>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_svg_is_refused_as_a_drawing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "photo.svg"
    path.write_text(text)
    assert _rejection(path) == "photo.svg is an SVG drawing, not a raster image"


def test_pdf_is_refused_as_a_document(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    assert _rejection(path) == "scan.pdf is a PDF document, not a raster image"


def test_binary_garbage_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "blob.png"
    path.write_bytes(bytes(range(256)) * 8)
    assert "blob.png is not an image Pillow can read" in _rejection(path)


def test_truncated_jpeg_is_refused_as_damaged(tmp_path: Path) -> None:
    whole = tmp_path / "whole.jpg"
    _noise_rgb((320, 240)).save(whole, quality=95)
    data = whole.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    assert inspect_image(whole).format == "JPEG"
    assert "cut.jpg is damaged or truncated" in _rejection(cut)


def test_truncated_png_is_refused_as_damaged(tmp_path: Path) -> None:
    whole = tmp_path / "whole.png"
    _noise_rgb((200, 150)).save(whole)
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[:-4000])
    assert "cut.png is damaged" in _rejection(cut)


def test_small_image_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "tiny.png"
    Image.new("RGB", (40, 30), RED).save(path)
    assert _rejection(path) == (
        "tiny.png is too small: 40×30 px, the short side must be at least 64 px"
    )


def test_thin_strip_is_refused_even_when_long(tmp_path: Path) -> None:
    path = tmp_path / "strip.png"
    Image.new("L", (2000, 63)).save(path)
    assert "too small: 2000×63 px" in _rejection(path)


def _too_large(path: Path) -> ImageTooLargeError:
    with pytest.raises(ImageTooLargeError) as caught:
        inspect_image(path)
    assert "\n" not in str(caught.value)
    return caught.value


def test_sixty_megapixel_header_is_refused_without_decoding(tmp_path: Path) -> None:
    # The pixel data is a few bytes: had it been decoded, this would read as damaged.
    path = crafted_png(tmp_path / "huge.png", 10_000, 6_000)
    refusal = _too_large(path)
    assert str(refusal) == (
        "huge.png is too large: 10000×6000 px is 60.0 megapixels, at most 50; "
        "it can be downscaled to fit"
    )
    assert refusal.downscalable and refusal.megapixels == 60.0


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (20_000, 12_500)])
def test_pillow_guard_leaves_images_up_to_the_hard_limit_downscalable(
    tmp_path: Path, width: int, height: int
) -> None:
    # By Pillow's defaults 100 MP would trip its warning and 250 MP its error.
    refusal = _too_large(crafted_png(tmp_path / "big.png", width, height))
    assert refusal.downscalable
    assert f"{width}×{height} px is {width * height / 1e6:.1f} megapixels" in str(refusal)


@pytest.mark.parametrize(("width", "height"), [(25_000, 10_001), (30_000, 20_000)])
def test_beyond_the_hard_limit_is_refused_as_a_bomb_with_no_offer(
    tmp_path: Path, width: int, height: int
) -> None:
    # Just over 250 MP trips Pillow's guard as a warning, 600 MP as an error: same refusal.
    refusal = _too_large(crafted_png(tmp_path / "bomb.png", width, height))
    assert str(refusal) == (
        f"bomb.png is too large: {width * height / 1e6:.1f} megapixels, at most 50"
    )
    assert not refusal.downscalable and refusal.megapixels == width * height / 1e6


def test_too_thin_to_downscale_is_refused_with_no_offer(tmp_path: Path) -> None:
    # 64 MP, but scaled to fit the short side would drop to 55 px, below the 64 px minimum.
    refusal = _too_large(crafted_png(tmp_path / "strip.png", 1_000_000, 64))
    assert not refusal.downscalable and "downscaled" not in str(refusal)


def test_normalise_refuses_like_inspect_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "photo.svg"
    src.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    dest = tmp_path / "out" / "input.png"
    with pytest.raises(InputImageError, match="SVG drawing"):
        normalise_image(src, dest)
    assert not dest.exists()


# --- downscaled copies -----------------------------------------------------------------


def test_downscaled_copy_fits_keeps_the_aspect_and_passes_intake(tmp_path: Path) -> None:
    src = tmp_path / "painting.png"
    Image.new("L", (10_000, 6_000), 90).save(src)  # solid grey: a 60 MP PNG in 0.3 s
    assert _too_large(src).downscalable
    copy = downscale_image(src, tmp_path / "copies")
    assert copy == tmp_path / "copies" / "painting-downscaled.png"
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temp file left
    info = inspect_image(copy)
    assert (info.format, info.mode) == ("PNG", "RGB")
    assert 47_000_000 < info.width * info.height <= 50_000_000
    assert abs(info.width * 6_000 / 10_000 - info.height) <= 1
    with Image.open(copy) as out:
        assert out.getpixel((100, 100)) == (90, 90, 90)


def test_downscaled_copy_applies_exif_orientation(tmp_path: Path) -> None:
    image = Image.new("L", (10_000, 6_000), 20)
    image.paste(255, (0, 0, 2_000, 2_000))  # marks the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    src = tmp_path / "phone.jpg"
    image.save(src, exif=exif.tobytes(), quality=90)
    copy = downscale_image(src, tmp_path)
    with Image.open(copy) as out:
        assert out.size == (5_367, 8_944)
        assert "exif" not in out.info  # upright already: nothing may turn it again
        assert out.getpixel((5_000, 300))[0] > 200  # stored top-left lands top-right
        assert out.getpixel((300, 300))[0] < 60


@pytest.mark.parametrize(("width", "height"), [(20_000, 15_000), (1_000_000, 64)])
def test_downscale_refuses_what_no_copy_can_fix_and_writes_nothing(
    tmp_path: Path, width: int, height: int
) -> None:
    src = crafted_png(tmp_path / "bomb.png", width, height)
    with pytest.raises(ImageTooLargeError) as caught:
        downscale_image(src, tmp_path / "copies")
    assert not caught.value.downscalable
    assert not (tmp_path / "copies").exists()


# --- accepted formats -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".png", "PNG"), (".jpg", "JPEG"), (".webp", "WEBP"), (".bmp", "BMP"), (".tiff", "TIFF")],
)
def test_common_raster_formats_are_accepted_and_normalised(
    tmp_path: Path, suffix: str, fmt: str
) -> None:
    src = tmp_path / f"picture{suffix}"
    Image.new("RGB", (160, 90), RED).save(src)
    assert inspect_image(src) == ImageInfo(160, 90, fmt, "RGB", 1)
    dest = tmp_path / "input.png"
    assert normalise_image(src, dest) == ImageInfo(160, 90, "PNG", "RGB", 1)
    with Image.open(dest) as out:
        assert out.format == "PNG" and out.mode == "RGB" and out.size == (160, 90)
        assert all(abs(a - b) <= 8 for a, b in zip(out.getpixel((80, 45)), RED, strict=True))


def test_animated_gif_keeps_the_first_frame(tmp_path: Path) -> None:
    src = tmp_path / "loop.gif"
    frames = [Image.new("RGB", (96, 96), colour) for colour in (RED, BLUE, (20, 200, 40))]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    info = inspect_image(src)
    assert (info.format, info.frames) == ("GIF", 3)
    dest = tmp_path / "first.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        red, _green, blue = out.getpixel((48, 48))
        assert red > 180 and blue < 80


def test_non_ascii_names_with_spaces_work(tmp_path: Path) -> None:
    src = tmp_path / "mé image ü.png"
    Image.new("RGB", (128, 128), BLUE).save(src)
    assert inspect_image(src).width == 128
    dest = tmp_path / "dossier é" / "sortie ü.png"
    normalise_image(src, dest)
    assert inspect_image(dest) == ImageInfo(128, 128, "PNG", "RGB", 1)


def test_normalise_replaces_existing_output_and_leaves_no_temp_files(tmp_path: Path) -> None:
    src = tmp_path / "src.png"
    Image.new("RGB", (100, 70), RED).save(src)
    out_dir = tmp_path / "session"
    out_dir.mkdir()
    dest = out_dir / "input.png"
    dest.write_bytes(b"old")
    normalise_image(src, dest)
    assert inspect_image(dest).width == 100
    assert [p.name for p in out_dir.iterdir()] == ["input.png"]


# --- normalisation details -------------------------------------------------------------


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 40, 40))  # marks the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    src = tmp_path / "phone.jpg"
    image.save(src, exif=exif.tobytes(), quality=95)
    assert inspect_image(src).width == 200  # inspect reports the stored size
    dest = tmp_path / "upright.png"
    assert normalise_image(src, dest).width == 100
    with Image.open(dest) as out:
        assert out.size == (100, 200)
        assert out.getpixel((90, 10))[0] > 180  # stored top-left lands top-right
        assert out.getpixel((10, 10))[0] < 80


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    src = tmp_path / "print.jpg"
    Image.new("CMYK", (120, 80), (0, 255, 255, 0)).save(src, quality=95)
    assert inspect_image(src).mode == "CMYK"
    dest = tmp_path / "screen.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        red, green, blue = out.getpixel((60, 40))
        assert out.mode == "RGB" and red > 230 and green < 30 and blue < 30


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    row = struct.pack("<64H", *[65535] * 64) + struct.pack("<64H", *[32768] * 64)
    image = Image.frombytes("I;16", (128, 64), row * 64)
    image.putpixel((0, 0), 0)
    src = tmp_path / "scan16.png"
    image.save(src)
    assert inspect_image(src).mode.startswith("I;16")
    dest = tmp_path / "scan8.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        assert out.getpixel((10, 10)) == (255, 255, 255)
        assert out.getpixel((0, 0)) == (0, 0, 0)
        assert out.getpixel((100, 10)) == (128, 128, 128)


def test_palette_transparency_becomes_white(tmp_path: Path) -> None:
    image = Image.new("P", (100, 100), 0)
    image.putpalette([0, 0, 0, *RED] + [0, 0, 0] * 254)
    image.paste(1, (50, 0, 100, 100))
    src = tmp_path / "sticker.png"
    image.save(src, transparency=0)
    assert inspect_image(src).mode == "P"
    dest = tmp_path / "flat.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        assert out.getpixel((10, 50)) == (255, 255, 255)
        assert out.getpixel((90, 50)) == RED


def test_rgba_transparent_areas_become_white_not_black(tmp_path: Path) -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 160, 0, 255), (0, 0, 50, 100))
    src = tmp_path / "cutout.png"
    image.save(src)
    dest = tmp_path / "flat.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        assert out.getpixel((80, 50)) == (255, 255, 255)
        assert out.getpixel((20, 50)) == (0, 160, 0)


def test_grey_with_alpha_and_plain_grey_become_rgb(tmp_path: Path) -> None:
    grey_alpha = Image.new("LA", (80, 80), (0, 0))
    grey_alpha.paste((90, 255), (0, 0, 40, 80))
    src_la = tmp_path / "la.png"
    grey_alpha.save(src_la)
    src_l = tmp_path / "l.png"
    Image.new("L", (80, 80), 90).save(src_l)
    for src in (src_la, src_l):
        dest = tmp_path / f"out-{src.name}"
        normalise_image(src, dest)
        with Image.open(dest) as out:
            assert out.mode == "RGB"
            assert out.getpixel((10, 10)) == (90, 90, 90)
            expected_right = (255, 255, 255) if src is src_la else (90, 90, 90)
            assert out.getpixel((70, 10)) == expected_right


def test_rgb_colour_key_transparency_becomes_white(tmp_path: Path) -> None:
    image = Image.new("RGB", (80, 80), (1, 2, 3))
    image.paste(BLUE, (40, 0, 80, 80))
    src = tmp_path / "keyed.png"
    image.save(src, transparency=(1, 2, 3))
    dest = tmp_path / "flat.png"
    normalise_image(src, dest)
    with Image.open(dest) as out:
        assert out.getpixel((10, 10)) == (255, 255, 255)
        assert out.getpixel((70, 10)) == BLUE


def test_lab_tiff_is_refused_rather_than_garbled(tmp_path: Path) -> None:
    path = tmp_path / "lab.tif"
    Image.new("LAB", (80, 80), (128, 0, 0)).save(path)
    assert _rejection(path) == "lab.tif uses the LAB colour mode, which cannot be converted to RGB"
