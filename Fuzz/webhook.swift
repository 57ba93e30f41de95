// libFuzzer target: a webhook delivery's body (`WebhookBody.decode`, JSON or form) and its
// payload (`WebhookEvent.parse`), for every forge and content type, on arbitrary bytes.
// Built with those two files by scripts/fuzz; any input must give an event or an error.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    for forge in WebhookEvent.Forge.allCases {
        for contentType in ["application/json", "application/x-www-form-urlencoded"] {
            guard let delivery = try? WebhookBody.decode(forge: forge, contentType: contentType, body: body) else { continue }
            for event in ["push", "Push Hook", ""] {
                if case .push(let ref, let after, let urls)? = try? WebhookEvent.parse(forge: forge, event: event, body: delivery.payload) {
                    precondition(ref.hasPrefix("refs/") && after.count == 40 && !urls.isEmpty)
                }
            }
        }
    }
    return 0
}
