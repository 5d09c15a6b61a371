/*
 * Protobuf wire format helpers: see pbwire.h.
 */
#include "wire/pbwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

int pbwire_find(const uint8_t *p, size_t n, uint32_t field, const uint8_t **val, size_t *len)
{
    const uint8_t *end = p + n;
    while (p < end) {
        uint64_t tag, v;
        if (s_varint(&p, end, &tag) < 0)
            return -1;
        switch (tag & 7) {
        case 0:
            if (s_varint(&p, end, &v) < 0)
                return -1;
            break;
        case 1:
            if (end - p < 8)
                return -1;
            p += 8;
            break;
        case 5:
            if (end - p < 4)
                return -1;
            p += 4;
            break;
        case 2:
            if (s_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
                return -1;
            if ((tag >> 3) == field) {
                *val = p;
                *len = (size_t)v;
                return 0;
            }
            p += v;
            break;
        default:
            return -1;
        }
    }
    return -1;
}

size_t pbwire_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static size_t s_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t pbwire_ld_size(uint32_t field, size_t len)
{
    return s_varint_size((uint64_t)field << 3 | 2) + s_varint_size(len) + len;
}

size_t pbwire_ld(uint8_t *out, uint32_t field, const void *data, size_t len)
{
    size_t n = pbwire_varint(out, (uint64_t)field << 3 | 2);
    n += pbwire_varint(out + n, len);
    memcpy(out + n, data, len);
    return n + len;
}

uint32_t pbwire_field(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (!f) {
        fprintf(stderr, "no field %s in %s\n", name, d->name);
        abort();
    }
    return f->id;
}
