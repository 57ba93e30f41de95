import Datasets
import Workflows

/// A run's jobs laid out as a graph for the run page's SVG: a job's column is its layer in
/// Kahn's order of `needs` (`WorkflowValidator.layers`, as `wf validate` orders them), its row
/// its place in that layer; each need is an edge from the needed job's right side to the
/// job's left. Needs naming no job of the run (jobs left out by `--job`) are not drawn; jobs
/// the layers leave out (a cycle, only in a damaged index) go in a last column.
struct JobGraph {
    static let width = 170, height = 46, columnGap = 60, rowGap = 18, margin = 10

    var context: [String: Any]

    init(_ jobs: [JobRecord]) {
        let layers = WorkflowValidator.layers(jobs.map { (name: $0.name, needs: $0.needs) })
        var column = [String: Int]()
        for (index, layer) in layers.enumerated() { for name in layer { column[name] = index } }
        for job in jobs where column[job.name] == nil { column[job.name] = layers.count }
        var rows = [Int: Int](), place = [String: (x: Int, y: Int)]()
        for job in jobs {
            let c = column[job.name] ?? 0, r = rows[c, default: 0]
            rows[c] = r + 1
            place[job.name] = (Self.margin + c * (Self.width + Self.columnGap), Self.margin + r * (Self.height + Self.rowGap))
        }
        let nodes = jobs.map { job -> [String: Any] in
            let (x, y) = place[job.name]!
            return ["name": job.name, "status": job.status.rawValue, "took": job.seconds.map(Format.duration) ?? false,
                    "x": x, "y": y, "width": Self.width, "height": Self.height, "tx": x + 10, "ty": y + 18, "sy": y + 36]
        }
        var edges = [[String: Any]]()
        for job in jobs {
            let (x2, y2) = place[job.name]!
            for need in job.needs {
                guard let (x1, y1) = place[need] else { continue }
                let start = x1 + Self.width, end = x2
                edges.append(["x1": start, "y1": y1 + Self.height / 2, "x2": end, "y2": y2 + Self.height / 2, "mx": (start + end) / 2])
            }
        }
        let columns = (column.values.max() ?? 0) + 1, tallest = rows.values.max() ?? 1
        context = ["nodes": nodes, "edges": edges,
                   "width": 2 * Self.margin + columns * Self.width + (columns - 1) * Self.columnGap,
                   "height": 2 * Self.margin + tallest * Self.height + (tallest - 1) * Self.rowGap]
    }
}

/// A CSV of numbers (a training run's `metrics.csv`: step, loss, …) as an SVG line chart:
/// the first column along x, every other numeric column a line on a shared y scale. nil when
/// the file is not such a table.
enum MetricsChart {
    static let colors = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df"]

    static func svg(csv: String) -> String? {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        guard lines.count >= 3, let header = lines.first, header.count >= 2 else { return nil }
        let rows = lines.dropFirst().filter { $0.count == header.count }
        let xs = rows.compactMap { Double($0[0]) }
        guard xs.count == rows.count, xs.count >= 2, let x0 = xs.min(), let x1 = xs.max(), x1 > x0 else { return nil }
        var series = [(name: String, values: [Double?])]()
        for column in 1..<header.count {
            let values = rows.map { Double($0[column]).flatMap { $0.isFinite ? $0 : nil } }
            if values.contains(where: { $0 != nil }) { series.append((header[column], values)) }
        }
        let all = series.flatMap { $0.values.compactMap { $0 } }
        guard !series.isEmpty, var y0 = all.min(), var y1 = all.max() else { return nil }
        if y1 == y0 { y0 -= 1; y1 += 1 }
        let width = 640.0, height = 240.0, left = 56.0, bottom = 24.0, top = 10.0, right = 10.0
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom) }
        func number(_ value: Double) -> String { String(format: "%.4g", value) }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height) + 20 * series.count)\" role=\"img\" aria-label=\"metrics chart\">"
        svg += "<path d=\"M\(left) \(top) V\(height - bottom) H\(width - right)\" style=\"stroke:#8c959f\"/>"
        svg += "<text x=\"2\" y=\"\(top + 10)\">\(number(y1))</text><text x=\"2\" y=\"\(height - bottom)\">\(number(y0))</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 6)\">\(DashboardRoutes.html(header[0])) \(number(x0))</text>"
        svg += "<text x=\"\(width - right - 80)\" y=\"\(height - 6)\">\(number(x1))</text>"
        for (index, line) in series.enumerated() {
            let color = colors[index % colors.count]
            let points = zip(xs, line.values).compactMap { x, y in y.map { "\(String(format: "%.1f", px(x))),\(String(format: "%.1f", py($0)))" } }
            svg += "<polyline points=\"\(points.joined(separator: " "))\" style=\"fill:none;stroke:\(color);stroke-width:1.5\"/>"
            svg += "<text x=\"\(left)\" y=\"\(height + 14 + Double(20 * index))\" style=\"fill:\(color)\">\(DashboardRoutes.html(line.name))</text>"
        }
        return svg + "</svg>"
    }
}
