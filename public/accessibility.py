"""The facts the accessibility statement (ウェブアクセシビリティ方針) publishes.

``LATEST_AUDIT`` is the result of the last run of the browser tests' axe-core scan
(``tests/e2e/test_accessibility.py``: every public page, the main headquarters, ministry and
reviewer pages, the two-factor sign-in pages, plus keyboard-only journeys and a focus check).
Update the date and figures here after a release's run of ``make test``.
"""

import datetime

TARGET = "JIS X 8341-3:2016"
TARGET_LEVEL = "AA"

LATEST_AUDIT = {
    "date": datetime.date(2026, 12, 3),
    "tool": "axe-core 4.x (axe-playwright-python), Chromium",
    "serious_violations": 0,  # impact "serious" or "critical": the tests fail on any
    "tests_passed": 13,
    "tests_run": 13,
}
