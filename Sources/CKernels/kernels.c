#include "CKernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

static int forced_portable = 0;

void wf_kernels_force_portable(int portable) { forced_portable = portable; }

static int cpu_has_avx2(void) {
    static int known = -1;
    if (forced_portable) return 0;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return known;
}

// ---- portable versions -------------------------------------------------------------

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
    if (exponent == 0) {
        if (mantissa == 0) { bits = sign; }
        else {  // subnormal: normalise
            exponent = 1;
            while (!(mantissa & 0x400)) { mantissa <<= 1; exponent--; }
            mantissa &= 0x3FF;
            bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t float_to_half(float f) {  // round to nearest even
    uint32_t bits;
    memcpy(&bits, &f, 4);
    uint32_t sign = (bits >> 16) & 0x8000;
    int32_t exponent = (int32_t)((bits >> 23) & 0xFF) - 127 + 15;
    uint32_t mantissa = bits & 0x7FFFFF;
    if (((bits >> 23) & 0xFF) == 0xFF) return (uint16_t)(sign | 0x7C00 | (mantissa ? 0x200 : 0));
    if (exponent >= 31) return (uint16_t)(sign | 0x7C00);
    if (exponent <= 0) {
        if (exponent < -10) return (uint16_t)sign;
        mantissa |= 0x800000;
        uint32_t shift = (uint32_t)(14 - exponent);
        uint32_t half = mantissa >> shift, rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
        if (rest > midpoint || (rest == midpoint && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)exponent << 10) | (mantissa >> 13), rest = mantissa & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
    return (uint16_t)half;
}

#define PORTABLE_ROWS_TIMES_MATRIX(NAME, TYPE, LOAD)                                                          \
    static void NAME(int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy,         \
                     int n0, int n1) {                                                                         \
        for (int r = 0; r < m; r++) for (int j = n0; j < n1; j++) y[r * ldy + j] = 0;                          \
        for (int i = 0; i < k; i++) {                                                                          \
            const TYPE *row = w + (long)i * ldw;                                                               \
            for (int r = 0; r < m; r++) {                                                                      \
                float a = x[r * ldx + i];                                                                      \
                float *out = y + r * ldy;                                                                      \
                for (int j = n0; j < n1; j++) out[j] += a * LOAD(row[j]);                                      \
            }                                                                                                  \
        }                                                                                                      \
    }

#define PORTABLE_ROWS_TIMES_TRANSPOSED(NAME, TYPE, LOAD)                                                      \
    static void NAME(int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy,         \
                     int n0, int n1) {                                                                         \
        for (int j = n0; j < n1; j++) {                                                                        \
            const TYPE *row = w + (long)j * ldw;                                                               \
            for (int r = 0; r < m; r++) {                                                                      \
                float sum = 0;                                                                                 \
                for (int i = 0; i < k; i++) sum += x[r * ldx + i] * LOAD(row[i]);                              \
                y[r * ldy + j] = sum;                                                                          \
            }                                                                                                  \
        }                                                                                                      \
    }

#define IDENTITY(v) (v)
PORTABLE_ROWS_TIMES_MATRIX(portable_matrix_f32, float, IDENTITY)
PORTABLE_ROWS_TIMES_MATRIX(portable_matrix_f16, uint16_t, half_to_float)
PORTABLE_ROWS_TIMES_TRANSPOSED(portable_transposed_f32, float, IDENTITY)
PORTABLE_ROWS_TIMES_TRANSPOSED(portable_transposed_f16, uint16_t, half_to_float)

// ---- AVX2 versions ------------------------------------------------------------------

AVX2 static inline __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }
AVX2 static inline __m256 load8_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

AVX2 static inline float avx2_half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// Decoding one or two sequences: walk the weights row by row, KC = 4 rows at a time, so they
// stream sequentially (four streams the hardware prefetchers follow with many requests in
// flight) while the output rows stay in L1; the KC·m broadcasts of x stay in registers.
// Walking down whole column blocks instead strides a row per step and measured at a third
// of this bandwidth. Three or more rows go to the panel kernel above, which touches y less.
#define AVX2_ROW_STREAM(NAME, TYPE, LOAD8, LOAD1)                                                             \
    AVX2 static inline __attribute__((always_inline)) void NAME##_body(                                       \
        const int m, const int kc, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy,  \
        int n0, int n1) {                                                                                      \
        for (int r = 0; r < m; r++) for (int j = n0; j < n1; j++) y[r * ldy + j] = 0;                          \
        int i = 0;                                                                                             \
        for (; i + kc <= k; i += kc) {                                                                         \
            __m256 a[8][4];                                                                                    \
            for (int r = 0; r < m; r++) for (int c = 0; c < kc; c++) a[r][c] = _mm256_broadcast_ss(x + r * ldx + i + c); \
            const TYPE *rows[4];                                                                               \
            for (int c = 0; c < kc; c++) rows[c] = w + (long)(i + c) * ldw;                                    \
            int j = n0;                                                                                        \
            for (; j + 8 <= n1; j += 8) {                                                                      \
                __m256 wv[4];                                                                                  \
                for (int c = 0; c < kc; c++) wv[c] = LOAD8(rows[c] + j);                                       \
                for (int r = 0; r < m; r++) {                                                                  \
                    __m256 acc = _mm256_loadu_ps(y + r * ldy + j);                                             \
                    for (int c = 0; c < kc; c++) acc = _mm256_fmadd_ps(a[r][c], wv[c], acc);                   \
                    _mm256_storeu_ps(y + r * ldy + j, acc);                                                    \
                }                                                                                              \
            }                                                                                                  \
            for (; j < n1; j++)                                                                                \
                for (int r = 0; r < m; r++)                                                                    \
                    for (int c = 0; c < kc; c++) y[r * ldy + j] += x[r * ldx + i + c] * LOAD1(rows[c][j]);     \
        }                                                                                                      \
        for (; i < k; i++) {                                                                                   \
            const TYPE *row = w + (long)i * ldw;                                                               \
            for (int r = 0; r < m; r++)                                                                        \
                for (int j = n0; j < n1; j++) y[r * ldy + j] += x[r * ldx + i] * LOAD1(row[j]);                \
        }                                                                                                      \
    }                                                                                                          \
    AVX2 static void NAME(int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy,    \
                          int n0, int n1) {                                                                    \
        switch (m) {                                                                                           \
        case 1: NAME##_body(1, 4, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                   \
        case 2: NAME##_body(2, 4, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                   \
        case 3: NAME##_panel_body(3, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                \
        case 4: NAME##_panel_body(4, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                \
        case 5: NAME##_panel_body(5, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                \
        /* Six to eight rows: two panels of the 16-column kind (at most 5 rows fit its registers), */          \
        /* not one of 8 columns, whose 8 broadcasts per weight vector made it load-bound. Each     */          \
        /* element's sum is the same chain of FMAs either way, so the results do not change.      */          \
        case 6: NAME##_panel_body(3, k, x, ldx, w, ldw, y, ldy, n0, n1);                                       \
                NAME##_panel_body(3, k, x + 3 * ldx, ldx, w, ldw, y + 3 * ldy, ldy, n0, n1); break;            \
        case 7: NAME##_panel_body(4, k, x, ldx, w, ldw, y, ldy, n0, n1);                                       \
                NAME##_panel_body(3, k, x + 4 * ldx, ldx, w, ldw, y + 4 * ldy, ldy, n0, n1); break;            \
        default: NAME##_panel_body(4, k, x, ldx, w, ldw, y, ldy, n0, n1);                                      \
                NAME##_panel_body(4, k, x + 4 * ldx, ldx, w, ldw, y + 4 * ldy, ldy, n0, n1); break;            \
        }                                                                                                      \
    }

// Several rows (m >= 3): accumulate a panel of 16 columns × m rows in registers over a band
// of PANEL_ROWS weight rows, then move one block right. Each band row is its own forward
// stream (16 streams, within what the L2 prefetcher tracks), and y is touched once per band
// instead of once per weight row: fewer loads and stores than row streaming when m is large.
#define PANEL_ROWS 16
#define AVX2_PANEL(NAME, TYPE, LOAD8, LOAD1)                                                                  \
    AVX2 static inline __attribute__((always_inline)) void NAME##_body(                                       \
        const int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy, int n0, int n1) { \
        for (int r = 0; r < m; r++) for (int j = n0; j < n1; j++) y[r * ldy + j] = 0;                          \
        for (int i0 = 0; i0 < k; i0 += PANEL_ROWS) {                                                           \
            const int i1 = i0 + PANEL_ROWS < k ? i0 + PANEL_ROWS : k;                                          \
            int j = n0;                                                                                        \
            if (m <= 5) {                                                                                      \
                for (; j + 16 <= n1; j += 16) {                                                                \
                    __m256 a0[5], a1[5];                                                                       \
                    for (int r = 0; r < m; r++) { a0[r] = _mm256_loadu_ps(y + r * ldy + j); a1[r] = _mm256_loadu_ps(y + r * ldy + j + 8); } \
                    for (int i = i0; i < i1; i++) {                                                            \
                        const TYPE *row = w + (long)i * ldw + j;                                               \
                        const __m256 w0 = LOAD8(row), w1 = LOAD8(row + 8);                                     \
                        for (int r = 0; r < m; r++) {                                                          \
                            const __m256 a = _mm256_broadcast_ss(x + r * ldx + i);                             \
                            a0[r] = _mm256_fmadd_ps(a, w0, a0[r]);                                             \
                            a1[r] = _mm256_fmadd_ps(a, w1, a1[r]);                                             \
                        }                                                                                      \
                    }                                                                                          \
                    for (int r = 0; r < m; r++) { _mm256_storeu_ps(y + r * ldy + j, a0[r]); _mm256_storeu_ps(y + r * ldy + j + 8, a1[r]); } \
                }                                                                                              \
            }                                                                                                  \
            for (; j + 8 <= n1; j += 8) {                                                                      \
                __m256 acc[8];                                                                                 \
                for (int r = 0; r < m; r++) acc[r] = _mm256_loadu_ps(y + r * ldy + j);                         \
                for (int i = i0; i < i1; i++) {                                                                \
                    const __m256 wv = LOAD8(w + (long)i * ldw + j);                                            \
                    for (int r = 0; r < m; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(x + r * ldx + i), wv, acc[r]); \
                }                                                                                              \
                for (int r = 0; r < m; r++) _mm256_storeu_ps(y + r * ldy + j, acc[r]);                         \
            }                                                                                                  \
            for (; j < n1; j++)                                                                                \
                for (int r = 0; r < m; r++)                                                                    \
                    for (int i = i0; i < i1; i++) y[r * ldy + j] += x[r * ldx + i] * LOAD1(w[(long)i * ldw + j]); \
        }                                                                                                      \
    }

