"""The helpdesk sidebar example of docs/integrations.md in headless Chromium, against errkb-server
run with the docs' plugin settings on the demo KB: the browser's CORS preflight, the scoped key,
the causes shown, feedback recorded; and a page from an origin the server does not list, refused.

Run by ctest with Debian's python3 (python3-selenium, chromium, chromium-driver).
"""
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BINARY_DIR = Path(os.environ["ERRKB_BINARY_DIR"])
SOURCE_DIR = Path(os.environ["ERRKB_SOURCE_DIR"])
EXAMPLES = SOURCE_DIR / "docs" / "examples"
TICKET = "Windows Update fails with error 0x80070005 (access denied) while installing the sync app"


def doc_block(language, marker):
    """The one fenced block of docs/integrations.md in `language` that contains `marker`."""
    text = (SOURCE_DIR / "docs" / "integrations.md").read_text()
    blocks = [b for b in re.findall("```" + language + r"\n(.*?)```", text, re.S) if marker in b]
    assert len(blocks) == 1, f"one {language} block with {marker} in docs/integrations.md"
    return blocks[0]


def wait_for(condition, seconds=60):
    """Polls `condition` until it returns something true; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


class QuietPageHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class HelpdeskSidebarTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Path(tempfile.mkdtemp(prefix="errkb-sidebar-"))
        index = cls.work / "index"
        subprocess.run([BINARY_DIR / "errkb-indexer", "rebuild", "--kb", SOURCE_DIR / "data", "--index", index,
                        "--quiet", "--nice", "0", "--threads", "1"], check=True)
        # The page is served from its own origin; the API is another (a different port).
        handler = functools.partial(QuietPageHandler, directory=str(EXAMPLES))
        cls.pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=cls.pages.serve_forever, daemon=True).start()
        cls.page_origin = f"http://127.0.0.1:{cls.pages.server_address[1]}"

        settings = doc_block("yaml", "cors_origins")
        settings = settings.replace("/var/lib/errkb/index", str(index))
        settings = settings.replace("127.0.0.1:8080", "127.0.0.1:0")
        settings = settings.replace("https://desk.example.com", cls.page_origin)
        settings += f"feedback_db: {cls.work / 'feedback.sqlite'}\n"
        cls.key = re.search(r"key: (\S+)", settings).group(1)
        (cls.work / "server.yaml").write_text(settings)
        log = cls.work / "server.log"
        with open(log, "wb") as out:
            cls.server = subprocess.Popen([BINARY_DIR / "errkb-server", "--config", cls.work / "server.yaml"],
                                          stdout=out, stderr=subprocess.STDOUT)
        port = wait_for(lambda: cls.server.poll() is None and re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                                                                         log.read_text()))
        cls.api = f"http://127.0.0.1:{port.group(1)}"

        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        cls.browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                       options=options)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.pages.shutdown()
        shutil.rmtree(cls.work, ignore_errors=True)

    def diagnose_via_api(self):
        request = urllib.request.Request(self.api + "/v1/diagnose", data=json.dumps({"text": TICKET, "limit": 3}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": "Bearer " + self.key})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def ask(self, page_origin, key):
        """Opens the sidebar from `page_origin`, submits the ticket, waits for causes or an error."""
        self.browser.get(f"{page_origin}/helpdesk-sidebar.html?errkb={self.api}&key={key}")
        self.browser.find_element(By.ID, "ticket").send_keys(TICKET)
        self.browser.find_element(By.ID, "diagnose").click()
        status = self.browser.find_element(By.ID, "status")
        WebDriverWait(self.browser, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".cause") or status.get_attribute("class") == "error")
        return status

    def test_shows_the_causes_and_records_feedback(self):
        status = self.ask(self.page_origin, self.key)
        self.assertNotEqual(status.get_attribute("class"), "error", status.text)
        expected = self.diagnose_via_api()
        self.assertEqual(status.text.startswith("No sure answer"), not expected["answered"], status.text)
        titles = [e.text for e in self.browser.find_elements(By.CSS_SELECTOR, ".cause .title")]
        self.assertEqual(titles, [c["title"] for c in expected["causes"]])
        first = self.browser.find_elements(By.CSS_SELECTOR, ".cause")[0]
        self.assertTrue(first.find_elements(By.CSS_SELECTOR, ".check"))
        self.assertTrue(first.find_elements(By.CSS_SELECTOR, ".resolution"))
        self.assertTrue(first.find_element(By.CSS_SELECTOR, ".source").get_attribute("href").startswith("http"))
        asked = "Ask next: " + expected["ask"][0]["question"] if expected["ask"] else ""
        self.assertEqual(self.browser.find_element(By.ID, "next-question").text, asked)

        first.find_element(By.CSS_SELECTOR, ".fixed").click()
        WebDriverWait(self.browser, 30).until(lambda d: first.find_elements(By.CSS_SELECTOR, ".thanks, .error"))
        self.assertTrue(first.find_elements(By.CSS_SELECTOR, ".thanks"), first.text)
        # The rating is in the store: the same ticket's first cause now carries the feedback.
        again = self.diagnose_via_api()
        rated = next(c for c in again["causes"] if c["title"] == titles[0])
        self.assertIn("feedback", [w["factor"] for w in rated["why"]])

    def test_a_wrong_key_is_reported(self):
        status = self.ask(self.page_origin, "not-the-key")
        self.assertEqual(status.get_attribute("class"), "error")
        self.assertIn("not known", status.text)

    def test_an_origin_not_listed_is_refused_by_the_browser(self):
        # localhost is another origin than 127.0.0.1: the preflight is refused, fetch() rejects.
        other_origin = self.page_origin.replace("127.0.0.1", "localhost")
        status = self.ask(other_origin, self.key)
        self.assertEqual(status.get_attribute("class"), "error")
        self.assertFalse(self.browser.find_elements(By.CSS_SELECTOR, ".cause"))


if __name__ == "__main__":
    unittest.main()
