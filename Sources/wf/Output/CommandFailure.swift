/// A command that cannot do what was asked for a reason that is not the command line's
/// shape: printed as `Error: message`, exit 1, without the usage text a `ValidationError`
/// adds (and its exit 64).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