AVX2 static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

#define AVX2_ROWS_TIMES_TRANSPOSED(NAME, TYPE, LOAD8, LOAD1)                                                  \
    AVX2 static inline __attribute__((always_inline)) void NAME##_body(                                       \
        const int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy, int n0, int n1) { \
        for (int j = n0; j < n1; j++) {                                                                        \
            const TYPE *row = w + (long)j * ldw;                                                               \
            __m256 acc[8];                                                                                     \
            for (int r = 0; r < m; r++) acc[r] = _mm256_setzero_ps();                                          \
            int i = 0;                                                                                         \
            for (; i + 8 <= k; i += 8) {                                                                       \
                __m256 wv = LOAD8(row + i);                                                                    \
                for (int r = 0; r < m; r++) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * ldx + i), wv, acc[r]); \
            }                                                                                                  \
            for (int r = 0; r < m; r++) {                                                                      \
                float sum = horizontal_sum(acc[r]);                                                            \
                for (int t = i; t < k; t++) sum += x[r * ldx + t] * LOAD1(row[t]);                             \
                y[r * ldy + j] = sum;                                                                          \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
    AVX2 static void NAME(int m, int k, const float *x, int ldx, const TYPE *w, int ldw, float *y, int ldy,    \
                          int n0, int n1) {                                                                    \
        switch (m) {                                                                                           \
        case 1: NAME##_body(1, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 2: NAME##_body(2, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 3: NAME##_body(3, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 4: NAME##_body(4, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 5: NAME##_body(5, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 6: NAME##_body(6, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        case 7: NAME##_body(7, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                      \
        default: NAME##_body(8, k, x, ldx, w, ldw, y, ldy, n0, n1); break;                                     \
        }                                                                                                      \
    }

AVX2_PANEL(avx2_stream_f32_panel, float, load8_f32, IDENTITY)
AVX2_PANEL(avx2_stream_f16_panel, uint16_t, load8_f16, avx2_half_to_float)
AVX2_ROW_STREAM(avx2_stream_f32, float, load8_f32, IDENTITY)
AVX2_ROW_STREAM(avx2_stream_f16, uint16_t, load8_f16, avx2_half_to_float)
AVX2_ROWS_TIMES_TRANSPOSED(avx2_transposed_f32, float, load8_f32, IDENTITY)
AVX2_ROWS_TIMES_TRANSPOSED(avx2_transposed_f16, uint16_t, load8_f16, avx2_half_to_float)

// ---- dispatch -----------------------------------------------------------------------

void wf_rows_times_matrix_f32(int m, int k, const float *x, int ldx, const float *w, int ldw, float *y, int ldy, int n0, int n1) {
    (cpu_has_avx2() ? avx2_stream_f32 : portable_matrix_f32)(m, k, x, ldx, w, ldw, y, ldy, n0, n1);
}
void wf_rows_times_matrix_f16(int m, int k, const float *x, int ldx, const uint16_t *w, int ldw, float *y, int ldy, int n0, int n1) {
    (cpu_has_avx2() ? avx2_stream_f16 : portable_matrix_f16)(m, k, x, ldx, w, ldw, y, ldy, n0, n1);
}
void wf_rows_times_transposed_f32(int m, int k, const float *x, int ldx, const float *w, int ldw, float *y, int ldy, int n0, int n1) {
    (cpu_has_avx2() ? avx2_transposed_f32 : portable_transposed_f32)(m, k, x, ldx, w, ldw, y, ldy, n0, n1);
}
void wf_rows_times_transposed_f16(int m, int k, const float *x, int ldx, const uint16_t *w, int ldw, float *y, int ldy, int n0, int n1) {
    (cpu_has_avx2() ? avx2_transposed_f16 : portable_transposed_f16)(m, k, x, ldx, w, ldw, y, ldy, n0, n1);
}

AVX2 static void avx2_f16_to_f32(const uint16_t *source, float *target, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(target + i, load8_f16(source + i));
    for (; i < count; i++) target[i] = _cvtsh_ss(source[i]);
}

void wf_f16_to_f32(const uint16_t *source, float *target, long count) {
    if (cpu_has_avx2()) { avx2_f16_to_f32(source, target, count); return; }
    for (long i = 0; i < count; i++) target[i] = half_to_float(source[i]);
}

AVX2 static void avx2_f32_to_f16(const float *source, uint16_t *target, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8)
        _mm_storeu_si128((__m128i *)(target + i), _mm256_cvtps_ph(_mm256_loadu_ps(source + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < count; i++) target[i] = float_to_half(source[i]);
}

void wf_f32_to_f16(const float *source, uint16_t *target, long count) {
    if (cpu_has_avx2()) { avx2_f32_to_f16(source, target, count); return; }
    for (long i = 0; i < count; i++) target[i] = float_to_half(source[i]);
}

AVX2 static float avx2_sum(const float *values, long count) {
    __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
    long i = 0;
    for (; i + 32 <= count; i += 32) {
        a = _mm256_add_ps(a, _mm256_loadu_ps(values + i));
        b = _mm256_add_ps(b, _mm256_loadu_ps(values + i + 8));
        c = _mm256_add_ps(c, _mm256_loadu_ps(values + i + 16));
        d = _mm256_add_ps(d, _mm256_loadu_ps(values + i + 24));
    }
    float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
    for (; i < count; i++) sum += values[i];
    return sum;
}

float wf_sum_f32(const float *values, long count) {
    if (cpu_has_avx2()) return avx2_sum(values, count);
    float sum = 0;
    for (long i = 0; i < count; i++) sum += values[i];
    return sum;
}

// ---- attention for one query ---------------------------------------------------------

static void portable_attend_one(const float *q, const float *keys, const float *values, int span, int d, int stride,
                                float scale, float *scores, float *out) {
    float maximum = -INFINITY;
    for (int s = 0; s < span; s++) {
        const float *key = keys + (long)s * stride;
        float dot = 0;
        for (int i = 0; i < d; i++) dot += q[i] * key[i];
        scores[s] = dot * scale;
        if (scores[s] > maximum) maximum = scores[s];
    }
    float sum = 0;
    for (int s = 0; s < span; s++) { scores[s] = expf(scores[s] - maximum); sum += scores[s]; }
    for (int i = 0; i < d; i++) out[i] = 0;
    for (int s = 0; s < span; s++) {
        const float *value = values + (long)s * stride;
        float weight = scores[s] / sum;
        for (int i = 0; i < d; i++) out[i] += weight * value[i];
    }
}

AVX2 static void avx2_attend_one(const float *q, const float *keys, const float *values, int span, int d, int stride,
                                 float scale, float *scores, float *out) {
    if (d % 8 != 0) { portable_attend_one(q, keys, values, span, d, stride, scale, scores, out); return; }
    float maximum = -INFINITY;
    for (int s = 0; s < span; s++) {
        const float *key = keys + (long)s * stride;
        __m256 acc = _mm256_setzero_ps();
        for (int i = 0; i < d; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(key + i), acc);
        scores[s] = horizontal_sum(acc) * scale;
        if (scores[s] > maximum) maximum = scores[s];
    }
    float sum = 0;
    for (int s = 0; s < span; s++) { scores[s] = expf(scores[s] - maximum); sum += scores[s]; }
    for (int i = 0; i < d; i += 8) _mm256_storeu_ps(out + i, _mm256_setzero_ps());
    for (int s = 0; s < span; s++) {
        const float *value = values + (long)s * stride;
        __m256 weight = _mm256_set1_ps(scores[s] / sum);
        for (int i = 0; i < d; i += 8)
            _mm256_storeu_ps(out + i, _mm256_fmadd_ps(weight, _mm256_loadu_ps(value + i), _mm256_loadu_ps(out + i)));
    }
}

void wf_attend_one(const float *q, const float *keys, const float *values, int span, int d, int stride, float scale,
                   float *scores, float *out) {
    (cpu_has_avx2() ? avx2_attend_one : portable_attend_one)(q, keys, values, span, d, stride, scale, scores, out);
}

// ---- GELU (tanh form) with a polynomial exponential ----------------------------------------
// e^x = 2^n · e^r, n = round(x / ln 2), |r| ≤ ln2 / 2, e^r by Cephes' expf polynomial. x is
// clamped to where 2^n stays a normal float; GELU only needs e^{2u} + 1 there.
#define EXP_LOW -87.3f
#define EXP_HIGH 88.3f
#define GELU_K 0.7978845608028654f   /* sqrt(2 / pi) */

static inline float scalar_exp(float x) {
    x = x < EXP_LOW ? EXP_LOW : (x > EXP_HIGH ? EXP_HIGH : x);
    float n = nearbyintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { uint32_t i; float f; } scale = { .i = (uint32_t)((int32_t)n + 127) << 23 };
    return p * scale.f;
}

AVX2 static inline __m256 avx2_exp(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(EXP_LOW)), _mm256_set1_ps(EXP_HIGH));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

static inline float scalar_gelu(float v) {
    float u = GELU_K * (v + 0.044715f * v * v * v);
    return v - v / (scalar_exp(2 * u) + 1);
}

static inline float scalar_gelu_gradient(float v) {
    float u = GELU_K * (v + 0.044715f * v * v * v);
    float th = 1 - 2 / (scalar_exp(2 * u) + 1);
    float du = GELU_K * (1 + 3 * 0.044715f * v * v);
    return 0.5f * (1 + th) + 0.5f * v * (1 - th * th) * du;
}

AVX2 static void avx2_gelu(const float *x, float *out, long count) {
    const __m256 k = _mm256_set1_ps(GELU_K), a = _mm256_set1_ps(0.044715f), one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(a, v), _mm256_mul_ps(v, v), v));
        __m256 e = avx2_exp(_mm256_mul_ps(two, u));
        _mm256_storeu_ps(out + i, _mm256_sub_ps(v, _mm256_div_ps(v, _mm256_add_ps(e, one))));
    }
    for (; i < count; i++) out[i] = scalar_gelu(x[i]);
}

