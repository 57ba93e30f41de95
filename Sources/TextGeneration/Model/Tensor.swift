/// A read-only F32 tensor: a pointer into a mapped file (F32 weights, zero-copy) or into a
/// buffer the weights own (weights converted from F16/BF16, or misaligned F32).
public struct Tensor: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }

    public subscript(index: Int) -> Float { pointer[index] }
}
