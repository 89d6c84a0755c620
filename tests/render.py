"""Render an HTML page in headless Chromium and check that every character it drew is in a font
it drew it with: no tofu boxes, decided by glyph coverage rather than by pixels.

Chromium (Debian's package, /usr/bin/chromium) is driven over the DevTools protocol's WebSocket
(https://chromedevtools.github.io/devtools-protocol/). For every text node of the page,
CSS.getPlatformFontsForNode says which platform fonts Chromium actually used for it (its
fallback included); fontconfig (fc-list) gives each font's file and face index, and fontTools
its cmap. A character none of the node's fonts maps is one Chromium drew as a .notdef box.

    rendering = render(Path("kms-report.html"), Path("kms-report.png"))
    assert not rendering.tofu, rendering.tofu

`make test` installs what this needs (chromium, fonts-noto-cjk and fontconfig from Debian's
packages: make test-deps; websocket-client and fontTools: requirements-dev.txt).
"""

from __future__ import annotations

import base64
import functools
import json
import shutil
import struct
import subprocess
import tempfile
import time
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import websocket
from fontTools.ttLib import TTFont

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio",
]
INSTALL_HINT = ("run `make test`, whose test-deps step installs chromium, fonts-noto-cjk and fontconfig "
                "from Debian's packages")
# Elements whose text is never laid out (Chromium reports no font for it).
NOT_RENDERED = {"script", "style", "title", "head", "template", "noscript"}
TEXT_NODE = 3
# Variation selectors: default-ignorable marks that select a glyph; fonts need not map them.
VARIATION_SELECTORS = [(0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F)]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Font:
    """A platform font Chromium used for a text node, and its file as fontconfig knows it."""

    family: str
    postscript_name: str
    path: str
    index: int  # face index in a collection (.ttc)
    glyphs: int  # how many glyphs Chromium drew with it in that node


@dataclass(frozen=True)
class TextNode:
    """One text node: where it is, its text, the fonts it was drawn with, and what they lack."""

    path: str  # its element, as a selector-like path: "html > body > table#hosts > tbody > tr > td.days"
    text: str
    fonts: tuple[Font, ...]  # empty: not laid out (hidden, display: none, inside <script> ...)
    uncovered: str  # the characters of `text` no font in `fonts` maps, each once, in order


@dataclass(frozen=True)
class Tofu:
    """A character Chromium drew as a box: in no font it used for that text node."""

    char: str
    codepoint: str  # "U+1E900"
    name: str  # its Unicode name, or "" when unassigned
    node: TextNode

    def __str__(self) -> str:
        fonts = ", ".join(f.postscript_name or f.family for f in self.node.fonts)
        return "%s %s %r in %s %r (fonts: %s)" % (self.codepoint, self.name or "(unnamed)", self.char,
                                                  self.node.path, self.node.text[:60], fonts)


@dataclass
class Rendering:
    """What render() returns."""

    page: Path
    screenshot: Path  # the PNG written
    width: int  # the screenshot's size in pixels
    height: int
    nodes: list[TextNode] = field(default_factory=list)  # every non-blank text node, in document order

    @property
    def tofu(self) -> list[Tofu]:
        """Every uncovered character, per node (the same character twice when in two nodes)."""
        return [Tofu(c, "U+%04X" % ord(c), unicodedata.name(c, ""), node)
                for node in self.nodes for c in node.uncovered]

    @property
    def rendered(self) -> list[TextNode]:
        """The text nodes Chromium laid out (drew with at least one font)."""
        return [node for node in self.nodes if node.fonts]

    @property
    def families(self) -> set[str]:
        """The family names of every font used on the page."""
        return {font.family for node in self.nodes for font in node.fonts}


def chromium() -> str:
    """The Chromium executable, or an assertion error telling how to install it."""
    path = shutil.which("chromium")
    assert path, "chromium is not installed: %s" % INSTALL_HINT
    return path