AVX2 static void avx2_gelu_backward(const float *x, const float *dy, float *dx, long count) {
    const __m256 k = _mm256_set1_ps(GELU_K), a = _mm256_set1_ps(0.044715f), a3 = _mm256_set1_ps(3 * 0.044715f);
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), half = _mm256_set1_ps(0.5f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), v2 = _mm256_mul_ps(v, v);
        __m256 u = _mm256_mul_ps(k, _mm256_fmadd_ps(_mm256_mul_ps(a, v), v2, v));
        __m256 th = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(avx2_exp(_mm256_mul_ps(two, u)), one)));
        __m256 du = _mm256_mul_ps(k, _mm256_fmadd_ps(a3, v2, one));
        // 0.5 (1 + th) + 0.5 v (1 − th²) du
        __m256 gradient = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_fnmadd_ps(th, th, one)), du,
                                          _mm256_mul_ps(half, _mm256_add_ps(one, th)));
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(_mm256_loadu_ps(dy + i), gradient, _mm256_loadu_ps(dx + i)));
    }
    for (; i < count; i++) dx[i] += dy[i] * scalar_gelu_gradient(x[i]);
}

void wf_gelu_tanh(const float *x, float *out, long count) {
    if (cpu_has_avx2()) { avx2_gelu(x, out, count); return; }
    for (long i = 0; i < count; i++) out[i] = scalar_gelu(x[i]);
}

void wf_gelu_tanh_backward(const float *x, const float *dy, float *dx, long count) {
    if (cpu_has_avx2()) { avx2_gelu_backward(x, dy, dx, count); return; }
    for (long i = 0; i < count; i++) dx[i] += dy[i] * scalar_gelu_gradient(x[i]);
}

AVX2 static float avx2_exp_shifted_sum(const float *x, float shift, float *out, long count) {
    const __m256 s = _mm256_set1_ps(shift);
    __m256 sum = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 e = avx2_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(out + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    float total = horizontal_sum(sum);
    for (; i < count; i++) { out[i] = scalar_exp(x[i] - shift); total += out[i]; }
    return total;
}

float wf_exp_shifted_sum(const float *x, float shift, float *out, long count) {
    if (cpu_has_avx2()) return avx2_exp_shifted_sum(x, shift, out, count);
    float total = 0;
    for (long i = 0; i < count; i++) { out[i] = scalar_exp(x[i] - shift); total += out[i]; }
    return total;
}
