"""Where a picture's detail sits: the one measure the offline analysis and the camera share.

Edge energy (Pillow's FIND_EDGES) is averaged over a grid of cells; the focus
is the centre of the energy above the quietest cell. The offline analysis
names it in words on a 3×3 grid; Local Preview aims its camera at it, on a
finer grid.
"""

from __future__ import annotations

from typing import NamedTuple

from PIL import Image, ImageFilter, ImageStat

WORKING_SIZE = 256
"""Longest side of the copy measured: detail placement needs no more."""

Grid = tuple[tuple[float, ...], ...]


class DetailFocus(NamedTuple):
    """Where the detail concentrates: 0..1 of the picture's width and height (y down).

    A NamedTuple rather than a dataclass so the offline analysis can keep
    unpacking it as the (x, y) pair it always was.
    """

    x: float
    y: float


def cell_box(image: Image.Image, row: int, col: int, cells: int) -> tuple[int, int, int, int]:
    w, h = image.size
    return (col * w // cells, row * h // cells, (col + 1) * w // cells, (row + 1) * h // cells)


def edge_grid(grey: Image.Image, cells: int) -> Grid:
    """Mean edge energy / 255 in a ``cells``×``cells`` grid, rows top to bottom."""
    # FIND_EDGES invents a bright rim on the outermost pixels; measure inside it.
    edges = grey.filter(ImageFilter.FIND_EDGES).crop((1, 1, grey.width - 1, grey.height - 1))
    return tuple(
        tuple(
            ImageStat.Stat(edges.crop(cell_box(edges, row, col, cells))).mean[0] / 255
            for col in range(cells)
        )
        for row in range(cells)
    )


def focus_of(grid: Grid) -> DetailFocus | None:
    """The centre of the edge energy above the quietest cell; None when evenly spread."""
    cells = len(grid)
    values = [value for row in grid for value in row]
    floor, mean = min(values), sum(values) / len(values)
    # Nearly uniform detail (a texture, a flat wall) has no focal point worth naming.
    if mean <= 1e-4 or max(values) < 1.3 * mean:
        return None
    total = sum(values) - floor * len(values)
    x = sum((v - floor) * (c + 0.5) for row in grid for c, v in enumerate(row)) / total
    y = sum((v - floor) * (r + 0.5) for r, row in enumerate(grid) for v in row) / total
    return DetailFocus(x / cells, y / cells)


def find_detail(image: Image.Image, cells: int = 6) -> DetailFocus | None:
    """Where the detail of ``image`` (any mode Pillow converts to grey) concentrates."""
    # A whole-factor reduction first: converting and thumbnailing a 2 MP still
    # took longer than the measuring.
    factor = max(1, max(image.size) // (2 * WORKING_SIZE))
    small = (image.reduce(factor) if factor > 1 else image).convert("L")
    small.thumbnail((WORKING_SIZE, WORKING_SIZE))
    return focus_of(edge_grid(small, cells))
