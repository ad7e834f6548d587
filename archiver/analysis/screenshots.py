"""How alike two screenshots of one page are: the crawl's and its replay's, pixel by pixel.

Pillow decodes and compares them (a dependency: its C code compares two
1280 × 3 200 px pages in 0.5 s and two 1280 × 20 000 px ones in 3 s on a busy
2-core machine, where a pure-Python PNG decoder would take minutes, and
comparing in Chromium would need a browser wherever a report is made). Two
identical files, as a faithful replay of a static page gives, are not decoded. Both screenshots are taken the same way
(archiver.warc.screenshots), so a difference is the replay's, not ours.

The similarity is the share of pixels that match: of the larger width by
the larger height, a pixel matches when it is in both images and no colour
channel differs by more than PIXEL_TOLERANCE (anti-aliasing may vary by a
step). A replay whose page is shorter or longer loses the pixels it lacks.
"""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, ImageChops

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PIXEL_TOLERANCE = 8  # of 255, per channel
# Decoded, an RGB pixel takes 3 bytes: 40 Mpx is 120 MB per image, a page
# 31 000 px tall at 1280 px wide. Larger pages are not compared (memory).
MAX_PIXELS = 40_000_000


class ScreenshotUnreadable(ValueError):
    """A screenshot that is not a PNG Pillow can read, or too large to compare; the message says which."""


def _decoded(png: bytes, which: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow's decompression-bomb check warns past its own limit: ours is lower, and said in one line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(png))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ScreenshotUnreadable(f"{which} is {width} × {height} px, more than the "
                                           f"{MAX_PIXELS:,} px compared")
            return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, ScreenshotUnreadable):
            raise
        raise ScreenshotUnreadable(f"{which} is not a readable PNG: {error}") from None


def pixel_similarity(crawl_png: bytes, replay_png: bytes) -> float:
    """The share (0-1) of matching pixels; ScreenshotUnreadable when either cannot be compared."""
    if crawl_png == replay_png and crawl_png.startswith(PNG_SIGNATURE):
        return 1.0
    crawl = _decoded(crawl_png, "the crawl's screenshot")
    replay = _decoded(replay_png, "the replay's screenshot")
    width, height = min(crawl.width, replay.width), min(crawl.height, replay.height)
    union = max(crawl.width, replay.width) * max(crawl.height, replay.height)
    if union == 0:
        raise ScreenshotUnreadable("a screenshot has no pixels")
    difference = ImageChops.difference(crawl.crop((0, 0, width, height)), replay.crop((0, 0, width, height)))
    # The largest channel difference of each pixel, then matching (255) or not (0).
    red, green, blue = difference.split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    matching = largest.point(lambda value: 255 if value <= PIXEL_TOLERANCE else 0).histogram()[255]
    return matching / union
