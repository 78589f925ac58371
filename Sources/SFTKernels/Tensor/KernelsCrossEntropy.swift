// The language-model head fused with cross-entropy: logits = x @ W^T for the rows that are trained
// (mask > 0), softmax over the vocabulary, loss = -log p(target), and, when asked, the gradient
// dlogits = (p - onehot) * mask * gradScale pushed straight into dx and dW. Rows are gathered and processed
// `chunk` at a time, so the (N, V) logits matrix never exists in full (V = 49152 makes it 200 MB at N = 1024),
// and masked rows (prompt tokens, padding) cost nothing.
import Foundation

/// Scratch floats the fused head needs for a given chunk size.
public func lmHeadScratchCount(chunk: Int, C: Int, V: Int) -> Int { chunk * (V + 2 * C) }

/// Returns sum_i mask[i] * loss[i]; losses (N) gets each row's loss (0 where mask == 0).
/// dx (N, C) +=, dW (V, C) += when non-nil, scaled by mask[i] * gradScale.
@discardableResult
public func lmHeadCrossEntropy(_ losses: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>?,
                               _ dW: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                               _ x: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
                               _ mask: UnsafePointer<Float>, gradScale: Float,
                               n: Int, C: Int, V: Int, chunk: Int) -> Double {
    var rows: [Int] = []
    for i in 0..<n { losses[i] = 0; if mask[i] != 0 { rows.append(i) } }
    let logits = scratch, xb = scratch + chunk * V, dxb = xb + chunk * C
    let wantGrad = dx != nil || dW != nil
    var total = 0.0
    var start = 0
    while start < rows.count {
        let m = min(chunk, rows.count - start)
        for j in 0..<m { (xb + j * C).update(from: x + rows[start + j] * C, count: C) }
        // logits (m, V) = xb (m, C) @ W^T
        linearForward(logits, xb, W, rows: m, inFeatures: C, outFeatures: V)
        Parallel.rows(m, minPerChunk: 1) { r in
            for j in r {
                let i = rows[start + j], row = logits + j * V, t = Int(targets[i])
                let mx = vmax(row, V)
                let mv = splat(mx)
                var acc = F16(), c = 0
                while c + 16 <= V { let e = fastExp(load16(row + c) - mv); acc += e; if wantGrad { store16(e, row + c) }; c += 16 }
                var sum = acc.sum()
                while c < V { let e = fastExp(row[c] - mx); sum += e; if wantGrad { row[c] = e }; c += 1 }
                let lse = Float(Foundation.log(Double(sum))) + mx
                let target = wantGrad ? Float(Foundation.log(Double(row[t]))) + mx : row[t]
                losses[i] = lse - target
                if wantGrad {
                    // forward: loss = -log softmax(logits)[t]  ->  dlogits = (p - onehot(t)) * scale
                    let k = mask[i] * gradScale
                    let kv = splat(k / sum)
                    c = 0
                    while c + 16 <= V { store16(load16(row + c) * kv, row + c); c += 16 }
                    while c < V { row[c] *= kv[0]; c += 1 }
                    row[t] -= k
                }
            }
        }
        for j in 0..<m { total += Double(mask[rows[start + j]]) * Double(losses[rows[start + j]]) }
        if let dx {
            // forward: logits = x @ W^T  ->  dx += dlogits @ W
            gemm(.none, .none, m: m, n: C, k: V, a: logits, lda: V, b: W, ldb: C, c: dxb, ldc: C)
            for j in 0..<m { vaxpy(dx + rows[start + j] * C, 1, dxb + j * C, C) }
        }
        if let dW {
            //                               ->  dW += dlogits^T @ x
            gemm(.transposed, .none, m: V, n: C, k: m, a: logits, lda: V, b: xb, ldb: C, beta: 1, c: dW, ldc: C)
        }
        start += m
    }
    return total
}
