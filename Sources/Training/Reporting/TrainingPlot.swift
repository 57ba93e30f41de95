import Foundation

/// `training.svg`: validation loss and accuracy per epoch (left and right axes) above the
/// learning rate per epoch, with labelled axes, readable in any browser. Plain SVG text, no
/// dependencies.
public enum TrainingPlot {
    public static func svg(_ metrics: [EpochMetrics], title: String) -> String {
        let width = 720.0, panelHeight = 260.0, margin = (left: 84.0, right: 74.0, top: 40.0, bottom: 50.0)
        let plotWidth = width - margin.left - margin.right
        let height = margin.top + panelHeight + margin.bottom + panelHeight * 0.6 + margin.bottom
        var out = [String]()
        out.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" font-family="sans-serif" font-size="12">"##)
        out.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        out.append(##"<text x="\##(width / 2)" y="22" text-anchor="middle" font-size="15">\##(escape(title))</text>"##)
        let epochs = metrics.map { Double($0.epoch) }
        let xRange = (epochs.min() ?? 0)...max((epochs.max() ?? 1), (epochs.min() ?? 0) + 1)
        func x(_ epoch: Double) -> Double { margin.left + (epoch - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }

        // Panel 1: validation loss (left axis) and accuracy (right axis).
        let top1 = margin.top, bottom1 = margin.top + panelHeight
        let losses = metrics.map(\.validationLoss) + metrics.map(\.trainingLoss)
        let lossRange = padded((losses.min() ?? 0)...(losses.max() ?? 1))
        let accuracyRange = padded((metrics.map(\.validationAccuracy).min() ?? 0)...(metrics.map(\.validationAccuracy).max() ?? 1))
        out += axes(top: top1, bottom: bottom1, left: margin.left, right: width - margin.right, xRange: xRange, x: x,
                    leftRange: lossRange, leftLabel: "loss (nats per token)", rightRange: accuracyRange, rightLabel: "validation accuracy")
        out.append(polyline(metrics.map { (x(Double($0.epoch)), scale($0.validationLoss, lossRange, top1, bottom1)) }, color: "#1f77b4"))
        out.append(polyline(metrics.map { (x(Double($0.epoch)), scale($0.trainingLoss, lossRange, top1, bottom1)) }, color: "#1f77b4", dashed: true))
        out.append(polyline(metrics.map { (x(Double($0.epoch)), scale($0.validationAccuracy, accuracyRange, top1, bottom1)) }, color: "#d62728"))
        out.append(legend([("validation loss", "#1f77b4", false), ("training loss", "#1f77b4", true), ("validation accuracy", "#d62728", false)],
                          x: margin.left + 10, y: top1 + 16))

        // Panel 2: learning rate.
        let top2 = bottom1 + margin.bottom, bottom2 = top2 + panelHeight * 0.6
        let rates = metrics.map(\.learningRate)
        let rateRange = padded((rates.min() ?? 0)...(rates.max() ?? 1))
        out += axes(top: top2, bottom: bottom2, left: margin.left, right: width - margin.right, xRange: xRange, x: x,
                    leftRange: rateRange, leftLabel: "learning rate", rightRange: nil, rightLabel: nil)
        out.append(polyline(metrics.map { (x(Double($0.epoch)), scale($0.learningRate, rateRange, top2, bottom2)) }, color: "#2ca02c"))
        out.append(##"<text x="\##(margin.left + plotWidth / 2)" y="\##(bottom2 + 38)" text-anchor="middle">epoch</text>"##)
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    public static func write(_ metrics: [EpochMetrics], title: String, to path: String) throws {
        try svg(metrics, title: title).write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func padded(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let span = range.upperBound - range.lowerBound
        let pad = span > 0 ? span * 0.08 : max(abs(range.lowerBound) * 0.1, 1e-6)
        // Quantities that cannot go below zero (rates, accuracies, losses) keep zero as their floor.
        let lower = range.lowerBound >= 0 ? max(0, range.lowerBound - pad) : range.lowerBound - pad
        return lower...(range.upperBound + pad)
    }

    private static func scale(_ value: Double, _ range: ClosedRange<Double>, _ top: Double, _ bottom: Double) -> Double {
        bottom - (value - range.lowerBound) / (range.upperBound - range.lowerBound) * (bottom - top)
    }

    private static func label(_ value: Double) -> String {
        if value != 0 && (abs(value) < 0.01 || abs(value) >= 10_000) { return String(format: "%.1e", value) }
        return String(format: "%.3g", value)
    }

    private static func axes(top: Double, bottom: Double, left: Double, right: Double, xRange: ClosedRange<Double>,
                             x: (Double) -> Double, leftRange: ClosedRange<Double>, leftLabel: String,
                             rightRange: ClosedRange<Double>?, rightLabel: String?) -> [String] {
        var out = [##"<rect x="\##(left)" y="\##(top)" width="\##(right - left)" height="\##(bottom - top)" fill="none" stroke="#333"/>"##]
        for tick in 0...4 {
            let fraction = Double(tick) / 4
            let y = bottom - fraction * (bottom - top)
            out.append(##"<line x1="\##(left)" x2="\##(right)" y1="\##(y)" y2="\##(y)" stroke="#ddd"/>"##)
            let leftValue = leftRange.lowerBound + fraction * (leftRange.upperBound - leftRange.lowerBound)
            out.append(##"<text x="\##(left - 6)" y="\##(y + 4)" text-anchor="end">\##(label(leftValue))</text>"##)
            if let rightRange {
                let value = rightRange.lowerBound + fraction * (rightRange.upperBound - rightRange.lowerBound)
                out.append(##"<text x="\##(right + 6)" y="\##(y + 4)">\##(label(value))</text>"##)
            }
        }
        let first = Int(xRange.lowerBound.rounded(.up)), last = Int(xRange.upperBound.rounded(.down))
        let every = max(1, (last - first) / 10)
        for epoch in stride(from: first, through: last, by: every) {
            out.append(##"<text x="\##(x(Double(epoch)))" y="\##(bottom + 16)" text-anchor="middle">\##(epoch)</text>"##)
        }
        let middle = (top + bottom) / 2
        out.append(##"<text transform="translate(\##(left - 66) \##(middle)) rotate(-90)" text-anchor="middle">\##(escape(leftLabel))</text>"##)
        if let rightLabel {
            out.append(##"<text transform="translate(\##(right + 56) \##(middle)) rotate(90)" text-anchor="middle">\##(escape(rightLabel))</text>"##)
        }
        return out
    }

    private static func polyline(_ points: [(Double, Double)], color: String, dashed: Bool = false) -> String {
        let coordinates = points.map { "\(($0.0 * 10).rounded() / 10),\(($0.1 * 10).rounded() / 10)" }.joined(separator: " ")
        let dash = dashed ? ##" stroke-dasharray="5 4""## : ""
        var line = ##"<polyline points="\##(coordinates)" fill="none" stroke="\##(color)" stroke-width="2"\##(dash)/>"##
        for point in points { line += ##"<circle cx="\##(point.0)" cy="\##(point.1)" r="2.5" fill="\##(color)"/>"## }
        return line
    }

    private static func legend(_ entries: [(String, String, Bool)], x: Double, y: Double) -> String {
        entries.enumerated().map { index, entry in
            let row = y + Double(index) * 16
            let dash = entry.2 ? ##" stroke-dasharray="5 4""## : ""
            return ##"<line x1="\##(x)" x2="\##(x + 24)" y1="\##(row - 4)" y2="\##(row - 4)" stroke="\##(entry.1)" stroke-width="2"\##(dash)/><text x="\##(x + 30)" y="\##(row)">\##(escape(entry.0))</text>"##
        }.joined(separator: "\n")
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
