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
