"""Helpers of the browser tests: screenshots, logging in through the form, keyboard-only moves."""

import base64
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SCREENSHOT_ROOT = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DEFAULT_TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 900}


# --- screenshots ---------------------------------------------------------------------------------


class Screenshots:
    """Numbered full-page screenshots of one journey: ``artifacts/screenshots/<journey>/<NN>-<step>.png``.

    Creating it empties the journey's folder, so the folder always shows the last run.
    """

    def __init__(self, journey: str):
        self.folder = SCREENSHOT_ROOT / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.paths: list[Path] = []

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        # A full-page screenshot resizes the view; with a <datalist> suggestion popup open, Chromium then
        # swallows the next click. Leave such a field first (other focus stays, to show the focus ring).
        page.evaluate("() => { const e = document.activeElement; if (e && e.hasAttribute('list')) e.blur(); }")
        page.screenshot(path=str(path), full_page=True)
        self.paths.append(path)
        return path


# --- problems a page had besides the test's own assertions ------------------------------------------


class PageProblems:
    """JS errors, console errors (CSP violations appear there) and requests to another host."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.external_requests: list[str] = []

    def on_console(self, message):
        # A failed sub-resource is reported with its URL by on_response; the console line has none.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def on_response(self, response):
        # Chromium asks for /favicon.ico by itself; the portal links none, so its 404 is not a page's fault.
        request = response.request
        if response.status >= 400 and request.resource_type != "document" and not request.url.endswith("/favicon.ico"):
            self.console_errors.append(f"{response.status} for {request.resource_type} {request.url}")

    def all(self) -> list[str]:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"external request blocked: {url}" for url in self.external_requests]
        )


def assert_no_page_problems(page):
    problems = page.problems.all()
    assert not problems, "the page had problems:\n" + "\n".join(problems)


def new_page(browser, live_server, **context_options):
    """A fresh context (its own cookies) and page bound to the live server, in Japanese
    (at desktop width unless ``viewport`` is given)."""
    context_options.setdefault("viewport", VIEWPORT)
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        accept_downloads=True,
        **context_options,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    problems = PageProblems()
    own_host = urlsplit(live_server.url).netloc

    def guard(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == own_host:
            route.continue_()
        else:
            problems.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", problems.on_console)
    page.on("response", problems.on_response)
    page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    page.problems = problems
    return context, page


def form_errors(page) -> list[str]:
    """The error messages a re-rendered form shows (field errors and alerts), for assertion messages."""
    return [
        text.strip()
        for text in page.locator("main .field__errors, main .errorlist, main [role=alert]").all_inner_texts()
        if text.strip()
    ]


def submit(page, button):
    """Click a form's submit button and check the next page shows no form errors."""
    with page.expect_navigation():
        button.click()
    errors = form_errors(page)
    assert not errors, f"the form was refused at {page.url}: {errors}"


# --- logging in ----------------------------------------------------------------------------------


def authenticator_code(key: bytes, *, drift: int = 0) -> str:
    """What an authenticator app shows now for ``key`` (``drift=1``: the next code)."""
    from django_otp.oath import totp

    return f"{totp(key, drift=drift):06d}"


def login_through_form(page, username: str, password: str, *, next_url: str = "/", totp_key: bytes | None = None):
    """Log in by filling the login page, as a person does, then the second factor when asked:
    on the set-up page (ministry staff and administrators without an authenticator) read the secret
    from the page as an app would, type its code and continue past the recovery codes; on the code
    page type the code of ``totp_key``. Returns the secret key registered at set-up, if any."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name="ログイン").click()
    if "/accounts/two-factor/setup/" in page.url:
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        page.get_by_label("確認コード（6桁）").fill(authenticator_code(key))
        with page.expect_navigation():
            page.get_by_role("button", name="設定を完了する").click()
        assert page.locator("ol.recovery-codes > li").count() == 10, "no recovery codes after set-up"
        with page.expect_navigation():
            page.get_by_role("link", name="控えたので次へ進む").click()
        return key
    if "/accounts/two-factor/verify/" in page.url:
        assert totp_key is not None, f"{username} is asked for a code: pass totp_key"
        page.get_by_label("確認コード（6桁）").fill(authenticator_code(totp_key, drift=1))
        with page.expect_navigation():
            page.get_by_role("button", name="確認してログイン").click()
    return None


# --- keyboard only -------------------------------------------------------------------------------

FOCUS_STATE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 120),
    label: (label || '').trim(),
    name: el.getAttribute('name') || '',
    href: el.getAttribute('href') || '',
    id: el.id || '',
    type: el.getAttribute('type') || '',
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""


FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outline || (style.boxShadow !== '' && style.boxShadow !== 'none');
}"""


