"""End-to-end check of the dashboard in a real browser: `strata serve` on the demo workspace, headless
Chromium driven by Selenium through chromedriver. It signs in through the form, visits every page
(the overview, a segment's page, its members' next page and search, a profile's page, the
activations and one activation's page with a simulation, the retention, overlap and funnel reports
filled in through their forms, with their charts), compares
every number shown with the JSON API's answer for the same thing, follows the links between the
pages, watches a segment's page append a change live, signs out, and checks that a visitor with no
cookie, a forged one or an expired one (signed with the server's own secret, so only its expiry is
wrong) is sent to the sign-in form, and that a viewer key reads the pages but no API route. The
browser's console must stay free of errors; screenshots of each page go to WORK_DIR.

Usage: dashboard_check.py STRATA_BINARY WORK_DIR
"""

import base64
import datetime
import decimal
import glob
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from browser_check import Server, check
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def request(url, method="GET", headers=None, body=None):
    """(status, headers, body text) of a request, whatever its status; redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, method=method, headers=headers or {},
                                 data=body.encode() if body is not None else None)
    try:
        with opener.open(req, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def start_server(strata, workspace):
    """`strata serve` on a free loopback port (as the browser check starts it), once GET /ready says so."""
    server = Server(strata, workspace)
    for _ in range(600):
        if request(server.api + "/ready")[0] == 200:
            return server
        time.sleep(0.5)
    raise SystemExit("FAIL: the server was not ready after 5 minutes")


class API:
    """The JSON API with the admin key."""

    def __init__(self, base, key):
        self.base, self.key = base, key

    def get(self, path):
        status, _, body = request(self.base + path, headers={"Authorization": f"Bearer {self.key}"})
        check(status == 200, f"GET {path}: {status} {body[:300]}")
        return body if "format=csv" in path else json.loads(body)


def number(text):
    return int(text.replace(",", ""))


def share(size, population):
    return "–" if not population else f"{size * 100 / population:.1f}%"


class Browser:
    def __init__(self, base, work):
        self.base, self.work = base, work
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,1100", "--no-first-run", "--disable-extensions"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        self.seen_logs = []

    def open(self, path):
        self.driver.get(self.base + path)

    @property
    def path(self):
        parsed = urllib.parse.urlparse(self.driver.current_url)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")

    def css(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def one(self, selector):
        found = self.css(selector)
        check(len(found) == 1, f"{self.path}: expected one {selector}, found {len(found)}")
        return found[0]

    def wait(self, condition, what, seconds=30):
        try:
            WebDriverWait(self.driver, seconds, poll_frequency=0.2).until(lambda _: condition())
        except Exception:
            raise SystemExit(f"FAIL: {what} (at {self.path})")

    def reload_until(self, condition, what, seconds=180):
        """Reloads the page until `condition` holds: what the server makes in the background (the
        overview's trends, a segment's reports, an activation's lift) shows as being computed at first."""
        deadline = time.time() + seconds
        while not condition():
            check(time.time() < deadline, f"{what} (at {self.path}, reloaded for {seconds} s)")
            time.sleep(0.5)
            self.driver.refresh()

    def sign_in(self, key):
        self.open("/login")
        check(self.path == "/login", f"the sign-in form is at {self.path}")
        field = self.one("input#key")
        check(field.get_attribute("type") == "password" and field.get_attribute("name") == "key",
              "the key field is a password field named key")
        label = self.one("label[for=key]")
        check(label.text == "Admin or viewer key", f"the key field's label reads {label.text!r}")
        field.send_keys(key)
        self.one("form.sign-in button[type=submit]").click()
        self.wait(lambda: self.path == "/", "signing in lands on the overview")

    def screenshot(self, name):
        self.driver.save_screenshot(os.path.join(self.work, name))

    def console_errors(self):
        logs = self.driver.get_log("browser")
        self.seen_logs += logs
        return [entry for entry in logs if entry["level"] == "SEVERE"]

    def session_cookie(self):
        cookie = self.driver.get_cookie("strata_session")
        return cookie["value"] if cookie else None


def check_overview(browser, api):
    # The trends are made in the background: the first view may show them as being computed, with the
    # sizes already there.
    if browser.one("p.meta").get_attribute("data-trends") == "making":
        check("being computed" in browser.one("p.meta").text, "the overview says its trends are being computed")
        check(not browser.css("svg.sparkline") and {cell.text for cell in browser.css("td[data-field=entered]")} == {"–"},
              "no sparkline and no entries are shown before the trends are made")
        browser.screenshot("overview-computing.png")
    browser.reload_until(lambda: browser.one("p.meta").get_attribute("data-trends") == "made",
                         "the overview's trends are made")
    segments = {s["name"]: s for s in api.get("/api/v1/segments")["segments"]}
    check(len(segments) == 44, f"the demo defines 44 segments, the API lists {len(segments)}")
    rows = browser.css("tr[data-segment]")
    check(len(rows) == 44, f"the overview lists {len(rows)} segments, not 44")
    names = [row.get_attribute("data-segment") for row in rows]
    check(names == sorted(names), "the overview starts in name order")
    since = browser.one("p.meta time:nth-of-type(2)").text
    today = datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
    check(today.hour == 0 and today.minute == 0, f"the day starts at midnight UTC, not {since}")
    start = (today - datetime.timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (today + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sizes = api.get(f"/api/v1/reports/sizes?segments={','.join(names)}&from={start}&to={end}&every=1d&source=log")["rows"]
    last = {row["segment"]: row for row in sizes if row["instant"].startswith(end[:10])}
    for row in rows:
        name = row.get_attribute("data-segment")
        segment = segments[name]
        field = {cell.get_attribute("data-field"): cell.text for cell in row.find_elements(By.CSS_SELECTOR, "[data-field]")}
        check(number(field["size"]) == segment["size"], f"{name}: size {field['size']} on the page, {segment['size']} in the API")
        check(field["share"] == share(segment["size"], segment.get("population")),
              f"{name}: share {field['share']}, the API's figures give {share(segment['size'], segment.get('population'))}")
        check(number(field["entered"]) == last[name]["entered"] and number(field["exited"]) == last[name]["exited"],
              f"{name}: today's entries and exits {field['entered']}/{field['exited']}, the sizes report's "
              f"{last[name]['entered']}/{last[name]['exited']}")
        points = row.find_element(By.CSS_SELECTOR, "svg.sparkline polyline").get_attribute("points").split()
        check(len(points) == 31, f"{name}: the sparkline has {len(points)} points, not 31")
    # Sorting is a link: by size ascending, then descending.
    browser.one("th a[href='/?sort=size&order=asc']").click()
    browser.wait(lambda: browser.path == "/?sort=size&order=asc", "the Size heading sorts by size")
    ascending = [number(cell.text) for cell in browser.css("td[data-field=size]")]
    check(ascending == sorted(ascending), "sorted by size ascending")
    check(browser.one("th[aria-sort]").text.startswith("Size"), "the sorted column says so to screen readers")
    browser.one("th a[href='/?sort=size&order=desc']").click()
    browser.wait(lambda: browser.path == "/?sort=size&order=desc", "the Size heading sorts again, descending")
    descending = [number(cell.text) for cell in browser.css("td[data-field=size]")]
    check(descending == sorted(descending, reverse=True), "sorted by size descending")
    browser.screenshot("overview.png")
    largest = browser.css("tr[data-segment]")[0].get_attribute("data-segment")
    check(segments[largest]["size"] == max(s["size"] for s in segments.values()), "the largest segment comes first")
    return largest, segments


def check_segment(browser, api, name, segments):
    browser.one(f"tr[data-segment='{name}'] th a").click()
    browser.wait(lambda: browser.path == f"/segments/{name}", f"the overview links to /segments/{name}")
    browser.reload_until(lambda: len(browser.css("table.report")) == 2, f"{name}: the retention and overlap are made")
    size = segments[name]["size"]
    check(number(browser.one("dd[data-field=size]").text) == size, f"{name}: the page's size is the API's, {size}")
    first = api.get(f"/api/v1/segments/{name}/members?limit=60")
    shown = [link.text for link in browser.css("ul.members a")]
    check(shown == first["members"], f"{name}: the first page of members is the API's first 60")
    matching = browser.one("[data-field=matching]").text
    check(matching.startswith(f"{size:,} matching, page 1 of {(size + 59) // 60}"), f"{name}: {matching!r}")
    check(len(browser.css("svg.chart circle.dot")) == 31, f"{name}: the size chart has a point a day for 31 days")
    definition = api.get(f"/api/v1/segments/{name}")["definition"]
    check(browser.one("pre code").text == definition.rstrip("\n"), f"{name}: the page shows the definition's text")
    check_segment_reports(browser, api, name)
    browser.screenshot("segment.png")
    # The next page, as the API's cursor gives it.
    browser.one("a[rel=next]").click()
    browser.wait(lambda: browser.path == f"/segments/{name}?page=2", "the next page link")
    second = api.get(f"/api/v1/segments/{name}/members?limit=60&cursor={urllib.parse.quote(first['members'][-1])}")
    check([link.text for link in browser.css("ul.members a")] == second["members"], "page 2 is the API's next page")
    # Searching by a part of an id.
    part = first["members"][4][2:]
    field = browser.one("input#q")
    field.clear()
    field.send_keys(part)
    field.send_keys(Keys.ENTER)
    browser.wait(lambda: browser.path.startswith(f"/segments/{name}?q="), "the search form")
    found = [link.text for link in browser.css("ul.members a")]
    check(first["members"][4] in found and all(part.lower() in m.lower() for m in found),
          f"searching {part!r} finds {found[:5]}")
    # The CSV download is the API's CSV.
    status, headers, csv = request(browser.base + f"/segments/{name}/members.csv",
                                   headers={"Cookie": f"strata_session={browser.session_cookie()}"})
    check(status == 200 and headers["Content-Disposition"] == f'attachment; filename="{name}.csv"', "the CSV download")
    check(csv == api.get(f"/api/v1/segments/{name}/members?format=csv"), "the page's CSV is the API's")
    return first["members"][0]


PROPORTIONS = ("rate", "low", "high", "jaccard", "containment", "rate_from_previous", "rate_from_first")


def percent(fraction):
    """A proportion as the pages write it: a percentage with one decimal, halves rounded away from zero
    (the API's 0.0015 is 0.2%, where Python's float formatting would give 0.1%)."""
    tenths = (decimal.Decimal(repr(fraction)) * 100).quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)
    return f"{tenths}%"


def report_cells(table):
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def shown_as(value, column):
    """A report value as the pages write it: proportions as percentages, numbers plainly, null as a dash."""
    if value is None:
        return "–"
    if column in PROPORTIONS:
        return percent(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_table(table, rows, what):
    """A report table on a page holds the report API's rows, every cell as the pages write it."""
    columns = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    shown = report_cells(table)
    expected = [[shown_as(row[column], column) for column in columns] for row in rows]
    differing = [(page, api) for page, api in zip(shown, expected) if page != api]
    check(len(shown) == len(expected) and not differing,
          f"{what}: {len(shown)} rows shown, the API's {len(expected)}; differing (page, API): {differing[:3]}")


def check_segment_reports(browser, api, name):
    """A segment's retention against the baseline and its overlap with the others are the report API's."""
    tables = browser.css("table.report")
    check(len(tables) == 2, f"{name}: a retention and an overlap table, found {len(tables)}")
    retention = api.get(f"/api/v1/reports/retention?segments={name}&days=1,7,30")["rows"]
    check_table(tables[0], retention, f"{name}: retention")
    legend = [text.text for text in browser.css("#retention svg.series text.legend")]
    check(legend == [name, "baseline"], f"{name}: the retention curves' legend reads {legend}")
    # The overlap of the segment with every other of its kind, read through the link to the report.
    link = urllib.parse.urlparse(browser.one("#overlap a[href^='/reports/overlap?']").get_attribute("href"))
    segments = urllib.parse.parse_qs(link.query)["segments"][0].split(",")
    listed = api.get("/api/v1/segments")["segments"]
    kind = next(s["of"] for s in listed if s["name"] == name)
    check(segments[0] == name and sorted(segments[1:]) == sorted(s["name"] for s in listed
                                                              if s["name"] != name and s["of"] == kind),
          f"{name}: the overlap is with every other segment of {kind}")
    overlap = api.get(f"/api/v1/reports/overlap?{link.query}")["rows"]
    check_table(tables[1], [row for row in overlap if row["a"] == name], f"{name}: overlap")


def check_profile(browser, api, name, member):
    browser.open(f"/segments/{name}")
    browser.one(f"ul.members a[href='/profiles/{urllib.parse.quote(member, safe='')}']").click()
    browser.wait(lambda: browser.path.startswith("/profiles/"), "a member links to the profile's page")
    profile = api.get(f"/api/v1/profiles/{urllib.parse.quote(member, safe='')}?recent=50")
    check(browser.one("h1").text == f"Profile {profile['id']}", "the profile page's heading")
    segments = [link.text for link in browser.css("details.explained summary a")]
    check(segments == profile["segments"], f"the profile's segments {segments} are the API's {profile['segments']}")
    check(name in segments, f"{member} is in {name}")
    section = "//section[h2='Event counts']//"
    counts = {dt.text: dd.text for dt, dd in zip(browser.driver.find_elements(By.XPATH, section + "dt"),
                                                 browser.driver.find_elements(By.XPATH, section + "dd"))}
    for event, count in profile["eventCounts"].items():
        check(counts.get(event) == str(count), f"event count of {event}: {counts.get(event)} shown, {count} in the API")
    check(len(browser.css("#timeline-heading + table tbody tr")) == len(profile["recentEvents"]), "the recent events")
    tree = browser.css("details.explained pre")[0].get_attribute("textContent")
    check(tree.startswith(f"{segments[0]}: true\n"), f"the explain tree of the first segment: {tree[:200]!r}")
    browser.screenshot("profile.png")
    browser.css("details.explained summary a")[0].click()
    browser.wait(lambda: browser.path == f"/segments/{segments[0]}", "a profile links back to its segments")


def check_activations(browser, api):
    """The activations page lists what the activations API lists, and links to their segments."""
    browser.css("header nav a[href='/activations']")[0].click()
    browser.wait(lambda: browser.path == "/activations", "the header links to the activations")
    listed = api.get("/api/v1/activations")["activations"]
    check(len(listed) == 6, f"the demo defines 6 activations, the API lists {len(listed)}")
    rows = browser.css("tr[data-activation]")
    check([row.get_attribute("data-activation") for row in rows] == [a["name"] for a in listed],
          "the page lists the API's activations in its order")
    for row, activation in zip(rows, listed):
        counts = sorted(activation["deliveries"].items())
        expected = ", ".join(f"{count} {status}" for status, count in counts) or "none"
        shown = row.find_element(By.CSS_SELECTOR, "[data-field=deliveries]").text
        check(shown == expected, f"{activation['name']}: deliveries {shown!r}, the API's {expected!r}")
    browser.screenshot("activations.png")
    segment = listed[0]["segment"]
    rows[0].find_element(By.CSS_SELECTOR, f"a[href='/segments/{segment}']").click()
    browser.wait(lambda: browser.path == f"/segments/{segment}", "an activation links to its segment")
    check(any(link.text == listed[0]["name"] for link in browser.css(f"a[href='/activations/{listed[0]['name']}']")),
          "the segment's page links the activation on it")
    browser.css(f"a[href='/activations/{listed[0]['name']}']")[0].click()
    browser.wait(lambda: browser.path == f"/activations/{listed[0]['name']}", "a segment links to its activations")
    check_activation(browser, api, listed[0]["name"])
    # One with a goal (so a lift table) and a split step, simulated over the last two weeks of the demo's
    # events (which end at 2026-07-01).
    browser.open("/activations/trial-nudges")
    check_activation(browser, api, "trial-nudges", window=("2026-06-17", "2026-07-01"))


def check_activation(browser, api, name, window=None):
    """An activation's page: today's deliveries as the API counts them, the lift report's table (or why
    there is none), and, given a window, a simulation over the demo's history run through its form."""
    browser.reload_until(lambda: "being computed" not in browser.one("#lift-heading").find_element(
        By.XPATH, "..").text, f"{name}: the lift is made")
    summary = api.get(f"/api/v1/activations/{name}")
    check(browser.one("h1").text.startswith(name), f"{name}: the page's heading")
    # The table is inside a closed <details>: its text is read from the DOM, not from what is drawn.
    days = browser.css("#deliveries-heading ~ details table tbody tr")
    if days:
        statuses = [th.get_attribute("textContent")
                    for th in browser.css("#deliveries-heading ~ details table thead th")][1:]
        cells = days[-1].find_elements(By.TAG_NAME, "td")
        shown = dict(zip(statuses, (number(td.get_attribute("textContent")) for td in cells)))
        expected = {status: summary["deliveries"].get(status, 0) for status in statuses}
        check(shown == expected and all(s in statuses for s in summary["deliveries"]),
              f"{name}: today's deliveries {shown}, the API's {summary['deliveries']}")
    else:
        check(browser.one("#deliveries-heading ~ p:not(.meta)").text == "No delivery was due on these days."
              and not summary["deliveries"], f"{name}: no deliveries, and the API counts none today")
    status, _, body = request(api.base + f"/api/v1/reports/lift?activation={name}",
                              headers={"Authorization": f"Bearer {api.key}"})
    if status == 200:
        check_table(browser.one("#lift-heading ~ table.report"), json.loads(body)["rows"], f"{name}: lift")
    else:
        message = json.loads(body)["error"]["message"]
        check(browser.one("#lift-heading ~ p").text == f"No lift: {message}", f"{name}: why there is no lift")
    if window is None:
        return
    browser.one("input#from").send_keys(window[0])
    browser.one("input#to").send_keys(window[1])
    browser.one("form.report button").click()
    browser.wait(lambda: browser.css("[data-field=simulation]"), f"{name}: the simulation runs", seconds=600)
    check(browser.path == f"/activations/{name}?from={window[0]}&to={window[1]}", "the window is in the URL")
    summary_text = browser.one("[data-field=simulation]").text
    words = summary_text.split(" ")
    check(f"of {summary['segment']}," in summary_text and number(words[-2]) > 0,
          f"{name}: the simulation's summary reads {summary_text!r}")
    by_status = browser.css("[data-field=simulation] + table tbody td")
    check(sum(number(cell.text) for cell in by_status) == number(words[-2]),
          f"{name}: the deliveries by status add up to the {words[-2]} of the summary")
    browser.screenshot("activation.png")


def check_reports(browser, api):
    """Each report page, filled in through its form, shows the report API's rows for the same URL."""
    filled = {
        "retention": {"field-0": "paying,at-risk-users", "field-1": "1,7,30"},
        "overlap": {"field-0": "paying,at-risk-users,trial-activated"},
        "funnel": {"field-0": '"Trial Started"', "field-1": '"Feature Used"', "field-2": '"Plan Upgraded"', "field-3": "30d"},
    }
    for kind, fields in filled.items():
        browser.css(f"header nav a[href='/reports/{kind}']")[0].click()
        browser.wait(lambda: browser.path == f"/reports/{kind}", f"the header links to the {kind} report")
        check("Fill in the form" in browser.one("main").text, f"{kind}: the form alone until it is filled in")
        for field, value in fields.items():
            browser.one(f"input#{field}").send_keys(value)
        browser.one("form.report button").click()
        browser.wait(lambda: browser.css("table.report"), f"{kind}: the report runs")
        query = urllib.parse.urlparse(browser.driver.current_url).query
        # The form writes a space as +, which the API (not a form) reads as a plus: %20 there.
        rows = api.get(f"/api/v1/reports/{kind}?" + "&".join(
            part for part in query.split("&") if not part.endswith("=")).replace("+", "%20"))["rows"]
        check(kind != "funnel" or rows[0]["reached"] > 0, f"funnel: nobody reached step 1 of {query}")
        shown = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in browser.css("table.report tbody tr")]
        check(len(shown) == len(rows) > 0, f"{kind}: {len(shown)} rows shown, the API's {len(rows)}")
        columns = [th.text for th in browser.css("table.report thead th")]
        for cells, row in zip(shown, rows):
            for column, text in zip(columns, cells):
                value = row[column]
                if column in PROPORTIONS and value is not None:
                    check(text == percent(value), f"{kind} {column}: {text} shown, {value} in the API")
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    check(float(text) == value, f"{kind} {column}: {text} shown, {value} in the API")
        if kind == "retention":
            cohorts = list(dict.fromkeys(row["cohort"] for row in rows))
            legend = [text.text for text in browser.css("figure.chart svg.series text.legend")]
            check(legend == cohorts, f"retention: the curves' legend {legend}, the API's cohorts {cohorts}")
        elif kind == "funnel":
            bars = [text.text for text in browser.css("figure.chart svg.bars text.value")]
            check([number(bar.split(" ")[0]) for bar in bars] == [row["reached"] for row in rows],
                  f"funnel: the bars read {bars}, the API's counts {[row['reached'] for row in rows]}")
        else:
            check(not browser.css("figure.chart"), "overlap stays a shaded matrix")
        browser.screenshot(f"report-{kind}.png")
        # The URL is the view: opened again, it shows the same table.
        browser.open(f"/reports/{kind}?{query}")
        check([[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in browser.css("table.report tbody tr")]
              == shown, f"{kind}: the shared URL shows the same table")


def check_live(browser, api, base, write_key):
    """A new segment's page shows a change as it happens."""
    definition = 'title: Dashboard check\nwhere: count("Dashboard Checked", last 1d) >= 1\n'
    status, _, body = request(base + "/api/v1/segments/dashboard-check", "PUT",
                              {"Authorization": f"Bearer {api.key}"}, definition)
    check(status == 201, f"PUT dashboard-check: {status} {body}")
    for _ in range(100):
        if request(base + "/api/v1/segments/dashboard-check/members", headers={"Authorization": f"Bearer {api.key}"})[0] == 200:
            break
        time.sleep(0.2)
    browser.open("/segments/dashboard-check")
    browser.wait(lambda: browser.one("#live-status").text == "Newest first; live.", "the live feed connects")
    check(len(browser.css("#changes tbody tr")) == 0, "no change yet")
    event = json.dumps({"userId": "dash-user", "event": "Dashboard Checked"})
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    status, _, body = request(base + "/v1/track", "POST", {"Authorization": auth, "Content-Type": "application/json"}, event)
    check(status == 200, f"track: {status} {body}")
    browser.wait(lambda: len(browser.css("#changes tbody tr")) == 1, "the change appears without a reload")
    cells = [cell.text for cell in browser.css("#changes tbody tr td")]
    check(cells[1:] == ["dash-user", "entered", "message"], f"the live row reads {cells}")
    check(browser.css("#changes tbody tr a")[0].get_attribute("href").endswith("/profiles/dash-user"), "its link")


def forged(secret, key_id, expires):
    nonce = "00112233445566778899aabbccddeeff"
    body = f"{key_id}.{expires}.{nonce}"
    return body + "." + hmac.new(secret, f"session.{body}".encode(), hashlib.sha256).hexdigest()


def refused(base, cookie):
    status, headers, _ = request(base + "/", headers={"Cookie": f"strata_session={cookie}"} if cookie else {})
    return status == 303 and headers["Location"] == "/login"


def main():
    strata, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    subprocess.run([strata, "demo"], cwd=work, check=True, capture_output=True)
    workspace = os.path.join(work, "strata-demo")

    def key(kind):
        return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                              capture_output=True, text=True).stdout.strip()

    write_key, admin_key, viewer_key = key("write"), key("admin"), key("viewer")
    server = start_server(strata, workspace)
    base = server.api
    browser = Browser(base, work)
    cookies = []
    try:
        api = API(base, admin_key)
        browser.open("/")
        check(browser.path == "/login", f"a visitor without a session is sent to /login, not {browser.path}")
        browser.screenshot("sign-in.png")
        browser.one("input#key").send_keys("strata_admin_" + "0" * 64 + Keys.ENTER)
        browser.wait(lambda: browser.css("p.error"), "a wrong key is refused on the form")
        check(browser.one("p.error").text == "That is not an active admin or viewer key.", "the refusal's words")
        # The refusal is a 401, which the console reports; nothing else may appear there.
        errors = [e for e in browser.console_errors() if "/login - Failed to load resource: the server responded "
                  "with a status of 401" not in e["message"]]
        check(not errors, f"console errors on the sign-in form: {errors}")

        browser.sign_in(admin_key)
        # Keyboard: the first Tab reaches the skip link.
        browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        check(browser.driver.switch_to.active_element.text == "Skip to content", "the first Tab reaches the skip link")
        cookies.append(browser.session_cookie())
        largest, segments = check_overview(browser, api)
        member = check_segment(browser, api, largest, segments)
        check_profile(browser, api, largest, member)
        check_activations(browser, api)
        check_reports(browser, api)
        check_live(browser, api, base, write_key)
        errors = browser.console_errors()
        check(not errors, f"console errors: {errors}")

        # Signed out, the cookie is gone and the pages are closed.
        browser.open("/")
        browser.one("form.sign-out button").click()
        browser.wait(lambda: browser.path == "/login", "signing out lands on the sign-in form")
        check(browser.session_cookie() is None, "signing out removes the session cookie")
        browser.open("/segments/" + largest)
        check(browser.path == "/login", "after signing out a page sends the visitor to sign in")

        # Forged and expired cookies, signed with the server's own secret so only their expiry differs.
        secrets = glob.glob(os.path.join(workspace, "**", "dashboard.secret"), recursive=True)
        check(len(secrets) == 1, f"one dashboard.secret in the workspace, found {secrets}")
        check(os.stat(secrets[0]).st_mode & 0o777 == 0o600, "the secret is readable by its owner only")
        with open(secrets[0], "rb") as f:
            secret = f.read()
        keys = subprocess.run([strata, "keys", "list", "-w", workspace], check=True, capture_output=True,
                              text=True).stdout
        admin_id = int(next(line.split("\t")[0] for line in keys.splitlines() if "\tadmin\t" in line))
        now = int(time.time() * 1000)
        check(not refused(base, forged(secret, admin_id, now + 3_600_000)),
              "a cookie signed as the server signs is accepted (the scheme is HMAC-SHA256 as documented)")
        check(refused(base, forged(secret, admin_id, now - 1000)), "an expired cookie is refused")
        check(refused(base, forged(b"x" * 32, admin_id, now + 3_600_000)), "a cookie signed elsewhere is refused")
        check(refused(base, cookies[0][:-1] + ("0" if cookies[0][-1] != "0" else "1")), "a tampered cookie")
        check(refused(base, None), "no cookie")
        browser.driver.add_cookie({"name": "strata_session", "value": forged(secret, admin_id, now - 1000)})
        browser.open("/")
        check(browser.path == "/login", "the browser with an expired cookie is sent to sign in")

        # A viewer key reads the pages and nothing of the API.
        browser.driver.delete_all_cookies()
        browser.sign_in(viewer_key)
        cookies.append(browser.session_cookie())
        check("Signed in with the viewer key" in browser.one("form.sign-out span").text, "the header names the viewer key")
        check(len(browser.css("tr[data-segment]")) == 45, "the viewer sees every segment, dashboard-check included")
        status, _, _ = request(base + "/api/v1/segments", headers={"Authorization": f"Bearer {viewer_key}"})
        check(status == 401, f"the viewer key reads no API route: {status}")
        errors = browser.console_errors()
        check(not errors, f"console errors: {errors}")
    finally:
        browser.driver.quit()
        log = server.stop()
    for secret in [write_key, admin_key, viewer_key] + cookies:
        check(secret not in log, "the server log shows a key or a session cookie")
    print(f"dashboard: signed in, 44 segments, 6 activations, 3 reports, every page and a live change checked against the API; "
          f"screenshots in {work}")


if __name__ == "__main__":
    main()
