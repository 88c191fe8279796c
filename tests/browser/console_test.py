#!/usr/bin/python3
"""The agent console (/ and /editor) in a real headless Chromium against a real errkb-server over the
demo KB. Every check compares the page with what the API answers for the same request, so the tests
follow the ranking instead of hard-coding its answers.

Run one class:  ERRKB_BUILD_DIR=build python3 tests/browser/console_test.py AgentPageTest
"""
import sys
import unittest
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from console_fixture import ErrkbServer, console_errors, screenshot, start_browser, wait

CODE = "0x80070005"
EBAY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<AddItemResponse xmlns="urn:ebay:apis:eBLBaseComponents">
  <Ack>Failure</Ack>
  <Errors>
    <ShortMessage>Missing item specifics.</ShortMessage>
    <ErrorCode>21919300</ErrorCode>
    <SeverityCode>Error</SeverityCode>
  </Errors>
</AddItemResponse>"""
SYMPTOMS = "the customer says the app is slow and sometimes crashes when opening orders"
ROMANIAN = "nu se trimit emailurile de confirmare a comenzii"
EDITOR_KEY = "editor-key-for-tests"
AGENT_KEY = "agent-key-for-tests"
CONFIDENCE_WORDS = ("likely", "possible", "less likely", "unlikely")


def css(driver, selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def texts(driver, selector):
    """The rendered text of each match, read at one instant (the page may be replacing them)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText.trim())", selector)


class ConsoleTest(unittest.TestCase):
    """One server and one browser per class; a fresh page (and storage) per test."""
    keys = None
    window = (1280, 800)

    @classmethod
    def setUpClass(cls):
        cls.server = ErrkbServer(cls.keys)
        try:
            cls.driver = start_browser(*cls.window)
        except Exception:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    def setUp(self):
        self.driver.set_window_size(*self.window)
        self.open("/")  # the origin, to clear what the last test kept
        self.driver.execute_script("sessionStorage.clear(); localStorage.clear();")
        self.driver.get_log("browser")  # drop the previous test's messages

    def tearDown(self):
        self.assertEqual(console_errors(self.driver), [], "errors in the browser's console")

    def open(self, path):
        self.driver.get(self.server.url + path)

    def ask_text(self, text, **filters):
        box = self.driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys(text)
        for name, value in filters.items():
            field = self.driver.find_element(By.ID, name)
            field.clear()
            field.send_keys(value)
        self.driver.find_element(By.CSS_SELECTOR, "#case-form button[type=submit]").click()

    def wait_for_causes(self, expected):
        """Waits until the page shows the causes the API gave (titles, in order)."""
        titles = [f"{i + 1}. {c['title']}" for i, c in enumerate(expected["causes"])]
        try:
            wait(self.driver, lambda d: texts(d, "#causes .cause h3") == titles, f"the causes {titles}")
        except Exception:
            print("the page shows", texts(self.driver, "#causes .cause h3"), file=sys.stderr)
            raise

    def assert_why_labelled(self, expected):
        """Each cause's `why` lists every factor the API gave, each under a label, never its raw key."""
        for card, cause in zip(css(self.driver, "#causes .cause"), expected["causes"]):
            shown = [li.get_attribute("textContent") for li in card.find_elements(By.CSS_SELECTOR, ".why li")]
            self.assertEqual(len(shown), len(cause["why"]), shown)
            self.assertEqual([w for w in shown if w.startswith("why.")], [], [f["factor"] for f in cause["why"]])

    def diagnose(self, text, key=None, **fields):
        status, body = self.server.api("POST", "/v1/diagnose", {"text": text, **fields}, key=key)
        self.assertEqual(status, 200, body)
        return body


