/// Decodes one JSON document that holds a message or a batch (`{"batch": [...]}`).
public enum MessageDocument {
    /// The fate of one message of a document.
    public struct Item: Sendable {
        /// The position in the batch (0 for a single message).
        public var index: Int
        /// The decoded message, or why it was refused.
        public var result: Result<Message, MessageError>
        /// The message's own JSON text, kept for quarantine.
        public var raw: [UInt8]
    }

    /// Decodes every message of a document. Invalid JSON yields a single refused item holding the raw bytes.
    public static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, receivedAt: Int64, defaultKind: Message.Kind? = nil
    ) -> [Item] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            let refusal = MessageError(.invalidJSON, error.description)
            return [Item(index: 0, result: .failure(refusal), raw: Array(bytes))]
        }
        let wholeFits = bytes.count <= Message.maxBytes
        if case .object(let object) = value, case .array(let items)? = object["batch"] {
            var batchFields = object
            batchFields["batch"] = nil
            return items.enumerated().map { index, item in
                var raw: [UInt8] = []
                JSONWriter.write(item, into: &raw)
                return Item(
                    index: index,
                    result: decodeOne(item, size: wholeFits ? 0 : raw.count, receivedAt, defaultKind, batchFields),
                    raw: raw)
            }
        }
        return [
            Item(
                index: 0, result: decodeOne(value, size: bytes.count, receivedAt, defaultKind, [:]), raw: Array(bytes))
        ]
    }

    private static func decodeOne(
        _ value: JSONValue, size: Int, _ receivedAt: Int64, _ defaultKind: Message.Kind?,
        _ batch: [String: JSONValue]
    ) -> Result<Message, MessageError> {
        if size > Message.maxBytes {
            return .failure(
                MessageError(.tooLarge, "message is \(size) bytes, over the limit of \(Message.maxBytes) bytes"))
        }
        do {
            return .success(
                try Message.decode(value, receivedAt: receivedAt, defaultKind: defaultKind, batch: batch))
        } catch {
            return .failure(error)
        }
    }
}
