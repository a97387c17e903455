"""Single frames out of clips: exact frames, the seed frame for the next chain, thumbnails.

Frame indices are 0-based and count decoded frames in order (ffmpeg's ``n`` in
the select filter), which matches ``probe().frame_count`` for the clips we make
and receive. Every file is written atomically: a reader never sees half a PNG.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.cut_plan import frame_window, seek_point
from scenemaker_desktop.engine.media.ffmpeg_bin import atomic_output, run_ffmpeg
from scenemaker_desktop.engine.media.mp4_read import packet_list
from scenemaker_desktop.engine.media.packets import PacketList
from scenemaker_desktop.engine.media.probe import VideoInfo, probe

# Sharpness is measured on frames scaled to this width: enough detail to tell
# motion blur from a crisp frame, small enough that 8 frames are ~1 MB of pixels.
ANALYSIS_WIDTH = 480
# A later frame wins if it keeps this share of the sharpest frame's score: the
# seed should be as close to the clip's end as possible, unless it is smeared.
SHARPNESS_TOLERANCE = 0.90
# A 4-neighbour Laplacian; offset 128 keeps negative responses in the 8-bit
# range instead of clipping them to 0.
_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
_THUMB_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
# zlib level for seed PNGs: on a detailed 720p frame, level 3 is within 1 % of the size of
# ffmpeg's PNG and takes a fifth of the time of Pillow's default (6), which gains under 10 %.
_SEED_PNG_LEVEL = 3


@dataclass(frozen=True)
class SeedFrame:
    """A frame chosen to seed the next clip: where it sits and how crisp it is."""

    index: int
    path: Path
    sharpness: float


def extract_frame(video: Path, index: int, dest: Path, cancel: CancelToken | None = None) -> Path:
    """Write frame ``index`` (0-based, frame-exact) of ``video`` as a PNG at ``dest``."""
    _require_file(video)
    if index < 0:
        raise MediaError(f"frame index must be 0 or more, got {index}")
    with atomic_output(dest) as tmp:
        # Selecting on the decoded frame number is exact; seeking by time is not
        # (timestamps of generated clips are not always regular).
        args = ["-y", "-i", str(video), "-map", "0:v:0", "-vf", f"select=eq(n\\,{index})"]
        args += ["-fps_mode", "passthrough", "-frames:v", "1", "-update", "1"]
        args += ["-f", "image2", "-c:v", "png", str(tmp)]
        run_ffmpeg(args, cancel=cancel)
        if tmp.stat().st_size == 0:
            count = probe(video).frame_count
            raise MediaError(f"{Path(video).name} has {count} frames; there is no frame {index}")
    return Path(dest)


def sharpness(image: Image.Image) -> float:
    """Edge strength of ``image``: the RMS of its Laplacian on grey levels.

    RMS rather than the usual variance so scores scale with edge contrast and
    SHARPNESS_TOLERANCE reads as "edges at least 90 % as strong" (applied to a
    variance, 0.9 would demand about 95 %).
    """
    grey = image.convert("L")
    return float(ImageStat.Stat(grey.filter(_LAPLACIAN)).stddev[0])


def best_seed_frame(
    video: Path,
    dest: Path,
    lookback: int = 8,
    info: VideoInfo | None = None,
    cancel: CancelToken | None = None,
) -> SeedFrame:
    """Pick the seed for the next clip among the last ``lookback`` frames and write it to dest.

    Generated clips often end in motion blur or a fade, so the very last frame is
    a poor seed, and a fixed "95 % in" cut throws frames away for nothing. We
    score the tail frames for sharpness and take the latest one that is nearly
    as sharp as the best (see SHARPNESS_TOLERANCE); that frame is then written
    at full resolution.

    Only the tail is decoded: from the last keyframe before it, found in the
    clip's packet list (read from the mp4's tables, no ffmpeg run). ``info`` is
    not needed any more (that list says the same and more); it is still
    accepted so existing callers keep working.
    """
    _require_file(video)
    stream = packet_list(video, cancel)
    if stream.frame_count <= 0:
        raise MediaError(f"{Path(video).name} has no frames")
    start = max(0, stream.frame_count - max(1, lookback))
    with tempfile.TemporaryDirectory(prefix=".seed.", dir=_scratch(dest)) as scratch:
        tail = _decode_tail(video, stream, start, Path(scratch) / "tail.rgb", cancel)
        if not tail.scores:
            raise MediaError(f"could not decode the last frames of {Path(video).name}")
        pick = _latest_near_best(tail.scores)
        with atomic_output(dest) as tmp:
            tail.frame(pick).save(tmp, format="PNG", compress_level=_SEED_PNG_LEVEL)
    return SeedFrame(index=start + pick, path=Path(dest), sharpness=tail.scores[pick])


def last_frame(video: Path, dest: Path, cancel: CancelToken | None = None) -> SeedFrame:
    """Write the clip's final frame to dest (the fast seam mode's seed)."""
    _require_file(video)
    count = probe(video).frame_count
    if count <= 0:
        raise MediaError(f"{Path(video).name} has no frames")
    extract_frame(video, count - 1, dest, cancel=cancel)
    with Image.open(dest) as image:
        score = sharpness(_fit_width(image, ANALYSIS_WIDTH))
    return SeedFrame(index=count - 1, path=Path(dest), sharpness=score)


def thumbnail(source: Path, dest: Path, max_size: tuple[int, int] = (320, 180)) -> Path:
    """Write a thumbnail of an image or a video (a frame ~1/3 in) that fits ``max_size``.

    The aspect ratio is kept and images are never enlarged. The format follows
    dest's suffix: .jpg/.jpeg or .png.
    """
    _require_file(source)
    fmt = _THUMB_FORMATS.get(Path(dest).suffix.lower())
    if fmt is None:
        raise MediaError(f"thumbnail must be .jpg or .png, not {Path(dest).name}")
    image = _open_image(source) or _video_still(source, max_size)
    image.thumbnail(max_size, Image.Resampling.LANCZOS)
    if fmt == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA")
    with atomic_output(dest) as tmp:
        image.save(tmp, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return Path(dest)


@dataclass(frozen=True)
class _DecodedTail:
    """The tail's sharpness scores, and its frames at full size as raw RGB in a file."""

    scores: list[float]
    frames: Path
    size: tuple[int, int]

    def frame(self, index: int) -> Image.Image:
        width, height = self.size
        with open(self.frames, "rb") as raw:
            raw.seek(index * width * height * 3)
            return Image.frombytes("RGB", self.size, raw.read(width * height * 3))


