"""What the console's browser tests run against: a real errkb-server on a loopback port over an index
of the demo KB (data/), and Debian's Chromium in headless mode driven through chromedriver.

Nothing here is optional: without chromium, chromedriver or python3-selenium the tests fail (they
never skip), so a machine without a browser cannot pass them.
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

SOURCE_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD_DIR = os.environ.get("ERRKB_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
SCREENSHOT_DIR = os.environ.get("ERRKB_SCREENSHOT_DIR", os.path.join(BUILD_DIR, "screenshots"))
DEMO_KB = os.path.join(SOURCE_DIR, "data")
WAIT_S = 60  # an upper bound for conditions on a loaded CI machine; waits end as soon as they hold


def poll(condition, what, timeout=WAIT_S):
    """Returns condition()'s first truthy value; fails naming `what` when it never comes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class ErrkbServer:
    """errkb-server over a fresh index of data/, with `keys` ({id: (plain key, [scopes])}) if given."""

    def __init__(self, keys=None):
        self.dir = tempfile.TemporaryDirectory(prefix="errkb-browser-")
        self.index = os.path.join(self.dir.name, "index")
        self.keys = keys or {}
        indexer = os.path.join(BUILD_DIR, "errkb-indexer")
        built = subprocess.run([indexer, "rebuild", "--kb", DEMO_KB, "--index", self.index, "--quiet"],
                               capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"indexing {DEMO_KB} failed:\n{built.stdout}{built.stderr}")
        args = [os.path.join(BUILD_DIR, "errkb-server"), "--index", self.index, "--kb", DEMO_KB,
                "--feedback-db", os.path.join(self.dir.name, "feedback.sqlite"), "--listen", "127.0.0.1:0"]
        if self.keys:
            config = os.path.join(self.dir.name, "errkb.yaml")
            with open(config, "w") as out:  # JSON is YAML
                json.dump({"api_keys": [{"id": key_id, "key": plain, "scopes": scopes}
                                        for key_id, (plain, scopes) in self.keys.items()]}, out)
            args += ["--config", config]
        self.log_path = os.path.join(self.dir.name, "server.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = int(poll(self._listening_port, "errkb-server to listen"))
        self.url = f"http://127.0.0.1:{self.port}"

    def _listening_port(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"errkb-server exited with {self.process.returncode}:\n{self.log_text()}")
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log_text())
        return match and match.group(1)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def api(self, method, path, body=None, key=None):
        """(status, JSON body) of a request to the API."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=WAIT_S) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.dir.cleanup()


def start_browser(width=1280, height=800):
    """Headless Chromium from Debian, with the browser console's messages kept for the checks."""
    missing = [tool for tool in ("chromium", "chromedriver") if not shutil.which(tool)]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not found: install Debian's chromium and chromium-driver "
                           "(scripts/install-deps.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-extensions", "--disable-background-networking", "--lang=en-US",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)


# Statuses the console meets on purpose (a key asked for, a job already running); any other error
# in the browser's console (a script error, a Content-Security-Policy refusal) fails the test.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of (401|403|409)")


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not EXPECTED_CONSOLE.search(entry["message"])]


def wait(driver, condition, what, timeout=WAIT_S):
    """WebDriverWait with a message naming what did not happen."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d), message=what)


def screenshot(driver, name, max_height=1800):
    """Saves the page from its top, up to max_height CSS pixels of it, as SCREENSHOT_DIR/name.png."""
    os.makedirs(SCREENSHOT_DIR, exist_ok=True)
    width, height = driver.execute_script(
        "window.scrollTo(0, 0); const e = document.documentElement; return [e.clientWidth, e.scrollHeight];")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1}})
    path = os.path.join(SCREENSHOT_DIR, f"{name}.png")
    with open(path, "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    return path
