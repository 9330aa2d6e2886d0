import Foundation
import StrataCore
import Yams

/// Loading `activations/`, `destinations/`, `templates/` and the messaging rules of `strata.yaml`.
/// Destinations and templates load first, so an activation's references to them are checked.
extension DefinitionLoader {
    static let activationKeys = [
        "title", "segment", "on", "category", "priority", "reentry", "holdout", "rollout", "goal",
        "conversion_window", "steps",
    ]
    static let stepKeys = ["after", "destination", "template", "variants", "when"]
    static let variantKeys = ["weight", "template"]
    static let messagingKeys = ["caps", "global_control", "salt", "quiet_hours"]
    static let capKeys = ["channel", "max", "per"]

    /// Loads everything activations need, after the segments are known.
    mutating func loadActivationFiles() {
        messaging = loadMessaging()
        var templateTexts: [String: (file: String, text: String)] = [:]
        var htmlTexts: [String: (file: String, text: String)] = [:]
        var activationDocuments: [(String, YAMLDocument)] = []
        var destinationDocuments: [(String, YAMLDocument)] = []
        for path in files.files.keys.sorted() {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let (folder, fileName) = (String(parts[0]), String(parts[1]))
            let text = files.files[path] ?? ""
            if folder == DefinitionFiles.templatesFolder {
                if fileName.hasSuffix(".html.mustache") {
                    htmlTexts[String(fileName.dropLast(".html.mustache".count))] = (path, text)
                } else if fileName.hasSuffix(".mustache") {
                    templateTexts[String(fileName.dropLast(".mustache".count))] = (path, text)
                }
                continue
            }
            guard DefinitionFiles.activationFolders.contains(folder),
                fileName.hasSuffix(".yaml") || fileName.hasSuffix(".yml")
            else { continue }
            let stem = String(fileName.prefix(upTo: fileName.lastIndex(of: ".") ?? fileName.endIndex))
            let kind = folder == "activations" ? "activation" : "destination"
            guard requireKebabCase(stem, kind: kind, path: path) else { continue }
            let document = YAMLDocument(path: path, text: text)
            diagnostics.append(contentsOf: document.diagnostics)
            if folder == "activations" {
                activationDocuments.append((stem, document))
            } else {
                destinationDocuments.append((stem, document))
            }
        }
        for (name, html) in htmlTexts where templateTexts[name] == nil {
            diagnostics.append(
                Diagnostic(
                    .error, .unknownTemplate,
                    "an HTML body needs its text body beside it: templates/\(name).mustache", file: html.file,
                    at: SourceRange(at: .start)))
        }
        for (name, body) in templateTexts.sorted(by: { $0.key < $1.key }) {
            loadTemplate(name, body, html: htmlTexts[name])
        }
        destinationNames = Set(destinationDocuments.map(\.0))
        for (name, document) in destinationDocuments { loadDestination(name, document) }
        for (name, document) in activationDocuments { loadActivation(name, document) }
    }

    // MARK: Messaging