class AgentPageTest(ConsoleTest):
    def test_code_shows_ranked_causes_codes_and_their_readings(self):
        self.open("/")
        self.ask_text(CODE)
        expected = self.diagnose(CODE)
        self.wait_for_causes(expected)
        self.assertEqual(urllib.parse.urlsplit(self.driver.current_url).query, "q=0x80070005")
        # Every reading of the code, as /v1/codes explains it.
        _, lookup = self.server.api("GET", "/v1/codes/0x80070005")
        shown = texts(self.driver, "#codes .canonical")
        self.assertEqual(shown, [r["canonical"] for r in lookup["interpretations"]])
        self.assertIn("E_ACCESSDENIED", self.driver.find_element(By.ID, "codes").text)
        self.assertIn("FACILITY_WIN32", self.driver.find_element(By.ID, "codes").text)
        # Each card: a confidence word and share, the checks as a checklist, resolutions, evidence.
        cards = css(self.driver, "#causes .cause")
        for card, cause in zip(cards, expected["causes"]):
            word = card.find_element(By.CSS_SELECTOR, ".confidence-word").text
            self.assertTrue(any(w in word for w in CONFIDENCE_WORDS), word)
            self.assertIn(f"{round(cause['confidence'] * 100)}%", word)
            self.assertEqual(len(card.find_elements(By.CSS_SELECTOR, ".checklist input[type=checkbox]")),
                             len(cause["checks"]))
            self.assertEqual(len(card.find_elements(By.CSS_SELECTOR, ".evidence li")), len(cause["evidence"]))
        self.assert_why_labelled(expected)
        first_check = cards[0].find_element(By.CSS_SELECTOR, ".checklist label")
        first_check.click()  # the label ticks its box
        self.assertTrue(cards[0].find_element(By.CSS_SELECTOR, ".checklist input").is_selected())
        # The next question, first and prominent.
        self.assertEqual(texts(self.driver, "#ask .question"), [q["question"] for q in expected["ask"]])
        screenshot(self.driver, "agent-code")

    def test_the_reply_draft_is_copied_in_one_click(self):
        self.driver.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": self.server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        self.open("/?q=0x80070005")
        expected = self.diagnose(CODE, reply=True)
        self.wait_for_causes(expected)
        box = wait(self.driver, lambda d: css(d, "#reply-text"), "the reply draft")[0]
        self.assertEqual(box.get_attribute("value"), expected["reply"]["text"])
        self.driver.find_element(By.ID, "reply-copy").click()
        wait(self.driver, lambda d: "Copied." in d.find_element(By.ID, "reply").text, "the copy confirmed")
        copied = self.driver.execute_async_script(
            "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('error: ' + e))")
        self.assertEqual(copied, expected["reply"]["text"])

    def test_an_address_with_a_query_and_filters_runs_it(self):
        self.open("/?q=0x80070005&vendor=Microsoft&lang=en")
        self.wait_for_causes(self.diagnose(CODE, vendor="Microsoft", language="en"))
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), CODE)
        self.assertEqual(self.driver.find_element(By.ID, "vendor").get_attribute("value"), "Microsoft")
        self.assertEqual(Select(self.driver.find_element(By.ID, "lang")).first_selected_option.get_attribute("value"), "en")

    def test_pasted_ebay_xml_finds_the_ebay_cause(self):
        self.open("/")
        self.ask_text(EBAY_XML)
        expected = self.diagnose(EBAY_XML)
        self.assertEqual(expected["causes"][0]["vendor"], "eBay")
        self.wait_for_causes(expected)
        first = css(self.driver, "#causes .cause")[0]
        self.assertIn("eBay", first.find_element(By.CSS_SELECTOR, ".meta").text)
        self.assertIn("ebay:21919300", texts(self.driver, "#codes .canonical"))
        # The catalogue's own entry for the code, from /v1/codes.
        self.assertIn("21919300", self.driver.find_element(By.CSS_SELECTOR, "#codes .catalogue").text)

    def test_symptoms_only_ask_for_the_code(self):
        self.open("/")
        self.ask_text(SYMPTOMS)
        expected = self.diagnose(SYMPTOMS)
        self.assertEqual(expected["codes"], [])
        self.wait_for_causes(expected)
        questions = texts(self.driver, "#ask .question")
        self.assertEqual(questions, [q["question"] for q in expected["ask"]])
        self.assertIn("error code", questions[0].lower())
        self.assertTrue(self.driver.find_element(By.ID, "codes").get_attribute("hidden") is not None)
        # No cause stands out: the page says so rather than calling a guess likely.
        self.assertTrue(self.driver.find_element(By.ID, "answer-note").is_displayed())
        screenshot(self.driver, "agent-symptoms")

    def test_no_answer_is_shown_as_such(self):
        self.open("/?q=zzqqx%20blorf%20vvkk")
        wait(self.driver, lambda d: d.find_element(By.ID, "answer-note").is_displayed(), "the no-answer note")
        self.assertEqual(css(self.driver, "#causes .cause"), [])
        self.assertIn("No answer", self.driver.find_element(By.ID, "answer-note").text)

    def test_feedback_is_recorded(self):
        self.open("/?q=0x80070005")
        expected = self.diagnose(CODE)
        self.wait_for_causes(expected)
        cause = expected["causes"][1]
        self.assertNotIn("feedback", [w["factor"] for w in cause["why"]])
        card = css(self.driver, "#causes .cause")[1]
        card.find_element(By.CSS_SELECTOR, ".feedback textarea").send_keys("the customer's OneDrive was paused")
        card.find_element(By.CSS_SELECTOR, "button[data-outcome=resolved]").click()
        wait(self.driver, lambda d: card.find_elements(By.CSS_SELECTOR, ".feedback .recorded"), "feedback recorded")
        self.assertIn("Resolved", card.find_element(By.CSS_SELECTOR, ".feedback-status").text)
        self.assertFalse(card.find_element(By.CSS_SELECTOR, "button[data-outcome=resolved]").is_enabled())
        # The API ranks the cause with the agent's confirmation now.
        again = self.diagnose(CODE)
        confirmed = [c for c in again["causes"] if c["id"] == cause["id"]]
        self.assertEqual(len(confirmed), 1, again["causes"])
        self.assertIn("feedback", [w["factor"] for w in confirmed[0]["why"]])

    def test_search_tab_has_facets_snippets_and_pages(self):
        self.open("/?q=access%20denied&tab=search")
        _, first_page = self.server.api("GET", "/v1/search?q=access%20denied&limit=10")
        self.assertGreater(first_page["total"], 10, "the demo KB should give more than one page")
        wait(self.driver, lambda d: len(css(d, "#hits .hit")) == len(first_page["hits"]), "the first page of hits")
        self.assertTrue(css(self.driver, "#hits .snippet mark"), "matched words are highlighted")
        self.driver.find_element(By.CSS_SELECTOR, "#pager a[rel=next]").click()
        _, second_page = self.server.api("GET", "/v1/search?q=access%20denied&limit=10&offset=10")
        second_range = f"Results 11–{10 + len(second_page['hits'])} of {second_page['total']}"
        wait(self.driver, lambda d: "page=2" in d.current_url and texts(d, "#search-summary") == [second_range],
             "the second page")
        # A facet value narrows the search, and is part of the address.
        vendor = first_page["facets"]["vendor"][0]["value"]
        css(self.driver, f"#facets a[data-facet=vendor][data-value='{vendor}']")[0].click()
        _, narrowed = self.server.api("GET", "/v1/search?" + urllib.parse.urlencode({"q": "access denied", "vendor": vendor}))
        wait(self.driver, lambda d: f"({narrowed['total']})" in d.find_element(By.ID, "tab-search").text,
             "the narrowed total")
        self.assertIn("vendor=" + urllib.parse.quote(vendor), self.driver.current_url)

    def test_interface_follows_the_answer_language_and_the_agents_choice(self):
        self.open("/")
        self.assertEqual(self.driver.find_element(By.ID, "ask").get_attribute("hidden"), "true")
        self.ask_text(ROMANIAN)
        expected = self.diagnose(ROMANIAN)
        self.assertEqual(expected["language"], "ro")
        self.wait_for_causes(expected)
        self.assertTrue(any(f["factor"] == "word_weight" for c in expected["causes"] for f in c["why"]))
        self.assert_why_labelled(expected)
        wait(self.driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ro", "lang=ro")
        self.assertEqual(self.driver.find_element(By.ID, "ask-title").text, "Întrebați clientul")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, "#case-form button[type=submit]").text, "Caută cauzele")
        # The agent picks Russian: every string, the dynamic ones included, changes in place.
        Select(self.driver.find_element(By.ID, "ui-lang")).select_by_value("ru")
        wait(self.driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru", "lang=ru")
        self.assertEqual(self.driver.find_element(By.ID, "ask-title").text, "Спросите клиента")
        self.assertEqual(self.driver.find_element(By.ID, "causes-title").text, "Вероятные причины")
        self.assertIn("Уверенность", css(self.driver, "#causes .confidence-word")[0].text)
        self.assertEqual(self.driver.title, "errkb · консоль оператора")
        # The choice is kept; an English answer does not override it.
        self.ask_text(CODE)
        self.wait_for_causes(self.diagnose(CODE))
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "ru")

    def test_labels_contrast_and_widths(self):
        self.open("/?q=0x80070005")
        self.wait_for_causes(self.diagnose(CODE))
        for width in (1280, 360):
            self.driver.set_window_size(width, 800)
            self.assertEqual(self.driver.execute_script(UNLABELLED_CONTROLS), [])
            self.assertEqual(self.driver.execute_script(LOW_CONTRAST_TEXT), [])
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.assertLessEqual(overflow, 0, f"the page scrolls sideways at {width} px")

    def test_served_with_a_strict_security_policy(self):
        # The browser refuses HTML from strings (Trusted Types) and inline scripts on this page.
        self.open("/")
        refused = self.driver.execute_script("""
            const results = [];
            try { document.body.innerHTML = '<b>x</b>'; results.push('innerHTML allowed'); } catch (e) {}
            const s = document.createElement('script');
            try { s.textContent = 'window.inlineRan = true'; document.body.append(s); } catch (e) {}
            if (window.inlineRan) results.push('inline script ran');
            return results;""")
        self.assertEqual(refused, [])
        self.driver.get_log("browser")  # the refusals were logged on purpose


