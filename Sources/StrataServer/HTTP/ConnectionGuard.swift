import HTTPTypes
import NIOCore
import NIOHTTPTypes
import StrataStore

/// Bounds one connection of the server: when as many as the server keeps are open already, it takes
/// the place of one that waits for a request or is slow in a body, or is closed as it opens when none
/// can give its place (``OpenConnections``); later it is closed when it waits too long for a request
/// (`idle_timeout`), for the rest of a request's head once its first byte came (`header_timeout`), or
/// for the rest of a request's body (`body_timeout`). Each closing is counted in `strata_limited_total`.
///
/// It sits after the HTTP decoder, so it sees requests as parts; a read that brought bytes but no
/// part yet is the start of a head.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: Workspace.Config.ServerLimits
    private let open: OpenConnections
    private let metrics: Metrics
    /// Whether this connection is among the open ones counted.
    private var counted = false
    /// Its ticket among the waiting connections while it waits for a request.
    private var ticket: Int?
    /// Its ticket among the connections in a body, once a read ended in a body.
    private var bodyTicket: Int?
    /// When the head of the request whose body is being read ended, and the bytes of the body so far.
    private var body: (since: NIODeadline, bytes: Int)?
    /// Whether another connection took its place (it is being closed, and no longer counted).
    private var evicted = false
    /// Whether a request's head has come and its end not yet.
    private var readingBody = false
    /// Whether bytes of a request's head have come and the head not yet.
    private var readingHead = false
    /// The requests read and not yet answered.
    private var unanswered = 0
    /// The timer of what the connection waits for, and which limit that is.
    private var timer: (limit: Metrics.Limit, task: Scheduled<Void>)?

    init(limits: Workspace.Config.ServerLimits, open: OpenConnections, metrics: Metrics) {
        self.limits = limits
        self.open = open
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWaiting()
        leaveBody()
        if counted { open.closed(evicted: evicted) }
        counted = false
        stopTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head) where head.method == .connect:
            refuseTunnel(context)
            return
        case .head:
            readingHead = false
            readingBody = true
            body = (.now(), 0)
            unanswered += 1
        case .body(let bytes):
            body?.bytes += bytes.readableBytes
        case .end:
            readingBody = false
            body = nil
            leaveBody()
        }
        wait(context)
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let body, !evicted {
            // The body goes on past this read: its connection can give its place if it comes slowly.
            if let bodyTicket {
                open.received(bodyTicket, bytes: body.bytes)
            } else {
                bodyTicket = open.inBody(context.channel, since: body.since, bytes: body.bytes)
            }
        }
        if !readingBody && !readingHead && unanswered == 0 {
            readingHead = true
            wait(context)
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered -= 1
            wait(context)
        }
        context.write(data, promise: promise)
    }

    /// Answers CONNECT, which asks for a tunnel Strata does not offer, with 405 and closes the
    /// connection. Past a CONNECT head the HTTP decoder reads tunnel bytes, not requests, and the
    /// encoder sends an answer to CONNECT without a length or a body, so only the closing ends it.
    private func refuseTunnel(_ context: ChannelHandlerContext) {
        var head = HTTPResponse(status: .methodNotAllowed)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Counts the connection, closing the one it replaces, or closes it.
    private func opened(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        switch open.open(now: .now()) {
        case .admitted:
            break
        case .replacing(let other):
            metrics.recordLimited(.connections)
            other.close(promise: nil)
        case .refused:
            metrics.recordLimited(.connections)
            context.close(promise: nil)
            return
        }
        counted = true
        wait(context)
    }

    /// Starts the timer of what the connection waits for now, unless it runs already: a body, the rest
    /// of a head, or a request (none while an answer is being written).
    private func wait(_ context: ChannelHandlerContext) {
        let (limit, timeout): (Metrics.Limit, Duration)
        if readingBody {
            stopWaiting()
            (limit, timeout) = (.bodyTimeout, limits.bodyTimeout)
        } else if unanswered > 0 {
            stopWaiting()
            stopTimer()
            return
        } else if readingHead {
            (limit, timeout) = (.headerTimeout, limits.headerTimeout)
        } else {
            (limit, timeout) = (.idleTimeout, limits.idleTimeout)
        }
        if limit != .bodyTimeout && ticket == nil && !evicted { ticket = open.waiting(context.channel) }
        guard timer?.limit != limit else { return }
        stopTimer()
        let metrics = metrics
        let task = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            metrics.recordLimited(limit)
            context.close(promise: nil)
        }
        timer = (limit, task)
    }

    /// Takes the connection out of the waiting ones (noting when another took its place meanwhile).
    private func stopWaiting() {
        guard let ticket else { return }
        if !open.settled(ticket) { evicted = true }
        self.ticket = nil
    }

    /// Takes the connection out of the ones in a body (noting when another took its place meanwhile).
    private func leaveBody() {
        guard let bodyTicket else { return }
        if !open.settled(bodyTicket) { evicted = true }
        self.bodyTicket = nil
    }

    private func stopTimer() {
        timer?.task.cancel()
        timer = nil
    }
}
