/* gen_rng: the deterministic PRNG of the synthetic workload generators (gen.c for spans,
 * genq.c for evals and outcomes): xoshiro256** seeded with splitmix64 (public-domain
 * algorithms), and the few draws built on it. Header-only so the generators inline it.
 * The state is the caller's (no global state); same seed = same stream on every machine. */
#ifndef SPANHOUSE_GEN_RNG_H
#define SPANHOUSE_GEN_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct gen_rng_s {
    uint64_t s[4];
} gen_rng_t;

static inline uint64_t gen_rng_splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline void gen_rng_seed(gen_rng_t *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = gen_rng_splitmix(&seed);
}
static inline uint64_t gen_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t gen_rng_u64(gen_rng_t *r) {
    uint64_t *s = r->s;
    uint64_t v = gen_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rng_rotl(s[3], 45);
    return v;
}
/* Uniform in [0, 1). */
static inline double gen_rng_u01(gen_rng_t *r) {
    return (double)(gen_rng_u64(r) >> 11) * 0x1.0p-53;
}
/* Uniform in [0, n). */
static inline uint32_t gen_rng_below(gen_rng_t *r, uint32_t n) {
    return (uint32_t)(((gen_rng_u64(r) >> 32) * n) >> 32);
}
static inline int gen_rng_chance(gen_rng_t *r, double p) { return gen_rng_u01(r) < p; }
/* Standard normal (Box-Muller, one of the pair). */
static inline double gen_rng_normal(gen_rng_t *r) {
    double u1 = gen_rng_u01(r), u2 = gen_rng_u01(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
static inline double gen_rng_lognormal(gen_rng_t *r, double median, double sigma) {
    return median * exp(sigma * gen_rng_normal(r));
}
/* nhex lowercase hex digits and a NUL into dst. */
static inline void gen_rng_hex(gen_rng_t *r, char *dst, unsigned nhex) {
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < nhex; i += 16) {
        uint64_t v = gen_rng_u64(r);
        for (unsigned j = i; j < nhex && j < i + 16; j++, v >>= 4)
            dst[j] = hex[v & 15];
    }
    dst[nhex] = '\0';
}

#endif
