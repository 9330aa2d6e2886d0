import Foundation

/// A rectangle of an SVG drawing that values are placed in: indexes spread evenly from left to right,
/// values from 0 at the bottom to ``maximum`` at the top.
struct Plot: Sendable {
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    /// The value drawn at the top (0 draws every value at the bottom).
    var maximum: Double
    /// How many values are spread across the width (one is drawn in the middle).
    var count: Int

    /// The horizontal position of the value at an index.
    func x(_ index: Int) -> Double {
        count > 1 ? left + width * Double(index) / Double(count - 1) : left + width / 2
    }

    /// The vertical position of a value.
    func y(_ value: Double) -> Double {
        maximum > 0 ? top + height * (1 - value / maximum) : top + height
    }

    /// The `points` of an SVG polyline through the values.
    func points(_ values: [Double]) -> String {
        values.enumerated().map { "\(Self.number(x($0.offset))),\(Self.number(y($0.element)))" }.joined(
            separator: " ")
    }

    /// A horizontal grid line at a value, labelled on the left of the plot.
    func gridLine(at value: Double, label: String) -> String {
        let y = Self.number(self.y(value))
        return "<line class=\"grid\" x1=\"\(Self.number(left))\" y1=\"\(y)\" x2=\"\(Self.number(left + width))\" "
            + "y2=\"\(y)\"/><text class=\"tick\" x=\"\(Self.number(left - 6))\" y=\"\(y)\" "
            + "text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(label))</text>"
    }

    /// A label below the plot under the value at an index; the first and last keep inside the drawing.
    func label(_ text: String, at index: Int) -> String {
        let anchor =
            switch index {
            case _ where count == 1: "middle"
            case 0: "start"
            case count - 1: "end"
            default: "middle"
            }
        return "<text class=\"tick\" x=\"\(Self.number(x(index)))\" y=\"\(Self.number(top + height + 18))\" "
            + "text-anchor=\"\(anchor)\">\(HTML.escape(text))</text>"
    }

    /// A coordinate with at most two decimals, without trailing zeros.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
