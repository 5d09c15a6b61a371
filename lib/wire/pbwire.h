/*
 * Just enough of the protobuf wire format to move encoded messages without
 * decoding them: find a length-delimited field, write a tag, a varint, a
 * length-delimited field. An intake forwards its spool this way, so a
 * referral is encoded once, when it is accepted.
 */
#ifndef CARERHUB_PBWIRE_H
#define CARERHUB_PBWIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* The number of a message's field, from the .proto (via its descriptor):
 * so that no field number is written by hand. Aborts if there is no such
 * field, a bug in the caller. */
uint32_t pbwire_field(const ProtobufCMessageDescriptor *d, const char *name);

/* Finds the first length-delimited field numbered `field` in the n bytes of
 * an encoded message. Returns 0 and sets *val and *len, or -1 if absent or
 * the encoding is broken. */
int pbwire_find(const uint8_t *p, size_t n, uint32_t field, const uint8_t **val, size_t *len);

/* Writes v as a varint; returns the bytes written (at most 10). */
size_t pbwire_varint(uint8_t *out, uint64_t v);

/* Bytes pbwire_ld() writes for a field of len bytes. */
size_t pbwire_ld_size(uint32_t field, size_t len);
/* Writes a length-delimited field (tag, length, data); returns its size. */
size_t pbwire_ld(uint8_t *out, uint32_t field, const void *data, size_t len);

#endif