def wait_for_visible_focus(page, state, timeout_ms: int = 1000):
    """The focus state once the indicator is drawn. Chromium may restyle a date field a moment after
    Tab enters it (the focus goes to the field's inner month part first), so poll briefly."""
    if focus_is_visible(state):
        return state
    try:
        page.wait_for_function(FOCUS_VISIBLE_JS, timeout=timeout_ms)
    except Exception:
        return state
    return page.evaluate(FOCUS_STATE_JS)


def focus_is_visible(state) -> bool:
    """An outline wider than 0 or a box shadow on the focused element."""
    if not state:
        return False
    outline = state["outlineStyle"] != "none" and state["outlineWidth"] > 0
    return outline or state["boxShadow"] not in ("", "none")


class Keyboard:
    """Moves through a page with Tab, Shift+Tab, Enter, Space and the arrow keys only (no clicks).

    ``tab_to(**want)`` presses Tab until the focused element matches ``want`` — exact ``tag``,
    ``name``, ``id``, ``type``; substrings of ``text``, ``label``, ``href`` — and asserts it shows a
    visible focus indicator. ``href_end`` matches the end of the link target.
    """

    SUBSTRING_KEYS = ("text", "label", "href")

    def __init__(self, page, max_tabs: int = 300):
        self.page = page
        self.max_tabs = max_tabs
        self.presses = 0

    def focused(self):
        return self.page.evaluate(FOCUS_STATE_JS)

    def matches(self, state, want: dict) -> bool:
        if not state:
            return False
        for key, value in want.items():
            if key == "href_end":
                if not state["href"].split("?")[0].endswith(value):
                    return False
            elif key in self.SUBSTRING_KEYS:
                if value not in state[key]:
                    return False
            elif state[key] != value:
                return False
        return True

    def press(self, key: str):
        self.presses += 1
        self.page.keyboard.press(key)

    def tab_to(self, *, backwards: bool = False, **want):
        seen = []
        for _ in range(self.max_tabs):
            self.press("Shift+Tab" if backwards else "Tab")
            state = self.focused()
            if self.matches(state, want):
                state = wait_for_visible_focus(self.page, state)
                assert focus_is_visible(state), f"the focused element shows no focus indicator: {state}"
                return state
            seen.append(state and (state["tag"], state["text"][:30] or state["name"] or state["href"]))
        raise AssertionError(f"Tab never reached {want}; the last stops were {seen[-30:]}")

    def activate(self, **want):
        """Tab to a link or button, press Enter and wait for the next page."""
        state = self.tab_to(**want)
        with self.page.expect_navigation():
            self.press("Enter")
        return state

    def submit(self, **want):
        """Tab to a submit button, press Enter, and check the next page shows no form errors."""
        state = self.activate(**want)
        errors = form_errors(self.page)
        assert not errors, f"the form was refused at {self.page.url}: {errors}"
        return state

    def toggle(self, **want):
        """Tab to a checkbox or radio button and press Space."""
        state = self.tab_to(**want)
        self.press("Space")
        return state

    def type_into(self, text: str, **want):
        """Tab to a text field, clear it and type."""
        state = self.tab_to(**want)
        self.press("Control+A")
        self.press("Delete")
        self.page.keyboard.type(text)
        return state

    def type_date(self, iso: str, **want):
        """Tab to a date box (a text input that reads ISO and 和暦 dates) and type the date as ISO."""
        state = self.type_into(iso, tag="input", **want)
        value = self.page.evaluate("() => document.activeElement.value")
        assert value == iso, f"typing the date gave {value!r}, not {iso!r}"
        return state

    def choose(self, option_label: str, **want):
        """Tab to a <select> and pick the option whose label contains ``option_label``, with arrow keys."""
        state = self.tab_to(tag="select", **want)
        options = self.page.evaluate("() => Array.from(document.activeElement.options).map(o => o.label.trim())")
        found = [index for index, label in enumerate(options) if option_label in label]
        assert found, f"no option containing {option_label!r} among {options}"
        target = found[0]
        current = self.page.evaluate("() => document.activeElement.selectedIndex")
        key = "ArrowDown" if target > current else "ArrowUp"
        for _ in range(abs(target - current)):
            self.press(key)
        chosen = self.page.evaluate("() => document.activeElement.selectedIndex")
        assert chosen == target, f"the arrow keys chose option {chosen}, not {target} ({option_label})"
        return state
