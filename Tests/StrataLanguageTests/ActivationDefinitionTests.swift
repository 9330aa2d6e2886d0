import StrataLanguage
import Testing

/// Loading and checking activations, destinations, templates and the messaging rules of strata.yaml.
struct ActivationDefinitionTests {
    static let segment = "where: did(\"Cart Updated\", last 2h)\n"
    static let environment = ["HOOK_SECRET": "whsec_c2VjcmV0LWtleS0xMjM0NTY3OA==", "SMTP_HOST": "127.0.0.1"]

    /// A workspace with one segment, a webhook, a file destination and a template, plus `extra` files.
    func load(_ extra: [String: String], environment: [String: String] = Self.environment) -> Definitions {
        var files = [
            "segments/cart-abandoners.yaml": Self.segment,
            "destinations/crm.yaml": "kind: webhook\nurl: http://127.0.0.1:9/hook\nsecret: ${HOOK_SECRET}\n",
            "destinations/audience-file.yaml": "kind: file\npath: exports/{{segment}}.jsonl\n",
            "templates/cart-recovery.mustache":
                "---\nsubject: Your cart, {{profile.traits.name}}\n---\nHi {{profile.id}}\n",
        ]
        for (path, text) in extra { files[path] = text }
        return Definitions.load(DefinitionFiles(files), environment: environment)
    }

    func errors(_ definitions: Definitions) -> [String] {
        definitions.diagnostics.filter { $0.severity == .error }.map(\.description)
    }