def require_tools() -> None:
    """Fail (AssertionError) unless Chromium, fontconfig's fc-list and a CJK font are installed."""
    chromium()
    assert shutil.which("fc-list"), "fc-list (fontconfig) is not installed: %s" % INSTALL_HINT
    cjk = subprocess.run(["fc-list", ":lang=zh-tw", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK" in cjk, "no Noto CJK font for zh-TW (fonts-noto-cjk): %s" % INSTALL_HINT


def render(page: Path, screenshot: Path, *, width: int = 1280, height: int = 800, full_page: bool = True,
           timeout: float = 60) -> Rendering:
    """Open `page` (an HTML file) in headless Chromium at `width` x `height` CSS pixels (device
    scale 1), wait for its load event, its fonts and two frames, write a PNG screenshot to
    `screenshot` (the whole page's height when `full_page`, else the viewport), and check the
    glyph coverage of every text node. Raises AssertionError when Chromium or the fonts are
    missing, RuntimeError when Chromium fails."""
    require_tools()
    page = Path(page).resolve()
    assert page.is_file(), "no such page: %s" % page
    with tempfile.TemporaryDirectory(prefix="render-", ignore_cleanup_errors=True) as profile:
        with Browser(Path(profile), timeout) as browser:
            browser.open(page.as_uri(), width, height)
            found = list(text_nodes(browser.document()))
            fonts = browser.fonts([pair[0]["nodeId"] for pair in found])
            nodes = [text_node(node, path, used) for (node, path), used in zip(found, fonts, strict=True)]
            png = browser.screenshot(full_page)
    screenshot = Path(screenshot)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(png)
    shot_width, shot_height = png_size(png)
    return Rendering(page, screenshot, shot_width, shot_height, nodes)


# -- the browser, over the DevTools protocol ---------------------------------------------------
class Browser:
    """Chromium with a fresh profile, one page attached over the browser's WebSocket."""

    def __init__(self, profile: Path, timeout: float) -> None:
        self.profile = profile
        self.timeout = timeout
        self.log = profile / "chromium.log"
        self.proc: subprocess.Popen | None = None
        self.ws: websocket.WebSocket | None = None
        self.session = ""
        self.next_id = 0

    def __enter__(self) -> Browser:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([chromium(), *CHROMIUM_FLAGS, "--remote-debugging-port=0",
                                          "--user-data-dir=%s" % self.profile, "about:blank"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            self.connect()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self.ws is not None:
            try:
                self.call("Browser.close", session=False)
            except (OSError, RuntimeError, websocket.WebSocketException):
                pass
            self.ws.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def failure(self, what: str) -> RuntimeError:
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        return RuntimeError("%s\n-- chromium's output:\n%s" % (what, tail))

    def connect(self) -> None:
        # Chromium writes the port it chose and the browser target's path once it listens.
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        lines: list[str] = []
        while len(lines) < 2:
            if self.proc.poll() is not None:
                raise self.failure("chromium exited with status %s before listening" % self.proc.returncode)
            if time.monotonic() > deadline:
                raise self.failure("chromium did not open its DevTools port in %ss" % self.timeout)
            time.sleep(0.05)
            lines = active.read_text().split() if active.exists() else []
        # No Origin header: Chromium refuses WebSocket clients from origins it was not told to allow.
        # No UTF-8 validation in pure Python (seconds for a screenshot): decoding the text validates it.
        self.ws = websocket.create_connection("ws://127.0.0.1:%s%s" % (lines[0], lines[1]), timeout=self.timeout,
                                              suppress_origin=True, skip_utf8_validation=True)
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]

    def call(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        """Send one command (to the page's session, or to the browser) and return its result."""
        return self.call_all(method, [params or {}], session=session)[0]

    def call_all(self, method: str, params: list[dict], *, session: bool = True) -> list[dict]:
        """Send one command per parameter set, all before reading a reply (one round trip for a
        page's thousands of text nodes), and return their results in order; events in between
        are dropped."""
        first = self.next_id + 1
        for each in params:
            self.next_id += 1
            message = {"id": self.next_id, "method": method, "params": each}
            if session:
                message["sessionId"] = self.session
            self.ws.send(json.dumps(message))
        results: dict[int, dict] = {}
        while len(results) < len(params):
            reply = json.loads(self.ws.recv())
            if not first <= reply.get("id", 0) <= self.next_id:
                continue
            if "error" in reply:
                raise self.failure("%s %s: %s" % (method, params[reply["id"] - first], reply["error"]))
            results[reply["id"]] = reply["result"]
        return [results[i] for i in range(first, self.next_id + 1)]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise self.failure("%s: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def open(self, url: str, width: int, height: int) -> None:
        for method in ("Page.enable", "DOM.enable", "CSS.enable"):
            self.call(method)
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        navigated = self.call("Page.navigate", {"url": url})
        if navigated.get("errorText"):
            raise self.failure("%s: %s" % (url, navigated["errorText"]))
        # The load event, then the page's fonts, then two frames so that layout and paint are done;
        # until the document is the page's (its script may set a #fragment).
        ready = """new Promise(function (done) {
            if (document.readyState === "complete") { done(); } else { addEventListener("load", done); }
        }).then(function () { return document.fonts.ready; }).then(function () {
            return new Promise(function (done) {
                requestAnimationFrame(function () { requestAnimationFrame(done); });
            });
        }).then(function () { return location.href.replace(/#.*$/, ""); })"""
        deadline = time.monotonic() + self.timeout
        while self.evaluate(ready) != url:
            if time.monotonic() > deadline:
                raise self.failure("%s did not load in %ss" % (url, self.timeout))
            time.sleep(0.05)

    def document(self) -> dict:
        return self.call("DOM.getDocument", {"depth": -1, "pierce": True})["root"]

    def fonts(self, node_ids: list[int]) -> list[list[dict]]:
        """Each node's CSS.PlatformFontUsage list."""
        return [r["fonts"] for r in self.call_all("CSS.getPlatformFontsForNode", [{"nodeId": n} for n in node_ids])]

    def screenshot(self, full_page: bool) -> bytes:
        params: dict = {"format": "png", "optimizeForSpeed": True}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])


# -- text nodes and their fonts ------------------------------------------------------------------
def text_nodes(root: dict, path: str = ""):
    """Yield (text node, its element's path) for every text node with non-blank text, in
    document order, into frames and shadow roots, skipping elements never laid out."""
    for child in root.get("children", []):
        yield from walk(child, path)
    if "contentDocument" in root:  # an iframe's document
        yield from text_nodes(root["contentDocument"], path)
    for shadow in root.get("shadowRoots", []):
        yield from text_nodes(shadow, path)


def walk(node: dict, path: str):
    if node["nodeType"] == TEXT_NODE:
        if node["nodeValue"].strip():
            yield node, path
        return
    name = node.get("localName", "")
    if name in NOT_RENDERED:
        return
    if name:
        attributes = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2], strict=True))
        label = name + ("#" + attributes["id"] if attributes.get("id") else "")
        label += "".join("." + c for c in attributes.get("class", "").split())
        path = "%s > %s" % (path, label) if path else label
    yield from text_nodes(node, path)


