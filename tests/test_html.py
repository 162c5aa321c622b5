"""The HTML book: it builds, it works offline, and every chapter shows its results.

The checks read the book `make book` built into _build/html when it is newer than every
source (CI runs `make book` first, so no notebook runs twice); otherwise the book is
built once per test session, in the quick profile, into a temporary folder, with the
same flags as ``make book``: every notebook executed, warnings as errors (the ``build``
fixture of conftest.py). The checks then read the built pages:

- no page loads a script, stylesheet, font, image or frame from outside the book
  (links ``<a href>`` to the outside are fine); every local asset a page loads exists;
- MathJax is the book's own copy, and it exists in the build;
- every chapter page shows at least one figure and no error output;
- the glossary and the references pages exist and are filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import Build

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book" / "_vendor"
CHAPTER = re.compile(r"^\d\d_.*\.html$")  # book/00_how_to_use.html, ...
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "maxcdn.bootstrapcdn.com",
             "fonts.googleapis.com", "fonts.gstatic.com")
# <link rel=...> values that point somewhere rather than load something
NAVIGATION_RELS = {"canonical", "alternate", "author", "license", "next", "prev", "index",
                   "search", "help", "me", "top", "up", "bookmark", "external", "noopener"}


# --------------------------------------------------------------------------- the build
# The `build` fixture (conftest.py): _build/html when `make book` built it from the
# current sources, else one quick-profile build into a temporary folder.

def test_book_builds_without_warnings(build: Build) -> None:
    print(f"checking the book built by {build.origin}: {build.html}")
    problems = [line for line in build.log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert build.returncode == 0, (
        f"jupyter-book build failed (exit {build.returncode}); warnings and errors:\n"
        + "\n".join(problems or build.log.splitlines()[-60:])
    )


# --------------------------------------------------------------------------- reading pages


@dataclass
class Page:
    """What a built page loads and shows, collected by :class:`PageParser`."""

    path: Path
    loads: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    images: list[str] = field(default_factory=list)             # output figures
    error_outputs: list[str] = field(default_factory=list)      # tracebacks, stderr with errors
    mathjax: list[str] = field(default_factory=list)            # MathJax script URLs
    glossary_terms: int = 0
    citations: int = 0
    inline_css: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[tuple[str, str]] = []   # open (tag, class) pairs
        self.capture_depth: int | None = None    # inside an output we read the text of
        self.captured: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        cls = a.get("class", "")
        page = self.page
        for key in ("src", "data", "poster"):
            if key in a and tag in {"script", "img", "iframe", "embed", "source", "video",
                                    "audio", "track", "input", "object"}:
                page.loads.append((tag, a[key]))
        if "srcset" in a:
            page.loads += [(tag, s.strip().split()[0]) for s in a["srcset"].split(",") if s.strip()]
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if not rels <= NAVIGATION_RELS and a.get("href"):
                page.loads.append((tag, a["href"]))
        if tag == "script" and "mathjax" in a.get("src", "").lower():
            page.mathjax.append(a["src"])
        if tag == "img" and ("_images/" in a.get("src", "") or a.get("src", "").startswith("data:image")):
            page.images.append(a["src"])
        if tag == "dt" and any("glossary" in c for _, c in self.stack):
            page.glossary_terms += 1
        if tag == "div" and "citation" in cls.split():
            page.citations += 1
        if "style" in a:
            page.inline_css.append(a["style"])
        if tag == "style":
            self.in_style = True
        classes = cls.split()
        if self.capture_depth is None and tag == "div" and "output" in classes and (
            "traceback" in classes or "stderr" in classes
        ):
            self.capture_depth = len(self.stack)
            self.captured = ["traceback" if "traceback" in classes else "stderr"]
        if tag not in VOID:
            self.stack.append((tag, cls))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
        if tag in VOID:
            return
        while self.stack:  # tolerate unclosed tags
            open_tag, _ = self.stack.pop()
            if self.capture_depth is not None and len(self.stack) == self.capture_depth:
                kind, text = self.captured[0], "".join(self.captured[1:])
                if kind == "traceback" or re.search(r"Traceback|\w*Error\b", text):
                    self.page.error_outputs.append(text.strip()[:500])
                self.capture_depth = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.capture_depth is not None:
            self.captured.append(data)
        if self.in_style:
            self.page.inline_css.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}


def read_page(path: Path) -> Page:
    page = Page(path)
    PageParser(page).feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="session")
def pages(build: Build) -> dict[str, Page]:
    assert build.html.is_dir(), "the build wrote no HTML; see test_book_builds_without_warnings"
    return {p.relative_to(build.html).as_posix(): read_page(p) for p in build.pages()}


def is_external(url: str) -> bool:
    """True for URLs that leave the book: http(s)://..., //host/..., other schemes but data:."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("", "data", "blob"):
        return bool(parts.netloc)  # "//cdn.example.com/x.js" has no scheme but a host
    return True


