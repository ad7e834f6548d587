"""How a page is photographed, by the crawl's browser and by the replay check alike.

The report compares the crawl's screenshot of an article with the replay
check's, pixel by pixel: both must be taken in the same window, after the
same scroll, or the comparison measures our two ways of taking them rather
than what the replay lost. Both sides read these values from here.
"""

VIEWPORT = {"width": 1280, "height": 800}
THUMBNAIL_SCALE = 0.25  # 320 × 200 px of the first screen: about 10 kB of JPEG
THUMBNAIL_QUALITY = 70
SCROLL_PAUSE_MS = 150  # between screens, for an IntersectionObserver to fire and its image to be asked for

# Screen by screen to the end (lazy images, IntersectionObserver), then back
# to the top, where the screenshot starts.
SCROLL_TO_END = """async (pause) => {
    const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
    const page = () => document.scrollingElement || document.documentElement;
    for (let screens = 0; screens < 200; screens++) {
        const height = page().scrollHeight;
        window.scrollBy(0, window.innerHeight);
        await sleep(pause);
        if (window.scrollY + window.innerHeight >= page().scrollHeight - 1 && page().scrollHeight === height) break;
    }
    window.scrollTo(0, 0);
    await sleep(pause);
}"""


def thumbnail_clip() -> dict[str, float]:
    """The Chrome DevTools Protocol's clip of the first screen, scaled down by Chromium itself."""
    return {"x": 0, "y": 0, **VIEWPORT, "scale": THUMBNAIL_SCALE}
