import Foundation
import Hummingbird
import NIOCore

/// The dashboard's stylesheet and script, compiled into wf (a binary moved anywhere still
/// serves them), handed to Hummingbird's `FileMiddleware` through this `FileProvider`, which
/// gives them its ETag, `If-None-Match`, `Range` and HEAD handling.
struct DashboardAssets: FileProvider {
    struct Attributes: FileMiddlewareFileAttributes {
        var isFolder: Bool { false }
        var size: Int
        var modificationDate: Date
    }

    /// Path under `/ui/static/` → its bytes.
    static let files: [String: [UInt8]] = [
        "/wf.css": Array(stylesheet.utf8),
        "/wf.js": Array(script.utf8),
    ]
    /// The assets change only with the binary: its start time stands in for their date.
    static let built = Date()

    func getFileIdentifier(_ path: String) -> String? { Self.files[path] == nil ? nil : path }

    func getAttributes(id: String) async throws -> Attributes? {
        Self.files[id].map { Attributes(size: $0.count, modificationDate: Self.built) }
    }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        ResponseBody(byteBuffer: ByteBuffer(bytes: Self.files[id] ?? []))
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        let bytes = Self.files[id] ?? []
        let clamped = range.clamped(to: 0...max(0, bytes.count - 1))
        return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes.isEmpty ? [] : Array(bytes[clamped])))
    }

    static let stylesheet = """
        :root { --ok: #1a7f37; --bad: #cf222e; --run: #9a6700; --wait: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; }
        header { background: #24292f; color: #fff; padding: .6rem 1rem; display: flex; gap: 1.2rem; flex-wrap: wrap; align-items: baseline; }
        header a { color: #fff; text-decoration: none; } header strong { font-size: 1.1rem; }
        main { padding: 1rem; max-width: 1100px; margin: auto; }
        h1 { font-size: 1.35rem; margin: .2rem 0 .8rem; overflow-wrap: anywhere; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
        table { border-collapse: collapse; width: 100%; margin: .4rem 0; display: block; overflow-x: auto; }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        td.wrap { white-space: normal; overflow-wrap: anywhere; }
        pre { background: var(--bg); border: 1px solid var(--line); padding: .6rem; overflow-x: auto; max-height: 32rem; white-space: pre-wrap; overflow-wrap: anywhere; }
        code, pre { font: 13px/1.4 ui-monospace, monospace; }
        .status { font-weight: 600; } .succeeded { color: var(--ok); } .failed, .interrupted { color: var(--bad); } .cancelled { color: #9a6700; }
        .running, .queued { color: var(--run); } .waiting, .skipped { color: var(--wait); }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { color: #57606a; } dd { margin: 0; overflow-wrap: anywhere; }
        .graph { overflow-x: auto; border: 1px solid var(--line); background: #fff; }
        .graph rect { fill: #fff; stroke-width: 2; } .graph text { font: 13px system-ui, sans-serif; }
        .graph .succeeded rect { stroke: var(--ok); } .graph .failed rect, .graph .interrupted rect { stroke: var(--bad); }
        .graph .running rect { stroke: var(--run); } .graph .waiting rect, .graph .skipped rect { stroke: var(--wait); stroke-dasharray: 4 3; }
        .graph path { stroke: #8c959f; fill: none; stroke-width: 1.5; }
        .diff { display: grid; grid-template-columns: 1fr 1fr; gap: 0; border: 1px solid var(--line); }
        .diff div { font: 13px/1.4 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; padding: 0 .4rem; min-height: 1.4em; }
        .diff .removed { background: #ffebe9; } .diff .added { background: #dafbe1; } .diff .hunk { background: #ddf4ff; color: #57606a; grid-column: 1 / 3; }
        img.output { max-width: 100%; border: 1px solid var(--line); background: #fff; }
        form.settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .6rem; }
        form.settings label { display: flex; flex-direction: column; font-size: .9rem; color: #57606a; }
        textarea { width: 100%; min-height: 6rem; font: inherit; }
        .muted { color: #57606a; }
        form.inline { display: inline-flex; gap: .4rem; flex-wrap: wrap; margin: .2rem .4rem .2rem 0; }
        form.inline input { min-width: 16rem; font: inherit; padding: .2rem .4rem; }
        button { font: inherit; padding: .2rem .7rem; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
        @media (max-width: 640px) { .diff { grid-template-columns: 1fr; } .diff .hunk { grid-column: 1; } main { padding: .6rem; } }
        """

    /// Live parts only: a running job's log follows its event stream; the playground streams
    /// completions. Everything else is plain HTML that works with JavaScript off.
    static let script = """
        document.querySelectorAll('pre[data-follow]').forEach(function (pre) {
          var source = new EventSource(pre.dataset.follow);
          pre.textContent = '';
          source.onmessage = function (event) { pre.textContent += event.data + '\\n'; pre.scrollTop = pre.scrollHeight; };
          source.addEventListener('end', function () { source.close(); if (pre.dataset.reload) location.reload(); });
        });
        var form = document.getElementById('playground');
        if (form) form.addEventListener('submit', function (event) {
          event.preventDefault();
          var out = document.getElementById('completion'), field = function (name) { return form.elements[name].value; };
          var body = { prompt: field('prompt'), max_tokens: +field('max_tokens'), temperature: +field('temperature'),
                       top_k: +field('top_k'), top_p: +field('top_p'), n: +field('n'), stream: true };
          if (field('seed') !== '') body.seed = +field('seed');
          var headers = { 'Content-Type': 'application/json' };
          if (field('key') !== '') headers.Authorization = 'Bearer ' + field('key');
          var texts = [];
          out.textContent = '';
          fetch('/v1/completions', { method: 'POST', headers: headers, body: JSON.stringify(body) }).then(function (response) {
            if (!response.ok) return response.text().then(function (text) { out.textContent = text; });
            var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = '';
            function pump() {
              return reader.read().then(function (part) {
                if (part.done) return;
                buffer += decoder.decode(part.value, { stream: true });
                var events = buffer.split('\\n\\n'); buffer = events.pop();
                events.forEach(function (event) {
                  var data = event.replace(/^data: /, '');
                  if (data === '[DONE]') return;
                  var chunk = JSON.parse(data);
                  (chunk.choices || []).forEach(function (choice) { texts[choice.index] = (texts[choice.index] || '') + choice.text; });
                  if (chunk.error) texts.push('error: ' + chunk.error.message);
                });
                out.textContent = texts.map(function (text, index) { return (texts.length > 1 ? '#' + index + '\\n' : '') + field('prompt') + text; }).join('\\n\\n');
                return pump();
              });
            }
            return pump();
          });
        });
        """
}
