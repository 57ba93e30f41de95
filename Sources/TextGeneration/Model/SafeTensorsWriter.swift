import Foundation

/// Writes F32 tensors as a `.safetensors` file (header JSON padded to 8 bytes, then the
/// data in name order), atomically: a temporary file beside the target, fsync, rename.
public enum SafeTensorsWriter {
    public static func write(_ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], to path: String,
                             metadata: [String: String] = ["format": "pt"]) throws {
        let ordered = tensors.sorted { $0.name < $1.name }
        var header = [String: Any]()
        var offset = 0
        for tensor in ordered {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape of \(tensor.name)")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]]
            offset += 4 * tensor.values.count
        }
        header["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        let temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw ModelError.io(path: temporary, detail: "cannot create it")
        }
        do {
            var length = UInt64(json.count).littleEndian
            handle.write(Data(bytes: &length, count: 8))
            handle.write(json)
            for tensor in ordered { handle.write(Data(buffer: tensor.values)) }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw ModelError.io(path: path, detail: String(cString: strerror(errno))) }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}

/// Reads F32 tensors back by name (checkpoint side files such as optimizer state).
public enum SafeTensorsReader {
    public static func floats(_ path: String, tensor name: String) throws -> [Float] {
        let file = try SafeTensorsFile(path: path)
        guard let entry = file.entries[name] else { throw ModelError.missingTensor(file: path, name: name) }
        guard entry.dtype == "F32" else { throw ModelError.unsupportedDType(file: path, name: name, dtype: entry.dtype) }
        var values = [Float](repeating: 0, count: entry.byteCount / 4)
        values.withUnsafeMutableBytes { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: file.file.base + entry.offset, count: entry.byteCount))
        }
        return values
    }
}