    @Test func anActivationLoadsWithEveryField() throws {
        let definitions = load([
            "activations/cart-recovery.yaml": """
            title: Cart recovery
            segment: cart-abandoners
            on: enter
            category: marketing
            priority: 10
            reentry: 30d
            holdout: 10%
            rollout: 2.5%
            goal: did("Order Completed")
            conversion_window: 3d
            steps:
              - after: 1h
                destination: crm
                template: cart-recovery
                variants:
                  urgency: {weight: 50, template: cart-recovery}
                  social: {weight: 50}
              - after: 2d
                destination: audience-file
                when: trait.mrr > 1000

            """
        ])
        #expect(errors(definitions) == [])
        let activation = try #require(definitions.activation(named: "cart-recovery"))
        #expect(activation.title == "Cart recovery")
        #expect(activation.segment == "cart-abandoners")
        #expect(activation.trigger == .enter)
        #expect(activation.category == .marketing)
        #expect(activation.priority == 10)
        #expect(activation.reentry == .every(30 * 86_400_000))
        #expect(activation.holdout == 1_000)
        #expect(activation.rollout == 250)
        #expect(activation.goal != nil)
        #expect(activation.conversionWindow == 3 * 86_400_000)
        #expect(activation.steps.count == 2)
        #expect(activation.steps[0].after == 3_600_000)
        #expect(activation.steps[0].destination == "crm")
        #expect(
            activation.steps[0].variants == [
                Activation.Variant(name: "urgency", weight: 50, template: "cart-recovery"),
                Activation.Variant(name: "social", weight: 50, template: nil),
            ])
        #expect(activation.steps[1].after == 2 * 86_400_000)
        #expect(activation.steps[1].when != nil)
        #expect(activation.steps[1].whenSource == "trait.mrr > 1000")
    }

    @Test func defaultsOfAnActivation() throws {
        let definitions = load([
            "activations/nudge.yaml": "segment: cart-abandoners\non: exit\nsteps:\n  - destination: crm\n"
        ])
        let activation = try #require(definitions.activation(named: "nudge"))
        #expect(activation.trigger == .exit)
        #expect(activation.category == .marketing)
        #expect(activation.priority == 0)
        #expect(activation.reentry == .always)
        #expect(activation.holdout == 0)
        #expect(activation.rollout == 10_000)
        #expect(activation.conversionWindow == 7 * 86_400_000)
        #expect(activation.steps[0].after == 0)
    }

    @Test func destinationsLoadWithSecretsFromTheEnvironment() throws {
        let definitions = load([
            "destinations/email.yaml": """
            kind: smtp
            host: ${SMTP_HOST}
            port: 2525
            tls: none
            from: "Acme <growth@acme.example>"
            track_engagement: true

            """,
            "strata.yaml": "name: x\npublic_url: https://strata.acme.example\n",
        ])
        #expect(errors(definitions) == [])
        let crm = try #require(definitions.destination(named: "crm"))
        guard case .webhook(let webhook) = crm.kind else {
            Issue.record("crm is not a webhook")
            return
        }
        #expect(crm.channel == "webhook")
        #expect(webhook.url.reveal() == "http://127.0.0.1:9/hook")
        #expect(webhook.secret?.reveal() == "whsec_c2VjcmV0LWtleS0xMjM0NTY3OA==")
        #expect("\(webhook.secret as Any)".contains("c2VjcmV0") == false)
        #expect(webhook.timeout == 15_000)
        #expect(webhook.concurrency == 8)
        #expect(webhook.rate == 200)
        #expect(webhook.retries == [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
        let email = try #require(definitions.destination(named: "email"))
        #expect(email.channel == "email")
        guard case .smtp(let smtp) = email.kind else {
            Issue.record("email is not smtp")
            return
        }
        #expect(smtp.host.reveal() == "127.0.0.1")
        #expect(smtp.port == 2525)
        #expect(smtp.tls == Destination.SMTP.Security.none)
        #expect(smtp.to == "{{profile.traits.email}}")
        #expect(smtp.trackEngagement)
        #expect(smtp.from.name == "Acme")
        #expect(smtp.from.address == "growth@acme.example")
        #expect(smtp.timeout == 60_000)
        #expect(smtp.caFile == nil)
        let template = try #require(definitions.template(named: "cart-recovery"))
        #expect(template.subject == "Your cart, {{profile.traits.name}}")
        #expect(template.text == "Hi {{profile.id}}\n")
    }

    @Test func messagingRulesOfStrataYAML() throws {
        let definitions = load([
            "strata.yaml": """
            name: acme
            public_url: https://strata.acme.example
            messaging:
              caps:
                - {channel: email, max: 3, per: 7d}
                - {channel: any, max: 5, per: 1d}
              global_control: 5%
              salt: acme
              quiet_hours: "21:00-08:00"

            """
        ])
        #expect(errors(definitions) == [])
        let messaging = definitions.messaging
        #expect(messaging.publicURL == "https://strata.acme.example")
        #expect(
            messaging.caps == [
                Messaging.Cap(channel: "email", max: 3, per: 7 * 86_400_000),
                Messaging.Cap(channel: "any", max: 5, per: 86_400_000),
            ])
        #expect(messaging.globalControl == 500)
        #expect(messaging.salt == "acme")
        #expect(messaging.quietHours == Messaging.QuietHours(start: 21 * 60, end: 8 * 60))
    }

    static let invalid: [(String, String, String)] = [
        (
            "activations/a.yaml", "segment: cart-abandoner\non: enter\nsteps:\n  - destination: crm\n",
            "activations/a.yaml:1:10: error: unknown segment `cart-abandoner`; did you mean `cart-abandoners`?"
        ),
        (
            "activations/a.yaml", "segment: cart-abandoners\non: enter\nsteps:\n  - destination: crn\n",
            "activations/a.yaml:4:18: error: unknown destination `crn`: expected destinations/crn.yaml; did you mean `crm`?"
        ),
        (
            "activations/a.yaml",
            "segment: cart-abandoners\non: enter\nsteps:\n  - destination: crm\n    template: cart-recovry\n",
            "activations/a.yaml:5:15: error: unknown template `cart-recovry`: expected templates/cart-recovry.mustache; did you mean `cart-recovery`?"
        ),
        (
            "activations/a.yaml", "segment: cart-abandoners\non: entr\nsteps:\n  - destination: crm\n",
            "activations/a.yaml:2:5: error: expected `on` to be one of enter, exit, found `entr`; did you mean `enter`?"
        ),
        (
            "activations/a.yaml",
            "segment: cart-abandoners\non: enter\nsteps:\n  - destination: crm\n    when: trait.mrr +\n",
            "activations/a.yaml:5:22: error: expected a value, found end of input"
        ),
        (
            "activations/a.yaml",
            "segment: cart-abandoners\non: enter\nsteps:\n  - destination: crm\n    when: trait.mrr + 1\n",
            "activations/a.yaml:5:11: error: a step's `when` must be a condition (bool), found a number"
        ),
        (
            "activations/a.yaml", "segment: cart-abandoners\non: enter\nholdout: 120%\nsteps:\n  - destination: crm\n",
            "activations/a.yaml:3:10: error: expected `holdout` to be a percentage from 0% to 100% in steps of 0.01%, such as 10% or 2.5%, found `120%`"
        ),
        (
            "activations/a.yaml",
            "segment: cart-abandoners\non: enter\nsteps:\n  - after: 1 hour\n    destination: crm\n",
            "activations/a.yaml:4:12: error: expected `after` to be a duration such as 30s, 5m, 1h or 7d, found `1 hour`"
        ),
        (
            "activations/a.yaml",
            "segment: cart-abandoners\non: enter\nsteps:\n  - destination: crm\n    variants:\n      a: {weight: 60}\n      b: {weight: 30}\n",
            "activations/a.yaml:6:7: error: the variants' weights sum to 90, not 100"
        ),
        (
            "destinations/hook.yaml", "kind: webhook\nurl: http://127.0.0.1/x\nsecret: ${MISSING_SECRET}\n",
            "destinations/hook.yaml:3:9: error: the environment variable `MISSING_SECRET` that `secret` reads is not set in the environment of this process"
        ),
        (
            "destinations/hook.yaml", "kind: webhook\nurl: ftp://example.com/x\n",
            "destinations/hook.yaml:2:6: error: expected `url` to be an http:// or https:// URL with a host"
        ),
        (
            "destinations/hook.yaml", "kind: webhook\nurl: http://127.0.0.1/x\nsecret: plain\n",
            "destinations/hook.yaml:3:9: error: expected `secret` to be a Standard Webhooks secret: `whsec_` and base64"
        ),
        (
            "destinations/hook.yaml", "kind: webbook\nurl: http://127.0.0.1/x\n",
            "destinations/hook.yaml:1:7: error: expected `kind` to be one of webhook, smtp, file, segment, found `webbook`; did you mean `webhook`?"
        ),
        (
            "destinations/out.yaml", "kind: file\npath: ../outside.jsonl\n",
            "destinations/out.yaml:2:7: error: expected `path` to stay inside the workspace (no leading `/`, no `..`)"
        ),
        (
            "templates/broken.mustache", "---\nsubject: Hi\n---\nline one\n{{#items}}{{name}}\n",
            "templates/broken.mustache:5:1: error: section `items` is not closed: expected `{{/items}}`"
        ),
        (
            "templates/broken.mustache", "Hello {{profile.id\n",
            "templates/broken.mustache:1:7: error: this tag is not closed: expected `}}`"
        ),
        (
            "templates/broken.mustache", "{{#a}}x{{/b}}",
            "templates/broken.mustache:1:8: error: `{{/b}}` closes `a`: expected `{{/a}}`"
        ),
        (
            "strata.yaml", "name: x\nmessaging:\n  quiet_hours: \"21:00-25:00\"\n",
            "strata.yaml:3:16: error: expected `quiet_hours` to be two different times HH:MM-HH:MM such as \"21:00-08:00\", found `21:00-25:00`"
        ),
        (
            "strata.yaml", "name: x\nmessaging:\n  caps:\n    - {channel: email, max: 3}\n",
            "strata.yaml:4:7: error: a cap needs `per`"
        ),
    ]

    @Test("activation file errors name the place", arguments: invalid)
    func invalidFile(path: String, text: String, expected: String) {
        #expect(errors(load([path: text])) == [expected])
    }

    @Test func aMisspelledKeyIsNamedAndTheMissingOneToo() {
        let text = "segment: cart-abandoners\non: enter\nstep:\n  - destination: crm\n"
        #expect(
            errors(load(["activations/a.yaml": text])) == [
                "activations/a.yaml:1:1: error: an activation needs `steps`",
                "activations/a.yaml:3:1: error: unknown key `step` in an activation; did you mean `steps`?",
            ])
    }

    @Test func secretValuesNeverAppearInDiagnostics() {
        let definitions = load(
            ["destinations/hook.yaml": "kind: webhook\nurl: ${HOOK_URL}\nsecret: ${HOOK_SECRET}\n"],
            environment: ["HOOK_URL": "ftp://token-abc123@x", "HOOK_SECRET": "whsec_c2VjcmV0"])
        let text = definitions.diagnostics.map(\.description).joined(separator: "\n")
        #expect(text.contains("expected `url` to be an http:// or https:// URL"))
        #expect(!text.contains("token-abc123"))
    }

    @Test func emailIsCheckedForWhatSendingNeeds() {
        let email = "kind: smtp\nhost: mail.acme.example\nfrom: growth@acme.example\n"
        let step = "segment: cart-abandoners\non: enter\nsteps:\n  - destination: email\n"
        let noSubject = "Hello {{profile.id}}\n"
        #expect(
            errors(load(["destinations/email.yaml": email, "activations/a.yaml": step])) == [
                "activations/a.yaml:4:18: error: an email step needs `template`: a template with `subject:` in its front matter",
                "activations/a.yaml:4:18: error: marketing email needs `public_url` in strata.yaml: every message carries an unsubscribe link to it",
            ])
        #expect(
            errors(
                load([
                    "destinations/email.yaml": email, "templates/plain.mustache": noSubject,
                    "activations/a.yaml": "category: transactional\n" + step + "    template: plain\n",
                ])) == [
                    "activations/a.yaml:5:18: error: template `plain` is sent by email, so it needs `subject:` in its front matter"
                ])
        #expect(
            errors(load(["destinations/email.yaml": "kind: smtp\nhost: h\nfrom: Growth <growth@>\n"])) == [
                "destinations/email.yaml:3:7: error: expected `from` to be an email address, `name@domain` or `Name <name@domain>`"
            ])
        #expect(
            errors(load(["destinations/email.yaml": email + "tls: none\nusername: u\ntrack_engagement: true\n"])) == [
                "destinations/email.yaml:5:11: error: AUTH over `tls: none` would send the password in clear: use `tls: starttls` or `implicit`",
                "destinations/email.yaml:6:19: error: `track_engagement` needs `public_url` in strata.yaml: the links lead to it",
            ])
    }
}
