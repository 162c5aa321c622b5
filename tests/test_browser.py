"""The built book in a real browser: headless Chromium driven by Playwright.

Every page of the book (the `build` fixture of conftest.py: `make book`'s _build/html
when current, else a quick-profile build) is served from a local HTTP server and loaded
in Debian's chromium (``apt-get install chromium fonts-noto-cjk``; `make test` installs
them), with every request outside the book refused and recorded. For every page:

- no console error and no uncaught exception; no request leaves the book (offline);
- MathJax has typeset every formula: no raw ``$$``, ``\\(`` or ``\\[`` left in the text,
  no MathJax error node;
- every figure and animation frame in the outputs has loaded with non-blank pixels;
- each widget's static rendering (ganlib's caption, ipywidgets' embedded views) is visible;
- exercise solutions are hidden until their toggle is clicked, then shown;
- a screenshot of the whole page goes to _build/screenshots/ (a CI artefact).

And once: the search page finds a chapter for "Wasserstein"; each chapter's launch
button links to the chapter's notebook in Colab (the address .ci/setup_cell.py makes
from _config.yml); the glossary's Chinese terms are drawn with a CJK font.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import re
import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect  # noqa: E402

from conftest import Build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTER = re.compile(r"^book/\d\d_[\w]+\.html$")

spec = importlib.util.spec_from_file_location("setup_cell", ROOT / ".ci" / "setup_cell.py")
setup_cell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(setup_cell)


# --------------------------------------------------------------------------- browser & server

# Jupyter Book 1.0.4 writes sphinx-thebe's configuration script twice into every page
# (and sphinx-togglebutton's, whose `var` is harmless): the second `const THEBE_JS_URL`
# raises. Thebe is off (_config.yml), nothing reads these constants. Only this message
# is tolerated; any other console error fails.
KNOWN_CONSOLE_ERROR = re.compile(r"^(SyntaxError: )?Identifier 'THEBE_JS_URL' has already "
                                 r"been declared$")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium: Playwright's own browser download does not work here."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("no chromium: run `apt-get install -y chromium fonts-noto-cjk` "
                    "(make test does it)")
    return {**browser_type_launch_args, "executable_path": chromium,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900},
            "service_workers": "block"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site(build: Build) -> str:
    """The built book over HTTP on 127.0.0.1 (a free port)."""
    assert build.html.is_dir(), f"no built book at {build.html}"
    handler = functools.partial(QuietHandler, directory=str(build.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def page_names(build: Build) -> list[str]:
    return [p.relative_to(build.html).as_posix() for p in build.pages()
            if p.name not in ("genindex.html", "search.html")
            and p.relative_to(build.html).as_posix() != "index.html"]  # a redirect


@pytest.fixture
def visit(page: Page, site: str):
    """Loads a page with outside requests refused; returns what went wrong on the way."""
    listeners: list = []

    def go(name: str) -> dict:
        for event, fn in listeners:  # the previous page's
            page.remove_listener(event, fn)
        listeners.clear()
        page.unroute("**/*")
        problems = {"console": [], "outside": []}
        listeners.append(("console", lambda m: problems["console"].append(
            f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error" and not KNOWN_CONSOLE_ERROR.search(m.text) else None))
        listeners.append(("response", lambda r: problems["console"].append(
            f"HTTP {r.status}: {r.url}") if r.status >= 400 else None))
        listeners.append(("pageerror", lambda e: None if KNOWN_CONSOLE_ERROR.search(str(e))
                          else problems["console"].append(f"uncaught: {e}")))
        for event, fn in listeners:
            page.on(event, fn)

        def route(r):
            if r.request.url.startswith(site) or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                problems["outside"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.set_default_timeout(120_000)  # a busy 2-core machine is slow
        page.goto(site + name, wait_until="load")
        page.evaluate("""() => Promise.all([...document.images].map(i => i.complete ? 0
            : new Promise(done => { i.onload = i.onerror = done; })))""")
        # MathJax 3 typesets after load; its startup promise resolves when done
        page.wait_for_function(
            "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise"
            " && (window.__mj_done || (window.MathJax.startup.promise.then("
            "() => { window.__mj_done = true; }), false)))")
        return problems
    return go


# --------------------------------------------------------------------------- in-page checks

TEXT_OUTSIDE_CODE = """() => {
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, textarea, mjx-container, .MathJax')
      .forEach(n => n.remove());
  return copy.textContent;
}"""

BLANK_IMAGES = """() => {
  const out = [];
  const imgs = document.querySelectorAll(
      '.cell_output img, .output img, figure img, div.figure img, [id^="_anim_img"]');
  for (const img of imgs) {
    const name = (img.getAttribute('src') || '').slice(0, 60);
    if (!img.complete || img.naturalWidth === 0) { out.push(name + ': not loaded'); continue; }
    const w = Math.min(img.naturalWidth, 400), h = Math.min(img.naturalHeight, 400);
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0, w, h);
    const d = ctx.getImageData(0, 0, w, h).data;
    let differ = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[0]) + Math.abs(d[i+1] - d[1]) + Math.abs(d[i+2] - d[2])
          + Math.abs(d[i+3] - d[3]) > 30) differ++;
    }
    if (differ < 0.002 * w * h) out.push(name + ': blank (' + differ + ' pixels differ)');
  }
  return {count: imgs.length, bad: out};
}"""

WIDGETS = """() => {
  const visible = n => { const r = n.getBoundingClientRect();
    const s = getComputedStyle(n);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const captions = [...document.querySelectorAll('.ganlib-widget-caption')];
  const views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length;
  const rendered = [...document.querySelectorAll('.jupyter-widgets, .widget-container')]
      .filter(visible).length;
  return {captions: captions.length, hidden: captions.filter(c => !visible(c))
          .map(c => c.textContent.slice(0, 80)), views: views, rendered: rendered};
}"""


def test_every_page_in_a_browser(build: Build, page: Page, visit) -> None:
    names = page_names(build)
    assert any(CHAPTER.match(n) for n in names), names
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for name in names:
        problems = visit(name)
        bad = [f"console: {m}" for m in problems["console"]]
        bad += [f"request outside the book: {u}" for u in problems["outside"]]
        if page.locator("mjx-merror, .mjx-merror, mjx-container [data-mjx-error]").count():
            bad.append("MathJax error nodes")
        text = page.evaluate(TEXT_OUTSIDE_CODE)
        for raw in ("$$", "\\(", "\\[", "\\begin{"):
            if raw in text:
                at = text.index(raw)
                bad.append(f"raw TeX left ({raw!r}): ...{text[max(0, at - 40):at + 40]!r}...")
        images = page.evaluate(BLANK_IMAGES)
        bad += [f"figure {b}" for b in images["bad"]]
        if CHAPTER.match(name) and images["count"] == 0:
            bad.append("a chapter without figures")
        widgets = page.evaluate(WIDGETS)
        bad += [f"widget caption not visible: {c}" for c in widgets["hidden"]]
        if widgets["rendered"] < widgets["views"]:
            bad.append(f"{widgets['views']} embedded widget views, {widgets['rendered']} shown")
        page.screenshot(path=str(SCREENSHOTS / (name.replace("/", "__")[:-5] + ".png")),
                        full_page=True)
        failures += [f"{name}: {b}" for b in bad]
    assert not failures, "\n".join(failures)


SOLUTION = re.compile(r"answer|solution", re.I)


def test_exercise_solutions_are_hidden_until_opened(build: Build, page: Page, visit) -> None:
    """Every "Show the answer/solution" toggle (a <details>, or a sphinx-exercise or
    togglebutton dropdown) hides its content until clicked, then shows it."""
    checked: dict[str, int] = {}
    for name in [n for n in page_names(build) if CHAPTER.match(n)]:
        visit(name)
        toggles = page.locator("details", has=page.locator("summary", has_text=SOLUTION))
        for i in range(toggles.count()):
            sol = toggles.nth(i)
            body = sol.locator(":scope > :not(summary)").first
            sol.scroll_into_view_if_needed()
            expect(body, f"{name}: solution {i} is shown before it is opened").to_be_hidden()
            sol.locator(":scope > summary").click()
            expect(body, f"{name}: solution {i} does not open").to_be_visible()
            checked[name] = checked.get(name, 0) + 1
        dropdowns = page.locator(".solution.dropdown, .solution.toggle")
        for i in range(dropdowns.count()):
            sol = dropdowns.nth(i)
            body = sol.locator(".solution-content, .toggle-details__container, section").first
            sol.scroll_into_view_if_needed()
            expect(body, f"{name}: solution {i} is shown before it is opened").to_be_hidden()
            sol.locator("button.toggle-button, .solution-title").first.click()
            expect(body, f"{name}: solution {i} does not open").to_be_visible()
            checked[name] = checked.get(name, 0) + 1
    print(f"solutions checked per page: {checked}")
    assert sum(checked.values()) > 0, "no exercise solution found in any chapter"


def test_search_finds_a_chapter_for_wasserstein(page: Page, site: str) -> None:
    page.goto(site + "search.html?q=Wasserstein")
    results = page.locator("#search-results ul.search li a")
    expect(results.first).to_be_visible(timeout=30_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(re.search(r"book/\d\d_\w+\.html", h or "") for h in hrefs), hrefs


def test_launch_buttons_open_the_chapter_in_colab(build: Build, page: Page, visit) -> None:
    for name in [n for n in page_names(build) if CHAPTER.match(n)]:
        visit(name)
        link = page.locator('a[href*="colab.research.google.com"]')
        assert link.count() == 1, f"{name}: {link.count()} Colab links"
        expected = setup_cell.colab_url(name[:-5] + ".ipynb")
        assert link.get_attribute("href") == expected, name
        download = page.locator('a[href$=".ipynb"][download], a[href*="_sources/"][href$=".ipynb"]')
        assert download.count() >= 1, f"{name}: no download-notebook button"


def test_glossary_chinese_is_drawn_with_a_cjk_font(build: Build, page: Page, visit) -> None:
    visit("book/glossary.html")
    handle = page.evaluate_handle("""() => [...document.querySelectorAll('main *')].find(
        n => n.children.length === 0 && /[\\u4e00-\\u9fff]/.test(n.textContent)
             && n.getBoundingClientRect().width > 0)""")
    assert handle.as_element() is not None, "no Chinese text on the glossary page"
    handle.as_element().evaluate("n => n.setAttribute('data-cjk-probe', '1')")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    names = [f["familyName"] for f in fonts]
    assert any(re.search(r"CJK|Han|PingFang|YaHei|WenQuanYi|Hei|Song", n) for n in names), (
        f"the glossary's Chinese is drawn with {names}: install fonts-noto-cjk")
    css = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in css and "Microsoft YaHei" in css, css
