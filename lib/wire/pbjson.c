/*
 * Messages to JSON: see pbjson.h. Walks the descriptors, so every message
 * of the protocol is covered without code of its own.
 */
#include "wire/pbjson.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

void pbjson_time(buf_t *out, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[40];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    buf_printf(out, "\"%s.%03dZ\"", s, (int)(ms % 1000));
}

static bool s_is_time(const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);
    return f->type == PROTOBUF_C_TYPE_INT64 && n > 3 && strcmp(f->name + n - 3, "_at") == 0;
}

static void s_enum(buf_t *out, const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    char name[64];
    size_t i;
    if (!v) {
        buf_printf(out, "%d", value);
        return;
    }
    for (i = 0; v->name[i] && i + 1 < sizeof name; i++)
        name[i] =
            (char)(v->name[i] >= 'A' && v->name[i] <= 'Z' ? v->name[i] - 'A' + 'a' : v->name[i]);
    name[i] = '\0';
    buf_json_str(out, name);
}

/* One value of field f stored at p. */
static void s_value(buf_t *out, const ProtobufCFieldDescriptor *f, const void *p, unsigned opts)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        buf_json_str(out, *(char *const *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        buf_adds(out, *(const protobuf_c_boolean *)p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        buf_printf(out, "%" PRId32, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        buf_printf(out, "%" PRIu32, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (s_is_time(f))
            pbjson_time(out, *(const int64_t *)p);
        else
            buf_printf(out, "%" PRId64, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        buf_printf(out, "%" PRIu64, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_ENUM:
        s_enum(out, f->descriptor, *(const int *)p);
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        pbjson_message_opts(out, *(const ProtobufCMessage *const *)p, opts);
        break;
    default:
        buf_adds(out, "null");
    }
}

static size_t s_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    default:
        return 4;
    }
}

void pbjson_message(buf_t *out, const ProtobufCMessage *msg)
{
    pbjson_message_opts(out, msg, 0);
}

void pbjson_message_opts(buf_t *out, const ProtobufCMessage *msg, unsigned opts)
{
    const ProtobufCMessageDescriptor *d;
    const char *base = (const char *)msg;
    bool first = true;

    if (!msg) {
        buf_adds(out, "null");
        return;
    }
    d = msg->descriptor;
    buf_addc(out, '{');
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(const char *const *)p;
            if (n == 0)
                continue;
            buf_adds(out, first ? "\"" : ",\"");
            buf_adds(out, f->name);
            buf_adds(out, "\":[");
            for (size_t j = 0; j < n; j++) {
                if (j)
                    buf_addc(out, ',');
                s_value(out, f, arr + j * s_size(f), opts);
            }
            buf_addc(out, ']');
            first = false;
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            /* Members of a oneof share storage: only the chosen one counts. */
            if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
                continue;
        } else if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (*(const void *const *)p == NULL)
                continue;
            if (f->type == PROTOBUF_C_TYPE_STRING && (opts & PBJSON_OMIT_EMPTY) &&
                **(const char *const *)p == '\0')
                continue;
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
                   !*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
            continue;
        }
        buf_adds(out, first ? "\"" : ",\"");
        buf_adds(out, f->name);
        buf_adds(out, "\":");
        s_value(out, f, p, opts);
        first = false;
    }
    buf_addc(out, '}');
}
