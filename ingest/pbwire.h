/* pbwire: the protobuf wire format of untrusted bytes, for every protobuf decoder (OTLP trace
 * requests in otlp_proto.c, OTLP log requests in otlp_logs.c): varints, field tags, the four
 * wire types OTLP uses, length-delimited bounds. It only cuts a message into fields; what a
 * field means, and how an error is reported, stays with the decoder (pbw_why names the
 * problem). Before this header the two decoders had one reader each (the log reader without
 * the one-byte fast paths); tests/unit/test_pbwire.c covers the edges, the fuzzers of both
 * decoders run through it.
 *
 * Header-only (static inline, the field reader always inlined) so the decoders' hot loops keep
 * it in registers. Reads fixed64/fixed32 as the little-endian host's integers (x86_64,
 * aarch64). No state, no allocation. */
#ifndef SPANHOUSE_PBWIRE_H
#define SPANHOUSE_PBWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A message (or any byte range) still to read: [p, e). */
typedef struct pbw_s {
    const uint8_t *p, *e;
} pbw_t;

/* One field: its number (0 at the end of the message), wire type, and value: the integer of a
 * varint or fixed field, or the bytes of a length-delimited one. */
typedef struct pbw_field_s {
    uint32_t num, wt;
    uint64_t v;
    pbw_t sub;
} pbw_field_t;

enum { PBW_VARINT = 0, PBW_I64 = 1, PBW_LEN = 2, PBW_I32 = 5 };

/* What pbw_next found wrong (PBW_OK: nothing). */
typedef enum {
    PBW_OK = 0,
    PBW_BAD_TAG,    /* truncated tag, field number 0 or above 2^29-1 */
    PBW_BAD_VARINT, /* truncated, or longer than 10 bytes */
    PBW_SHORT_I64,  /* fewer than 8 bytes left for a fixed64 */
    PBW_SHORT_I32,  /* fewer than 4 bytes left for a fixed32 */
    PBW_BAD_LENGTH, /* the length of a length-delimited field is not a varint */
    PBW_PAST_END,   /* the length runs past the end of the message */
    PBW_WIRE_TYPE,  /* groups (3, 4) or 6, 7 */
} pbw_status_t;

static inline const char *pbw_why(pbw_status_t st) {
    switch (st) {
    case PBW_OK:
        return "ok";
    case PBW_BAD_TAG:
        return "bad field tag";
    case PBW_BAD_VARINT:
        return "bad varint";
    case PBW_SHORT_I64:
        return "truncated fixed64";
    case PBW_SHORT_I32:
        return "truncated fixed32";
    case PBW_BAD_LENGTH:
        return "bad length";
    case PBW_PAST_END:
        return "length past the end";
    case PBW_WIRE_TYPE:
        return "unsupported wire type";
    }
    return "?";
}

/* A varint at b->p into *out, b->p moved past it; -1 if truncated or over 10 bytes. */
static inline int pbw_varint(pbw_t *b, uint64_t *out) {
    uint64_t v = 0;
    for (int sh = 0; sh < 70; sh += 7) {
        if (b->p >= b->e) return -1;
        uint8_t c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << (sh < 64 ? sh : 63);
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Reads the next field of b into f (f->num == 0 at the end of b). On an error f->num is the
 * field's number when known (0 otherwise) and b is left where the error was found. */
static inline __attribute__((always_inline)) pbw_status_t pbw_next(pbw_t *b, pbw_field_t *f) {
    uint64_t tag, len;
    f->num = 0;
    if (b->p >= b->e) return PBW_OK;
    if (b->p[0] < 0x80) /* one-byte tag: the common case */
        tag = *b->p++;
    else if (pbw_varint(b, &tag))
        return PBW_BAD_TAG;
    if ((tag >> 3) == 0 || (tag >> 3) > 536870911u) return PBW_BAD_TAG;
    f->wt = (uint32_t)(tag & 7);
    f->num = (uint32_t)(tag >> 3);
    switch (f->wt) {
    case PBW_VARINT:
        if (b->p < b->e && b->p[0] < 0x80) {
            f->v = *b->p++;
            return PBW_OK;
        }
        return pbw_varint(b, &f->v) ? PBW_BAD_VARINT : PBW_OK;
    case PBW_I64:
        if (b->e - b->p < 8) return PBW_SHORT_I64;
        memcpy(&f->v, b->p, 8);
        b->p += 8;
        return PBW_OK;
    case PBW_I32: {
        uint32_t v32;
        if (b->e - b->p < 4) return PBW_SHORT_I32;
        memcpy(&v32, b->p, 4);
        f->v = v32;
        b->p += 4;
        return PBW_OK;
    }
    case PBW_LEN:
        if (b->p < b->e && b->p[0] < 0x80)
            len = *b->p++;
        else if (pbw_varint(b, &len))
            return PBW_BAD_LENGTH;
        if (len > (uint64_t)(b->e - b->p)) return PBW_PAST_END;
        f->sub.p = b->p;
        f->sub.e = b->p + len;
        b->p += len;
        return PBW_OK;
    default:
        return PBW_WIRE_TYPE;
    }
}

#endif
