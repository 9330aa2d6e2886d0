extension Generator {
    /// The JSONL of a contiguous range of users, in user order.
    public struct Chunk: Sendable {
        /// The users it covers.
        public let users: Range<Int>
        /// The number of messages (lines).
        public let messages: Int
        /// The bytes: one JSON object and a newline per message.
        public let bytes: [UInt8]

        /// A chunk.
        public init(users: Range<Int>, messages: Int, bytes: [UInt8]) {
            self.users = users
            self.messages = messages
            self.bytes = bytes
        }
    }

    /// Totals of a run.
    public struct Summary: Sendable, Equatable {
        /// Users generated.
        public var users: Int
        /// Messages written.
        public var messages: Int
        /// Bytes written.
        public var bytes: Int

        /// A summary.
        public init(users: Int = 0, messages: Int = 0, bytes: Int = 0) {
            self.users = users
            self.messages = messages
            self.bytes = bytes
        }
    }
}
