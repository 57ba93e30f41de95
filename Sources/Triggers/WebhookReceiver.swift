import Foundation
import GitSource

/// What the daemon answers a webhook delivery, before HTTP: a status and a JSON body.
public struct WebhookResponse: Sendable, Equatable {
    public var status: Int
    public var body: [String: String]

    public init(status: Int, body: [String: String]) {
        self.status = status
        self.body = body
    }

    public var json: String {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension Daemon {
    /// Deliveries larger than this are refused with 413 before they are read to the end.
    public static let webhookBodyLimit = 1 << 20

    /// Handles one delivery: its body as the forge sends it (JSON, or a form with the JSON in
    /// `payload`: `WebhookBody`), the signature (401 unless some link's secret signs the bytes
    /// the forge signs), then the payload (400 when malformed), then the event. A push to a linked
    /// repository and ref fetches its mirror unless it has the commit, and queues the
    /// workflows that commit's files trigger (202 with what was queued). A push that deletes
    /// a ref runs nothing.
    public func deliver(forge: WebhookEvent.Forge, event: String?, proof: String?, contentType: String? = nil, body: [UInt8]) -> WebhookResponse {
        let delivery: WebhookBody
        do { delivery = try WebhookBody.decode(forge: forge, contentType: contentType, body: body) } catch let error as WebhookBody.Unreadable {
            return WebhookResponse(status: error.status, body: ["error": error.reason])
        } catch {
            return WebhookResponse(status: 400, body: ["error": "\(error)"])
        }
        let links = ((try? triggers.links()) ?? []).map(\.link)
        let signed = links.filter { link in
            guard let secret = try? link.webhookSecret?.value() else { return false }
            return WebhookSignature.isValid(forge: forge, proof: proof, body: delivery.signed, secret: secret)
        }
        guard !signed.isEmpty else {
            let reason = links.contains { $0.webhookSecret != nil }
                ? "\(WebhookSignature.header(for: forge)) is missing or does not match any link's webhook secret"
                : "no link takes webhooks; link with --webhook-secret-env or --webhook-secret-file"
            log("webhook (\(forge.rawValue)): refused: \(reason)")
            return WebhookResponse(status: 401, body: ["error": reason])
        }
        let parsed: WebhookEvent
        do { parsed = try WebhookEvent.parse(forge: forge, event: event, body: delivery.payload) } catch {
            return WebhookResponse(status: 400, body: ["error": "\(error)"])
        }
        switch parsed {
        case .ping:
            return WebhookResponse(status: 200, body: ["ok": "pong"])
        case .other(let name):
            return WebhookResponse(status: 202, body: ["ignored": "event \(name.isEmpty ? "(unnamed)" : name): wf runs on pushes only"])
        case .push(let ref, let after, let urls):
            let keys = Set(urls.map { RepositoryURL($0) })
            let matching = signed.filter { keys.contains(RepositoryURL($0.url)) }
            guard !matching.isEmpty else {
                return WebhookResponse(status: 404, body: ["error": "no link for \(urls.first ?? "this repository") (links: \(signed.map(\.name).joined(separator: ", ")))"])
            }
            guard after != String(repeating: "0", count: 40) else {
                return WebhookResponse(status: 200, body: ["ok": "\(ref) was deleted; nothing to run"])
            }
            var queued = [String](), already = [String](), notes = [String]()
            for link in matching {
                guard link.watches(ref) else { notes.append("\(link.name) watches \(link.branch.map { "refs/heads/\($0)" } ?? "branches and tags"), not \(ref)"); continue }
                do {
                    // `after` of an annotated tag push is the tag object: queue the commit it names,
                    // as polling does, so both report the same (link, commit, workflow).
                    let (commit, fetched) = try Mirror(link: link, home: home).ensure(after)
                    var entries = try enqueue(link: link, ref: ref, commit: commit, source: .webhook)
                    if let fetched {
                        // Other refs the fetch moved are queued now too; recorded as seen, the poller would skip them.
                        entries += try fetchAndQueue(link, source: .webhook, fetched: fetched).filter { entry in !entries.contains { $0.item.id == entry.item.id } }
                    }
                    for entry in entries {
                        (entry.isNew ? { queued.append($0) } : { already.append($0) })("\(link.name):\(entry.item.workflow)")
                    }
                } catch {
                    log("\(link.name): webhook push of \(after.prefix(12)) could not be queued: \(error)")
                    return WebhookResponse(status: 502, body: ["error": "\(link.name): could not fetch \(after.prefix(12)): \(error)"])
                }
            }
            var answer = ["commit": after, "ref": ref, "queued": queued.joined(separator: " "), "already": already.joined(separator: " ")]
            if !notes.isEmpty { answer["note"] = notes.joined(separator: "; ") }
            return WebhookResponse(status: 202, body: answer)
        }
    }
}
