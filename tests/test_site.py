"""The static site, opened page by page in a real headless browser.

The site is built once from scratch (``site/build.py``, what ``make site`` runs: warnings are
errors), served from ``_build/html`` on 127.0.0.1 and visited with Playwright driving a Chromium the
machine already has (``scripts/find_chromium.py``: ``$CHROMIUM``, then ``chromium``,
``chromium-browser``, ``google-chrome``, ``google-chrome-stable``, ``microsoft-edge`` on the
PATH, then the macOS applications; never a browser download); one page is also opened from disk,
as a reader does. Every page is opened again on a phone's screen (390 x 844): both sidebar
buttons open their panels. At 390 and at 1,280 px nothing is wider than the screen or cut off
(what is wider than the text column scrolls inside its own box) and figures fit the column.
Every request that would leave the machine is reported (and cannot succeed: the browser resolves
no host name but 127.0.0.1), so the checks also show that the site works offline, equations
included. A full-page screenshot of every page is saved in
``benchmarks/screenshots/site/`` (emptied first) for a person to look at.
"""

import functools
import http.server
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
HTML = REPOSITORY / "_build" / "html"
SCREENSHOTS = REPOSITORY / "benchmarks" / "screenshots" / "site"
_spec = importlib.util.spec_from_file_location("find_chromium", REPOSITORY / "scripts" / "find_chromium.py")
find_chromium = importlib.util.module_from_spec(_spec)
sys.modules["find_chromium"] = find_chromium
_spec.loader.exec_module(find_chromium)
HOST = "127.0.0.1"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # The network is off for the browser: every host name but 127.0.0.1 fails to resolve.
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
]
#: Pages that only redirect, and where they must land.
REDIRECTS = {"index.html": "intro.html"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Run in the page once it has loaded: lazy images are told to load now, every image is awaited,
# then MathJax (if the page has it) is awaited until it has typeset the page.
SETTLE_PAGE = """async () => {
    const images = Array.from(document.images);
    images.forEach(image => { image.loading = "eager"; });
    await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
        image.addEventListener("load", done); image.addEventListener("error", done);
    })));
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
        await window.MathJax.startup.promise;
    }
}"""

DESCRIBE_PAGE = """() => {
    const equations = Array.from(document.querySelectorAll(".math"));
    return {
        title: document.title,
        heading: (document.querySelector("h1") || {}).textContent || "",
        brokenImages: Array.from(document.images)
            .filter(image => !(image.naturalWidth > 0))
            .map(image => image.getAttribute("src")),
        imageCount: document.images.length,
        links: Array.from(document.querySelectorAll("a[href]")).map(anchor => anchor.href),
        equations: equations.length,
        renderedEquations: equations.filter(e => e.querySelector("mjx-container")).length,
        mathjaxContainers: document.querySelectorAll("mjx-container").length,
        mathjaxErrors: document.querySelectorAll("mjx-merror").length,
        mathjaxVersion: (window.MathJax && window.MathJax.version) || null,
    };
}"""


def expected_pages() -> list[str]:
    """Every HTML page the site must have, relative to ``_build/html``, in reading order."""
    notebooks = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    return [
        "index.html",
        "intro.html",
        *[f"notebooks/{notebook.stem}.html" for notebook in notebooks],
        "notation.html",
        "glossary.html",
        "references.html",
        "search.html",
    ]


@dataclass
class PageVisit:
    """What the browser saw on one page."""

    url: str
    final_url: str = ""
    title: str = ""
    heading: str = ""
    image_count: int = 0
    broken_images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    failed_local_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    equations: int = 0
    rendered_equations: int = 0
    mathjax_containers: int = 0
    mathjax_errors: int = 0
    mathjax_version: str | None = None
    screenshot: Path | None = None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _say(request, line: str) -> None:
    """Print a line to the terminal now, past pytest's capture (what the site test is doing)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


@pytest.fixture(scope="module")
def built_site(request) -> Path:
    """``_build/html``, built from scratch by ``site/build.py`` with warnings as errors."""
    _say(request, "\nsite test: building the site with site/build.py (15-50 s) ...")
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "site" / "build.py")],
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            "The site does not build (`python site/build.py` = `make site`; warnings are errors):\n"
            + result.stdout[-6000:] + result.stderr[-6000:]
        )
    return HTML


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    """Base URL of the built site, served by a thread on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser(request):
    """A headless Chromium the machine has, driven by Playwright; which one is printed.

    Fails, never skips, when there is none (the message says how to install one).
    """
    try:
        found = find_chromium.find_chromium()
    except find_chromium.BrowserNotFound as error:
        pytest.fail(str(error))
    _say(request, f"\nsite test: browser {found.describe()}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(found.path), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser_context(browser):
    """A desktop-sized context (one HTTP cache) for all pages."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture(scope="module")
def phone_context(browser):
    """A phone-sized context: 390 x 844 CSS pixels, touch, as a small smartphone."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    context.set_default_timeout(20_000)
    yield context
    context.close()


def _visit(browser_context, site_url: str, page_path: str, screenshot: bool = True) -> PageVisit:
    """Open one page, let it settle, describe it and (by default) save a full-page screenshot.

    ``site_url`` is where the site is (``http://127.0.0.1:PORT/`` or a ``file:///`` folder); a
    request for anything outside it is recorded as external.
    """
    visit = PageVisit(url=site_url + page_path)

    def on_request(request):
        if not request.url.startswith((site_url, "data:", "blob:", "about:")):
            visit.external_requests.append(request.url)

    def on_response(response):
        if response.url.startswith(site_url) and response.status >= 400:
            visit.failed_local_requests.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        if request.url.startswith(site_url):
            visit.failed_local_requests.append(f"{request.failure} {request.url}")

    page = browser_context.new_page()
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", lambda message: message.type == "error" and visit.console_errors.append(
        f"{message.text} ({message.location.get('url', '')}:{message.location.get('lineNumber', '')})"
    ))
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    try:
        page.goto(visit.url, wait_until="load")
        if page_path in REDIRECTS:
            page.wait_for_url(site_url + REDIRECTS[page_path])
            page.wait_for_load_state("load")
        page.evaluate(SETTLE_PAGE)
        described = page.evaluate(DESCRIBE_PAGE)
        visit.final_url = page.url
        visit.title = described["title"]
        visit.heading = described["heading"]
        visit.image_count = described["imageCount"]
        visit.broken_images = described["brokenImages"]
        visit.links = described["links"]
        visit.equations = described["equations"]
        visit.rendered_equations = described["renderedEquations"]
        visit.mathjax_containers = described["mathjaxContainers"]
        visit.mathjax_errors = described["mathjaxErrors"]
        visit.mathjax_version = described["mathjaxVersion"]
        if screenshot:
            visit.screenshot = SCREENSHOTS / (page_path.removesuffix(".html").replace("/", "__") + ".png")
            page.screenshot(path=str(visit.screenshot), full_page=True)
    finally:
        page.close()
    return visit


