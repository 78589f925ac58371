// Token embedding lookup and its scatter-add backward; residual add and its backward.
// Argument order everywhere: outputs/caches, then inputs and weights, then sizes. Backward adds (+=).

/// out (N, C) = table[tokens[i]] for each of N rows.
public func embeddingForward(_ out: UnsafeMutablePointer<Float>, _ tokens: UnsafePointer<Int32>,
                             _ table: UnsafePointer<Float>, n: Int, C: Int) {
    Parallel.rows(n, minPerChunk: 64) { r in
        for i in r { (out + i * C).update(from: table + Int(tokens[i]) * C, count: C) }
    }
}

/// dtable (V, C) += scatter of dout (N, C) by token.
public func embeddingBackward(_ dtable: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                              _ tokens: UnsafePointer<Int32>, n: Int, C: Int) {
    // forward: out[i] = table[tokens[i]]  ->  dtable[tokens[i]] += dout[i]
    // Rows may repeat a token, so split over columns instead of rows.
    let blocks = (C + 63) / 64
    Parallel.rows(blocks) { r in
        let lo = r.lowerBound * 64, hi = min(C, r.upperBound * 64)
        for i in 0..<n { vaxpy(dtable + Int(tokens[i]) * C + lo, 1, dout + i * C + lo, hi - lo) }
    }
}

/// out (N) = a + b.
public func residualForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, n: Int) {
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        while i + 16 <= r.upperBound { store16(load16(a + i) + load16(b + i), out + i); i += 16 }
        while i < r.upperBound { out[i] = a[i] + b[i]; i += 1 }
    }
}

/// da += dout, db += dout.
public func residualBackward(_ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                             _ dout: UnsafePointer<Float>, n: Int) {
    // forward: out = a + b
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        let m = r.count, o = r.lowerBound
        vaxpy(da + o, 1, dout + o, m)
        vaxpy(db + o, 1, dout + o, m)
    }
}
