"""Dashboards rendered in headless Chromium: time to full render, error tiles found, and a screenshot of each."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

# Tiles still loading, and tiles that failed (Superset's ErrorAlert renders an antd error alert in the tile).
LOADING = (
    ".dashboard-component-chart-holder .loading, .dashboard-component-chart-holder [aria-label='Loading']"
)
ERRORS = (
    ".dashboard-component-chart-holder .ant-alert-error, "
    ".dashboard-component-chart-holder [data-test='error-tooltip'], "
    ".dashboard-component-chart-holder .alert-danger"
)
CHART = ".dashboard-component-chart-holder"
# Superset's empty state of a tile whose query returned no rows.
EMPTY_TEXT = "No results"


def browser(
    chromium: str, chromedriver: str, width: int = 1600, height: int = 2000, profile: Path | None = None
) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    if profile is not None:
        # A kept profile keeps the browser's cache between runs (a returning user rather than a first visit).
        options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))


def login(driver: webdriver.Chrome, base_url: str, username: str, password: str, attempts: int = 3) -> None:
    """Log in through the form. A submit sent while the page is still starting (its CSRF token not yet fetched), or
    one over the login rate limit, is answered with the login page again: reload and try again."""
    for attempt in range(1, attempts + 1):
        driver.get(f"{base_url}/login/")
        try:
            WebDriverWait(driver, 30).until(
                expected_conditions.presence_of_element_located(
                    (By.CSS_SELECTOR, "input[name='username'], #username")
                )
            )
        except TimeoutException:
            raise RuntimeError("login form did not appear") from None
        for selector, value in (
            ("input[name='username'], #username", username),
            ("input[name='password'], #password", password),
        ):
            field = driver.find_element(By.CSS_SELECTOR, selector)
            field.clear()
            field.send_keys(value)
        driver.find_element(By.CSS_SELECTOR, "button[type='submit'], input[type='submit']").click()
        try:
            WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)
            return
        except TimeoutException:
            print(f"login attempt {attempt} stayed on the login page", file=sys.stderr)
    raise RuntimeError(f"login failed (still on the login page after {attempts} attempts)")


def _rendered(driver: webdriver.Chrome) -> int:
    """The number of tiles once every one has rendered its chart (svg/canvas/table) or a "No results" message."""
    charts = len(driver.find_elements(By.CSS_SELECTOR, CHART))
    return charts if charts and not driver.find_elements(By.CSS_SELECTOR, LOADING) else 0


def render(driver: webdriver.Chrome, base_url: str, slug: str, out_dir: Path, timeout: float = 90) -> dict:
    """Open one dashboard, wait until every tile has finished loading, then record errors and a screenshot."""
    start = time.monotonic()
    driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1")
    try:
        charts = WebDriverWait(driver, timeout, poll_frequency=0.05).until(_rendered)
        timed_out = False
    except TimeoutException:
        charts, timed_out = len(driver.find_elements(By.CSS_SELECTOR, CHART)), True
    seconds = time.monotonic() - start
    time.sleep(1.0)  # ECharts animates for ~1 s; let the screenshot show the final frame.
    errors = [e.text.strip()[:200] for e in driver.find_elements(By.CSS_SELECTOR, ERRORS)]
    empty = [
        h.text.strip().splitlines()[0][:120] if h.text.strip() else "?"
        for h in driver.find_elements(By.CSS_SELECTOR, CHART)
        if EMPTY_TEXT in h.text
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = out_dir / f"{slug}.png"
    driver.save_screenshot(str(shot))
    # what the page says, for tests that read it (whose rows a user sees, a state said in words)
    (out_dir / f"{slug}.txt").write_text(driver.find_element(By.TAG_NAME, "body").text)
    return {
        "slug": slug,
        "seconds": round(seconds, 2),
        "charts": charts,
        "errors": errors,
        "empty": empty,
        "timed_out": timed_out,
        "screenshot": str(shot),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-file", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--profile", type=Path, help="Chromium profile folder to keep between runs")
    parser.add_argument(
        "--height",
        type=int,
        default=2000,
        help="window height: a long page's lower charts render only in view",
    )
    parser.add_argument(
        "--landing-shot", action="store_true", help="save a screenshot of the page after login"
    )
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args(argv)
    driver = browser(args.chromium, args.chromedriver, height=args.height, profile=args.profile)
    try:
        login(driver, args.base_url.rstrip("/"), args.username, args.password_file.read_text().strip())
        # where the login led: the role's own start page
        landing = driver.current_url.removeprefix(args.base_url.rstrip("/"))
        if args.landing_shot:
            time.sleep(3)
            args.out.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.out / "landing.png"))
        results = [
            {**render(driver, args.base_url.rstrip("/"), slug, args.out), "landing": landing}
            for slug in args.slugs
        ]
    finally:
        driver.quit()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
