"""The evidence side by side in real Chromium: on the web page (a text copy with a
substituted word, a renamed function with its renamings) and in the HTML report (text,
renamed code, an image with its difference overlay, a melody's aligned piano rolls);
keyboard-navigable and readable at 380 px. Screenshots go to test-output/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.browser import OUTPUT, chromium, require_browser, served
from tests.extras import require_extra
from tests.samples import SMOOTH
from wherefrom.check import check_path
from wherefrom.report.evidence import html_figures
from wherefrom.report.render import RenderItem, render_html

require_browser()

POEM = (
    "Shall I compare thee to a summer's day? Thou art more lovely and more temperate: "
    "Rough winds do shake the darling buds of May, And summer's lease hath all too short a date: "
    "Sometime too hot the eye of heaven shines, And often is his gold complexion dimm'd."
)
CODE = SMOOTH
RENAMED = CODE.replace("series", "values").replace("out", "total")



@pytest.fixture
def index(make_index):
    return make_index({"statkit/stats.py": "import math\n\n\n" + CODE + "\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n"},
                      records=[{"text": POEM, "title": "Sonnet XVIII", "uri": "https://www.gutenberg.org/ebooks/1041",
                                "license": "CC0-1.0"}])


@pytest.fixture
def server_url(index):
    from wherefrom.serve.app import create_app

    with served(create_app(index.path)) as url:
        yield url


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _open_first_span(page, text: str, kind: str = "auto"):
    page.fill("#input", text)
    page.check(f"input[name=kind][value={kind}]")
    page.click("#check")
    mark = page.locator("#highlighted mark.span").first
    mark.wait_for(timeout=15_000)
    mark.focus()  # keyboard: Tab lands on a span, Enter opens its source and evidence
    page.keyboard.press("Enter")
    figure = page.locator("#panel figure.evidence").first
    figure.wait_for(timeout=15_000)
    return figure


def test_the_page_shows_a_text_copy_side_by_side_with_the_substituted_word(server_url, browser) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(server_url + "/")
    edited = "My own opening line.\n\n" + POEM.replace("darling buds", "lovely buds")
    figure = _open_first_span(page, edited, "text")
    assert figure.locator("mark.ev-substituted").first.inner_text() == "lovely"
    assert figure.locator(".ev-side").nth(1).locator("mark.ev-substituted").first.inner_text() == "darling"
    assert "1 substituted" in figure.locator("figcaption").inner_text()
    figure.focus()
    assert page.evaluate("document.activeElement.classList.contains('evidence')")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "evidence-page-text.png"), full_page=True)
    page.set_viewport_size({"width": 380, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(OUTPUT / "evidence-page-text-380.png"), full_page=True)


def test_the_page_shows_renamed_code_with_its_table_of_renamings(server_url, browser) -> None:
    page = browser.new_page(viewport={"width": 380, "height": 900})
    page.goto(server_url + "/")
    figure = _open_first_span(page, "import os\n\n\n" + RENAMED, "code")
    rows = figure.locator("table.ev-renamings tbody tr")
    pairs = {tuple(rows.nth(i).locator("code").all_inner_texts()) for i in range(rows.count())}
    assert {("series", "values"), ("out", "total")} <= pairs
    source_side = figure.locator(".ev-side").nth(1).inner_text()
    assert len(source_side) <= 300 + len("statkit/stats.py") + 2  # never more than the snippet limit
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "evidence-page-renamed-380.png"), full_page=True)


def test_the_html_report_shows_text_and_renamed_code_side_by_side(index, tmp_path, browser, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    answer, code = tmp_path / "answer.txt", tmp_path / "utils.py"
    answer.write_text("A poem: " + POEM.replace("darling", "tender"), encoding="utf-8")
    code.write_text("import os\n\n\n" + RENAMED, encoding="utf-8")
    items = []
    for path in (answer, code):
        report = check_path(index, path)
        items.append(RenderItem(report, path.read_text(encoding="utf-8"), html_figures(index, report, path.read_bytes())))
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(items), encoding="utf-8")
    page = browser.new_page(viewport={"width": 380, "height": 900})
    page.goto(page_file.as_uri())
    assert page.locator("mark.ev-substituted", has_text="tender").count() == 1
    assert page.locator("table.ev-renamings").count() >= 1
    page.keyboard.press("Tab")  # the first link of a highlighted span, then on to the evidence
    focusable = page.evaluate("[...document.querySelectorAll('figure.evidence')].every(f => f.tabIndex === 0)")
    assert focusable
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "evidence-report-380.png"), full_page=True)


TUNE = "X:1\nT:{title}\nM:6/8\nL:1/8\nK:{key}\n{notes}|]\n"
NOTES = "G3 B>cd|g2e c>BA|B<dG e>cA|F3 d^cd|a>fd B2e|g3 G3|G3 B>cd|g2e c>BA"


def _picture(seed: int = 3):
    """A picture with shapes and texture (enough keypoints to be aligned)."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    base = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(base).resize((320, 240), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = (int(v) for v in rng.integers(0, 300, 2))
        draw.ellipse([x, y % 220, x + int(rng.integers(8, 40)), y % 220 + int(rng.integers(8, 40))],
                     fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    return image


def _media(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An index of a picture and a jig; a copy of the picture with a patch painted over it
    and the jig as MIDI a fourth higher."""
    require_extra("image", "cv2")
    require_extra("music", "music21")
    from music21 import converter
    from PIL import ImageDraw

    from wherefrom.build import build_index
    from wherefrom.records import Provenance

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _picture().save(corpus / "shapes.png")
    (corpus / "jig.abc").write_text(TUNE.format(title="The Jig", key="G", notes=NOTES), encoding="utf-8")
    build_index([corpus], tmp_path / "idx", defaults=Provenance(license="CC-BY-4.0", license_evidence="test"))
    edited = _picture()
    ImageDraw.Draw(edited).rectangle([40, 40, 120, 100], fill=(255, 255, 255))
    edited.save(tmp_path / "generated.png")
    score = converter.parse(TUNE.format(title="copy", key="G", notes=NOTES), format="abc")
    score.transpose(5).write("midi", fp=tmp_path / "copy.mid")
    return tmp_path / "idx", tmp_path / "generated.png", tmp_path / "copy.mid"


def test_the_html_report_shows_a_picture_and_a_melody_side_by_side(tmp_path, browser, monkeypatch) -> None:
    from wherefrom import kinds
    from wherefrom.index import Index

    index_dir, picture, melody = _media(tmp_path)
    monkeypatch.chdir(tmp_path)
    items = []
    with Index.open(index_dir) as index:
        for path in (picture, melody):
            data = path.read_bytes()
            report = check_path(index, path)
            assert report.matches, path
            figures = kinds.spec(report.input.kind).part("figures")(index, report, data)
            items.append(RenderItem(report, None, figures))
    page_file = tmp_path / "media.html"
    page_file.write_text(render_html(items), encoding="utf-8")
    page = browser.new_page(viewport={"width": 380, "height": 900})
    page.goto(page_file.as_uri())
    assert page.locator("img[alt^='difference of the boxes']").count() >= 1
    assert page.locator("img[alt^='piano roll']").count() >= 1
    assert "drawn in the source's key" in page.inner_text("body")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "evidence-report-media-380.png"), full_page=True)


def test_the_page_shows_a_picture_and_a_melody_side_by_side(tmp_path, browser) -> None:
    from wherefrom.serve.app import create_app

    index_dir, picture, melody = _media(tmp_path)
    with served(create_app(index_dir)) as url:
        page = browser.new_page(viewport={"width": 380, "height": 900})
        page.goto(url + "/")
        page.focus("#file")  # a file input is reached with Tab like any control
        page.set_input_files("#file", str(picture))
        difference = page.locator("#panel figure.media img[alt^='difference of the boxes']")
        difference.wait_for(timeout=30_000)
        assert page.inner_text("#verdict") == "attribution-required"
        assert page.evaluate("[...document.querySelectorAll('#panel figure.media')].every(f => f.tabIndex === 0)")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "evidence-page-image-380.png"), full_page=True)
        page.set_input_files("#file", str(melody))
        roll = page.locator("#panel figure.media img[alt^='piano roll']")
        roll.wait_for(timeout=30_000)
        assert "drawn in the source's key" in page.inner_text("#panel")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(OUTPUT / "evidence-page-melody-380.png"), full_page=True)
