import Foundation
import Testing

@testable import StrataDashboard

@Suite("SVG charts")
struct ChartTests {
    @Test("a sparkline spreads its values across the width, 0 at the bottom and the largest at the top")
    func sparkline() {
        // 100 by 20, one pixel in: x from 1 to 99 in steps of 49, y from 19 (0) to 1 (10).
        let svg = Sparkline(values: [0, 5, 10], label: "a & b", width: 100, height: 20).svg
        #expect(
            svg
                == "<svg class=\"sparkline\" width=\"100\" height=\"20\" viewBox=\"0 0 100 20\" role=\"img\" "
                + "aria-label=\"a &amp; b\"><polyline fill=\"none\" points=\"1,19 50,10 99,1\"/></svg>")
    }

    @Test("a flat or single-valued sparkline lies on the bottom, or in the middle when it has one value")
    func degenerateSparklines() {
        #expect(Sparkline(values: [0, 0], label: "", width: 100, height: 20).svg.contains("points=\"1,19 99,19\""))
        #expect(Sparkline(values: [3], label: "", width: 100, height: 20).svg.contains("points=\"50,1\""))
        #expect(Sparkline(values: [1, 2, 4], label: "", width: 10, height: 10).svg.contains("points=\"1,7 5,5 9,1\""))
    }

    @Test(
        "the vertical axis ends at 1, 2 or 5 times a power of ten",
        arguments: [
            (0, 1), (1, 1), (3, 5), (7, 10), (45, 50), (101, 200), (1000, 1000), (1001, 2000),
        ] as [(Int, Int)])
    func roundMaximum(value: Int, expected: Int) {
        #expect(LineChart.roundMaximum(value) == expected)
    }

    @Test("a line chart places its points, ticks and labels in the plot inside the margins")
    func lineChart() {
        // The plot: x from 56 to 624 (640 less 56 and 16), y from 12 to 192 (220 less 12 and 28); the
        // axis ends at 50, so 30 sits at 192 - 180 * 0.6 = 84 and 45 at 192 - 180 * 0.9 = 30.
        let chart = LineChart(
            points: [
                .init(label: "06-29", value: 0), .init(label: "06-30", value: 30), .init(label: "07-01", value: 45),
            ],
            title: "sizes")
        let svg = chart.svg
        #expect(svg.contains("points=\"56,192 340,84 624,30\""))
        #expect(
            svg.contains(
                "<text class=\"tick\" x=\"50\" y=\"102\" text-anchor=\"end\" dominant-baseline=\"middle\">25</text>"))
        #expect(
            svg.contains(
                "<text class=\"tick\" x=\"50\" y=\"12\" text-anchor=\"end\" dominant-baseline=\"middle\">50</text>"))
        #expect(svg.contains("<text class=\"tick\" x=\"340\" y=\"210\" text-anchor=\"middle\">06-30</text>"))
        #expect(svg.contains("<text class=\"tick\" x=\"56\" y=\"210\" text-anchor=\"start\">06-29</text>"))
        #expect(svg.contains("<text class=\"tick\" x=\"624\" y=\"210\" text-anchor=\"end\">07-01</text>"))
        #expect(svg.contains("<circle class=\"dot\" cx=\"624\" cy=\"30\" r=\"2.5\"><title>07-01: 45</title></circle>"))
        #expect(svg.hasPrefix("<svg class=\"chart\" viewBox=\"0 0 640 220\" role=\"img\" aria-label=\"sizes\">"))
    }

    @Test("a series chart draws a line per series, breaks it where a value is missing, and names each in a legend")
    func seriesChart() {
        // The plot: x from 56 to 624, y from 12 (100%) to 192 (0%); 50% sits at 102 and 25% at 147. The
        // legend's first row is 28 below the plot plus half of its 18: 192 + 28 + 9 = 229.
        let chart = SeriesChart(
            labels: ["day 1", "day 7"],
            series: [.init(name: "a", values: [0.5, 0.25]), .init(name: "b & c", values: [1, nil])],
            title: "retention", scale: .proportion)
        let svg = chart.svg
        #expect(chart.height == 256)
        #expect(
            svg.hasPrefix("<svg class=\"chart series\" viewBox=\"0 0 640 256\" role=\"img\" aria-label=\"retention\">"))
        #expect(
            svg.contains("<polyline fill=\"none\" stroke=\"#0b4f9c\" stroke-width=\"2\" points=\"56,102 624,147\"/>"))
        // b has one value: a marker, no line; its second series style is dashed with squares.
        #expect(svg.components(separatedBy: "<polyline").count == 2)
        #expect(
            svg.contains(
                "<rect x=\"53\" y=\"9\" width=\"6\" height=\"6\" fill=\"#a33b00\"><title>b &amp; c, day 1: 100.0%</title></rect>"
            ))
        #expect(
            svg.contains(
                "<text class=\"tick\" x=\"50\" y=\"102\" text-anchor=\"end\" dominant-baseline=\"middle\">50%</text>"))
        #expect(
            svg.contains(
                "<line x1=\"56\" y1=\"229\" x2=\"84\" y2=\"229\" stroke=\"#0b4f9c\" stroke-width=\"2\"/>"))
        #expect(svg.contains("<text class=\"legend\" x=\"92\" y=\"247\" dominant-baseline=\"middle\">b &amp; c</text>"))
        // Counts: the axis ends at the round maximum above the largest, 7 of 10 sits at 192 - 126 = 66.
        let counts = SeriesChart(
            labels: ["x", "y"], series: [.init(name: "sent", values: [7, 0])], title: "n", scale: .count
        ).svg
        #expect(counts.contains("points=\"56,66 624,192\""))
        #expect(counts.contains("dominant-baseline=\"middle\">10</text>"))
        // An axis up to 1 has no middle tick: there is no half a delivery.
        let one = SeriesChart(labels: ["x"], series: [.init(name: "sent", values: [1])], title: "n", scale: .count).svg
        #expect(one.components(separatedBy: "text-anchor=\"end\" dominant-baseline=\"middle\">").count - 1 == 2)
    }

    @Test("a bar chart draws bars as long as their values against the largest, and writes the values out")
    func barChart() {
        // 640 wide less 90 for labels and 270 for the text: 280 for the longest bar, so 40 of 100 is 112.
        let chart = BarChart(
            bars: [
                .init(label: "step 1", value: 100, note: ""),
                .init(label: "step 2", value: 40, note: "40.0% of step 1"),
            ],
            title: "funnel")
        let svg = chart.svg
        #expect(chart.height == 60)
        #expect(
            svg.contains(
                "<rect class=\"bar\" x=\"90\" y=\"7\" width=\"280\" height=\"18\"><title>step 1: 100</title></rect>"))
        #expect(svg.contains("<rect class=\"bar\" x=\"90\" y=\"35\" width=\"112\" height=\"18\">"))
        #expect(
            svg.contains(
                "<text class=\"value\" x=\"208\" y=\"44\" dominant-baseline=\"middle\">40 (40.0% of step 1)</text>"))
        #expect(
            svg.contains(
                "<text class=\"tick\" x=\"82\" y=\"16\" text-anchor=\"end\" dominant-baseline=\"middle\">step 1</text>")
        )
    }

    @Test("sizes are counted back from the size now by each interval's entries and exits, never below 0")
    func history() {
        // 10 now; 3 entered in the last interval, so 7 before it; 2 in and 1 out before that, so 6.
        #expect(History.sizes(current: 10, entered: [0, 2, 3], exited: [0, 1, 0]) == [6, 7, 10])
        #expect(History.sizes(current: 1, entered: [0, 5], exited: [0, 0]) == [0, 1])
        #expect(History.sizes(current: 4, entered: [], exited: []) == [])
    }

    @Test(
        "coordinates keep at most two decimals and no trailing zeros",
        arguments: [
            (1.0, "1"), (2.5, "2.5"), (1 / 3, "0.33"), (2 / 3, "0.67"), (-0.5, "-0.5"), (10.104, "10.1"), (0.0, "0"),
        ] as [(Double, String)])
    func numbers(value: Double, expected: String) {
        #expect(Plot.number(value) == expected)
    }
}
