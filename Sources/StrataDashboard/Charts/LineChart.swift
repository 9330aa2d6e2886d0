/// A line chart of a series drawn as SVG: a vertical axis from 0 to a round maximum with three
/// labelled ticks, the first, middle and last labels along the bottom, and a dot on every value.
public struct LineChart: Sendable {
    /// A value and its label along the bottom.
    public struct Point: Sendable, Equatable {
        public var label: String
        public var value: Int

        /// A point from its label and value.
        public init(label: String, value: Int) {
            self.label = label
            self.value = value
        }
    }

    /// The values, in order.
    public var points: [Point]
    /// What the chart shows (its accessible name).
    public var title: String
    /// The drawing's size in pixels.
    public var width: Double = 640
    /// See ``width``.
    public var height: Double = 220

    /// The margins of the plot inside the drawing: room for the labels.
    static let margin = (left: 56.0, right: 16.0, top: 12.0, bottom: 28.0)

    /// A chart of points with a title.
    public init(points: [Point], title: String) {
        self.points = points
        self.title = title
    }

    /// The top of the vertical axis: 1, 2 or 5 times a power of ten, at least the largest value.
    public static func roundMaximum(_ value: Int) -> Int {
        guard value > 0 else { return 1 }
        var power = 1
        while true {
            for step in [1, 2, 5] where step * power >= value { return step * power }
            power *= 10
        }
    }

    var plot: Plot {
        let margin = Self.margin
        return Plot(
            left: margin.left, top: margin.top, width: width - margin.left - margin.right,
            height: height - margin.top - margin.bottom,
            maximum: Double(Self.roundMaximum(points.map(\.value).max() ?? 0)), count: points.count)
    }

    /// The SVG element.
    public var svg: String {
        let plot = self.plot
        let maximum = Int(plot.maximum)
        var parts = [
            "<svg class=\"chart\" viewBox=\"0 0 \(Plot.number(width)) \(Plot.number(height))\" role=\"img\" "
                + "aria-label=\"\(HTML.escape(title))\">"
        ]
        for tick in [0, maximum / 2, maximum] { parts.append(plot.gridLine(at: Double(tick), label: "\(tick)")) }
        for index in Set([0, points.count / 2, points.count - 1].filter { $0 >= 0 }).sorted() {
            parts.append(plot.label(points[index].label, at: index))
        }
        parts.append(
            "<polyline class=\"line\" fill=\"none\" points=\"\(plot.points(points.map { Double($0.value) }))\"/>")
        for (index, point) in points.enumerated() {
            parts.append(
                "<circle class=\"dot\" cx=\"\(Plot.number(plot.x(index)))\" cy=\"\(Plot.number(plot.y(Double(point.value))))\" "
                    + "r=\"2.5\"><title>\(HTML.escape(point.label)): \(point.value)</title></circle>")
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
