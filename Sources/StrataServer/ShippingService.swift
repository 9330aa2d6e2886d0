import ServiceLifecycle
import StrataRuntime

/// Runs the background shipper to ClickHouse (``StrataRuntime/ClickHouseShipping``) as one of the
/// server's services, until the server stops.
struct ShippingService: Service {
    let shipping: ClickHouseShipping

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await shipping.run()
        }
    }
}
