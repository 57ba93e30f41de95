import CKernels
import Foundation

/// GPT-2's parameters, bound by name from one or more safetensors files and checked
/// against the config. Conv1D weights keep the checkpoint's [in, out] layout, which is the
/// row-major right operand of `x[rows, in] × W[in, out]`.
public final class GPT2Weights: @unchecked Sendable {
    public struct Layer: Sendable {
        public var ln1Weight, ln1Bias: Tensor               // [C]
        public var attentionWeight: WeightMatrix            // [C, 3C]
        public var attentionBias: Tensor                    // [3C]
        public var projectionWeight: WeightMatrix           // [C, C]
        public var projectionBias: Tensor                   // [C]
        public var ln2Weight, ln2Bias: Tensor               // [C]
        public var fcWeight: WeightMatrix                   // [C, inner]
        public var fcBias: Tensor                           // [inner]
        public var mlpProjectionWeight: WeightMatrix        // [inner, C]
        public var mlpProjectionBias: Tensor                // [C]
    }

    /// How the large matrices are held: as stored (F32 and F16 as they are, BF16 widened to
    /// F32), or converted at load.
    public enum Precision: String, Sendable, CaseIterable {
        case asStored = "auto"
        case f32
        case f16
    }

    public let config: GPT2Config
    public let tokenEmbedding: WeightMatrix  // wte [V, C]
    public let positionEmbedding: Tensor  // wpe [P, C]
    public let layers: [Layer]
    public let finalNormWeight, finalNormBias: Tensor  // [C]
    /// [V, C]: `wte` when tied.
    public let head: WeightMatrix
    /// Bytes of the weights as stored on disk.
    public let storedBytes: Int

    /// Bytes a decode step reads: every matrix once (the head is the embedding when tied)
    /// plus the vectors, in the precision held in memory.
    public var bytesReadPerToken: Int {
        func bytes(_ matrix: WeightMatrix) -> Int { matrix.rows * matrix.columns * (matrix.isHalf ? 2 : 4) }
        var total = bytes(head)
        for layer in layers {
            total += bytes(layer.attentionWeight) + bytes(layer.projectionWeight) + bytes(layer.fcWeight) + bytes(layer.mlpProjectionWeight)
            total += 4 * (layer.attentionBias.count + layer.projectionBias.count + layer.fcBias.count + layer.mlpProjectionBias.count)
        }
        return total
    }

    /// Keeps the mappings and converted buffers alive as long as the tensors are used.
    private let files: [SafeTensorsFile]
    private var ownedBuffers: [UnsafeMutableRawPointer] = []

    deinit { for buffer in ownedBuffers { buffer.deallocate() } }

