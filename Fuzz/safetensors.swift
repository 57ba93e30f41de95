// libFuzzer target: the safetensors header reader (`SafeTensorsHeader`) on arbitrary bytes.
// Built with the module's sources by scripts/fuzz (swiftc -sanitize=fuzzer,address); any
// input must give a header or a `SafeTensorsError`, never a trap, a leak or a bad access.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensorsHeader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? SafeTensorsHeader(bytes: bytes, fileSize: size) {
        // A header that passes must describe byte ranges inside the file.
        for tensor in header.tensors.values {
            precondition(tensor.begin >= 0 && tensor.end >= tensor.begin && header.dataStart + tensor.end <= size)
        }
    }
    return 0
}