# Controls without a label or an accessible name.
UNLABELLED_CONTROLS = """
  return [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
    .map((el) => el.outerHTML.slice(0, 120));"""

# Visible text whose contrast with its background is under WCAG AA (4.5:1, 3:1 for large text).
LOW_CONTRAST_TEXT = """
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.offsetParent || el.closest('[hidden], .visually-hidden, option')) continue;
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgb(style.color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)}: ${node.textContent.trim().slice(0, 40)}`);
  }
  return low;"""


class KeyboardTest(ConsoleTest):
    def press(self, *keys):
        self.driver.switch_to.active_element.send_keys(*keys)

    def tab_until(self, matches, what, limit=150):
        for _ in range(limit):
            self.press(Keys.TAB)
            if self.driver.execute_script(f"return document.activeElement.matches({matches!r})"):
                return self.driver.switch_to.active_element
        self.fail(f"Tab never reached {what}")

    def test_main_flow_with_the_keyboard_only(self):
        self.open("/")
        self.tab_until("#q", "the text box", limit=10)
        self.press(CODE)
        self.press(Keys.CONTROL, Keys.ENTER)
        expected = self.diagnose(CODE)
        self.wait_for_causes(expected)
        # Focus moves to the results, whose first stop is the tab list; arrows switch tabs.
        wait(self.driver, lambda d: d.switch_to.active_element.get_attribute("id") == "results", "focus on the results")
        self.tab_until("[role=tab][aria-selected=true]", "the selected tab", limit=1)
        self.press(Keys.ARROW_RIGHT)
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "tab-search")
        self.assertTrue(self.driver.find_element(By.ID, "panel-search").is_displayed())
        self.press(Keys.ARROW_LEFT)
        self.assertTrue(self.driver.find_element(By.ID, "panel-causes").is_displayed())
        # A check ticked with Space, then feedback sent with Enter.
        box = self.tab_until("#cause-1 .checklist input", "the first check")
        self.press(Keys.SPACE)
        self.assertTrue(box.is_selected())
        self.tab_until("#cause-1 button[data-outcome=resolved]", "the first cause's feedback")
        self.press(Keys.ENTER)
        wait(self.driver, lambda d: css(d, "#cause-1 .recorded"), "feedback recorded")


