/// A small line of a series drawn as SVG, its values from 0 at the bottom to the largest at the top,
/// one pixel in from every edge so that the stroke is not cut.
public struct Sparkline: Sendable {
    /// The values, oldest first.
    public var values: [Int]
    /// The drawing's width in pixels.
    public var width: Double
    /// The drawing's height in pixels.
    public var height: Double
    /// What the line shows, read out by screen readers.
    public var label: String

    /// A sparkline of values, 120 by 24 pixels by default.
    public init(values: [Int], label: String, width: Double = 120, height: Double = 24) {
        self.values = values
        self.width = width
        self.height = height
        self.label = label
    }

    /// The SVG element.
    public var svg: String {
        let plot = Plot(
            left: 1, top: 1, width: width - 2, height: height - 2, maximum: Double(values.max() ?? 0),
            count: values.count)
        let size = "width=\"\(Plot.number(width))\" height=\"\(Plot.number(height))\""
        return "<svg class=\"sparkline\" \(size) viewBox=\"0 0 \(Plot.number(width)) \(Plot.number(height))\" "
            + "role=\"img\" aria-label=\"\(HTML.escape(label))\"><polyline fill=\"none\" "
            + "points=\"\(plot.points(values.map(Double.init)))\"/></svg>"
    }
}