@pytest.fixture(scope="module")
def visits(browser_context, site_url: str, request) -> dict[str, PageVisit]:
    """Every expected page, visited once; the screenshots' folder is printed."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    result = {
        # A redirect page would only repeat its target's screenshot.
        page_path: _visit(browser_context, site_url, page_path, screenshot=page_path not in REDIRECTS)
        for page_path in expected_pages()
    }
    _say(request, f"\nsite test: a screenshot of every page is in {SCREENSHOTS}/")
    return result


def _fetch(url: str, cache: dict[str, tuple[int, str]]) -> tuple[int, str]:
    """HTTP status and text of a local URL, fetched once."""
    if url not in cache:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                is_html = response.headers.get_content_type() == "text/html"
                cache[url] = (response.status, body.decode("utf-8", "replace") if is_html else "")
        except urllib.error.HTTPError as error:
            error.close()
            cache[url] = (error.code, "")
    return cache[url]


def _unresolved_links(links: list[str], site_url: str, cache: dict[str, tuple[int, str]]) -> list[str]:
    """Internal links whose target is missing, or whose ``#fragment`` names no element there."""
    problems = []
    for link in sorted(set(links)):
        if not link.startswith(site_url):
            continue  # external: not reachable offline, not part of this site
        target, _, fragment = link.partition("#")
        status, text = _fetch(target, cache)
        if status != 200:
            problems.append(f"{link} -> HTTP {status}")
        elif fragment and text:
            anchor = re.escape(urllib.parse.unquote(fragment))
            if not re.search(rf"""\b(id|name)=["']{anchor}["']""", text):
                problems.append(f"{link} -> no element with id {fragment!r}")
    return problems


