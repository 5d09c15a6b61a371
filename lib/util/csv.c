/*
 * CSV reader: see csv.h. Fields are stored back to back in one buffer with
 * their offsets, so a record costs no allocation once buffers have grown.
 */
#include "util/csv.h"

#include "util/mem.h"

#include <stdbool.h>
#include <stdlib.h>

struct csv {
    FILE *f;
    char *data;
    size_t len, cap;
    size_t *offs;
    size_t nfields, offs_cap;
    long line, record_line;
    const char *error;
};

csv_t *csv_new(FILE *f)
{
    csv_t *c = xcalloc(1, sizeof *c);
    c->f = f;
    c->line = 1;
    return c;
}

void csv_destroy(csv_t **cp)
{
    csv_t *c = *cp;
    if (!c)
        return;
    free(c->data);
    free(c->offs);
    free(c);
    *cp = NULL;
}

static int s_put(csv_t *c, char ch)
{
    size_t start = c->offs[c->nfields - 1];
    if (c->len - start >= CSV_MAX_FIELD) {
        c->error = "a field is longer than 65536 bytes";
        return -1;
    }
    c->data = xgrow(c->data, &c->cap, c->len + 1, 1);
    c->data[c->len++] = ch;
    return 0;
}

static int s_end_field(csv_t *c)
{
    c->data = xgrow(c->data, &c->cap, c->len + 1, 1);
    c->data[c->len++] = '\0';
    return 0;
}

static int s_start_field(csv_t *c)
{
    if (c->nfields >= CSV_MAX_FIELDS) {
        c->error = "a record has more than 1024 fields";
        return -1;
    }
    c->offs = xgrow(c->offs, &c->offs_cap, c->nfields + 1, sizeof *c->offs);
    c->offs[c->nfields++] = c->len;
    return 0;
}

int csv_next(csv_t *c)
{
    bool quoted = false, after_quote = false;
    int ch;

    if (c->error)
        return -1;
    c->len = 0;
    c->nfields = 0;
    c->record_line = c->line;
    ch = getc(c->f);
    if (ch == EOF)
        return 0;
    if (s_start_field(c) < 0)
        return -1;
    for (;; ch = getc(c->f)) {
        if (ch == EOF) {
            if (quoted) {
                c->error = "a quoted field is not closed before the end of the file";
                return -1;
            }
            s_end_field(c);
            return 1;
        }
        if (ch == '\0') {
            c->error = "a NUL byte is not allowed in CSV text";
            return -1;
        }
        if (quoted) {
            if (ch == '"') {
                quoted = false;
                after_quote = true;
                continue;
            }
            if (ch == '\n')
                c->line++;
            if (s_put(c, (char)ch) < 0)
                return -1;
            continue;
        }
        if (ch == '"') {
            if (after_quote) {
                /* A doubled quote inside a quoted field. */
                quoted = true;
                after_quote = false;
                if (s_put(c, '"') < 0)
                    return -1;
                continue;
            }
            if (c->len == c->offs[c->nfields - 1]) {
                quoted = true;
                continue;
            }
        }
        after_quote = false;
        if (ch == ',') {
            s_end_field(c);
            if (s_start_field(c) < 0)
                return -1;
            continue;
        }
        if (ch == '\r') {
            int next = getc(c->f);
            if (next != '\n' && next != EOF)
                ungetc(next, c->f);
            ch = '\n';
        }
        if (ch == '\n') {
            c->line++;
            s_end_field(c);
            return 1;
        }
        if (s_put(c, (char)ch) < 0)
            return -1;
    }
}

size_t csv_nfields(const csv_t *c)
{
    return c->nfields;
}

const char *csv_field(const csv_t *c, size_t i)
{
    return i < c->nfields ? c->data + c->offs[i] : "";
}

long csv_line(const csv_t *c)
{
    return c->error ? c->line : c->record_line;
}

const char *csv_error(const csv_t *c)
{
    return c->error;
}
