"""End to end in headless Chromium: the home page, search, an article, its audit view, the dashboard.

Needs Debian's chromium and chromium-driver (.ci/run installs them). Screenshots
go to output/ for a person to look at (SCREENSHOTS=docs/screenshots for the README's).
"""

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.test_datasette import (  # noqa: F401 (archive_db and datasette_url are fixtures)
    QUERIES,
    RANKED_SEARCH,
    SEARCH_HIT,
    archive_db,
    datasette_url,
    query_db,
)

OUTPUT = Path(__file__).resolve().parents[1] / "output"
# Without the background-networking flags Chromium stalls on a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        reason = "needs chromium and chromedriver: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.add_argument("--window-size=1280,1100")
    # With both paths given, Selenium Manager never looks for (or downloads) a driver.
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield driver
    driver.quit()


def search(browser, box_id, text):
    """Type ``text`` into a search box and press Enter, like a reader."""
    page = browser.current_url
    browser.find_element(By.ID, box_id).send_keys(text + Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_changes(page))


def wait_for(browser, selector):
    return WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))


def screenshot(browser, name, element=None):
    """Save the viewport, ``element`` at its top if given, to SCREENSHOTS (default output/).

    ``SCREENSHOTS=docs/screenshots`` refreshes the ones the README shows.
    """
    if element is not None:
        browser.execute_script("arguments[0].scrollIntoView()", element)
    folder = Path(os.environ.get("SCREENSHOTS") or OUTPUT)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / name))


def visible(elements):
    return [element for element in elements if element.is_displayed()]


def test_home_page_lists_the_queries_and_searches_with_the_syntax_people_know(browser, datasette_url):
    browser.get(datasette_url + "/")
    queries = browser.find_elements(By.CSS_SELECTOR, "ul.canned-queries li a")
    assert {link.text for link in queries} == {query["title"] for query in QUERIES.values()}
    assert browser.find_element(By.LINK_TEXT, "Dashboard")
    screenshot(browser, "datasette-home.png")

    search(browser, "ranked-q", "putin OR erdogan")
    first = wait_for(browser, "table.rows-and-columns td.col-title a")
    assert first.text == SEARCH_HIT
    scores = [float(cell.text) for cell in browser.find_elements(By.CSS_SELECTOR, "td.col-score")]
    assert scores and all(score > 0 for score in scores)
    assert not visible(browser.find_elements(By.CSS_SELECTOR, "#sql-editor, #sql-query"))  # no SQL in the way
    screenshot(browser, "datasette-search.png")


def test_articles_table_shows_its_first_rows_on_the_first_screen(browser, datasette_url):
    browser.get(f"{datasette_url}/articles/articles")
    # laid out before its boxes are counted: on a busy machine Chromium may not have painted it yet
    WebDriverWait(browser, 10).until(expected_conditions.visibility_of_element_located((By.ID, "ranked-q")))
    assert len(visible(browser.find_elements(By.CSS_SELECTOR, "input[type=search]"))) == 1
    folded = browser.find_element(By.CSS_SELECTOR, "details.columns")
    assert folded.get_attribute("open") is None and not folded.find_element(By.TAG_NAME, "dl").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, ".facet-info")  # facets are on
    first_row = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert first_row.location["y"] < browser.execute_script("return window.innerHeight")
    screenshot(browser, "datasette-table.png")


def test_read_an_article_then_audit_its_stripping(browser, datasette_url, archive_db):
    browser.get(datasette_url + "/articles/search?" + urllib.parse.urlencode({"q": RANKED_SEARCH}))
    wait_for(browser, "table.rows-and-columns td.col-title a").click()
    title = wait_for(browser, "dd.col-title")
    assert title.text == SEARCH_HIT
    body = browser.find_element(By.CSS_SELECTOR, "dd.col-body")
    paragraphs = [p.text for p in body.find_elements(By.TAG_NAME, "p")]
    ((stored, site, article_id),) = query_db(
        archive_db, "select body, site, article_id from articles where title = ?", [SEARCH_HIT])
    assert paragraphs == stored.split("\n\n")
    screenshot(browser, "datasette-article.png")

    browser.find_element(By.CSS_SELECTOR, "a.audit-link").click()
    wait_for(browser, "article.audit")
    blocks = query_db(archive_db, "select kind from removed_blocks where site = ? and article_id = ?", [site, article_id])
    stripped = browser.find_elements(By.CSS_SELECTOR, "aside.stripped")
    assert sorted(block.get_attribute("data-kind") for block in stripped) == sorted(kind for (kind,) in blocks)
    assert [p.text for p in browser.find_elements(By.CSS_SELECTOR, "p.kept")] == paragraphs
    assert all(block.find_element(By.CSS_SELECTOR, ".chip").text for block in stripped)
    screenshot(browser, "datasette-audit.png")
    browser.find_element(By.ID, "show-stripped").click()  # the story alone
    assert not visible(stripped)


def test_dashboard_draws_every_chart(browser, datasette_url):
    browser.get(datasette_url + "/dashboard")
    for panel in ("articles-per-day", "articles-per-site", "blocks-per-kind", "crawl-runs"):
        section = browser.find_element(By.ID, panel)
        assert section.find_elements(By.CSS_SELECTOR, "svg rect"), panel
    screenshot(browser, "datasette-dashboard.png")