def text_node(node: dict, path: str, used: list[dict]) -> TextNode:
    """A text node of DOM.getDocument, checked against the fonts Chromium says it used."""
    text = node["nodeValue"]
    fonts = tuple(platform_font(f) for f in used)
    covered = set().union(*(cmap(f.path, f.index) for f in fonts)) if fonts else None
    uncovered = ""
    if covered is not None:
        for char in text:
            if char not in uncovered and drawn(char) and ord(char) not in covered:
                uncovered += char
    return TextNode(path, text, fonts, uncovered)


def drawn(char: str) -> bool:
    """Whether a character needs a glyph: not white space, not a format control (joiners, bidi
    marks, soft hyphen), not a variation selector."""
    if char.isspace() or unicodedata.category(char) == "Cf":
        return False
    return not any(low <= ord(char) <= high for low, high in VARIATION_SELECTORS)


def platform_font(usage: dict) -> Font:
    """The font file of one CSS.PlatformFontUsage: by PostScript name, else by family (fc-list)."""
    family, postscript = usage["familyName"], usage.get("postScriptName", "")
    if usage.get("isCustomFont"):
        raise RuntimeError("web font %r: tests/render.py checks platform fonts only" % family)
    path, index = font_file(postscript, family)
    return Font(family, postscript, path, index, int(usage.get("glyphCount", 0)))


