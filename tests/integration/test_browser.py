"""The chat page in a real headless Chromium: ask, see the cited source, open the full
article from the marker, and check that an article's markup never runs."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from gradio_client import Client
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads, tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.fail(
            "chromium and chromedriver are needed (make browser installs them)", pytrace=False
        )
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    # Chromium's profile and its singleton socket folder go under pytest's temporary folder,
    # not /tmp, where each run left an org.chromium.Chromium.* folder behind
    scratch = tmp_path_factory.mktemp("chromium")
    options.add_argument(f"--user-data-dir={scratch / 'profile'}")
    service = webdriver.ChromeService(DRIVER, env={**os.environ, "TMPDIR": str(scratch)})
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


CHAT_TEXT = "return document.querySelector('#nd-chat').innerText"


def ask(browser, url: str, question: str) -> dict[str, float]:
    """Ask in the page; returns seconds from the click to the first answer text and to the
    checked answer, as the reader sees them."""
    browser.get(url)
    box = WebDriverWait(browser, 60).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "textarea[placeholder^='Ask a question']"))
    )
    box.send_keys(question)
    assert question not in browser.execute_script(CHAT_TEXT)  # a fresh page: not asked yet
    browser.find_element(By.XPATH, "//button[normalize-space()='Ask']").click()
    t0 = time.perf_counter()
    WebDriverWait(browser, 60, poll_frequency=0.05).until(
        lambda d: question in d.execute_script(CHAT_TEXT)
    )
    shown = browser.execute_script(CHAT_TEXT)
    # the first answer text after the question; a kept answer (asked before on this server)
    # may come with the question, whole
    WebDriverWait(browser, 240, poll_frequency=0.05).until(
        lambda d: (
            len(d.execute_script(CHAT_TEXT).strip()) > len(shown.strip()) + 1
            or d.find_elements(By.CSS_SELECTOR, ".nd-answer, .nd-refusal")
        )
    )
    first = time.perf_counter() - t0
    WebDriverWait(browser, 240, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".nd-answer, .nd-refusal")
    )
    return {"first_text_s": round(first, 2), "answer_s": round(time.perf_counter() - t0, 2)}


def test_question_answer_and_sources_in_the_browser(browser, server_url, downloads):
    ask(browser, server_url, "What pay rise did the rail union accept?")  # model warm-up
    timings = ask(browser, server_url, "How many homes will the Kestrel Bay wind farm power?")
    answer = browser.find_element(By.CSS_SELECTOR, ".nd-answer")
    assert "90,000" in answer.text
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#nd-sources .nd-passage mark")
    )
    mark = browser.find_element(By.CSS_SELECTOR, "#nd-sources .nd-passage mark")
    assert "90,000 homes" in mark.text
    marker = browser.find_element(By.CSS_SELECTOR, ".nd-answer a.nd-marker")
    full = browser.find_element(By.ID, marker.get_attribute("href").split("#")[-1])
    assert not full.is_displayed()  # folded until asked for
    marker.click()
    WebDriverWait(browser, 10).until(lambda d: full.is_displayed())
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "browser-chat.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(timings))
    # the conversation downloads, with the answer and its source
    browser.find_element(By.XPATH, "//button[contains(., 'Download conversation')]").click()
    saved = downloads / "newsdesk-conversation.md"
    WebDriverWait(browser, 30).until(lambda d: saved.is_file() and "90,000" in saved.read_text())
    assert "**Sources**" in saved.read_text()


def test_markup_in_an_article_never_runs_in_the_browser(browser, server_url):
    text = (
        "The Orchard Hall concert series opens on Friday with a brass quintet. "
        "<script>window.__ndxss = 1; alert('xss')</script> Tickets cost 12 euros. "
        "<img src=x onerror=\"window.__ndxss = 2; alert('img')\"> Doors open at 7 pm."
    )
    added = Client(server_url, verbose=False).predict(
        'Orchard Hall <img src=x onerror="window.__ndxss = 3"> concerts',
        text,
        "Sample Arts",
        "2025-10-02",
        "",
        api_name="/add",
    )
    assert added.startswith(("added", "unchanged")), added
    ask(browser, server_url, "When does the Orchard Hall concert series open?")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#nd-sources .nd-passage mark")
    )
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script("return window.__ndxss === undefined")
    assert browser.find_elements(By.CSS_SELECTOR, "#nd-sources img, #nd-sources script") == []
    assert "<script>" in browser.find_element(By.ID, "nd-sources").text
    browser.find_element(By.XPATH, "//button[@role='tab'][normalize-space()='Library']").click()
    WebDriverWait(browser, 30).until(
        lambda d: "onerror" in d.find_element(By.TAG_NAME, "body").text
    )  # the title is listed as text
    assert browser.execute_script("return window.__ndxss === undefined")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018


TRAM = (
    "The Dunmore tram line will open to passengers on 12 March, the city transport office "
    "said on Tuesday. The new line links the harbour with the university in 14 minutes, and "
    "trams will run every six minutes at peak times. Single tickets cost 2 euros."
)


def test_a_watched_question_shows_its_new_answer_after_a_refresh(browser, server_url):
    import email.utils
    from datetime import UTC, datetime

    from tests.feeds import FeedSite

    question = "When will the Dunmore tram line open to passengers?"
    ask(browser, server_url, question)  # the sample articles don't say
    assert browser.find_elements(By.CSS_SELECTOR, ".nd-refusal")
    browser.find_element(By.ID, "nd-star").click()
    WebDriverWait(browser, 60).until(
        lambda d: "Watching" in d.find_element(By.ID, "nd-starred").text
    )
    # dated today: the watched question is asked as of today, and weighs news by its date
    today = email.utils.format_datetime(datetime.now(UTC))
    site = FeedSite(pages=lambda n: ("Dunmore trams", TRAM), items=[1], when=lambda n: today)
    try:
        # the feed is watched; its check indexes the tram article, which changes what the
        # watched question retrieves: it is answered again
        done = Client(server_url, verbose=False).predict(
            f"{site.base}/feed", "1h", "", api_name="/watch"
        )
        assert "1 new or changed" in done, done
    finally:
        site.server.shutdown()
    browser.find_element(By.XPATH, "//button[@role='tab'][normalize-space()='Watched']").click()
    refresh = WebDriverWait(browser, 30).until(
        ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Refresh']"))
    )
    refresh.click()
    news = WebDriverWait(browser, 120).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#nd-watched .nd-news")
    )
    assert "New since" in news[0].text and "12 March" in news[0].text
    assert "Dunmore trams" in news[0].text  # its new source
    assert "Earlier" in browser.find_element(By.ID, "nd-watched").text
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "watched-question.png"))
