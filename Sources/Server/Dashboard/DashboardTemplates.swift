import Mustache

/// The dashboard's pages as Mustache templates (swift-mustache), compiled into wf. Every page
/// extends `layout` (template inheritance: `{{<layout}}{{$body}}…{{/body}}{{/layout}}`);
/// values are escaped by Mustache's `{{ }}`; the job graph arrives as numbers, not markup.
enum DashboardTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates { try library.register(text, named: name) }
        return library
    }

    static let templates: [String: String] = [
        "layout": """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{$title}}wf{{/title}}</title><link rel="stylesheet" href="/ui/static/wf.css"></head>
            <body><header><strong><a href="/ui">wf</a></strong><a href="/ui">Runs</a><a href="/ui/datasets">Datasets</a>{{#playground}}<a href="/ui/playground">Playground</a>{{/playground}}<a href="/openapi.json">API</a></header>
            <main>{{$body}}{{/body}}</main><script src="/ui/static/wf.js"></script></body></html>
            """,
        "home": """
            {{<layout}}{{$title}}wf: runs{{/title}}{{$body}}
            <h1>Links</h1>
            {{^links}}<p class="muted">No linked repositories: <code>wf link URL</code> adds one.</p>{{/links}}
            {{#has_links}}<table><tr><th>link</th><th>repository</th><th>heads</th><th>last fetch</th><th>state</th></tr>
            {{#links}}<tr><td><a href="/ui?link={{name}}">{{name}}</a></td><td class="wrap">{{url}}</td><td class="wrap">{{#heads}}<code>{{ref}}</code> {{commit}}<br>{{/heads}}</td><td>{{lastFetch}}</td><td class="wrap">{{#error}}<span class="failed">{{error}}</span>{{/error}}{{^error}}ok{{/error}}</td></tr>
            {{#actions}}<tr><td></td><td colspan="4"><form class="inline" method="post" action="/ui/links/{{name}}/trigger"><input name="commit" placeholder="commit, branch or tag (default: the branch's newest)" aria-label="commit to run {{name}} at"><button>Run workflows</button></form></td></tr>{{/actions}}{{/links}}
            </table>{{/has_links}}
            {{#actionsHint}}<p class="muted">Running, re-running and cancelling from this page need an API key: start <code>wf daemon</code> with <code>--api-key-env NAME</code>.</p>{{/actionsHint}}
            <h2>Queue</h2>
            {{^queue}}<p class="muted">Nothing queued or running.</p>{{/queue}}
            {{#has_queue}}<table id="queue"><tr><th>#</th><th>link</th><th>commit</th><th>workflow</th><th>why</th><th>status</th><th>since</th><th></th></tr>
            {{#queue}}<tr><td>{{id}}</td><td>{{link}}</td><td><code>{{commit}}</code></td><td>{{workflow}}</td><td>{{what}}</td><td class="status {{status}}">{{#run}}<a href="/ui/runs/{{run}}">{{status}}</a>{{/run}}{{^run}}{{status}}{{/run}}</td><td>{{since}}</td><td>{{#actions}}<form class="inline" method="post" action="/ui/queue/{{id}}/cancel"><button>Cancel</button></form>{{/actions}}</td></tr>{{/queue}}
            </table>{{/has_queue}}
            <h2>Runs{{#filter}} of {{filter}}{{/filter}}</h2>
            {{^runs}}<p class="muted">No runs yet.</p>{{/runs}}
            {{#has_runs}}<table><tr><th>run</th><th>workflow</th><th>commit</th><th>status</th><th>started</th><th>took</th></tr>
            {{#runs}}<tr><td><a href="/ui/runs/{{id}}">{{id}}</a></td><td>{{workflow}}</td><td><code>{{commit}}</code></td><td class="status {{status}}">{{status}}</td><td>{{started}}</td><td>{{took}}</td></tr>{{/runs}}
            </table>{{/has_runs}}
            {{#next}}<p><a href="{{next}}">Older runs</a></p>{{/next}}
            {{/body}}{{/layout}}
            """,
        "login": """
            {{<layout}}{{$title}}wf: log in{{/title}}{{$body}}
            <h1>Log in</h1>
            <p>This daemon has an API key. Give it once; the browser then keeps a session cookie (the key itself is not stored).</p>
            {{#wrong}}<p class="failed">That is not the key.</p>{{/wrong}}
            <form class="inline" method="post" action="/ui/login"><input type="hidden" name="next" value="{{next}}">
            <input type="password" name="key" autocomplete="current-password" aria-label="API key" placeholder="API key" required autofocus><button>Log in</button></form>
            {{/body}}{{/layout}}
            """,
        "run": """
            {{<layout}}{{$title}}wf: run {{id}}{{/title}}{{$body}}
            <h1>Run {{id}} <span class="status {{status}}">{{status}}</span></h1>
            <dl><dt>workflow</dt><dd>{{workflow}}</dd><dt>repository</dt><dd>{{repository}}</dd><dt>commit</dt><dd><code>{{commit}}</code></dd>
            {{#link}}<dt>link</dt><dd><a href="/ui?link={{link}}">{{link}}</a></dd>{{/link}}<dt>trigger</dt><dd>{{trigger}}</dd>
            <dt>started</dt><dd>{{started}}</dd><dt>took</dt><dd>{{took}}</dd>{{#settingsDigest}}<dt>settings digest</dt><dd><code>{{settingsDigest}}</code></dd>{{/settingsDigest}}
            {{#rerunOf}}<dt>re-run of</dt><dd><a href="/ui/runs/{{rerunOf}}">{{rerunOf}}</a></dd>{{/rerunOf}}
            {{#summary}}<dt>summary</dt><dd class="failed">{{summary}}</dd>{{/summary}}</dl>
            {{#actions}}{{#running}}<form class="inline" method="post" action="/ui/runs/{{id}}/cancel"><button>Cancel run</button></form>{{/running}}{{#rerunnable}}<form class="inline" method="post" action="/ui/runs/{{id}}/rerun"><button>Re-run all jobs</button></form>{{/rerunnable}}{{/actions}}
            {{#actionsHint}}<p class="muted">Re-run and cancel need an API key: start <code>wf daemon</code> with <code>--api-key-env NAME</code>.</p>{{/actionsHint}}
            <h2>Jobs</h2>
            <div class="graph"><svg width="{{graph.width}}" height="{{graph.height}}" role="img" aria-label="job graph">
            {{#graph.edges}}<path d="M{{x1}} {{y1}} C{{mx}} {{y1}}, {{mx}} {{y2}}, {{x2}} {{y2}}"/>{{/graph.edges}}
            {{#graph.nodes}}<g class="{{status}}"><a href="#job-{{name}}"><rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="6"/><text x="{{tx}}" y="{{ty}}">{{name}}</text><text x="{{tx}}" y="{{sy}}" class="status {{status}}">{{status}}{{#took}} · {{took}}{{/took}}</text></a></g>{{/graph.nodes}}
            </svg></div>
            <table><tr><th>job</th><th>action</th><th>needs</th><th>status</th><th>took</th><th>outputs</th><th></th></tr>
            {{#jobs}}<tr><td><a href="#job-{{name}}">{{name}}</a></td><td>{{action}}</td><td>{{needs}}</td><td class="status {{status}}">{{status}}{{#reusedFrom}}<br><small>reused from <a href="/ui/runs/{{reusedFrom}}">{{reusedFrom}}</a></small>{{/reusedFrom}}{{#ranOn}}<br><small>{{ranOn}}</small>{{/ranOn}}</td><td>{{took}}</td><td class="wrap">{{#outputs}}{{name}}: {{#href}}<a href="{{href}}">{{value}}</a>{{/href}}{{^href}}{{value}}{{/href}}<br>{{/outputs}}</td><td>{{#rerunURL}}<form class="inline" method="post" action="{{rerunURL}}"><button title="re-run this job and the jobs that need it">Re-run</button></form>{{/rerunURL}}</td></tr>{{/jobs}}
            </table>
            {{#jobs}}<h2 id="job-{{name}}">{{name}} <span class="status {{status}}">{{status}}</span></h2>
            {{#detail}}<p class="failed">{{detail}}</p>{{/detail}}
            <pre{{#live}} data-follow="{{logURL}}" data-reload="1"{{/live}}>{{log}}</pre>{{/jobs}}
            {{/body}}{{/layout}}
            """,
        "datasets": """
            {{<layout}}{{$title}}wf: datasets{{/title}}{{$body}}
            <h1>Datasets</h1>
            {{^datasets}}<p class="muted">No datasets yet: a run's dataset outputs, or <code>wf datasets put NAME PATH</code>, make them.</p>{{/datasets}}
            {{#has_datasets}}<table><tr><th>dataset</th><th>versions</th><th>files</th><th>size</th><th>updated</th></tr>
            {{#datasets}}<tr><td><a href="/ui/datasets/{{name}}">{{name}}</a></td><td>{{versions}}</td><td>{{files}}</td><td>{{size}}</td><td>{{updated}}</td></tr>{{/datasets}}
            </table>{{/has_datasets}}
            {{/body}}{{/layout}}
            """,
        "dataset": """
            {{<layout}}{{$title}}wf: {{name}}{{/title}}{{$body}}
            <h1>{{name}}</h1>
            <form action="/ui/datasets/{{name}}/diff" method="get">
            <table><tr><th>from</th><th>to</th><th>#</th><th>version</th><th>created</th><th>message</th><th>size</th><th>commit</th><th>run</th></tr>
            {{#versions}}<tr><td><input type="radio" name="from" value="{{id}}" aria-label="from {{short}}"{{#isFrom}} checked{{/isFrom}}></td><td><input type="radio" name="to" value="{{id}}" aria-label="to {{short}}"{{#isTo}} checked{{/isTo}}></td>
            <td>{{sequence}}</td><td><a href="/ui/datasets/{{dataset}}/versions/{{id}}"><code>{{short}}</code></a>{{#tags}} <em>{{.}}</em>{{/tags}}</td><td>{{created}}</td><td class="wrap">{{message}}</td><td>{{size}}</td><td><code>{{commit}}</code></td><td>{{#run}}<a href="/ui/runs/{{run}}">{{run}}</a>{{/run}}</td></tr>{{/versions}}
            </table>{{#has_versions}}<button type="submit">Compare</button>{{/has_versions}}</form>
            <p>{{#previous}}<a href="{{previous}}">Newer versions</a> {{/previous}}{{#next}}<a href="{{next}}">Older versions</a>{{/next}}</p>
            {{/body}}{{/layout}}
            """,
        "version": """
            {{<layout}}{{$title}}wf: {{reference}}{{/title}}{{$body}}
            <h1><a href="/ui/datasets/{{dataset}}">{{dataset}}</a> version {{sequence}} <code>{{short}}</code></h1>
            <dl><dt>message</dt><dd>{{message}}</dd><dt>created</dt><dd>{{created}}</dd><dt>files</dt><dd>{{fileCount}} ({{size}})</dd>
            {{#parent}}<dt>parent</dt><dd><a href="/ui/datasets/{{dataset}}/versions/{{parent}}"><code>{{parentShort}}</code></a> · <a href="/ui/datasets/{{dataset}}/diff?from={{parent}}&amp;to={{id}}">diff</a></dd>{{/parent}}
            {{#provenance}}<dt>{{key}}</dt><dd>{{#href}}<a href="{{href}}">{{value}}</a>{{/href}}{{^href}}<code>{{value}}</code>{{/href}}</dd>{{/provenance}}</dl>
            <h2>Files</h2>
            <table><tr><th>path</th><th>size</th><th>sha256</th></tr>
            {{#files}}<tr><td><a href="{{url}}">{{path}}</a></td><td>{{size}}</td><td><code>{{sha}}</code></td></tr>{{/files}}</table>
            {{#files}}{{#shown}}<h2>{{path}}</h2>{{#text}}<pre>{{text}}</pre>{{/text}}{{#image}}<img class="output" src="{{url}}" alt="{{path}}">{{/image}}{{#chart}}<div class="graph">{{{chart}}}</div>{{/chart}}{{/shown}}{{/files}}
            {{/body}}{{/layout}}
            """,
        "diff": """
            {{<layout}}{{$title}}wf: {{old}} → {{new}}{{/title}}{{$body}}
            <h1>{{old}} → {{new}}</h1>
            {{#identical}}<p>The two versions hold the same files.</p>{{/identical}}
            {{#files}}<h2>{{path}} <span class="muted">{{change}}</span></h2>
            {{#binary}}<p class="muted">Binary or large file: sizes {{oldSize}} → {{newSize}}.</p>{{/binary}}
            <div class="diff">{{#rows}}{{#hunk}}<div class="hunk">{{hunk}}</div>{{/hunk}}{{^hunk}}<div class="{{leftClass}}">{{left}}</div><div class="{{rightClass}}">{{right}}</div>{{/hunk}}{{/rows}}</div>{{/files}}
            {{/body}}{{/layout}}
            """,
        "playground": """
            {{<layout}}{{$title}}wf: playground{{/title}}{{$body}}
            <h1>Playground <span class="muted">{{model}}</span></h1>
            <form id="playground" class="settings">
            <label style="grid-column: 1 / -1">prompt<textarea name="prompt">{{prompt}}</textarea></label>
            <label>max tokens<input name="max_tokens" type="number" min="1" value="64"></label>
            <label>temperature<input name="temperature" type="number" min="0" max="10" step="0.05" value="1"></label>
            <label>top-k<input name="top_k" type="number" min="0" value="40"></label>
            <label>top-p<input name="top_p" type="number" min="0" max="1" step="0.05" value="1"></label>
            <label>seed<input name="seed" type="number" placeholder="random"></label>
            <label>samples<input name="n" type="number" min="1" max="{{slots}}" value="1"></label>
            <label>API key<input name="key" type="password" autocomplete="off" placeholder="if the server has one"></label>
            <button type="submit">Generate</button></form>
            <pre id="completion" aria-live="polite"></pre>
            <noscript><p class="muted">The playground streams through JavaScript; with it off, call <code>POST /v1/completions</code>.</p></noscript>
            {{/body}}{{/layout}}
            """,
    ]
}
