/*
 * Protocol Buffers messages as JSON, for files that other systems import.
 * Keys are the .proto field names; unset optional fields are left out;
 * enums are written as their lower-case names; int64 fields whose names end
 * in "_at" are unix milliseconds and are written as UTC timestamps
 * ("2026-11-22T10:15:00.123Z"). Output is always valid UTF-8 JSON.
 */
#ifndef CARERHUB_PBJSON_H
#define CARERHUB_PBJSON_H

#include "util/buf.h"

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

/* Appends msg as a JSON object. */
void pbjson_message(buf_t *out, const ProtobufCMessage *msg);

/* Options of pbjson_message_opts. PBJSON_OMIT_EMPTY: a string field set to
 * "" is left out too, as if unset, here and in every nested message (the
 * elements of a repeated field are written as they are). */
#define PBJSON_OMIT_EMPTY 1u
/* As pbjson_message, with options. */
void pbjson_message_opts(buf_t *out, const ProtobufCMessage *msg, unsigned opts);
/* Appends a unix time in milliseconds as a JSON string in UTC. */
void pbjson_time(buf_t *out, int64_t unix_ms);

#endif
