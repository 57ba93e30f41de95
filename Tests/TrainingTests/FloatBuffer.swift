import TextGeneration

/// A heap buffer of floats for the layer tests: the kernels take pointers, and a class lets
/// a loss closure read values the test perturbs.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int, value: Float = 0) {
        self.count = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Normal values with standard deviation `std` around `mean`.
    convenience init(random count: Int, std: Double = 1, mean: Double = 0, random: inout SeededRandom) {
        self.init(count)
        for i in 0..<count { pointer[i] = Float(mean + std * random.normal()) }
    }

    deinit { pointer.deallocate() }

    subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func zero() { pointer.update(repeating: 0, count: count) }
}
