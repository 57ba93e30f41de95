// Matrix kernels for decoding: a few rows of activations times a large weight matrix,
// streaming the weights once. OpenBLAS handles the large products (prompts, training);
// at 1 to 8 rows its sgemm re-reads or under-uses the weights, and these do not.
// Weights are F32, or F16 (IEEE half) converted in registers, which halves the bytes read.
// AVX2+FMA+F16C when the CPU has them (checked at run time), portable C otherwise.
#ifndef WF_CKERNELS_H
#define WF_CKERNELS_H

#include <stdint.h>

// y[r, j] = sum_i x[r, i] * w[i, j]   for r < m (m <= 8), j in [n0, n1)
// x: [m, k] row stride ldx; w: [k, n] row stride ldw; y: row stride ldy.
void wf_rows_times_matrix_f32(int m, int k, const float *x, int ldx, const float *w, int ldw, float *y, int ldy, int n0, int n1);
void wf_rows_times_matrix_f16(int m, int k, const float *x, int ldx, const uint16_t *w, int ldw, float *y, int ldy, int n0, int n1);

// y[r, j] = sum_i x[r, i] * w[j, i]   for r < m (m <= 8), j in [n0, n1): w stored [n, k] (the LM head)
void wf_rows_times_transposed_f32(int m, int k, const float *x, int ldx, const float *w, int ldw, float *y, int ldy, int n0, int n1);
void wf_rows_times_transposed_f16(int m, int k, const float *x, int ldx, const uint16_t *w, int ldw, float *y, int ldy, int n0, int n1);

// F16 <-> F32 for count values.
void wf_f16_to_f32(const uint16_t *source, float *target, long count);
void wf_f32_to_f16(const float *source, uint16_t *target, long count);

// One query against span cached positions (rows of stride floats):
// out[d] = sum_s softmax_s(scale * q . key_s) * value_s; scores holds span floats.
void wf_attend_one(const float *q, const float *keys, const float *values, int span, int d, int stride, float scale,
                   float *scores, float *out);

// Sum of count floats, streaming (the memory-bandwidth probe of `wf bench generate`).
float wf_sum_f32(const float *values, long count);

// GELU, tanh form, as x - x / (e^{2u} + 1), u = sqrt(2/pi) (x + 0.044715 x^3): out[i] = gelu(x[i])
// (out may be x). The exponential is a degree-6 polynomial good to about 1 ulp, vectorised.
void wf_gelu_tanh(const float *x, float *out, long count);
// dx[i] += dy[i] * gelu'(x[i]), the same exponential.
void wf_gelu_tanh_backward(const float *x, const float *dy, float *dx, long count);

// out[i] = e^(x[i] - shift) (out may be x), the softmax numerators; returns their sum.
float wf_exp_shifted_sum(const float *x, float shift, float *out, long count);

// Tests: 1 makes every kernel take its portable path, 0 restores the CPU's best.
void wf_kernels_force_portable(int portable);

#endif