    /// The `public_url` and `messaging` keys of `strata.yaml` (the rest belongs to the workspace).
    mutating func loadMessaging() -> Messaging {
        var messaging = Messaging()
        guard let settings = files.files["strata.yaml"] else { return messaging }
        let document = YAMLDocument(path: "strata.yaml", text: settings)
        guard document.diagnostics.isEmpty, case .mapping(let root)? = document.root else { return messaging }
        if let value = root["public_url"], let address = url((Node("public_url"), value), "public_url", in: document) {
            messaging.publicURL = address.reveal()
        }
        guard let node = root["messaging"],
            let messagingFields = fields(
                of: node, in: document, allowed: DefinitionLoader.messagingKeys, what: "`messaging`")
        else { return messaging }
        messaging.globalControl = percentage(messagingFields["global_control"], "global_control", in: document) ?? 0
        messaging.salt = text(messagingFields["salt"], "salt", in: document)
        if let field = messagingFields["quiet_hours"], let value = text(field, "quiet_hours", in: document) {
            messaging.quietHours = Self.quietHours(value)
            if messaging.quietHours == nil {
                diagnostics.append(
                    document.error(
                        .invalidValue,
                        "expected `quiet_hours` to be two different times HH:MM-HH:MM such as \"21:00-08:00\", found `\(value)`",
                        at: field.value))
            }
        }
        if let field = messagingFields["caps"] {
            guard case .sequence(let items) = field.value else {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `caps` to be a list of {channel, max, per} entries", at: field.value))
                return messaging
            }
            for item in items {
                guard let cap = fields(of: item, in: document, allowed: DefinitionLoader.capKeys, what: "a cap") else {
                    continue
                }
                let channel = text(cap["channel"], "channel", in: document)
                let max = wholeNumber(cap["max"], "max", in: 0...1_000_000, in: document)
                let per = duration(cap["per"], "per", in: document)
                for key in DefinitionLoader.capKeys where cap[key] == nil {
                    diagnostics.append(document.error(.missingKey, "a cap needs `\(key)`", at: item))
                }
                if let channel, let max, let per {
                    if per == 0 {
                        diagnostics.append(
                            document.error(.invalidValue, "a cap's `per` must be longer than 0s", at: cap["per"]?.value)
                        )
                    } else {
                        messaging.caps.append(Messaging.Cap(channel: channel, max: max, per: per))
                    }
                }
            }
        }
        return messaging
    }

