import ArgumentParser
import Foundation
import TextGeneration

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text, or with --decode the text of token ids.",
        discussion: """
            Examples:
              wf tokenize --model ./my-gpt2 "Hello, world"        prints 15496 11 995
              echo "Hello" | wf tokenize --model ./my-gpt2 -
              wf tokenize --model ./my-gpt2 --decode 15496,11,995
            """
    )

    @Option(help: "A model folder or a hub id (downloaded if missing from the cache); only its tokenizer files are read.")
    var model: String?

    @Argument(help: "The text (or ids with --decode); - reads standard input.")
    var input: String

    @Flag(help: "Turn token ids back into text.")
    var decode = false

    @Flag(help: "Print JSON: the ids and each token's text.")
    var json = false

    struct Output: Encodable {
        var ids: [Int]
        var tokens: [String]
        var text: String
    }

    func run() throws {
        let folder = try DownloadProgress.showing { try LoadedModel.resolve(try model ?? DefaultModel.required(), downloader: HubDownloader(), progress: $0) }
        let tokenizer = try BPETokenizer.load(folder: folder)
        let source = input == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : input
        let ids = decode ? try TokenIDs.parse(source) : tokenizer.encode(source)
        if let bad = ids.first(where: { !tokenizer.isValid($0) }) {
            throw GenerationError.invalidToken(bad, vocabulary: tokenizer.vocabularySize)
        }
        let text = decode ? tokenizer.decode(ids) : source
        if json { return try JSONOutput.print(Output(ids: ids, tokens: ids.map { tokenizer.decode([$0]) }, text: text)) }
        print(decode ? text : ids.map(String.init).joined(separator: " "))
    }
}
