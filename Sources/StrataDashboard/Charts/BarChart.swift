/// Horizontal bars drawn as SVG, one row per bar: its label on the left, a bar as long as its value
/// against the largest, and the value with a note (a share, say) written after the bar, so the
/// numbers read without the bars.
public struct BarChart: Sendable {
    /// One bar.
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Int
        /// Written after the value, in brackets; none when empty.
        public var note: String

        /// A bar from its parts.
        public init(label: String, value: Int, note: String) {
            self.label = label
            self.value = value
            self.note = note
        }
    }

    /// The bars, top to bottom.
    public var bars: [Bar]
    /// What the chart shows (its accessible name).
    public var title: String
    /// The drawing's width in pixels.
    public var width: Double = 640

    /// The width of the labels' column, the room kept for the text after the longest bar, and a row's height.
    static let layout = (labels: 90.0, text: 270.0, row: 28.0, bar: 18.0)

    /// A chart of bars with a title.
    public init(bars: [Bar], title: String) {
        self.bars = bars
        self.title = title
    }

    /// The drawing's height: a row per bar.
    public var height: Double { Self.layout.row * Double(max(1, bars.count)) + 4 }

    /// The SVG element.
    public var svg: String {
        let layout = Self.layout
        let room = width - layout.labels - layout.text
        let largest = Double(bars.map(\.value).max() ?? 0)
        var parts = [
            "<svg class=\"chart bars\" viewBox=\"0 0 \(Plot.number(width)) \(Plot.number(height))\" role=\"img\" "
                + "aria-label=\"\(HTML.escape(title))\">"
        ]
        for (index, bar) in bars.enumerated() {
            let top = 2 + layout.row * Double(index)
            let middle = Plot.number(top + layout.row / 2)
            let length = largest > 0 ? room * Double(bar.value) / largest : 0
            let text = "\(Format.grouped(bar.value))" + (bar.note.isEmpty ? "" : " (\(bar.note))")
            parts.append(
                "<text class=\"tick\" x=\"\(Plot.number(layout.labels - 8))\" y=\"\(middle)\" text-anchor=\"end\" "
                    + "dominant-baseline=\"middle\">\(HTML.escape(bar.label))</text>"
                    + "<rect class=\"bar\" x=\"\(Plot.number(layout.labels))\" "
                    + "y=\"\(Plot.number(top + (layout.row - layout.bar) / 2))\" width=\"\(Plot.number(length))\" "
                    + "height=\"\(Plot.number(layout.bar))\"><title>\(HTML.escape(bar.label)): \(HTML.escape(text))</title></rect>"
                    + "<text class=\"value\" x=\"\(Plot.number(layout.labels + length + 6))\" y=\"\(middle)\" "
                    + "dominant-baseline=\"middle\">\(HTML.escape(text))</text>")
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
