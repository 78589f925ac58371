// oneDNN's C API (Debian: libdnnl-dev 2.6) plus three small helpers, so Swift never spells oneDNN's fixed-size
// dims arrays: sft_matmul_create builds one row-major matmul primitive C (M, N) = alpha * A (M, K) @ B (K, N)
// + beta * C for given strides and operand type (f32 or bf16; C and the accumulation are always f32), with the
// three memory objects it runs on; sft_matmul_run points them at this call's buffers and executes.
#include <oneapi/dnnl/dnnl.h>

typedef struct {
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c;
} sft_matmul;

static inline dnnl_status_t sft_md2d(dnnl_memory_desc_t *md, int64_t rows, int64_t cols,
                                     int64_t stride0, int64_t stride1, dnnl_data_type_t dt) {
    dnnl_dims_t d = {rows, cols};
    dnnl_dims_t s = {stride0, stride1};
    return dnnl_memory_desc_init_by_strides(md, 2, d, dt, s);
}

// A's strides (sa0, sa1) and B's (sb0, sb1) say where element (i, j) of the logical A (M, K) and B (K, N) live,
// so a transposed operand is a stride swap, not a copy.
static inline dnnl_status_t sft_matmul_create(sft_matmul *out, dnnl_engine_t engine, int64_t M, int64_t N, int64_t K,
                                              int64_t sa0, int64_t sa1, int64_t sb0, int64_t sb1, int64_t ldc,
                                              dnnl_data_type_t operands, float alpha, float beta) {
    dnnl_memory_desc_t amd, bmd, cmd;
    dnnl_status_t st;
    if ((st = sft_md2d(&amd, M, K, sa0, sa1, operands)) != dnnl_success) return st;
    if ((st = sft_md2d(&bmd, K, N, sb0, sb1, operands)) != dnnl_success) return st;
    if ((st = sft_md2d(&cmd, M, N, ldc, 1, dnnl_f32)) != dnnl_success) return st;
    dnnl_matmul_desc_t desc;
    if ((st = dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd)) != dnnl_success) return st;
    dnnl_primitive_attr_t attr;
    if ((st = dnnl_primitive_attr_create(&attr)) != dnnl_success) return st;
    if (alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    if (beta != 0.0f) {
        dnnl_post_ops_t po;
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, beta);
        dnnl_primitive_attr_set_post_ops(attr, po);
        dnnl_post_ops_destroy(po);
    }
    dnnl_primitive_desc_t pd;
    st = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) return st;
    st = dnnl_primitive_create(&out->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) return st;
    if ((st = dnnl_memory_create(&out->a, &amd, engine, DNNL_MEMORY_NONE)) != dnnl_success) return st;
    if ((st = dnnl_memory_create(&out->b, &bmd, engine, DNNL_MEMORY_NONE)) != dnnl_success) return st;
    return dnnl_memory_create(&out->c, &cmd, engine, DNNL_MEMORY_NONE);
}

static inline dnnl_status_t sft_matmul_run(const sft_matmul *m, dnnl_stream_t stream,
                                           const void *a, const void *b, void *c) {
    dnnl_memory_set_data_handle(m->a, (void *)a);
    dnnl_memory_set_data_handle(m->b, (void *)b);
    dnnl_memory_set_data_handle(m->c, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, m->a}, {DNNL_ARG_WEIGHTS, m->b}, {DNNL_ARG_DST, m->c}};
    dnnl_status_t st = dnnl_primitive_execute(m->prim, stream, 3, args);
    if (st != dnnl_success) return st;
    return dnnl_stream_wait(stream);
}