def _decode_tail(
    video: Path, stream: PacketList, start: int, frames: Path, cancel: CancelToken | None
) -> _DecodedTail:
    """Decode frames ``start``.. once: small grey copies to score, full RGB copies to keep.

    A seek to the keyframe before the tail spares decoding the clip's start.
    Should the seek land anywhere else (the frame count tells), the whole clip
    is decoded instead, so the frames scored are always the same.
    """
    wanted = stream.frame_count - start
    tail = _decode_frames(video, stream, start, frames, seek_point(stream, start), cancel)
    if len(tail.scores) != wanted and seek_point(stream, start) is not None:
        tail = _decode_frames(video, stream, start, frames, None, cancel)
    return tail


def _decode_frames(
    video: Path,
    stream: PacketList,
    start: int,
    frames: Path,
    seek: Fraction | None,
    cancel: CancelToken | None,
) -> _DecodedTail:
    width = min(ANALYSIS_WIDTH, stream.width)
    height = max(2, round(stream.height * width / stream.width / 2) * 2)
    low, _end = frame_window(stream, start, stream.frame_count)
    # frames are picked by their own timestamps, which -copyts leaves as the packet list has them
    select = f"select=gte(t\\,{float(low):.9f})," if low is not None else ""
    graph = f"[0:v:0]{select}split=2[score][keep];[score]scale={width}:{height},format=gray[grey]"
    args = ["-ss", f"{float(seek):.9f}", "-noaccurate_seek"] if seek is not None else []
    args += ["-copyts", "-i", str(video), "-filter_complex", f"{graph};[keep]format=rgb24[rgb]"]
    args += ["-map", "[grey]", "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"]
    args += ["-map", "[rgb]", "-fps_mode", "passthrough", "-f", "rawvideo", "-y", str(frames)]
    raw = run_ffmpeg(args, cancel=cancel).stdout
    size = width * height
    grey = [raw[at : at + size] for at in range(0, len(raw) - size + 1, size)]
    scores = [sharpness(Image.frombytes("L", (width, height), frame)) for frame in grey]
    kept = frames.stat().st_size // (stream.width * stream.height * 3)
    return _DecodedTail(scores[:kept], frames, (stream.width, stream.height))


def _scratch(dest: Path) -> Path:
    """A folder for the tail's raw frames: dest's own, so they stay on the same disk."""
    folder = Path(dest).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _latest_near_best(scores: list[float]) -> int:
    floor = max(scores) * SHARPNESS_TOLERANCE
    return max(i for i, score in enumerate(scores) if score >= floor)


def _fit_width(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.BILINEAR)


def _open_image(source: Path) -> Image.Image | None:
    """The image in ``source``, upright, or None when Pillow does not recognise it."""
    try:
        with Image.open(source) as image:
            image.load()
            return ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        return None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(f"cannot read {Path(source).name}: {exc}") from exc


def _video_still(video: Path, max_size: tuple[int, int]) -> Image.Image:
    info = probe(video)
    scale = min(max_size[0] / info.width, max_size[1] / info.height, 1.0)
    width, height = max(1, round(info.width * scale)), max(1, round(info.height * scale))
    # A time seek is plenty for a thumbnail and much cheaper than counting frames.
    args = ["-ss", f"{info.duration / 3:.3f}", "-i", str(video), "-map", "0:v:0"]
    args += ["-vf", f"scale={width}:{height}", "-frames:v", "1"]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    result = run_ffmpeg(args)
    if len(result.stdout) < width * height * 3:
        raise MediaError(f"could not decode a frame of {Path(video).name}")
    return Image.frombytes("RGB", (width, height), result.stdout[: width * height * 3])


def _require_file(path: Path) -> None:
    if not Path(path).is_file():
        raise MediaError(f"file not found: {path}")
    if Path(path).stat().st_size == 0:
        raise MediaError(f"{Path(path).name} is empty")
