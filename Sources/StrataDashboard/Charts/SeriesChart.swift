/// Several series over the same labels drawn as SVG lines, each with its own colour, dash pattern and
/// marker so that colour is not the only way to tell them apart, and a legend naming them. A missing
/// value breaks its line. The vertical axis runs from 0 to 100% for proportions, or from 0 to a round
/// maximum for counts (``LineChart/roundMaximum(_:)``), with labelled ticks at 0, the middle (for
/// counts, when it is a whole number) and the top.
public struct SeriesChart: Sendable {
    /// One line: its name in the legend and its value at each label (nil where it has none).
    public struct Series: Sendable, Equatable {
        public var name: String
        public var values: [Double?]

        /// A series from its name and values.
        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// What the values are, which sets the axis and how values are written.
    public enum Scale: Sendable {
        /// Fractions from 0 to 1, written as percentages.
        case proportion
        /// Whole numbers.
        case count
    }

    /// How the series are told apart, in order: a stroke colour (each at least 3:1 against white, as
    /// WCAG asks of graphics), a dash pattern and a marker shape.
    static let styles: [(colour: String, dash: String?, marker: Marker)] = [
        ("#0b4f9c", nil, .circle), ("#a33b00", "6 3", .square), ("#1d5e20", "2 3", .diamond),
        ("#6b2c91", "8 3 2 3", .circle), ("#4a4a4a", "4 4", .square), ("#8a1c1c", "1 2", .diamond),
    ]

    enum Marker: Sendable {
        case circle, square, diamond

        func svg(x: Double, y: Double, colour: String, title: String) -> String {
            let shape =
                switch self {
                case .circle:
                    "<circle cx=\"\(Plot.number(x))\" cy=\"\(Plot.number(y))\" r=\"3\""
                case .square:
                    "<rect x=\"\(Plot.number(x - 3))\" y=\"\(Plot.number(y - 3))\" width=\"6\" height=\"6\""
                case .diamond:
                    "<polygon points=\"\(Plot.number(x)),\(Plot.number(y - 4)) \(Plot.number(x + 4)),\(Plot.number(y)) "
                        + "\(Plot.number(x)),\(Plot.number(y + 4)) \(Plot.number(x - 4)),\(Plot.number(y))\""
                }
            return shape + " fill=\"\(colour)\"><title>\(HTML.escape(title))</title></\(tag)>"
        }

        private var tag: String {
            switch self {
            case .circle: "circle"
            case .square: "rect"
            case .diamond: "polygon"
            }
        }
    }

    /// The labels along the bottom, in order.
    public var labels: [String]
    /// The lines.
    public var series: [Series]
    /// What the chart shows (its accessible name).
    public var title: String
    /// What the values are.
    public var scale: Scale
    /// The drawing's width in pixels.
    public var width: Double = 640
    /// The plot's height in pixels; the legend adds a row of 18 pixels per series below it.
    public var plotHeight: Double = 180

    /// A chart of series over labels.
    public init(labels: [String], series: [Series], title: String, scale: Scale) {
        self.labels = labels
        self.series = series
        self.title = title
        self.scale = scale
    }

    /// The drawing's height: the plot, the labels along the bottom, and the legend.
    public var height: Double {
        LineChart.margin.top + plotHeight + LineChart.margin.bottom + 18 * Double(series.count)
    }

    var plot: Plot {
        let margin = LineChart.margin
        let largest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let maximum =
            switch scale {
            case .proportion: 1.0
            case .count: Double(LineChart.roundMaximum(Int(largest.rounded(.up))))
            }
        return Plot(
            left: margin.left, top: margin.top, width: width - margin.left - margin.right, height: plotHeight,
            maximum: maximum, count: labels.count)
    }

    /// A value as the ticks and markers write it: a percentage with one decimal, or a whole number.
    func text(_ value: Double) -> String {
        switch scale {
        case .proportion: Format.percent(Int((value * 1000).rounded()), of: 1000)
        case .count: String(Int(value.rounded()))
        }
    }

    /// The SVG element.
    public var svg: String {
        let plot = self.plot
        let bottom = plot.top + plot.height
        var parts = [
            "<svg class=\"chart series\" viewBox=\"0 0 \(Plot.number(width)) \(Plot.number(height))\" role=\"img\" "
                + "aria-label=\"\(HTML.escape(title))\">"
        ]
        // The middle tick only where it is a value of the scale: not half a delivery.
        let half = plot.maximum / 2
        let ticks = scale == .count && half != half.rounded() ? [0, plot.maximum] : [0, half, plot.maximum]
        for tick in ticks {
            parts.append(
                plot.gridLine(at: tick, label: scale == .proportion ? "\(Int((tick * 100).rounded()))%" : text(tick)))
        }
        // Every label when there are few, else the first, middle and last.
        let shown = labels.count <= 8 ? Set(labels.indices) : Set([0, labels.count / 2, labels.count - 1])
        for index in shown.sorted() { parts.append(plot.label(labels[index], at: index)) }
        for (number, line) in series.enumerated() {
            let style = Self.styles[number % Self.styles.count]
            let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            // A run of consecutive values is one polyline; a missing value ends it.
            var run: [(Int, Double)] = []
            func flush() {
                if run.count > 1 {
                    let points = run.map { "\(Plot.number(plot.x($0.0))),\(Plot.number(plot.y($0.1)))" }
                    parts.append(
                        "<polyline fill=\"none\" stroke=\"\(style.colour)\" stroke-width=\"2\"\(dash) "
                            + "points=\"\(points.joined(separator: " "))\"/>")
                }
                run = []
            }
            for (index, value) in line.values.enumerated() {
                guard let value, index < labels.count else {
                    flush()
                    continue
                }
                run.append((index, value))
            }
            flush()
            for (index, value) in line.values.enumerated() where index < labels.count {
                guard let value else { continue }
                parts.append(
                    style.marker.svg(
                        x: plot.x(index), y: plot.y(value), colour: style.colour,
                        title: "\(line.name), \(labels[index]): \(text(value))"))
            }
            let y = bottom + LineChart.margin.bottom + 18 * Double(number) + 9
            let x = plot.left
            parts.append(
                "<line x1=\"\(Plot.number(x))\" y1=\"\(Plot.number(y))\" x2=\"\(Plot.number(x + 28))\" "
                    + "y2=\"\(Plot.number(y))\" stroke=\"\(style.colour)\" stroke-width=\"2\"\(dash)/>"
                    + style.marker.svg(x: x + 14, y: y, colour: style.colour, title: line.name)
                    + "<text class=\"legend\" x=\"\(Plot.number(x + 36))\" y=\"\(Plot.number(y))\" "
                    + "dominant-baseline=\"middle\">\(HTML.escape(line.name))</text>")
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
