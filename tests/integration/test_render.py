"""tests/render.py, the glyph-coverage harness the zh-TW fleet report is checked with, on pages
it writes itself: Traditional Chinese drawn with a CJK font and no tofu, characters no
installed font has reported as tofu (so the check can fail), and a screenshot that is a
picture. Needs chromium, fontconfig and fonts-noto-cjk: make test (test-deps) installs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import render

CHINESE = "啟用 KMS 主機 產品金鑰 授權狀態 即將到期"
# In no font Debian's chromium, fonts-dejavu and fonts-noto-cjk install: an assigned letter
# (ADLAM), the Private Use Area's last BMP code point, and plane 15's first (supplementary
# private use).
NO_FONT = ["\U0001e900", "\uf8ff", "\U000f0000"]


def page(directory: Path, body: str, lang: str = "zh-TW") -> Path:
    path = directory / "page.html"
    path.write_text('<!DOCTYPE html>\n<html lang="%s"><head><meta charset="utf-8"><title>授權報告</title>'
                    "<style>body { font: 20px sans-serif; margin: 8px; }</style></head>\n<body>%s</body></html>\n"
                    % (lang, body), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def chinese(tmp_path_factory):
    directory = tmp_path_factory.mktemp("chinese")
    body = ('<h1>KMS 授權報告</h1><p id="states">%s</p>'
            '<p id="dejavu" style="font-family: \'DejaVu Sans\'">Office LTSC 2024：主機 kms.example.org</p>'
            '<p hidden>\U0001e900 hidden, never drawn</p><script>var unused = "\U0001e900";</script>' % CHINESE)
    return render.render(page(directory, body), directory / "chinese.png", width=800, height=200)


def node(rendering: render.Rendering, path: str) -> render.TextNode:
    found = [n for n in rendering.nodes if n.path == path]
    assert len(found) == 1, [n.path for n in rendering.nodes]
    return found[0]


def test_traditional_chinese_renders_with_a_cjk_font_and_no_tofu(chinese):
    assert not chinese.tofu, "\n".join(map(str, chinese.tofu))
    states = node(chinese, "html > body > p#states")
    assert states.text == CHINESE
    assert [f.family for f in states.fonts] == ["Noto Sans CJK TC"]  # lang="zh-TW": the Traditional face
    assert states.fonts[0].path.endswith(".ttc")
    assert all(ord(c) in render.cmap(states.fonts[0].path, states.fonts[0].index) for c in CHINESE if c != " ")
    heading = node(chinese, "html > body > h1")
    assert heading.fonts and heading.fonts[0].postscript_name == "NotoSansCJKtc-Bold"


def test_a_node_drawn_with_two_fonts_is_checked_against_both(chinese):
    # DejaVu Sans has the Latin letters, Chromium's fallback the Han and the fullwidth colon.
    mixed = node(chinese, "html > body > p#dejavu")
    assert {f.family for f in mixed.fonts} == {"DejaVu Sans", "Noto Sans CJK TC"}
    assert mixed.uncovered == ""


def test_text_never_laid_out_has_no_fonts_and_no_tofu(chinese):
    hidden = node(chinese, "html > body > p")
    assert hidden.fonts == () and hidden.uncovered == ""
    assert hidden not in chinese.rendered
    assert not any("unused" in n.text for n in chinese.nodes)  # <script> and <title> are skipped


def test_characters_no_installed_font_has_are_reported_as_tofu(tmp_path):
    """The negative control: the same check fails when a character has no glyph."""
    body = "".join('<p id="c%d">授權 %s 狀態</p>' % (i, c) for i, c in enumerate(NO_FONT))
    rendering = render.render(page(tmp_path, body), tmp_path / "tofu.png", width=400, height=200)
    tofu = rendering.tofu
    assert [(t.char, t.node.path) for t in tofu] == [(c, "html > body > p#c%d" % i) for i, c in enumerate(NO_FONT)]
    assert [t.codepoint for t in tofu] == ["U+1E900", "U+F8FF", "U+F0000"]
    assert tofu[0].name == "ADLAM CAPITAL LETTER ALIF"
    for t in tofu:
        assert "Noto Sans CJK TC" in {f.family for f in t.node.fonts}  # what drew the box
        assert "U+" in str(t) and t.node.path in str(t)


def test_the_screenshot_is_a_picture_of_the_page(chinese):
    data = chinese.screenshot.read_bytes()
    assert data[:8] == render.PNG_SIGNATURE
    assert chinese.width == 800 and chinese.height >= 200  # the whole page
    assert (chinese.width, chinese.height) == render.png_size(data)
    # Three lines of text on white: far from blank, and still mostly background.
    assert 0.02 < render.ink(chinese.screenshot) < 0.5


def test_ink_measures_exactly_and_says_when_a_screenshot_is_blank(tmp_path):
    # A 50 x 25 black box on a 200 x 100 white page: 1250 of its 20000 pixels.
    box = page(tmp_path, '<div style="position: absolute; left: 100px; top: 50px; width: 50px; height: 25px; '
               'background: #000"></div>')
    rendering = render.render(box, tmp_path / "box.png", width=200, height=100)
    assert (rendering.width, rendering.height) == (200, 100)
    assert render.ink(rendering.screenshot) == 1250 / 20000
    assert rendering.nodes == []
    blank = render.render(page(tmp_path, ""), tmp_path / "blank.png", width=200, height=100, full_page=False)
    assert render.ink(blank.screenshot) == 0.0


def test_a_missing_browser_or_font_says_to_run_make_test(monkeypatch, tmp_path):
    bin_dir = str(Path(render.chromium()).parent)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AssertionError, match="make test"):
        render.require_tools()
    monkeypatch.setenv("PATH", bin_dir)
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))  # fontconfig with no font directory
    (tmp_path / "fonts.conf").write_text("<fontconfig></fontconfig>\n")
    with pytest.raises(AssertionError, match="make test"):
        render.require_tools()
