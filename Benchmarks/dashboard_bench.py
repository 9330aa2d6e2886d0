"""Server time of the dashboard's pages: `strata serve` on a copy of a workspace, signed in through the
form, then the overview, a segment's page and a profile's page asked for several times each over
loopback. The first overview starts making the trends (the sizes report over the change log and the
health report) in the background and answers at once; the overview is timed while they are made,
how long they take to appear, then the overview with them. The segment's page (the first segment in
the overview) is timed the same way, its first view starting its reports.

Usage: dashboard_bench.py STRATA WORKSPACE [--repeat N] [--profile ID]
The workspace is used as it is (copy it first: the server records memberships in it).
"""

import argparse
import re
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url, headers=None, body=None):
    request = urllib.request.Request(url, headers=headers or {}, data=body.encode() if body else None)
    started = time.perf_counter()
    try:
        with OPENER.open(request, timeout=600) as response:
            text, status, answer = response.read().decode(), response.status, response.headers
    except urllib.error.HTTPError as error:
        text, status, answer = error.read().decode(), error.code, error.headers
    return status, answer, text, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("workspace")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    key = subprocess.run([args.strata, "keys", "create", "--kind", "viewer", "-w", args.workspace], check=True,
                         capture_output=True, text=True).stdout.strip()
    started = time.perf_counter()
    server = subprocess.Popen([args.strata, "serve", "-w", args.workspace, "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = None
    for line in server.stdout:
        found = re.search(r"listening on (http://127\.0\.0\.1:[0-9]+)", line)
        if found:
            base = found.group(1)
            break
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    try:
        while fetch(base + "/ready")[0] != 200:
            time.sleep(0.5)
        print(f"ready after {time.perf_counter() - started:.1f} s")
        status, headers, form, _ = fetch(base + "/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
        nonce = headers["Set-Cookie"].split(";")[0]
        status, headers, _, _ = fetch(base + "/login", {"Cookie": nonce},
                                      f"key={urllib.parse.quote(key)}&csrf={token}")
        assert status == 303, status
        cookie = {"Cookie": headers["Set-Cookie"].split(";")[0]}
        def timed(path, count):
            """The page asked for `count` times: the times (ms) and the last page's text."""
            times = []
            for _ in range(count):
                status, _, text, seconds = fetch(base + path, cookie)
                assert status == 200, (status, text[:500])
                times.append(seconds * 1000)
            return times, text

        def summary(times):
            return f"median {statistics.median(times):.1f} ms, min {min(times):.1f}, max {max(times):.1f} ms ({len(times)} requests)"

        def trends(page):
            return re.search(r'data-trends="([a-z]+)"', page).group(1)

        times, page = timed("/", 1)
        print(f"overview, {page.count('<tr data-segment=')} segments, first: {times[0]:.0f} ms, trends {trends(page)}")
        times, page = timed("/", args.repeat)
        print(f"overview while the trends are made: {summary(times)}, trends {trends(page)}")
        waited = time.perf_counter()
        while trends(page) != "made":
            time.sleep(1)
            page = timed("/", 1)[1]
        print(f"trends made {time.perf_counter() - waited:.1f} s after that")
        times, page = timed("/", args.repeat)
        print(f"overview with its trends: {summary(times)}")
        segment = re.search(r'<tr data-segment="([^"]+)"', page).group(1)
        times, text = timed("/segments/" + segment, 1)
        print(f"segment {segment}, first: {times[0]:.0f} ms, {text.count('being computed')} figures being computed")
        times, text = timed("/segments/" + segment, args.repeat)
        print(f"segment {segment} then: {summary(times)}")
        profile = args.profile or re.search(r'href="/profiles/([^"]+)"', text).group(1)
        times, _ = timed("/profiles/" + profile, args.repeat + 1)
        print(f"profile {urllib.parse.unquote(profile)}: first {times[0]:.0f} ms; then {summary(times[1:])}")
    finally:
        server.terminate()
        server.wait(timeout=120)


if __name__ == "__main__":
    main()
