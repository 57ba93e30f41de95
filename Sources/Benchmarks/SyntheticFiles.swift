#if canImport(Glibc)
import Glibc
#endif

/// Reproducible pseudo-random files for benchmarks (SplitMix64), incompressible like real
/// model outputs and archives, so neither tool gets a free ride from compression.
struct SyntheticFiles {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Writes `count` files of `minimumSize...maximumSize` bytes into `folder`, spread over
    /// 100 subfolders; returns the total bytes.
    mutating func writeSmallFiles(count: Int, sizes: ClosedRange<Int>, into folder: String) throws -> Int64 {
        var total: Int64 = 0
        for index in 0..<count {
            let subfolder = "\(folder)/part-\(index % 100)"
            if index < 100 { mkdir(subfolder, 0o755) }
            let size = sizes.lowerBound + Int(next() % UInt64(sizes.count))
            try write(bytes: size, to: "\(subfolder)/file-\(index).bin")
            total += Int64(size)
        }
        return total
    }

    /// Writes one file of `size` bytes in 4 MiB chunks.
    mutating func write(bytes size: Int, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ChildProcess.Failed(command: ["create", path], status: errno) }
        defer { close(fd) }
        let chunkWords = 1 << 19
        var buffer = [UInt64](repeating: 0, count: chunkWords)
        var remaining = size
        while remaining > 0 {
            for i in 0..<buffer.count { buffer[i] = next() }
            let length = min(remaining, chunkWords * 8)
            let wrote = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, length) }
            guard wrote == length else { throw ChildProcess.Failed(command: ["write", path], status: errno) }
            remaining -= length
        }
    }
}
