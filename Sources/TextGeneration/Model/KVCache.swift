/// Keys and values of every position seen so far, per layer: [batch, capacity, C] each,
/// heads side by side within a row as the attention projection lays them out. Each of the
/// `batch` rows (a slot) has its own length, so a serving batch can hold sequences at
/// different positions: a new request is prefilled into a free slot while the others decode.
public final class KVCache {
    public let batch: Int
    public let capacity: Int
    let width: Int
    var keys: [UnsafeMutablePointer<Float>]
    var values: [UnsafeMutablePointer<Float>]
    /// Positions filled, per slot.
    public internal(set) var lengths: [Int]

    /// Positions filled when every slot holds the same number (`generate`, beam search).
    public internal(set) var length: Int {
        get { lengths[0] }
        set { lengths = [Int](repeating: newValue, count: batch) }
    }

    public init(config: GPT2Config, batch: Int, capacity: Int) {
        self.batch = batch
        self.capacity = capacity
        width = config.embedding
        let size = batch * capacity * config.embedding
        keys = (0..<config.layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: size) }
        values = (0..<config.layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: size) }
        lengths = [Int](repeating: 0, count: batch)
    }

    /// Empties a slot for its next sequence.
    public func reset(slot: Int) { lengths[slot] = 0 }

    /// Makes each slot of `targets` hold what slot `source` holds (one prompt, several
    /// returned sequences).
    public func copy(slot source: Int, to targets: [Int]) {
        let rowFloats = capacity * width, count = lengths[source] * width
        for buffer in keys + values {
            for target in targets where target != source {
                (buffer + target * rowFloats).update(from: buffer + source * rowFloats, count: count)
            }
        }
        for target in targets { lengths[target] = lengths[source] }
    }

    deinit {
        for buffer in keys + values { buffer.deallocate() }
    }

    /// Makes sequence `b` continue from what sequence `sources[b]` held (beam search's
    /// reordering, and copying one prompt to many sequences).
    public func reorder(_ sources: [Int]) {
        precondition(sources.count == batch)
        let rowFloats = capacity * width
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: batch * rowFloats)
        defer { scratch.deallocate() }
        for buffer in keys + values {
            for b in 0..<batch { (scratch + b * rowFloats).update(from: buffer + sources[b] * rowFloats, count: length * width) }
            for b in 0..<batch { (buffer + b * rowFloats).update(from: scratch + b * rowFloats, count: length * width) }
        }
    }
}

extension KVCache {
    /// A cache of `batch` sequences that each start from what sequence 0 of this one holds:
    /// one prompt pass serves every returned sequence.
    public func expanded(to batch: Int, capacity: Int? = nil) -> KVCache {
        let result = KVCache(layers: keys.count, width: width, batch: batch, capacity: capacity ?? self.capacity)
        for (source, target) in zip(keys + values, result.keys + result.values) {
            for b in 0..<batch { (target + b * result.capacity * width).update(from: source, count: length * width) }
        }
        result.length = length
        return result
    }

    convenience init(layers: Int, width: Int, batch: Int, capacity: Int) {
        self.init(config: GPT2Config(layers: layers, heads: 1, embedding: width, positions: capacity, vocabulary: 1),
                  batch: batch, capacity: capacity)
    }
}