    /// `HH:MM-HH:MM` as minutes after midnight; nil when malformed or empty.
    static func quietHours(_ text: String) -> Messaging.QuietHours? {
        func minutes(_ part: Substring) -> Int? {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let hours = Int(pieces[0]),
                let minutes = Int(pieces[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
            else { return nil }
            return hours * 60 + minutes
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else {
            return nil
        }
        return Messaging.QuietHours(start: start, end: end)
    }

    // MARK: Templates

    /// A template: optional front matter between two `---` lines (`subject:`), then the body.
    mutating func loadTemplate(
        _ name: String, _ body: (file: String, text: String), html: (file: String, text: String)?
    ) {
        guard requireKebabCase(name, kind: "template", path: body.file) else { return }
        let errorsBefore = errorCount
        var text = body.text
        var subject: String?
        var bodyLine = 1
        if text.hasPrefix("---\n") || text.hasPrefix("---\r\n") {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard let close = lines.dropFirst().firstIndex(where: { $0 == "---" || $0 == "---\r" }) else {
                diagnostics.append(
                    Diagnostic(
                        .error, .yaml, "the front matter opened by `---` is not closed by a line `---`",
                        file: body.file, at: SourceRange(at: .start)))
                return
            }
            // The front matter keeps its line numbers: blank lines stand in for the opening `---`.
            let front = "\n" + lines[1..<close].joined(separator: "\n")
            let document = YAMLDocument(path: body.file, text: front)
            diagnostics.append(contentsOf: document.diagnostics)
            if document.diagnostics.isEmpty, let root = document.root, !root.isNull,
                let fields = fields(of: root, in: document, allowed: ["subject"], what: "a template's front matter")
            {
                subject = self.text(fields["subject"], "subject", in: document)
                if let subject, let field = fields["subject"] {
                    checkMustache(subject, file: body.file, startLine: document.location(of: field.value).line)
                }
            }
            text = lines[(close + 1)...].joined(separator: "\n")
            bodyLine = close + 2
        }
        checkMustache(text, file: body.file, startLine: bodyLine)
        if let html { checkMustache(html.text, file: html.file, startLine: 1) }
        guard errorCount == errorsBefore else { return }
        templates.append(Template(name: name, file: body.file, subject: subject, text: text, html: html?.text))
    }

    /// Reports a Mustache syntax error at its place in the file (the text starts at `startLine`).
    mutating func checkMustache(_ text: String, file: String, startLine: Int) {
        guard let problem = MustacheSyntax.check(text) else { return }
        let location = SourceLocation(line: startLine + problem.line - 1, column: problem.column, offset: 0)
        diagnostics.append(
            Diagnostic(.error, .templateSyntax, problem.message, file: file, at: SourceRange(at: location)))
    }

    // MARK: Destinations

    static let destinationKinds = ["webhook", "smtp", "file", "segment"]
    static let destinationKeys: [String: [String]] = [
        "webhook": ["url", "secret", "timeout", "concurrency", "rate", "retries", "headers", "body"],
        "smtp": [
            "host", "port", "tls", "username", "password", "from", "to", "track_engagement", "ca_file", "timeout",
        ],
        "file": ["path"],
        "segment": ["url", "write_key"],
    ]

    mutating func loadDestination(_ name: String, _ document: YAMLDocument) {
        guard document.diagnostics.isEmpty else { return }
        let errorsBefore = errorCount
        guard case .mapping(let mapping)? = document.root else {
            diagnostics.append(
                document.error(.invalidValue, "expected a destination: a mapping with `kind`", at: document.root))
            return
        }
        guard let kindNode = mapping["kind"] else {
            diagnostics.append(
                document.error(
                    .missingKey, "a destination needs `kind`: one of \(Self.destinationKinds.joined(separator: ", "))",
                    at: document.root))
            return
        }
        guard let kind = choice((Node("kind"), kindNode), "kind", Self.destinationKinds, in: document),
            let allowed = Self.destinationKeys[kind],
            let fields = fields(
                of: document.root, in: document, allowed: ["kind", "channel"] + allowed, what: "a \(kind) destination")
        else { return }
        let channel = text(fields["channel"], "channel", in: document) ?? Destination.defaultChannel(of: kind)
        func required(_ key: String) -> (key: Node, value: Node)? {
            if let field = fields[key] { return field }
            diagnostics.append(document.error(.missingKey, "a \(kind) destination needs `\(key)`", at: document.root))
            return nil
        }
        var destination: Destination.Kind?
        switch kind {
        case "webhook":
            let endpoint = url(required("url"), "url", in: document)
            let signingSecret = secret(fields["secret"], "secret", in: document)
            if let signingSecret,
                !signingSecret.reveal().hasPrefix("whsec_")
                    || Data(base64Encoded: String(signingSecret.reveal().dropFirst(6))) == nil
            {
                diagnostics.append(
                    document.error(
                        .invalidValue, "expected `secret` to be a Standard Webhooks secret: `whsec_` and base64",
                        at: fields["secret"]?.value))
            }
            let timeout = duration(fields["timeout"], "timeout", in: document) ?? 15_000
            let concurrency = wholeNumber(fields["concurrency"], "concurrency", in: 1...256, in: document) ?? 8
            let rate = rateValue(fields["rate"], in: document) ?? 200
            let retries = retryList(fields["retries"], in: document) ?? Destination.Webhook.defaultRetries
            var headers: [(name: String, value: Secret)] = []
            if let field = fields["headers"] {
                if case .mapping(let pairs) = field.value {
                    for (key, value) in pairs {
                        if let header = key.string, let headerValue = secret((key, value), header, in: document) {
                            headers.append((header, headerValue))
                        }
                    }
                } else {
                    diagnostics.append(
                        document.error(
                            .invalidValue, "expected `headers` to be a mapping of names to values", at: field.value))
                }
            }
            let body = text(fields["body"], "body", in: document).flatMap { $0 == "default" ? nil : $0 }
            if let body { requireTemplate(body, at: fields["body"]?.value, in: document) }
            if let endpoint {
                destination = .webhook(
                    Destination.Webhook(
                        url: endpoint, secret: signingSecret, timeout: timeout, concurrency: concurrency, rate: rate,
                        retries: retries, headers: headers, body: body))
            }
        case "smtp":
            let host = secret(required("host"), "host", in: document)
            let port = wholeNumber(fields["port"], "port", in: 1...65_535, in: document) ?? 587
            let tls =
                choice(fields["tls"], "tls", Destination.SMTP.Security.allCases.map(\.rawValue), in: document)
                .flatMap(Destination.SMTP.Security.init) ?? .starttls
            let username = secret(fields["username"], "username", in: document)
            let password = secret(fields["password"], "password", in: document)
            var from: MailAddress?
            if let field = required("from"), let text = text(field, "from", in: document) {
                from = MailAddress(text)
                if from == nil {
                    diagnostics.append(
                        document.error(
                            .invalidValue,
                            "expected `from` to be an email address, `name@domain` or `Name <name@domain>`",
                            at: field.value))
                }
            }
            let to = text(fields["to"], "to", in: document) ?? "{{profile.traits.email}}"
            if let field = fields["to"], let problem = MustacheSyntax.check(to) {
                diagnostics.append(document.error(.templateSyntax, problem.message, at: field.value))
            }
            let track = boolean(fields["track_engagement"], "track_engagement", in: document) ?? false
            if track, messaging.publicURL == nil, let field = fields["track_engagement"] {
                diagnostics.append(
                    document.error(
                        .missingKey, "`track_engagement` needs `public_url` in strata.yaml: the links lead to it",
                        at: field.value))
            }
            if username != nil, tls == .none, let field = fields["username"] {
                diagnostics.append(
                    document.error(
                        .invalidValue,
                        "AUTH over `tls: none` would send the password in clear: use `tls: starttls` or `implicit`",
                        at: field.value))
            }
            let caFile = text(fields["ca_file"], "ca_file", in: document)
            let timeout = duration(fields["timeout"], "timeout", in: document) ?? 60_000
            if let host, let from {
                destination = .smtp(
                    Destination.SMTP(
                        host: host, port: port, tls: tls, username: username, password: password, from: from, to: to,
                        trackEngagement: track, caFile: caFile, timeout: timeout))
            }
        case "file":
            if let field = required("path"), let path = text(field, "path", in: document) {
                if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
                    diagnostics.append(
                        document.error(
                            .invalidValue, "expected `path` to stay inside the workspace (no leading `/`, no `..`)",
                            at: field.value))
                } else if let problem = MustacheSyntax.check(path) {
                    diagnostics.append(document.error(.templateSyntax, problem.message, at: field.value))
                } else {
                    destination = .file(Destination.File(path: path))
                }
            }
        default:
            let endpoint = url(required("url"), "url", in: document)
            let key = secret(required("write_key"), "write_key", in: document)
            if let endpoint, let key { destination = .segment(Destination.SegmentAPI(url: endpoint, writeKey: key)) }
        }
        guard let destination, errorCount == errorsBefore else { return }
        destinations.append(Destination(name: name, file: document.path, kind: destination, channel: channel))
    }

    /// `rate: 200/s` (or `/m`) as requests per second.
    mutating func rateValue(_ field: (key: Node, value: Node)?, in document: YAMLDocument) -> Double? {
        guard let field, let value = text(field, "rate", in: document) else { return nil }
        let parts = value.split(separator: "/")
        if parts.count == 2, let count = Double(parts[0]), count > 0, ["s", "m"].contains(parts[1]) {
            return parts[1] == "s" ? count : count / 60
        }
        diagnostics.append(
            document.error(
                .invalidValue,
                "expected `rate` to be requests per second or minute such as 200/s or 600/m, found `\(value)`",
                at: field.value))
        return nil
    }

    /// `retries: [0s, 5s, 5m]`: the delays before each retry.
    mutating func retryList(_ field: (key: Node, value: Node)?, in document: YAMLDocument) -> [Int64]? {
        guard let field else { return nil }
        guard case .sequence(let items) = field.value, items.count <= 100 else {
            diagnostics.append(
                document.error(
                    .invalidValue, "expected `retries` to be a list of at most 100 durations such as [0s, 5s, 5m]",
                    at: field.value))
            return nil
        }
        var delays: [Int64] = []
        for item in items {
            if let delay = duration((field.key, item), "retries", in: document) { delays.append(delay) }
        }
        return delays.count == items.count ? delays : nil
    }

    /// Reports a template name that no template file defines.
    mutating func requireTemplate(_ name: String, at node: Node?, in document: YAMLDocument) {
        guard !templates.contains(where: { $0.name == name }) else { return }
        let names = templates.map(\.name)
        diagnostics.append(
            document.error(
                .unknownTemplate, "unknown template `\(name)`: expected templates/\(name).mustache", at: node,
                suggestion: Suggestion.nearest(to: name, in: names)))
    }
}
