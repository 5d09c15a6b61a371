/*
 * Inside the YAML tree: ytree_hint.c's reading of a libyaml failure, for
 * ytree.c. Not for outside use.
 */
#ifndef CARERHUB_YTREE_IMPL_H
#define CARERHUB_YTREE_IMPL_H

#include "conf/ytree.h"

#include <yaml.h>

typedef struct {
    const char *code; /* syntax or encoding, as ystream_error_code() */
    char msg[256];
    int line, col; /* 1-based */
} ytree_hint_t;

/* What the failure of parser p on the len bytes at buf comes from, in words
 * a person can act on and at the line where it can be put right, into *h:
 * a tab used to indent, a field and its value with no space after the
 * colon, a file not saved as UTF-8, a list or a quote not closed. Returns
 * 0, or -1 if there is nothing better to say than libyaml's own words. */
int ytree_hint(const yaml_parser_t *p, const char *buf, size_t len, ytree_hint_t *h);

#endif