class KeyPromptTest(ConsoleTest):
    keys = {"agent": (AGENT_KEY, ["search", "feedback"])}

    def enter_key(self, key):
        dialog = wait(self.driver, lambda d: d.find_element(By.ID, "key-dialog").is_displayed()
                      and d.find_element(By.ID, "key-dialog"), "the key dialog")
        field = dialog.find_element(By.ID, "key-input")
        self.assertEqual(self.driver.switch_to.active_element, field)
        field.send_keys(key)
        field.send_keys(Keys.ENTER)
        return dialog

    def test_a_protected_server_makes_the_page_ask_for_a_key(self):
        status, problem = self.server.api("POST", "/v1/diagnose", {"text": CODE})
        self.assertEqual((status, problem["code"]), (401, "missing_key"))
        self.open("/?q=0x80070005")
        dialog = self.enter_key("not-the-key")
        wait(self.driver, lambda d: "does not know this key" in dialog.text, "the unknown-key message")
        self.enter_key(AGENT_KEY)
        self.wait_for_causes(self.diagnose(CODE, key=AGENT_KEY))
        self.assertTrue(self.driver.find_element(By.ID, "forget-key").is_displayed())
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('errkb.api_key')"), AGENT_KEY)
        self.driver.find_element(By.ID, "forget-key").click()
        self.assertIsNone(self.driver.execute_script("return sessionStorage.getItem('errkb.api_key')"))

    def test_a_key_without_the_admin_scope_is_asked_to_change_on_the_editor(self):
        self.open("/editor")
        dialog = self.enter_key(AGENT_KEY)
        wait(self.driver, lambda d: "may not do this" in dialog.text and dialog.is_displayed(), "the scope message")
        dialog.find_element(By.CSS_SELECTOR, "button[value=cancel]").click()
        wait(self.driver, lambda d: "key is needed" in d.find_element(By.ID, "index-info").text
             or "server answered" in d.find_element(By.ID, "index-info").text, "the refusal shown")