@functools.cache
def font_file(postscript: str, family: str) -> tuple[str, int]:
    for pattern in ([":postscriptname=" + postscript] if postscript else []) + [":family=" + family]:
        found = subprocess.run(["fc-list", "-f", "%{file}\\t%{index}\\n", pattern],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        found = sorted(line for line in found if line)
        if found:
            path, index = found[0].split("\t")
            return path, int(index) & 0xFFFF  # the high bits are a variable font's named instance
    raise RuntimeError("fontconfig knows no font %r (%s) that Chromium used" % (family, postscript))


@functools.cache
def cmap(path: str, index: int) -> frozenset[int]:
    """The code points a font face maps (its best Unicode cmap)."""
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


# -- the screenshot -------------------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != PNG_SIGNATURE:
        raise RuntimeError("Chromium's screenshot is not a PNG")
    return struct.unpack(">II", data[16:24])


def png_rows(path: Path) -> tuple[int, list[bytes]]:
    """The bytes per pixel and the pixel rows of an 8-bit, non-interlaced RGB or RGBA PNG (what
    Chromium writes), each row its bytes after undoing the PNG filters."""
    data = Path(path).read_bytes()
    width, height = png_size(data)
    depth, colour, interlace = data[24], data[25], data[28]
    if depth != 8 or colour not in (2, 6) or interlace:
        raise RuntimeError("unsupported PNG (bit depth %s, colour type %s, interlace %s)" % (depth, colour, interlace))
    pixel = 3 if colour == 2 else 4
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * pixel
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(kind, line, previous, pixel)
        rows.append(bytes(line))
        previous = line
    return pixel, rows


def unfilter(kind: int, line: bytearray, previous: bytearray, pixel: int) -> None:
    """Undo one scanline's PNG filter in place (None, Sub, Up, Average, Paeth)."""
    if kind == 2:  # Up: the only filter Chromium uses when asked for speed
        line[:] = add_bytes(line, previous)
        return
    for i in range(len(line)) if kind in (1, 3, 4) else ():
        left = line[i - pixel] if i >= pixel else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        else:
            corner = previous[i - pixel] if i >= pixel else 0
            estimate = left + up - corner
            pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF


def ink(path: Path) -> float:
    """The fraction of a PNG's pixels that differ from its top-left pixel (the background): 0.0
    for a blank screenshot."""
    pixel, rows = png_rows(path)
    background = rows[0][:pixel]
    width = len(rows[0]) // pixel
    blank = int.from_bytes(background * width, "big")
    inked = 0
    for row in rows:
        # The bytes that differ from the background's, then a pixel's channels or-ed together.
        diff = (int.from_bytes(row, "big") ^ blank).to_bytes(len(row), "big")
        merged = 0
        for channel in range(pixel):
            merged |= int.from_bytes(diff[channel::pixel], "big")
        inked += width - merged.to_bytes(width, "big").count(0)
    return inked / (width * len(rows))


def add_bytes(left: bytes, right: bytes) -> bytes:
    """Bytewise (left + right) mod 256 of two equal-length rows, at once: the low seven bits of
    each byte added (no carry crosses a byte), the top bits by exclusive or."""
    size = len(left)
    low, high = int.from_bytes(b"\x7f" * size, "big"), int.from_bytes(b"\x80" * size, "big")
    a, b = int.from_bytes(left, "big"), int.from_bytes(right, "big")
    return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(size, "big")