def local_target(page: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path)
    return (page.parent / path).resolve()


# --------------------------------------------------------------------------- the checks


def test_no_page_loads_anything_from_outside_the_book(build: Build, pages: dict[str, Page]) -> None:
    offenders = [f"{name}: <{tag}> {url}" for name, page in pages.items()
                 for tag, url in page.loads if is_external(url)]
    for name, page in pages.items():
        css = " ".join(page.inline_css)
        offenders += [f"{name}: inline CSS url({u})" for u in re.findall(r"url\(\s*['\"]?([^)'\"]+)", css)
                      if is_external(u)]
        text = page.path.read_text(encoding="utf-8")
        offenders += [f"{name}: mentions CDN {host}" for host in CDN_HOSTS if host in text
                      and not (host == "unpkg.com" and "THEBE_JS_URL" in text)]  # thebe: off, never loaded
    assert not offenders, "pages load from outside the book (offline they break):\n" + "\n".join(offenders)


def test_stylesheets_load_nothing_from_outside(build: Build) -> None:
    offenders = []
    for css in build.html.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments may cite URLs
        urls = re.findall(r"url\(\s*['\"]?([^)'\"]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text)
        offenders += [f"{css.relative_to(build.html)}: {u}" for u in urls if is_external(u)]
    assert not offenders, "stylesheets load from outside the book:\n" + "\n".join(offenders)


def test_every_local_asset_a_page_loads_exists(pages: dict[str, Page]) -> None:
    missing = [f"{name}: <{tag}> {url}" for name, page in pages.items() for tag, url in page.loads
               if not is_external(url) and not url.startswith(("data:", "blob:"))
               and not local_target(page.path, url).exists()]
    assert not missing, "pages load files that are not in the build:\n" + "\n".join(missing)


def test_mathjax_is_served_from_the_book(pages: dict[str, Page]) -> None:
    with_math = {name: page for name, page in pages.items() if page.mathjax}
    assert "book/00_how_to_use.html" in with_math, "chapter 0 has equations but loads no MathJax"
    for name, page in with_math.items():
        for url in page.mathjax:
            assert not is_external(url), f"{name} loads MathJax from {url}"
            target = local_target(page.path, url)
            assert target.is_file() and target.stat().st_size > 100_000, f"{name}: {target} missing"
            fonts = target.parent / "output" / "chtml" / "fonts" / "woff-v2"
            assert len(list(fonts.glob("*.woff"))) >= 20, f"MathJax's fonts are missing in {fonts}"


def test_each_chapter_shows_a_figure_and_no_errors(pages: dict[str, Page]) -> None:
    chapters = {name: page for name, page in pages.items() if CHAPTER.match(Path(name).name)}
    assert "book/00_how_to_use.html" in chapters, sorted(pages)
    no_figure = [name for name, page in chapters.items() if not page.images]
    errors = [f"{name}:\n{err}" for name, page in chapters.items() for err in page.error_outputs]
    assert not no_figure, f"chapter pages without a figure: {no_figure}"
    assert not errors, "chapter pages show error output:\n" + "\n\n".join(errors)


def test_glossary_and_references_pages(pages: dict[str, Page]) -> None:
    assert "book/glossary.html" in pages and "book/references.html" in pages, sorted(pages)
    assert pages["book/glossary.html"].glossary_terms >= 30
    assert pages["book/references.html"].citations >= 25


# --------------------------------------------------------------------------- the checker itself


def test_page_parser_finds_external_loads_and_errors(tmp_path: Path) -> None:
    """The checks above must be able to fail: a page with every kind of problem."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><head><script src="https://cdn.example.com/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/f.css"><link rel="next" href="https://x.org">'
        '<style>body{background:url("https://img.example.com/b.png")}</style></head>'
        '<body><a href="https://ok.example.com">a link is fine</a><img src="../_images/fig.png">'
        '<div class="cell_output"><div class="output stderr"><pre>ValueError: bad</pre></div>'
        '<div class="output stream"><pre>Error in the text of stdout is fine</pre></div></div></body></html>'
    )
    page = read_page(bad)
    external = [url for _, url in page.loads if is_external(url)]
    assert external == ["https://cdn.example.com/x.js", "//fonts.example.com/f.css"]
    assert any("img.example.com" in css for css in page.inline_css)
    assert page.images == ["../_images/fig.png"]
    assert page.error_outputs == ["ValueError: bad"]
    assert not is_external("../_static/mathjax/tex-chtml-full.js?v=1")
    assert not is_external("data:image/png;base64,AAAA")
