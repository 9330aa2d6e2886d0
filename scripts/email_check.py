"""End-to-end check of email activations against real SMTP servers on loopback (aiosmtpd): one with
STARTTLS and AUTH PLAIN on a certificate from a private authority (trustme), one with TLS from the
first byte offering only AUTH LOGIN, and one without TLS that answers 451 to a message's first
attempt. A live `strata serve` sends the mail; Python's `email` package parses what arrived and
checks the headers (From, To, encoded Subject, Message-ID from the delivery id, RFC 8058
List-Unsubscribe on marketing mail only), the text and HTML parts, tracked links and the open pixel.
Then it follows the links as a mail client would: one-click unsubscribe by POST (after which the
profile's next mail is `unsubscribed`), the open pixel and a click, which become "Email Opened" and
"Email Link Clicked" events that a segment such as "opened but did not click" reads. Forged tokens do
nothing.

Usage: email_check.py STRATA_BINARY WORK_DIR
"""

import email
import email.policy
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import logging
import urllib.request

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from activation_check import check, deliveries, free_port, request, start_server, stop_server, wait_for, write

USER, PASSWORD = "strata", "s3cret-smtp-password"
# aiosmtpd logs a warning about its own use of a deprecated attribute on every AUTH.
logging.getLogger("mail.log").setLevel(logging.ERROR)


class Mailbox:
    """An aiosmtpd handler that keeps every message with how it came (TLS, the AUTH mechanism)."""

    def __init__(self, fail_first_attempt=False):
        self.lock = threading.Lock()
        self.messages = []  # (envelope from, recipients, parsed message, tls, auth mechanism)
        self.fail_first_attempt = fail_first_attempt
        self.seen_ids = set()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            if self.fail_first_attempt and parsed["Message-ID"] not in self.seen_ids:
                self.seen_ids.add(parsed["Message-ID"])
                return "451 4.3.0 try again later"
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed, session.ssl is not None,
                                  getattr(session, "auth_mechanism", None)))
        return "250 2.0.0 queued"

    def received(self):
        with self.lock:
            return list(self.messages)


class Authenticator:
    def __init__(self):
        self.mechanisms = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER \
            and auth_data.password.decode() == PASSWORD
        if ok:
            self.mechanisms.append(mechanism)
            session.auth_mechanism = mechanism
        return AuthResult(success=ok)


