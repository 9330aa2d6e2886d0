/// The dashboard's stylesheet and its one script, compiled into the binary.
public enum Assets {
    /// The stylesheet. Text, links and flags keep a contrast of at least 7:1 with their backgrounds,
    /// and a flag carries a sign and a word besides its colour.
    public static let stylesheet = """
        :root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --link: #0b4f9c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #fff; }
        header { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
          padding: .5rem 1.5rem; border-bottom: 1px solid var(--line); background: #f4f6f8; }
        header nav a { margin-right: 1rem; }
        .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
        main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
        main:focus { outline: none; }
        a { color: var(--link); }
        a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible {
          outline: 3px solid #1a1a1a; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .25rem .5rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
        thead th { background: #f4f6f8; }
        .number { text-align: right; font-variant-numeric: tabular-nums; }
        .meta, .hint, .crumbs { color: var(--muted); }
        .flag { display: inline-block; padding: 0 .4rem; border: 1px solid #7a4a00; border-radius: 3px;
          background: #fff3cd; color: #5c3800; font-size: 13px; }
        .ok { color: #1d5e20; }
        .error, .warning { color: #8a1c1c; }
        .sparkline polyline { stroke: #0b4f9c; stroke-width: 1.5; }
        .chart { width: 100%; max-width: 640px; height: auto; }
        .chart .line { stroke: #0b4f9c; stroke-width: 2; }
        .chart .dot { fill: #0b4f9c; }
        .chart .grid { stroke: #d8d8d8; }
        .chart .tick { font-size: 11px; fill: var(--muted); }
        .chart .bar { fill: #0b4f9c; }
        .chart .value, .chart .legend { font-size: 12px; fill: var(--ink); }
        figure.chart { margin: .5rem 0 1rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { font-weight: 600; }
        dl.facts dd { margin: 0; }
        pre { background: #f4f6f8; padding: .75rem; overflow: auto; border: 1px solid var(--line); }
        ul.members { columns: 3 16rem; }
        form.sign-in { display: grid; gap: .5rem; max-width: 28rem; }
        input, button { font: inherit; padding: .3rem .5rem; }
        form.report label { display: inline-block; min-width: 6rem; font-weight: 600; }
        .heat-0 { background: #f5f8fc; } .heat-1 { background: #e3ecf7; } .heat-2 { background: #cfdff1; }
        .heat-3 { background: #b7cfe9; } .heat-4 { background: #9dbde0; } .heat-5 { background: #5f93cc; }
        .heat-6 { background: #3f79b8; color: #fff; } .heat-7 { background: #2a62a0; color: #fff; }
        .heat-8 { background: #1b4d86; color: #fff; } .heat-9 { background: #0e3a6b; color: #fff; }
        button { cursor: pointer; }

        """

    /// The icon browsers show in a tab: a stack of three layers.
    public static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="2" width="14" height="3" fill="#0b4f9c"/>\
        <rect x="1" y="6.5" width="14" height="3" fill="#3a78c2"/><rect x="1" y="11" width="14" height="3" fill="#8fb3e0"/></svg>

        """

    /// The script of a segment's page: appends the segment's membership changes as they happen, from
    /// the dashboard's change feed. The page reads the same without it.
    public static let liveScript = """
        "use strict";
        (function () {
          const table = document.getElementById("changes");
          if (!table || !window.EventSource) return;
          const status = document.getElementById("live-status");
          const body = table.tBodies[0];
          const after = table.dataset.after ? "&after=" + table.dataset.after : "";
          const source = new EventSource(
            "/dashboard/changes?segment=" + encodeURIComponent(table.dataset.segment) + after);
          source.addEventListener("open", function () { status.textContent = "Newest first; live."; });
          source.addEventListener("error", function () { status.textContent = "Newest first; reconnecting."; });
          source.addEventListener("change", function (event) {
            const change = JSON.parse(event.data);
            const row = body.insertRow(0);
            const direction = change.direction === "enter" ? "entered" : "exited";
            const cells = [change.instant, change.profile, direction, change.cause];
            cells.forEach(function (text, index) {
              const cell = row.insertCell();
              if (index === 1) {
                const link = document.createElement("a");
                link.href = "/profiles/" + encodeURIComponent(text);
                link.textContent = text;
                cell.appendChild(link);
              } else {
                cell.textContent = text;
              }
            });
            while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
          });
        })();

        """
}