def test_the_site_has_exactly_the_expected_pages(built_site: Path):
    """One page per notebook, plus the landing, notation, glossary, references, search and redirect pages."""
    built = sorted(
        path.relative_to(built_site).as_posix()
        for path in built_site.rglob("*.html")
        if not path.relative_to(built_site).parts[0].startswith("_")
    )
    assert built == sorted(expected_pages())


def test_every_page_names_an_icon_the_site_holds(built_site: Path):
    """A page without one makes the browser ask for /favicon.ico, which the site does not have;
    the redirect carries it inline (a request for it would be aborted by the redirect)."""
    for page_path in expected_pages():
        text = (built_site / page_path).read_text()
        icon = re.search(r"""<link rel=["']icon["'] href=["']([^"']+)["']""", text)
        assert icon is not None, f"{page_path} names no icon"
        if page_path in REDIRECTS:
            assert icon.group(1).startswith("data:image/svg+xml;base64,"), page_path
        else:
            assert (built_site / page_path).parent.joinpath(icon.group(1)).resolve().is_file(), (
                f"{page_path}: icon {icon.group(1)} is not in the site"
            )


@pytest.mark.parametrize("page_path", expected_pages())
def test_page_opens_cleanly_in_a_browser(page_path: str, visits: dict[str, PageVisit], site_url: str):
    """Title, loaded images, no failed or external request, resolving links, no console error."""
    visit = visits[page_path]
    link_cache: dict[str, tuple[int, str]] = {}
    problems = []
    if page_path in REDIRECTS and visit.final_url != site_url + REDIRECTS[page_path]:
        problems.append(f"does not redirect to {REDIRECTS[page_path]} (ends at {visit.final_url})")
    if not visit.title.strip() or "<no title>" in visit.title:
        problems.append(f"no page title (got {visit.title!r})")
    if not visit.heading.strip():
        problems.append("no <h1> heading")
    problems += [f"image not loaded: {src}" for src in visit.broken_images]
    problems += [f"local request failed: {failure}" for failure in visit.failed_local_requests]
    problems += [f"request for something outside the site: {url}" for url in visit.external_requests]
    problems += [f"console error: {error}" for error in visit.console_errors]
    problems += [f"broken link: {problem}" for problem in _unresolved_links(visit.links, site_url, link_cache)]
    if page_path not in REDIRECTS:
        assert visit.screenshot is not None and visit.screenshot.stat().st_size > 0
    assert not problems, f"{visit.url} (screenshot {visit.screenshot}):\n  " + "\n  ".join(problems)


def test_notebook_pages_show_their_figures(visits: dict[str, PageVisit]):
    """Each notebook page shows the figures stored in its outputs (every one checked above)."""
    for page_path, visit in visits.items():
        if page_path.startswith("notebooks/"):
            assert visit.image_count > 0, f"{page_path} shows no figure"