class EditorPageTest(ConsoleTest):
    keys = {"editor": (EDITOR_KEY, ["search", "feedback", "admin"])}

    def test_gaps_index_and_a_rebuild_seen_to_finish(self):
        unanswered = "zzqqx blorf vvkk"
        self.diagnose(unanswered, key=EDITOR_KEY)
        self.open("/editor")
        dialog = wait(self.driver, lambda d: d.find_element(By.ID, "key-dialog").is_displayed()
                      and d.find_element(By.ID, "key-dialog"), "the key dialog")
        dialog.find_element(By.ID, "key-input").send_keys(EDITOR_KEY, Keys.ENTER)
        # The index as the API describes it.
        _, info = self.server.api("GET", "/v1/admin/index", key=EDITOR_KEY)
        wait(self.driver, lambda d: css(d, "#index-revision"), "the index facts")
        self.assertEqual(self.driver.find_element(By.ID, "index-revision").text, str(info["revision"]))
        index_text = self.driver.find_element(By.ID, "index-info").text
        self.assertIn(str(info["documents"]), index_text)
        for language, count in info["passages"]["by_language"].items():
            self.assertIn(f"{language} {count}", index_text)
        # The gaps report, each query linking to its search.
        link = wait(self.driver, lambda d: [a for a in css(d, "#gaps .gap-query a") if a.text == unanswered],
                    "the unanswered query in the gaps")[0]
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(link.get_attribute("href")).query),
                         {"q": [unanswered], "tab": ["search"]})
        # A rebuild, watched until its report.
        self.driver.find_element(By.ID, "start-rebuild").click()
        wait(self.driver, lambda d: css(d, "#job-state[data-state=succeeded]"), "the rebuild to finish")
        report = self.driver.find_element(By.ID, "job-report").text
        self.assertIn("No file was rejected.", report)
        _, after = self.server.api("GET", "/v1/admin/index", key=EDITOR_KEY)
        self.assertGreater(after["revision"], 0)
        wait(self.driver, lambda d: d.find_element(By.ID, "index-revision").text == str(after["revision"]),
             "the index facts after the rebuild")
        job_id = urllib.parse.parse_qs(urllib.parse.urlsplit(self.driver.current_url).query)["job"][0]
        _, job = self.server.api("GET", f"/v1/admin/jobs/{job_id}", key=EDITOR_KEY)
        self.assertEqual((job["mode"], job["state"]), ("rebuild", "succeeded"))
        screenshot(self.driver, "editor")

    def test_narrow_panel(self):
        self.driver.execute_script(f"sessionStorage.setItem('errkb.api_key', '{EDITOR_KEY}')")
        self.driver.set_window_size(360, 800)
        self.open("/editor")
        wait(self.driver, lambda d: css(d, "#index-revision"), "the index facts")
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv, verbosity=2)