def no_redirect_get(url):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_form(url, body):
    req = urllib.request.Request(url, method="POST", data=body.encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def forged(url):
    """The URL with one character of its token's signed fields changed."""
    head, token = url.rsplit("/", 1)
    position = 2
    swapped = "B" if token[position] == "A" else "A"
    return f"{head}/{token[:position]}{swapped}{token[position + 1:]}"


def main():
    strata, work = sys.argv[1], sys.argv[2]
    workspace = os.path.join(work, "workspace")
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost", "127.0.0.1")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_tls)

    starttls_box, implicit_box, flaky_box = Mailbox(), Mailbox(), Mailbox(fail_first_attempt=True)
    plain_auth, login_auth = Authenticator(), Authenticator()
    servers = [
        Controller(starttls_box, hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
                   require_starttls=True, authenticator=plain_auth, auth_require_tls=True),
        Controller(implicit_box, hostname="127.0.0.1", port=free_port(), ssl_context=server_tls,
                   authenticator=login_auth, auth_exclude_mechanism=["PLAIN"],
                   # aiosmtpd counts only STARTTLS as TLS, though this connection is TLS from its first byte.
                   auth_require_tls=False),
        Controller(flaky_box, hostname="127.0.0.1", port=free_port()),
    ]
    for server in servers:
        server.start()
    starttls_port, implicit_port, flaky_port = (s.port for s in servers)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "strata.yaml"), "a") as f:
        f.write(f"public_url: {base}/\n")
    os.makedirs(os.path.join(workspace, "certs"), exist_ok=True)
    authority.cert_pem.write_to_path(os.path.join(workspace, "certs", "ca.pem"))
    write(os.path.join(workspace, "segments", "wants-mail.yaml"), "where: trait.wants_mail = true\n")
    write(os.path.join(workspace, "segments", "opened-not-clicked.yaml"),
          'where: did("Email Opened") and not did("Email Link Clicked")\n')
    smtp = "kind: smtp\nfrom: Acme Growth <growth@acme.example>\nca_file: certs/ca.pem\ntimeout: 20s\n"
    write(os.path.join(workspace, "destinations", "email.yaml"),
          smtp + f"host: localhost\nport: {starttls_port}\ntls: starttls\nusername: ${{CHECK_SMTP_USER}}\n"
                 "password: ${CHECK_SMTP_PASSWORD}\ntrack_engagement: true\n"
                 "to: \"{{profile.traits.name}} <{{profile.traits.email}}>\"\n")
    write(os.path.join(workspace, "destinations", "receipts.yaml"),
          smtp + f"host: localhost\nport: {implicit_port}\ntls: implicit\nusername: ${{CHECK_SMTP_USER}}\n"
                 "password: ${CHECK_SMTP_PASSWORD}\n")
    write(os.path.join(workspace, "destinations", "relay.yaml"),
          smtp + f"host: 127.0.0.1\nport: {flaky_port}\ntls: none\n")
    write(os.path.join(workspace, "templates", "welcome.mustache"),
          "---\nsubject: \"Welcome, {{profile.traits.name}}\"\n---\n"
          "Hi {{profile.traits.name}}, start here: https://acme.example/start\n"
          "Unsubscribe: {{unsubscribe_url}}\n")
    write(os.path.join(workspace, "templates", "welcome.html.mustache"),
          '<html><body><p>Hi {{profile.traits.name}},</p>'
          '<a href="https://acme.example/start?x=1&amp;y=2">Start</a> '
          '<a href="{{unsubscribe_url}}">Unsubscribe</a></body></html>\n')
    write(os.path.join(workspace, "templates", "receipt.mustache"),
          "---\nsubject: Your receipt\n---\nThanks, {{profile.id}}.\n")
    write(os.path.join(workspace, "activations", "welcome.yaml"),
          "segment: wants-mail\non: enter\nsteps:\n  - destination: email\n    template: welcome\n")
    write(os.path.join(workspace, "activations", "receipt.yaml"),
          "segment: wants-mail\non: enter\ncategory: transactional\nsteps:\n"
          "  - destination: receipts\n    template: receipt\n")
    write(os.path.join(workspace, "activations", "relay-copy.yaml"),
          "segment: wants-mail\non: enter\nsteps:\n  - destination: relay\n    template: receipt\n")
    env = dict(os.environ, CHECK_SMTP_USER=USER, CHECK_SMTP_PASSWORD=PASSWORD)
    checked = subprocess.run([strata, "check", "-w", workspace], capture_output=True, text=True, env=env)
    check(checked.returncode == 0, f"strata check failed: {checked.stdout}{checked.stderr}")

    def key(kind):
        return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                              capture_output=True, text=True).stdout.strip()

    write_key, admin_key = key("write"), key("admin")
    people = {"ann": ("Ann", "ann@example.com"), "zoe": ("Zoë", "zoe@example.com"),
              "bob": ("Bob", "bob@example.com"), "nomail": ("Nomail", None)}

    def identify(users, wants):
        batch = []
        for user in users:
            name, address = people[user]
            traits = {"name": name, "wants_mail": wants}
            if address:
                traits["email"] = address
            batch.append({"type": "identify", "userId": user, "traits": traits,
                          "messageId": f"identify-{user}-{time.time_ns()}"})
        status, body = request(f"{base}/v1/batch", write_key, "POST", json.dumps({"batch": batch}).encode())
        check(status == 200, f"batch answered {status}: {body}")

    server = start_server(strata, workspace, port, env)
    try:
        def ready():
            check(server.poll() is None, "strata serve exited")
            try:
                return request(f"{base}/ready", admin_key)[0] == 200
            except OSError:
                return False

        wait_for("the server", ready)
        identify(people, True)
        mailed = {"ann", "zoe", "bob"}
        wait_for("the welcome mail", lambda: len(starttls_box.received()) == 3)
        wait_for("the receipts", lambda: len(implicit_box.received()) == 3)
        wait_for("the relay copies", lambda: len(flaky_box.received()) == 3)

        def settled():
            rows = deliveries(strata, workspace, env)
            return len(rows) == 12 and all(r["status"] not in ("pending", "sending", "retrying", "held") for r in rows)

        wait_for("every delivery to settle", settled)
        rows = {(r["activation"], r["profile"]): r for r in deliveries(strata, workspace, env)}
        check(rows[("welcome", "nomail")]["status"] == "no_address", f"nomail: {rows[('welcome', 'nomail')]}")
        check(rows[("receipt", "nomail")]["status"] == "no_address", "nomail receipt")

        links = {}
        for sender, recipients, message, tls, mechanism in starttls_box.received():
            user = next(u for u in mailed if people[u][1] == recipients[0])
            record = rows[("welcome", user)]
            check(record["status"] == "sent" and record["response_status"] == 250, f"welcome {user}: {record}")
            check(sender == "growth@acme.example" and recipients == [people[user][1]], "envelope")
            check(tls and mechanism == "PLAIN", f"welcome mail of {user}: tls {tls}, auth {mechanism}")
            check(str(message["From"]) == "Acme Growth <growth@acme.example>", f"From {message['From']}")
            check(str(message["To"]) == f"{people[user][0]} <{people[user][1]}>", f"To {message['To']}")
            check(str(message["Subject"]) == f"Welcome, {people[user][0]}", f"Subject {message['Subject']}")
            check(re.fullmatch(rf"<delivery-{record['id']}\.[A-Za-z0-9.-]+@acme\.example>", message["Message-ID"]),
                  f"Message-ID {message['Message-ID']} for delivery {record['id']}")
            unsubscribe = re.fullmatch(rf"<({re.escape(base)}/u/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)>",
                                       str(message["List-Unsubscribe"]))
            check(unsubscribe, f"List-Unsubscribe {message['List-Unsubscribe']}")
            check(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "List-Unsubscribe-Post")
            check(message.get_content_type() == "multipart/alternative", message.get_content_type())
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            check(text == f"Hi {people[user][0]}, start here: https://acme.example/start\n"
                          f"Unsubscribe: {unsubscribe.group(1)}\n", f"text part {text!r}")
            clicks = re.findall(r'href="([^"]+)"', html)
            check(len(clicks) == 2 and clicks[0].startswith(f"{base}/t/c/") and clicks[1] == unsubscribe.group(1),
                  f"links {clicks}")
            pixel = re.findall(r'<img src="([^"]+)"', html)
            check(len(pixel) == 1 and pixel[0].startswith(f"{base}/t/o/"), f"pixel {pixel}")
            links[user] = (unsubscribe.group(1), clicks[0], pixel[0])
        print("ok  welcome: 3 mails over STARTTLS with AUTH PLAIN on a private CA; From, To, encoded Subject, "
              "Message-ID from the delivery id, one-click List-Unsubscribe, text and HTML parts with tracked "
              "links and a pixel; the profile without an address is no_address")

        for _, _, message, _, mechanism in implicit_box.received():
            # This server speaks only TLS (a plain connection fails its handshake); aiosmtpd does not flag it.
            check(mechanism == "LOGIN", f"receipt: auth {mechanism}")
            check(message["List-Unsubscribe"] is None, "transactional mail has no List-Unsubscribe")
            check(message.get_content_type() == "text/plain" and str(message["Subject"]) == "Your receipt", "receipt")
        ids = {}
        for _, _, message, _, _ in flaky_box.received():
            ids[message["Message-ID"]] = ids.get(message["Message-ID"], 0) + 1
        check(len(ids) == 3 and len(flaky_box.seen_ids) == 3, f"relay message ids {ids}")
        for user in mailed:
            relay = rows[("relay-copy", user)]
            check(relay["status"] == "sent" and relay["attempts"] == 2, f"relay {user}: {relay}")
        print("ok  receipts: transactional mail over TLS from the first byte with AUTH LOGIN, no unsubscribe "
              "header; the relay's 451 was retried with the same Message-ID (2 attempts each)")

        # Following the links, as a reader and a mail provider would.
        unsubscribe, click, pixel = links["ann"]
        status, _, page = no_redirect_get(unsubscribe)
        page = page.decode()
        check(status == 200 and 'name="List-Unsubscribe" value="One-Click"' in page, f"unsubscribe page {status}")
        check(post_form(forged(unsubscribe), "List-Unsubscribe=One-Click")[0] == 404, "a forged unsubscribe")
        check(post_form(unsubscribe, "something=else")[0] == 400, "an unsubscribe without One-Click")
        check(post_form(unsubscribe, "List-Unsubscribe=One-Click")[0] == 200, "one-click unsubscribe")
        status, headers, body = no_redirect_get(pixel)
        check(status == 200 and headers.get("Content-Type") == "image/gif" and body[:6] == b"GIF89a", "the pixel")
        status, headers, _ = no_redirect_get(links["zoe"][2])
        check(status == 200, "zoe's pixel")
        status, headers, _ = no_redirect_get(links["zoe"][1])
        check(status == 302 and headers.get("Location") == "https://acme.example/start?x=1&y=2",
              f"click answered {status} to {headers.get('Location')}")
        status, headers, _ = no_redirect_get(forged(links["bob"][1]))
        check(status == 404 and "Location" not in headers, "a forged click link redirected")

        def profile(user):
            return json.loads(request(f"{base}/api/v1/profiles/{user}?recent=20", admin_key)[1])

        wait_for("the engagement events", lambda: "Email Link Clicked" in profile("zoe")["eventCounts"])
        ann = profile("ann")
        check(ann["eventCounts"].get("Email Opened") == 1 and "Email Link Clicked" not in ann["eventCounts"],
              f"ann's events {ann['eventCounts']}")
        opened = next(e for e in ann["recentEvents"] if e["event"] == "Email Opened")
        check(opened["properties"]["activation"] == "welcome"
              and opened["properties"]["delivery_id"] == str(rows[("welcome", "ann")]["id"]), f"opened {opened}")
        clicked = next(e for e in profile("zoe")["recentEvents"] if e["event"] == "Email Link Clicked")
        check(clicked["properties"]["url"] == "https://acme.example/start?x=1&y=2", f"clicked {clicked}")
        check("Email Opened" not in profile("bob")["eventCounts"], "bob opened nothing")

        def members(segment):
            return json.loads(request(f"{base}/api/v1/segments/{segment}/members", admin_key)[1])["members"]

        wait_for("opened-not-clicked", lambda: members("opened-not-clicked") == ["ann"])
        print("ok  links: one-click unsubscribe by POST (a page with a button on GET; forged tokens 404), the "
              "pixel and a click recorded as events, the click redirected to its signed URL only; "
              "`opened-not-clicked` holds ann alone")

        # Everyone leaves and comes back: ann is unsubscribed from email, not from receipts.
        identify(people, False)
        time.sleep(1)
        identify(people, True)
        wait_for("the second welcome", lambda: len(starttls_box.received()) == 5)
        wait_for("the second wave to settle", lambda: len(deliveries(strata, workspace, env)) == 24 and all(
            r["status"] not in ("pending", "sending", "retrying", "held") for r in deliveries(strata, workspace, env)))
        second = [r for r in deliveries(strata, workspace, env) if r["activation"] == "welcome"
                  and r["profile"] == "ann"]
        check(sorted(r["status"] for r in second) == ["sent", "unsubscribed"], f"ann's welcomes {second}")
        check(len(implicit_box.received()) == 6, "transactional receipts ignore the unsubscribe")
        print("ok  after unsubscribing, ann's next welcome is `unsubscribed`; her receipts still go out")
    finally:
        log = stop_server(server)
        for smtp_server in servers:
            smtp_server.stop()
    check(PASSWORD not in log, "the server log shows the SMTP password")
    print("ok  strata serve stopped; its log never shows the SMTP password")


if __name__ == "__main__":
    main()
