import Foundation

/// Where a benchmark's PyTorch reference script is: `--pytorch-script PATH`, else `scripts/NAME`
/// of the checkout this binary was built in, else of the checkout the user stands in (an
/// installed wf, or a build with `--scratch-path` elsewhere). When it does not run, the reason
/// says truly why.
enum ReferenceScript {
    static func find(_ name: String, given: String?, skip: Bool) -> (path: String?, reason: String?) {
        if skip { return (nil, "not run (--no-pytorch)") }
        if let given {
            let path = URL(fileURLWithPath: given).standardized.path
            return FileManager.default.fileExists(atPath: path) ? (path, nil) : (nil, "not run: --pytorch-script \(path) does not exist")
        }
        let places = [CommandLine.checkoutRoot.path, Checkout.current(or: FileManager.default.currentDirectoryPath)]
        for root in places where FileManager.default.fileExists(atPath: "\(root)/scripts/\(name)") {
            return ("\(root)/scripts/\(name)", nil)
        }
        return (nil, "not run: scripts/\(name) is neither in the checkout this wf was built in nor in the one here (\(places.joined(separator: ", "))); give --pytorch-script PATH")
    }
}