def test_equations_are_rendered_by_the_bundled_mathjax(visits: dict[str, PageVisit]):
    """Every equation on every page is typeset by MathJax 3 served from the site itself."""
    pages_with_math = {path: visit for path, visit in visits.items() if visit.equations}
    assert "intro.html" in pages_with_math, "the landing page's equation is missing"
    for page_path, visit in pages_with_math.items():
        assert visit.mathjax_version is not None and visit.mathjax_version.startswith("3."), (
            f"{page_path}: MathJax did not load (version {visit.mathjax_version!r})"
        )
        assert visit.rendered_equations == visit.equations, (
            f"{page_path}: {visit.rendered_equations} of {visit.equations} equations rendered"
        )
        assert visit.mathjax_containers >= visit.equations
        assert visit.mathjax_errors == 0, f"{page_path}: {visit.mathjax_errors} TeX errors"


def test_the_site_opens_from_the_file_system(browser_context, built_site: Path):
    """A reader opens ``_build/html/index.html`` from disk (the path ``make run`` prints)."""
    visit = _visit(browser_context, built_site.as_uri() + "/", "index.html", screenshot=False)
    assert visit.final_url == built_site.as_uri() + "/" + REDIRECTS["index.html"]
    assert visit.console_errors == []
    assert visit.failed_local_requests == [] and visit.external_requests == []
    assert visit.broken_images == []
    assert 0 < visit.equations == visit.rendered_equations


def test_served_the_search_shows_a_snippet_of_each_result(browser_context, site_url: str):
    """Served over HTTP (as the README and ``make run`` say to, for this), the search page lists
    the pages that hold a word with a snippet of text from each; from the disk it cannot read
    the pages to cut snippets from."""
    page = browser_context.new_page()
    try:
        page.goto(site_url + "search.html?q=margin", wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0"
                               " && document.querySelector('#search-results p.context') !== null")
        results = page.evaluate("""() => Array.from(document.querySelectorAll('#search-results li'),
            item => (item.querySelector('p.context') || {}).textContent || '')""")
    finally:
        page.close()
    assert len(results) >= 2, results
    assert any("margin" in snippet.lower() for snippet in results), results


# --- On a phone, and the way from the site to the code -------------------------------------------

# Every element a reader can use to search, as the page shows it (hidden ones excluded).
VISIBLE_SEARCH_BOXES = """() => Array.from(document.querySelectorAll(
        ".search-button__button, form.bd-search, .bd-search input, input[type=search]"))
    .filter(element => {
        const box = element.getBoundingClientRect(), style = getComputedStyle(element);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && !element.closest("dialog:not([open])");
    }).length"""

# How a page fits its screen, measured against the viewport the page is laid out in
# (``document.documentElement.clientWidth``: the screen's width less a vertical scrollbar). Every
# visible element of the page's main area must lie within the screen, or within the nearest box
# that clips it (``overflow-x`` other than visible) if that box scrolls; an element past the edge
# of a box that does not scroll is cut off. Left out: the sidebars (off screen until a button
# opens them: the test above) and what is hidden from sight by design, for screen readers only
# (MathJax's assistive MathML; a box of 1 px or less, such as a phone's hidden table header).
DESCRIBE_LAYOUT = """() => {
    const viewport = document.documentElement.clientWidth;
    const main = document.querySelector(".bd-main") || document.body;
    const name = element => element.tagName.toLowerCase()
        + [...element.classList].slice(0, 2).map(c => "." + c).join("");
    const overflowX = element => getComputedStyle(element).overflowX;
    const problems = [];
    for (const element of main.querySelectorAll("*")) {
        if (element.closest("mjx-assistive-mml, .bd-sidebar-primary, .bd-sidebar-secondary")) continue;
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === "hidden") continue;
        let clip = element.parentElement;
        while (clip && clip !== document.documentElement && overflowX(clip) === "visible") {
            clip = clip.parentElement;
        }
        const inScreen = !clip || clip === document.documentElement;
        const edge = inScreen ? {left: 0, right: viewport, width: viewport, height: 2} : clip.getBoundingClientRect();
        if (edge.width <= 1 || edge.height <= 1) continue;  // hidden from sight by design
        if (box.left >= edge.left - 1 && box.right <= edge.right + 1) continue;
        if (!inScreen && ["auto", "scroll"].includes(overflowX(clip))) continue;  // scrolls in its box
        const text = (element.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
        problems.push(`${name(element)} spans ${Math.round(box.left)}-${Math.round(box.right)} px, `
            + (inScreen ? "past the screen's edge" : `cut off by ${name(clip)}`) + `: "${text}"`);
    }
    return {
        screenWidth: viewport,
        pageWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
        problems: problems,
        figures: Array.from(main.querySelectorAll(".cell_output img")).map(image => ({
            src: image.getAttribute("src"), shown: image.getBoundingClientRect().width,
            natural: image.naturalWidth, column: image.closest(".cell_output").clientWidth,
            link: (image.closest("a.full-size-figure") || {}).href || null})),
        tables: Array.from(main.querySelectorAll(".pst-scrollable-table-container")).map(box => ({
            width: box.scrollWidth, column: box.clientWidth,
            heading: (box.querySelector("th") || {}).textContent || ""})),
    };
}"""

