/* strhash: a fast 64-bit hash of short strings for the in-memory lookup tables (pricing,
 * tenants). Reads 8 bytes per step (one multiply each) instead of FNV's one byte, which made
 * FNV the top cost of per-span lookups. Not cryptographic and not stable across machines
 * of different endianness: never persist or send these values. No state, no I/O. */
#ifndef SPANHOUSE_STRHASH_H
#define SPANHOUSE_STRHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STRHASH_K1 0xff51afd7ed558ccdull
#define STRHASH_K2 0xc4ceb9fe1a85ec53ull

static inline uint64_t strhash_mix(uint64_t h) {
    h ^= h >> 33;
    h *= STRHASH_K2;
    h ^= h >> 33;
    return h;
}

/* Slots of an open-addressing table for n entries: a power of two, at least 16 and 2n. */
static inline size_t strhash_slots(size_t n) {
    size_t size = 16;
    while (size < n * 2)
        size *= 2;
    return size;
}

/* Hash of p[0..n) with a seed; p may be NULL when n == 0. */
static inline uint64_t strhash(const void *p, size_t n, uint64_t seed) {
    const unsigned char *s = (const unsigned char *)p;
    uint64_t h = (seed ^ 0x9e3779b97f4a7c15ull) + n * STRHASH_K2;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * STRHASH_K1;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * STRHASH_K1;
        h ^= h >> 29;
    }
    return strhash_mix(h);
}

#endif
