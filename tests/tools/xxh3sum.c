/* xxh3sum: prints the XXH3-64 of stdin as 16 lowercase hex digits (what spanhouse writes in
 * the original_xxh3 header of a truncated dead letter and in dedup tokens). Test tool. */
#include <inttypes.h>
#include <stdio.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

int main(void) {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    char b[65536];
    size_t n;
    while ((n = fread(b, 1, sizeof(b), stdin)) > 0)
        XXH3_64bits_update(&st, b, n);
    printf("%016" PRIx64 "\n", (uint64_t)XXH3_64bits_digest(&st));
    return 0;
}
