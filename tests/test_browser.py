"""End to end in headless Chromium: search the archive in Datasette, then read an article.

Needs Debian's chromium and chromium-driver (.ci/run installs them). Screenshots
go to output/ for a person to look at.
"""

import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.test_datasette import (  # noqa: F401 (archive_db and datasette_url are fixtures)
    RANKED_SEARCH,
    SEARCH,
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


def open_article(browser, link):
    """Follow ``link`` to an article page and check it is the article searched for."""
    link.click()
    title = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "dd.col-title"))
    )
    assert title.text == SEARCH_HIT


def screenshot(browser, name, element):
    """Save the viewport with ``element`` at its top (column descriptions fill the first screen)."""
    browser.execute_script("arguments[0].scrollIntoView()", element)
    OUTPUT.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(OUTPUT / name))


def test_search_the_table_and_read_an_article(browser, datasette_url, archive_db):
    browser.get(f"{datasette_url}/articles/articles")
    assert browser.find_element(By.CSS_SELECTOR, ".facet-info")  # facets are on
    search(browser, "_search", SEARCH)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == 1
    filters = browser.find_element(By.CSS_SELECTOR, "form.filters")
    screenshot(browser, "datasette-table-search.png", filters)

    open_article(browser, rows[0].find_element(By.CSS_SELECTOR, "td.type-pk a"))
    body = browser.find_element(By.CSS_SELECTOR, "dd.col-body")
    paragraphs = [p.text for p in body.find_elements(By.TAG_NAME, "p")]
    ((stored,),) = query_db(archive_db, "select body from articles where title = ?", [SEARCH_HIT])
    assert paragraphs == stored.split("\n\n")
    screenshot(browser, "datasette-article.png", body)


def test_ranked_search_opens_the_best_match(browser, datasette_url):
    browser.get(f"{datasette_url}/articles/articles")
    search(browser, "ranked-q", RANKED_SEARCH)
    first = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns td.col-title a")
    assert first.text == SEARCH_HIT
    screenshot(browser, "datasette-search.png", browser.find_element(By.TAG_NAME, "h1"))

    open_article(browser, first)
    assert len(browser.find_elements(By.CSS_SELECTOR, "dd.col-body p")) > 1