    /// Loads `model.safetensors`, or the shards `model.safetensors.index.json` names, from `folder`.
    public convenience init(folder: String, config: GPT2Config, precision: Precision = .asStored) throws {
        let single = "\(folder)/model.safetensors", index = "\(folder)/model.safetensors.index.json"
        var paths = [String]()
        if FileManager.default.fileExists(atPath: single) {
            paths = [single]
        } else if let data = FileManager.default.contents(atPath: index) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let map = object["weight_map"] as? [String: String] else {
                throw ModelError.corruptSafetensors(file: index, detail: "it has no weight_map")
            }
            paths = Set(map.values).sorted().map { "\(folder)/\($0)" }
        } else {
            throw ModelError.missingFile(single)
        }
        try self.init(files: try paths.map(SafeTensorsFile.init(path:)), config: config, precision: precision)
    }

    init(files: [SafeTensorsFile], config: GPT2Config, precision: Precision) throws {
        self.files = files
        self.config = config
        var located = [String: (SafeTensorsFile, SafeTensorsFile.Entry)]()
        for file in files { for (name, entry) in file.entries { located[name] = (file, entry) } }
        storedBytes = located.values.reduce(0) { $0 + $1.1.byteCount }
        let describedFile = files.count == 1 ? files[0].path : "\(files.count) safetensors shards"
        var owned = [UnsafeMutableRawPointer]()

        /// The entry for `name`, checked: its full name, file, dtype and bytes.
        func locate(_ name: String, _ shape: [Int]) throws -> (String, SafeTensorsFile, SafeTensorsFile.DType, UnsafeRawPointer) {
            // save_pretrained writes `transformer.h.0…`; the hub's own gpt2 file writes `h.0…`.
            guard let (file, entry) = located["transformer." + name] ?? located[name] else {
                throw ModelError.missingTensor(file: describedFile, name: "transformer." + name)
            }
            let fullName = located["transformer." + name] != nil ? "transformer." + name : name
            guard entry.shape == shape else {
                throw ModelError.shapeMismatch(file: file.path, name: fullName, expected: shape, found: entry.shape)
            }
            guard let dtype = SafeTensorsFile.DType(rawValue: entry.dtype) else {
                throw ModelError.unsupportedDType(file: file.path, name: fullName, dtype: entry.dtype)
            }
            return (fullName, file, dtype, file.file.base + entry.offset)
        }

        /// Vectors and small tensors: always F32.
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            let (_, _, dtype, source) = try locate(name, shape)
            return Tensor(pointer: try widened(source, dtype: dtype, count: shape.reduce(1, *)), shape: shape)
        }

        /// Converted bytes need not stay resident in the mapping.
        func release(_ source: UnsafeRawPointer, dtype: SafeTensorsFile.DType, count: Int) {
            for file in files where source >= file.file.base && source < file.file.base + file.file.size {
                file.file.release(offset: source - file.file.base, count: count * (dtype == .f32 ? 4 : 2))
            }
        }

        /// F32 values of `count` elements: the mapped bytes themselves when they are aligned F32.
        func widened(_ source: UnsafeRawPointer, dtype: SafeTensorsFile.DType, count: Int) throws -> UnsafePointer<Float> {
            if dtype == .f32 && Int(bitPattern: source) % MemoryLayout<Float>.alignment == 0 {
                return source.assumingMemoryBound(to: Float.self)
            }
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            owned.append(UnsafeMutableRawPointer(buffer))
            defer { release(source, dtype: dtype, count: count) }
            switch dtype {
            case .f32: memcpy(buffer, source, count * 4)
            case .f16:
                for i in 0..<count { buffer[i] = Float(Float16(bitPattern: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                    buffer[i] = Float(bitPattern: bits)
                }
            }
            return UnsafePointer(buffer)
        }

        /// The large matrices, in the precision asked for.
        func matrix(_ name: String, _ shape: [Int]) throws -> WeightMatrix {
            let (_, _, dtype, source) = try locate(name, shape)
            let count = shape.reduce(1, *)
            let half = precision == .f16 || (precision == .asStored && dtype == .f16)
            guard half else {
                return WeightMatrix(storage: .f32(try widened(source, dtype: dtype, count: count)), rows: shape[0], columns: shape[1])
            }
            if dtype == .f16 && Int(bitPattern: source) % 2 == 0 {
                return WeightMatrix(storage: .f16(source.assumingMemoryBound(to: UInt16.self)), rows: shape[0], columns: shape[1])
            }
            let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
            owned.append(UnsafeMutableRawPointer(buffer))
            if dtype == .f16 {
                memcpy(buffer, source, count * 2)
            } else if dtype == .f32 {
                wf_f32_to_f16(source.assumingMemoryBound(to: Float.self), buffer, count)
            } else {
                let floats = UnsafeMutablePointer<Float>.allocate(capacity: count)
                defer { floats.deallocate() }
                for i in 0..<count { floats[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
                wf_f32_to_f16(floats, buffer, count)
            }
            release(source, dtype: dtype, count: count)
            return WeightMatrix(storage: .f16(UnsafePointer(buffer)), rows: shape[0], columns: shape[1])
        }

        let c = config.embedding, inner = config.inner
        do {
            tokenEmbedding = try matrix("wte.weight", [config.vocabulary, c])
            positionEmbedding = try tensor("wpe.weight", [config.positions, c])
            layers = try (0..<config.layers).map { i in
                let p = "h.\(i)."
                return Layer(
                    ln1Weight: try tensor(p + "ln_1.weight", [c]), ln1Bias: try tensor(p + "ln_1.bias", [c]),
                    attentionWeight: try matrix(p + "attn.c_attn.weight", [c, 3 * c]),
                    attentionBias: try tensor(p + "attn.c_attn.bias", [3 * c]),
                    projectionWeight: try matrix(p + "attn.c_proj.weight", [c, c]),
                    projectionBias: try tensor(p + "attn.c_proj.bias", [c]),
                    ln2Weight: try tensor(p + "ln_2.weight", [c]), ln2Bias: try tensor(p + "ln_2.bias", [c]),
                    fcWeight: try matrix(p + "mlp.c_fc.weight", [c, inner]), fcBias: try tensor(p + "mlp.c_fc.bias", [inner]),
                    mlpProjectionWeight: try matrix(p + "mlp.c_proj.weight", [inner, c]),
                    mlpProjectionBias: try tensor(p + "mlp.c_proj.bias", [c]))
            }
            finalNormWeight = try tensor("ln_f.weight", [c])
            finalNormBias = try tensor("ln_f.bias", [c])
            if config.tiedEmbeddings {
                head = tokenEmbedding
            } else {
                guard located["lm_head.weight"] != nil else {
                    throw ModelError.missingTensor(file: describedFile, name: "lm_head.weight (tie_word_embeddings is false)")
                }
                head = try matrix("lm_head.weight", [config.vocabulary, c])
            }
        } catch {
            for buffer in owned { buffer.deallocate() }
            throw error
        }
        ownedBuffers = owned
    }
}
