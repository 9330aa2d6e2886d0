import Foundation
import StrataDashboard

extension Dashboard {
    /// The signer and the renderer, made on first use: the signer's secret is read from (or written to)
    /// ``SessionSecret/fileName`` beside the workspace's database.
    actor Parts {
        private let secretURL: URL
        private var made: (signer: SessionSigner, renderer: Renderer)?

        init(secretURL: URL) {
            self.secretURL = secretURL
        }

        func get() throws -> (signer: SessionSigner, renderer: Renderer) {
            if let made { return made }
            let parts = (SessionSigner(secret: try SessionSecret.load(at: secretURL)), try Renderer())
            made = parts
            return parts
        }
    }
}
