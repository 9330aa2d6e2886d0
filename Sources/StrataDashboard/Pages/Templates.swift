/// The dashboard's Mustache templates, compiled into the binary. `{{x}}` escapes for HTML; `{{{x}}}`
/// takes markup the library drew itself (charts, the page inside the layout).
enum Templates {
    /// Every template by name.
    static let all: [String: String] = [
        "layout": layout, "sign-in": signIn, "error": error, "overview": overview, "segment": segment,
        "profile": profile, "activations": activations, "activation": activation, "report": report,
        "report-result": reportResult, "report-table": reportTable, "count-table": countTable,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Strata</title>
        <link rel="stylesheet" href="/dashboard/style.css">
        <link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
        {{#live}}<script src="/dashboard/live.js" defer></script>{{/live}}
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
        <nav aria-label="Dashboard"><a class="brand" href="/">Strata</a>{{#visitor}} <a href="/">Segments</a> <a href="/activations">Activations</a> <a href="/reports/retention">Retention</a> <a href="/reports/overlap">Overlap</a> <a href="/reports/funnel">Funnel</a>{{/visitor}}</nav>
        {{#visitor}}
        <form class="sign-out" method="post" action="/logout">
        <span>Signed in with the {{kind}} key {{prefix}}…</span>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign out</button>
        </form>
        {{/visitor}}
        </header>
        <main id="main" tabindex="-1">
        {{{body}}}
        </main>
        </body>
        </html>

        """

    static let signIn = """
        <h1>Sign in</h1>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        <form method="post" action="/login" class="sign-in">
        <label for="key">Admin or viewer key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign in</button>
        </form>
        <p class="hint">Create a key with <code>strata keys create --kind viewer</code>.</p>

        """

    static let error = """
        <h1>{{status}} {{reason}}</h1>
        <p role="alert">{{message}}</p>
        <p><a href="/">Back to the segments</a></p>

        """

    static let overview = """
        <h1>Segments</h1>
        <p class="meta" data-trends="{{#trendsAsOf}}made{{/trendsAsOf}}{{#trendsMaking}}making{{/trendsMaking}}{{#trendsFailed}}failed{{/trendsFailed}}">{{count}} segments · sizes current to <time>{{currentTo}}</time> · {{#trendsAsOf}}entries and exits since <time>{{todayStart}}</time>; last 30 days, entries, exits and health as of <time>{{trendsAsOf}}</time>{{/trendsAsOf}}{{#trendsMaking}}the last 30 days, today's entries and exits and the health flags are being computed: reload in a moment{{/trendsMaking}}{{#trendsFailed}}the last 30 days, today's entries and exits and the health flags could not be computed: {{trendsFailed}}{{/trendsFailed}}</p>
        <table class="segments">
        <caption class="visually-hidden">Every segment; choose a column heading to sort by it</caption>
        <thead><tr>
        {{#headers}}<th scope="col"{{#ariaSort}} aria-sort="{{ariaSort}}"{{/ariaSort}}{{#numeric}} class="number"{{/numeric}}>{{#href}}<a href="{{href}}">{{label}}{{#marker}} <span aria-hidden="true">{{marker}}</span>{{/marker}}</a>{{/href}}{{^href}}{{label}}{{/href}}</th>{{/headers}}
        </tr></thead>
        <tbody>
        {{#rows}}
        <tr data-segment="{{name}}">
        <th scope="row"><a href="/segments/{{name}}">{{name}}</a></th>
        <td>{{title}}</td>
        <td>{{owner}}</td>
        <td>{{refresh}}</td>
        <td class="number" data-field="size">{{size}}</td>
        <td class="number" data-field="share">{{share}}</td>
        <td>{{{sparkline}}}</td>
        <td class="number" data-field="entered">{{entered}}</td>
        <td class="number" data-field="exited">{{exited}}</td>
        <td>{{#trendsKnown}}{{#flags}}<span class="flag" title="{{message}}">⚠ {{code}}</span> {{/flags}}{{^flags}}<span class="ok">ok</span>{{/flags}}{{/trendsKnown}}{{^trendsKnown}}–{{/trendsKnown}}{{#error}}<span class="flag">⚠ {{error}}</span>{{/error}}</td>
        </tr>
        {{/rows}}
        </tbody>
        </table>

        """

    static let segment = """
        <p class="crumbs"><a href="/">Segments</a> › {{name}}</p>
        <h1>{{name}}{{#title}}: {{title}}{{/title}}</h1>
        {{#description}}<p>{{description}}</p>{{/description}}
        <dl class="facts">
        <dt>Size</dt><dd data-field="size">{{size}}</dd>
        <dt>Share of its population</dt><dd data-field="share">{{share}}</dd>
        <dt>Of</dt><dd>{{of}}</dd>
        <dt>Refresh</dt><dd>{{refresh}}</dd>
        <dt>Owner</dt><dd>{{owner}}{{^owner}}none{{/owner}}</dd>
        </dl>
        <section aria-labelledby="size-heading">
        <h2 id="size-heading">Size over the last 30 days</h2>
        {{#chart}}{{{.}}}
        <details><summary>The sizes as a table</summary>
        <table class="compact"><thead><tr><th scope="col">Day</th><th scope="col" class="number">Size</th></tr></thead>
        <tbody>{{#points}}<tr><td>{{label}}</td><td class="number">{{value}}</td></tr>{{/points}}</tbody></table>
        </details>{{/chart}}
        {{#sizesNote}}<p class="pending" data-pending="sizes">{{.}}</p>{{/sizesNote}}
        </section>
        <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <form method="get" action="/segments/{{name}}" class="search" role="search">
        <label for="q">Profile id contains</label>
        <input id="q" name="q" type="search" value="{{members.query}}">
        <button type="submit">Search</button>
        <a href="/segments/{{name}}/members.csv">Download every member as CSV</a>
        </form>
        <p class="meta" data-field="matching">{{members.matching}} matching, page {{members.page}} of {{members.pages}}</p>
        <ul class="members">{{#members.ids}}<li><a href="{{href}}">{{id}}</a></li>{{/members.ids}}</ul>
        <nav aria-label="Member pages" class="pages">{{#members.previous}}<a rel="prev" href="{{members.previous}}">Previous page</a>{{/members.previous}} {{#members.next}}<a rel="next" href="{{members.next}}">Next page</a>{{/members.next}}</nav>
        </section>
        <section aria-labelledby="changes-heading">
        <h2 id="changes-heading">Recent changes</h2>
        <p class="meta" id="live-status" aria-live="polite">Newest first.</p>
        <table class="compact" id="changes" data-segment="{{name}}"{{#newestChange}} data-after="{{newestChange}}"{{/newestChange}}>
        <thead><tr><th scope="col">Instant</th><th scope="col">Profile</th><th scope="col">Change</th><th scope="col">Cause</th></tr></thead>
        <tbody>{{#changes}}<tr><td><time>{{instant}}</time></td><td><a href="{{href}}">{{profile}}</a></td><td>{{direction}}</td><td>{{cause}}</td></tr>{{/changes}}</tbody>
        </table>
        {{^changes}}<p>No recorded changes yet.</p>{{/changes}}
        </section>
        <section aria-labelledby="activations-heading">
        <h2 id="activations-heading">Activations wired to it</h2>
        <ul>{{#activations}}<li><a href="{{href}}">{{name}}</a>: on {{trigger}}, {{steps}}; deliveries today: {{deliveries}}</li>{{/activations}}</ul>
        {{^activations}}<p>None.</p>{{/activations}}
        </section>
        <section aria-labelledby="retention-heading" id="retention">
        <h2 id="retention-heading">Retention against the baseline</h2>
        {{#retention.report}}{{> report-result}}<p class="meta"><a href="{{href}}">The retention report of {{name}}</a>, to change its days or instant.</p>{{/retention.report}}
        {{#retention.message}}<p>No retention: {{retention.message}}</p>{{/retention.message}}
        </section>
        <section aria-labelledby="overlap-heading" id="overlap">
        <h2 id="overlap-heading">Overlap with the other segments</h2>
        {{#overlap.report}}{{#table}}{{> report-table}}{{/table}}<p class="meta"><a href="{{href}}">The overlap report of these segments</a>, as a matrix.</p>{{/overlap.report}}
        {{#overlap.message}}<p>No overlap: {{overlap.message}}</p>{{/overlap.message}}
        </section>
        <section aria-labelledby="definition-heading">
        <h2 id="definition-heading">Definition</h2>
        {{#diagnostics}}<p class="warning">⚠ {{.}}</p>{{/diagnostics}}
        <pre><code>{{source}}</code></pre>
        </section>

        """

    static let profile = """
        <p class="crumbs"><a href="/">Segments</a> › profile</p>
        <h1>Profile {{id}}</h1>
        <dl class="facts">
        {{#facts}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/facts}}
        </dl>
        <section aria-labelledby="segments-heading">
        <h2 id="segments-heading">Segments</h2>
        {{#segments}}
        <details class="explained"><summary><a href="{{href}}">{{segment}}</a>: why</summary>
        <pre>{{explanation}}</pre>
        </details>
        {{/segments}}
        {{^segments}}<p>In no segment.</p>{{/segments}}
        </section>
        {{#groups}}
        <section>
        <h2>{{title}}</h2>
        {{#listed}}<dl class="facts">{{#entries}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/entries}}</dl>{{/listed}}
        {{^listed}}<p>None.</p>{{/listed}}
        </section>
        {{/groups}}
        <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Recent events</h2>
        <table class="compact"><thead><tr><th scope="col">Instant</th><th scope="col">Event</th><th scope="col">Properties</th></tr></thead>
        <tbody>{{#events}}<tr><td><time>{{instant}}</time></td><td>{{name}}</td><td><code>{{properties}}</code></td></tr>{{/events}}</tbody></table>
        {{^events}}<p>None.</p>{{/events}}
        </section>
        <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        {{#delivered}}
        <table class="compact"><thead><tr><th scope="col">Due</th><th scope="col">Activation</th><th scope="col" class="number">Step</th><th scope="col">Status</th></tr></thead>
        <tbody>{{#deliveries}}<tr><td><time>{{due}}</time></td><td>{{activation}}</td><td class="number">{{step}}</td><td>{{status}}</td></tr>{{/deliveries}}</tbody></table>
        {{/delivered}}
        {{^delivered}}<p>None.</p>{{/delivered}}
        </section>

        """

    static let activations = """
        <h1>Activations</h1>
        <p class="meta">Deliveries counted since <time>{{since}}</time>.</p>
        <table class="activations">
        <thead><tr><th scope="col">Activation</th><th scope="col">Segment</th><th scope="col">On</th><th scope="col">Category</th><th scope="col" class="number">Priority</th><th scope="col" class="number">Holdout</th><th scope="col" class="number">Rollout</th><th scope="col">Steps</th><th scope="col">Deliveries today</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr id="{{name}}" data-activation="{{name}}"><th scope="row"><a href="{{href}}">{{name}}</a>{{#title}}<br><span class="meta">{{title}}</span>{{/title}}</th><td><a href="{{segmentHref}}">{{segment}}</a></td><td>{{trigger}}</td><td>{{category}}</td><td class="number">{{priority}}</td><td class="number">{{holdout}}</td><td class="number">{{rollout}}</td><td>{{steps}}</td><td data-field="deliveries">{{deliveries}}</td></tr>
        {{/rows}}
        </tbody>
        </table>
        {{^rows}}<p>No activations: a file in <code>activations/</code> wires a segment to a destination.</p>{{/rows}}

        """

    static let report = """
        <h1>{{title}}</h1>
        <form method="get" action="/reports/{{kind}}" class="report">
        {{#fields}}<p><label for="{{id}}">{{label}}</label> <input id="{{id}}" name="{{name}}" value="{{value}}" aria-describedby="{{id}}-hint"> <span class="hint" id="{{id}}-hint">{{hint}}</span></p>
        {{/fields}}
        <button type="submit">Show</button>
        </form>
        {{#ran}}
        {{> report-result}}
        <p class="meta">Proportions are shaded from light (0%) to dark (100%) and written out; the charts draw the table's numbers.</p>
        {{/ran}}
        {{^ran}}<p>Fill in the form to run the report; the URL keeps its parameters, to share the view.</p>{{/ran}}

        """

    /// A report's charts and table, inside a ``ReportPage``.
    static let reportResult = """
        {{#charts}}<figure class="chart">{{{svg}}}</figure>
        {{/charts}}{{#table}}{{> report-table}}{{/table}}
        """

    /// A report's table, inside a ``ReportTableView``.
    static let reportTable = """
        <table class="report">
        <thead><tr>{{#columns}}<th scope="col">{{.}}</th>{{/columns}}</tr></thead>
        <tbody>{{#rows}}<tr>{{#cells}}<td{{#style}} class="{{style}}"{{/style}}>{{text}}</td>{{/cells}}</tr>{{/rows}}</tbody>
        </table>
        """

    /// Counts by status, inside an ``ActivationPage/CountTable``.
    static let countTable = """
        <table class="compact counts">
        <thead><tr><th scope="col">{{heading}}</th>{{#statuses}}<th scope="col" class="number">{{.}}</th>{{/statuses}}</tr></thead>
        <tbody>{{#rows}}<tr><th scope="row">{{label}}</th>{{#cells}}<td class="number">{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody>
        </table>
        """

    static let activation = """
        <p class="crumbs"><a href="/activations">Activations</a> › {{name}}</p>
        {{#row}}
        <h1>{{name}}{{#title}}: {{title}}{{/title}}</h1>
        <section aria-labelledby="steps-heading">
        <h2 id="steps-heading">What it does</h2>
        <dl class="facts">
        <dt>Segment</dt><dd><a href="{{segmentHref}}">{{segment}}</a></dd>
        <dt>On</dt><dd>{{trigger}}</dd>
        <dt>Category</dt><dd>{{category}}</dd>
        <dt>Priority</dt><dd>{{priority}}</dd>
        <dt>Holdout</dt><dd>{{holdout}}</dd>
        <dt>Rollout</dt><dd>{{rollout}}</dd>
        {{/row}}
        {{#facts}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/facts}}
        </dl>
        </section>
        <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries by status</h2>
        <p class="meta">By the day they are due; today's include those due later today or after. Capped by the workspace's caps: <span data-field="capped">{{capped}}</span> over these days, <span data-field="capped-today">{{cappedToday}}</span> today.</p>
        {{#chart}}{{{.}}}
        <details><summary>The deliveries as a table</summary>
        {{#days}}{{> count-table}}{{/days}}
        </details>{{/chart}}
        {{^chart}}<p>No delivery was due on these days.</p>{{/chart}}
        </section>
        <section aria-labelledby="lift-heading">
        <h2 id="lift-heading">Lift against the holdout</h2>
        {{#lift}}{{> report-table}}<p class="meta">Treated (sent) against control (held out and global control) among its first step's triggers, each rate with its 95% Wilson interval, the difference with Newcombe's interval and the two-proportion test's p-value, as <code>GET /api/v1/reports/lift?activation={{name}}</code> answers; none below 30 profiles in a group.</p>{{/lift}}
        {{#liftMessage}}<p>No lift: {{liftMessage}}</p>{{/liftMessage}}
        </section>
        <section aria-labelledby="simulation-heading">
        <h2 id="simulation-heading">Simulate over the stored history</h2>
        {{#simulation}}
        <form method="get" action="/activations/{{name}}#simulation-heading" class="report">
        <p><label for="from">From</label> <input id="from" name="from" value="{{from}}" required aria-describedby="from-hint"> <span class="hint" id="from-hint">an instant or a date: memberships as of it are the start</span></p>
        <p><label for="to">To</label> <input id="to" name="to" value="{{to}}" required aria-describedby="to-hint"> <span class="hint" id="to-hint">an instant or a date</span></p>
        <button type="submit">Simulate</button>
        </form>
        {{#ran}}
        <p data-field="simulation">{{summary}}</p>
        {{#byStatus}}{{> count-table}}{{/byStatus}}
        {{#byDay}}<h3>By day</h3>{{> count-table}}{{/byDay}}
        {{#byVariant}}<h3>By variant</h3>{{> count-table}}{{/byVariant}}
        <p class="meta">As <code>strata activations simulate</code> replays it, with the same decisions (caps shared with the other activations, control, holdout, rollout, variants, quiet hours, reentry); nothing was sent or written.</p>
        {{/ran}}
        {{^ran}}<p>Give a window to replay: what the activation would have sent, and why not. It reads the whole history, so it takes a while on a large workspace.</p>{{/ran}}
        {{/simulation}}
        </section>

        """
}
