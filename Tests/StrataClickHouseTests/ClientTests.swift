import AsyncHTTPClient
import Testing

@testable import StrataClickHouse

/// The HTTP configuration every ClickHouse statement goes through.
@Suite struct ClientTests {
    /// A node that refuses fails the statement at once, and a statement may run as long as its
    /// `timeout_seconds` deadline: no read timeout cuts it short after 90 s of silence, as the shared
    /// configuration does (a 10M-event catalog on a 2-shard cluster has statements that long).
    @Test func aStatementRunsUntilItsOwnDeadlineAndARefusalFailsAtOnce() {
        let configuration = Client.httpConfiguration
        #expect(configuration.timeout.read == nil)
        #expect(configuration.connectionPool.retryConnectionEstablishment == false)
    }
}
