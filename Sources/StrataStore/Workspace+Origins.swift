import Yams

extension Workspace {
    /// Reads `cors_origins`: a list of web origins, each `http://` or `https://`, a host and an optional
    /// port, nothing after. They come back as browsers send them in `Origin`: lowercased, without a
    /// default port (`https://Shop.example:443` is `https://shop.example`).
    static func parseOrigins(_ value: Node, file: String) throws(WorkspaceError) -> [String] {
        guard let items = value.sequence else {
            throw WorkspaceError(
                "\(file):\(value.mark?.description ?? "1:1"): `cors_origins` must be a list of origins such as [https://shop.example]"
            )
        }
        var origins: [String] = []
        for item in items {
            guard let text = item.string, let origin = origin(text) else {
                throw WorkspaceError(
                    "\(file):\(item.mark?.description ?? "1:1"): expected an origin such as https://shop.example (scheme, host and optional port, no path), found `\(item.string ?? "a \(item.tag.description)")`"
                )
            }
            if !origins.contains(origin) { origins.append(origin) }
        }
        return origins
    }

    /// The origin a text names, in the form browsers send; nil when it is not an http or https origin
    /// with an ASCII host name or IPv4 address.
    static func origin(_ text: String) -> String? {
        let lowered = text.lowercased()
        let scheme = ["http", "https"].first { lowered.hasPrefix($0 + "://") }
        guard let scheme else { return nil }
        let authority = lowered.dropFirst(scheme.count + 3)
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { return nil }
        guard parts.count == 2 else { return "\(scheme)://\(host)" }
        guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(parts[1]), (1...65535).contains(port)
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }
}
