import Foundation
import Testing
import TestSupport

/// A negative number given to a numeric option once read as "Missing value for --X" (the
/// parser took `-1` for an option); it is the option's value, and the message names what is
/// wrong with it.
@Suite struct NegativeNumberTests {
    let scratch = Scratch("wf-negative")

    @Test(arguments: [
        (["generate", "--prompt", "hi", "--temperature", "-1"], "temperature must be above 0"),
        (["generate", "--prompt", "hi", "--max-new-tokens", "-5"], "max_new_tokens must be greater than 0"),
        (["train", "--data", "x.txt", "--out", "out", "--layers", "-3"], "--layers, --heads and --embedding must be at least 1"),
        (["datasets", "diff", "a", "b", "-U", "-2"], "-U must be 0 or more lines"),
        (["run", "--timeout", "-1", "x.yaml"], "--timeout is the seconds a step may run"),
    ])
    func aNegativeNumberIsAValueWithItsOwnMessage(arguments: [String], message: String) throws {
        let result = try WFBinary.run(arguments, in: scratch.path)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message) && !result.stderr.contains("Missing value"), "\(result.stderr)")
    }
}
