import Prometheus
import TextGeneration

/// `GET /metrics` of `wf serve`, through swift-prometheus: requests by route and status,
/// request and time-to-first-token latencies, prompt and generated tokens, the queue's depth
/// and the running batch's size.
public final class ServeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let latency: DurationHistogram
    private let firstToken: DurationHistogram
    private let promptTokens: Counter
    private let generatedTokens: Counter
    private let queueDepth: Gauge
    private let batchSize: Gauge
    private let cancelled: Counter

    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
                                      .seconds(30), .seconds(60)]

    public init() {
        latency = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "wf", metricName: "request_duration", unitName: "seconds",
                                             helpText: "Time from a completion request's arrival to its last byte"),
            buckets: Self.buckets)
        firstToken = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "wf", metricName: "time_to_first_token", unitName: "seconds",
                                             helpText: "Time from a completion request's arrival to its first generated token"),
            buckets: Self.buckets)
        promptTokens = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "prompt_tokens", unitName: "total",
                                                                             helpText: "Prompt tokens of completion requests"))
        generatedTokens = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "generated_tokens", unitName: "total",
                                                                                helpText: "Tokens generated"))
        queueDepth = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "queue_depth", unitName: "requests",
                                                                         helpText: "Requests waiting for a slot"))
        cancelled = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "cancelled_requests", unitName: "total",
                                                                          helpText: "Requests stopped before they finished (a client that went away, a timeout)"))
        batchSize = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "running_sequences", unitName: "count",
                                                                        helpText: "Sequences in the running batch"))
    }

    /// Counts one answered request.
    func request(route: String, status: Int) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "wf", metricName: "http_requests", unitName: "total",
                                                              helpText: "HTTP requests by route and status"),
                             labels: [("route", route), ("status", "\(status)")]).increment()
    }

    func completed(_ timings: CompletionTimings) {
        latency.record(.nanoseconds(Int64(timings.total * 1e9)))
        if timings.generatedTokens > 0 { firstToken.record(.nanoseconds(Int64(timings.firstToken * 1e9))) }
        promptTokens.increment(by: Int64(timings.promptTokens))
        generatedTokens.increment(by: Int64(timings.generatedTokens))
    }

    func requestCancelled() { cancelled.increment() }

    func load(queued: Int, running: Int) {
        queueDepth.set(Double(queued))
        batchSize.set(Double(running))
    }

    /// The text exposition format.
    public func render() -> String { registry.emitToString() }
}