# The panel a sidebar button opens: pydata-sphinx-theme moves the sidebar into a modal dialog.
PANEL_STATE = """(dialogId) => {
    const dialog = document.getElementById(dialogId);
    if (!dialog) { return {exists: false}; }
    const box = dialog.getBoundingClientRect();
    return {exists: true, open: dialog.open, width: box.width, height: box.height,
            links: dialog.querySelectorAll("a[href]").length};
}"""

CONTENT_PAGES = [page for page in expected_pages() if page not in REDIRECTS]
NOTEBOOK_PAGES = [page for page in CONTENT_PAGES if page.startswith("notebooks/")]


def _site_settings() -> dict:
    return yaml.safe_load((REPOSITORY / "site" / "_config.yml").read_text())


def _open(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate(SETTLE_PAGE)
    return page


def _press_and_check_panel(page, side: str, dialog_id: str) -> list[str]:
    """Press the article header's ``side`` sidebar button; return what is wrong with its panel."""
    buttons = page.locator(f".bd-header-article .{side}-toggle").filter(visible=True)
    if buttons.count() != 1:
        return [f"{buttons.count()} visible {side} sidebar buttons (expected 1)"]
    buttons.first.click()
    try:
        page.wait_for_function(f"() => document.getElementById('{dialog_id}').open", timeout=5_000)
    except Exception:  # noqa: BLE001 - Playwright's timeout: reported below as a problem
        pass
    state = page.evaluate(PANEL_STATE, dialog_id)
    problems = []
    if not state.get("open"):
        problems.append(f"pressing the {side} sidebar button opens no panel ({state})")
    elif state["width"] < 100 or state["height"] < 100 or state["links"] == 0:
        problems.append(f"the {side} panel is open but shows nothing usable ({state})")
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !document.getElementById('{dialog_id}').open", timeout=5_000)
    return problems


@pytest.mark.parametrize("page_path", CONTENT_PAGES)
def test_on_a_phone_both_menu_buttons_open_their_panels(page_path: str, phone_context, site_url: str):
    """At 390 x 844 the site navigation and the page contents open from the header's buttons."""
    page = _open(phone_context, site_url + page_path)
    try:
        problems = _press_and_check_panel(page, "primary", "pst-primary-sidebar-modal")
        # Every page with sections has a contents button (the search page has none to show).
        if page_path != "search.html":
            problems += _press_and_check_panel(page, "secondary", "pst-secondary-sidebar-modal")
        page.screenshot(path=str(SCREENSHOTS / ("phone__" + page_path.removesuffix(".html")
                                                .replace("/", "__") + ".png")), full_page=True)
    finally:
        page.close()
    assert not problems, f"{page_path} on a phone:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def narrow_context(browser):
    """A 390 x 844 screen without phone emulation, to measure pages against.

    With ``is_mobile=True`` Chromium widens the layout to the content: a 506 px wide page on the
    phone context measured ``innerWidth`` 506, so a page wider than the screen passed for one as
    wide as the screen. Here the layout stays 390 px wide, as on a phone that fits a page to it.
    """
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.mark.parametrize("screen", ["narrow_context", "browser_context"], ids=["390px", "1280px"])
@pytest.mark.parametrize("page_path", CONTENT_PAGES)
def test_no_page_is_wider_than_the_screen_and_figures_fit_the_column(
    page_path: str, screen: str, request, site_url: str
):
    """Nothing scrolls the whole page sideways and nothing is cut off: what is wider than the text
    column scrolls inside its own box (code, printed output, DataFrames, a long formula) or
    shrinks to it. Figures are scaled to the column, each a link to its full-size image; on a
    phone the site's own tables show each row as a block instead of scrolling."""
    page = _open(request.getfixturevalue(screen), site_url + page_path)
    try:
        layout = page.evaluate(DESCRIBE_LAYOUT)
    finally:
        page.close()
    width = layout["screenWidth"]
    problems = list(layout["problems"])
    if layout["pageWidth"] > width:
        problems.insert(0, f"the page is {layout['pageWidth']} px wide on a {width} px screen")
    for figure in layout["figures"]:
        if figure["shown"] > figure["column"] + 1:
            problems.append(f"figure {figure['src']} is shown {figure['shown']:.0f} px wide in a "
                            f"{figure['column']} px column")
        if not (figure["link"] or "").endswith(figure["src"].lstrip("./")):
            problems.append(f"figure {figure['src']} is no link to its full-size image ({figure['link']})")
    if width < 600:
        problems += [f"the table headed {table['heading']!r} is {table['width']} px wide in a "
                     f"{table['column']} px column" for table in layout["tables"]
                     if table["width"] > table["column"] + 1]
    assert not problems, f"{page_path} at {width} px:\n  " + "\n  ".join(problems)


def test_on_a_phone_figures_are_scaled_and_a_tap_opens_one_at_full_size(phone_context, site_url: str):
    """Notebook 03's figures are drawn wider than a phone: shown smaller, and a tap on one opens
    its image at full size."""
    page = _open(phone_context, site_url + NOTEBOOK_PAGES[2])
    try:
        figure = page.locator(".cell_output img").first
        shown, natural = figure.evaluate("image => [image.getBoundingClientRect().width, image.naturalWidth]")
        assert shown < natural, f"the figure is shown {shown} px wide, its full size {natural} px"
        figure.scroll_into_view_if_needed()
        figure.tap()
        page.wait_for_url(re.compile(r".*\.png$"))
        opened = page.evaluate("() => document.images[0].naturalWidth")
    finally:
        page.close()
    assert opened == natural


def test_the_desktop_hamburger_hides_and_shows_the_navigation(browser_context, site_url: str):
    page = _open(browser_context, site_url + NOTEBOOK_PAGES[0])
    navigation = page.locator("#pst-primary-sidebar")
    button = page.locator(".bd-header-article .primary-toggle")
    try:
        assert navigation.is_visible()
        button.click()
        assert navigation.is_hidden() and button.get_attribute("aria-expanded") == "false"
        button.click()
        assert navigation.is_visible() and button.get_attribute("aria-expanded") == "true"
    finally:
        page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_page_shows_one_search_box(viewport, browser, site_url: str):
    context = browser.new_context(viewport=viewport)
    try:
        for page_path in CONTENT_PAGES:
            if page_path == "search.html":
                continue  # the search page's own form is the point of that page
            page = _open(context, site_url + page_path)
            try:
                count = page.evaluate(VISIBLE_SEARCH_BOXES)
            finally:
                page.close()
            assert count == 1, f"{page_path} at {viewport['width']} px shows {count} search boxes"
    finally:
        context.close()


def test_the_landing_page_links_to_the_repository_and_offers_the_series_as_an_archive(
    visits: dict[str, PageVisit], site_url: str
):
    url = _site_settings()["repository"]["url"]
    intro = visits["intro.html"]
    assert url and url in intro.links, f"no link to the repository {url} on the landing page"
    archives = [link for link in intro.links if link.endswith("/pity-the-fool.zip")]
    assert len(archives) == 1, f"the landing page offers {len(archives)} archives"
    with urllib.request.urlopen(archives[0], timeout=10) as response:
        body = response.read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
        committed = subprocess.run(["git", "-C", str(REPOSITORY), "ls-tree", "-r", "--name-only", "HEAD"],
                                   capture_output=True, text=True, check=True).stdout.split()
        assert names >= {f"pity-the-fool/{name}" for name in committed}, "not the whole committed tree"
        readme = subprocess.run(["git", "-C", str(REPOSITORY), "show", "HEAD:README.md"],
                                capture_output=True, check=True).stdout
        assert archive.read("pity-the-fool/README.md") == readme  # the committed README
    for required in ("notebooks/", "helpers/__init__.py", "requirements.txt", "README.md", "binder/"):
        assert any(name.startswith(f"pity-the-fool/{required}") for name in names), required


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_each_notebook_page_has_a_binder_button_for_that_notebook(
    page_path: str, visits: dict[str, PageVisit]
):
    settings = _site_settings()
    url = settings["repository"]["url"]
    org_and_name = urllib.parse.urlparse(url).path.strip("/")
    notebook = Path(page_path).with_suffix(".ipynb").as_posix()
    expected = (f"{settings['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{org_and_name}/"
                f"{settings['repository']['branch']}?urlpath=lab/tree/{notebook}")
    assert expected in visits[page_path].links
    assert (REPOSITORY / notebook).is_file(), f"the Binder button opens {notebook}, which does not exist"
    assert url in visits[page_path].links, "no repository button"


#: The solutions of a notebook page: code cells tagged ``solution`` (collapsed by myst-nb's
#: ``hide-cell``) and written solutions (a ``<details>`` whose summary says "Solution").
SOLUTIONS_STATE = """() => {
    const solutions = [
        ...document.querySelectorAll(".cell.tag_solution details"),
        ...[...document.querySelectorAll("details")].filter(d =>
            (d.querySelector("summary")?.textContent || "").trim().startsWith("Solution")),
    ];
    return solutions.map(d => ({open: d.open, height: d.getBoundingClientRect().height}));
}"""
IS_SOLUTION_SUMMARY = """s => !!s.closest(".cell.tag_solution")
    || s.textContent.trim().startsWith("Solution")"""


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_each_notebook_page_has_collapsed_solutions_that_open(page_path: str, browser_context,
                                                               site_url: str):
    """Exercises' solutions start collapsed and open when their summary is clicked."""
    page = _open(browser_context, site_url + page_path)
    try:
        closed = page.evaluate(SOLUTIONS_STATE)
        for summary in page.locator("details > summary").all():
            if summary.evaluate(IS_SOLUTION_SUMMARY):
                summary.scroll_into_view_if_needed()
                summary.click()
        opened = page.evaluate(SOLUTIONS_STATE)
    finally:
        page.close()
    assert len(closed) >= 2, f"{page_path}: {len(closed)} solutions found (each exercise has one)"
    assert not any(state["open"] for state in closed), f"{page_path}: a solution starts open"
    assert all(state["open"] for state in opened), f"{page_path}: a solution did not open"
    grown = [after["height"] > before["height"] for before, after in zip(closed, opened)]
    assert all(grown), f"{page_path}: an opened solution shows nothing more ({closed} -> {opened})"
