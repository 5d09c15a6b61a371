/*
 * A referral form's answers turned into a Referral through
 * referral_from_yaml, as if they had been written in a referral file at
 * their key paths, so that a form and a file are read by the same code;
 * people 2 and 3 cared for (cared_for[2].relationship) made the list form
 * of cared_for. See web_form.h.
 */
#include "web_form.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- answers to a Referral ---------------------------------------------------------- */

void web_form_date(const char *typed, char *out, size_t outsz)
{
    int d, m, y, end = 0;
    char s1, s2;
    /* Day first, as people in the UK write it; a four-digit year only (%4d
     * reads at most four digits, so >= 1000 is exactly four), so that
     * nothing ambiguous is guessed at. */
    if (sscanf(typed, " %2d%c%2d%c%4d %n", &d, &s1, &m, &s2, &y, &end) == 5 && !typed[end] &&
        s1 == s2 && strchr("/-. ", s1) && y >= 1000 && d >= 1 && m >= 1) {
        snprintf(out, outsz, "%04d-%02d-%02d", y, m, d);
        return;
    }
    snprintf(out, outsz, "%s", typed);
}

static ynode_t *s_node(ynode_kind_t kind)
{
    ynode_t *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = n->col = 1;
    return n;
}

/* A scalar: quoted for text, so that a name typed "null" or "~" stays
 * text; plain for booleans and numbers, so that true and 9 mean so. */
static ynode_t *s_scalar(const char *value, bool plain)
{
    ynode_t *n = s_node(YNODE_SCALAR);
    n->value = xstrdup(value);
    n->len = strlen(value);
    n->plain = plain;
    return n;
}

static void s_push(ynode_t *parent, ynode_t *kid)
{
    parent->kids = xrealloc(parent->kids, (parent->nkids + 1) * sizeof *parent->kids);
    parent->kids[parent->nkids++] = kid;
}

static void s_free(ynode_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        s_free(n->kids[i]);
    free(n->kids);
    free(n->value);
    free(n);
}

/* In map, the value of key (created as kind if absent). */
static ynode_t *s_at(ynode_t *map, const char *key, size_t keylen, ynode_kind_t kind)
{
    ynode_t *v;
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->len == keylen && memcmp(map->kids[i]->value, key, keylen) == 0)
            return map->kids[i + 1];
    v = s_node(YNODE_SCALAR);
    v->value = xstrndup(key, keylen);
    v->len = keylen;
    v->plain = true;
    s_push(map, v);
    v = s_node(kind);
    s_push(map, v);
    return v;
}

/* The node at a key path (carer.given_name), its maps made on the way. */
static ynode_t *s_path(ynode_t *root, const char *path, ynode_kind_t kind)
{
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        root = s_at(root, path, (size_t)(dot - path), YNODE_MAP);
        path = dot + 1;
    }
    return s_at(root, path, strlen(path), kind);
}

static bool s_blank(const char *v)
{
    return v[strspn(v, " \t\r\n")] == '\0';
}

/* The value of one answer as the YAML file would hold it. */
static ynode_t *s_value(const web_field_t *fd, const char *v)
{
    size_t n;
    char *date;
    ynode_t *node;
    switch (fd->input) {
    case WEB_IN_YESNO:
    case WEB_IN_TICK:
    case WEB_IN_SELECT:
        /* "true"/"false" and year groups: plain, so bound as typed values.
         * Anything else typed there is refused by referral_from_yaml. */
        return s_scalar(v, true);
    case WEB_IN_DATE:
        /* Room for the answer unchanged, however long: cut to a fixed
         * size it could end inside a character, and would not be what was
         * typed (YYYY-MM-DD is 10 bytes). */
        n = strlen(v) + 16;
        date = xmalloc(n);
        web_form_date(v, date, n);
        node = s_scalar(date, false);
        free(date);
        return node;
    default:
        return s_scalar(v, false);
    }
}

/* The answers to one field, set in root. */
static void s_field(ynode_t *root, const web_field_t *fd, size_t nfields, const char *const *names,
                    const char *const *values)
{
    ynode_t *list = NULL;
    for (size_t i = 0; i < nfields; i++) {
        if (strcmp(names[i], fd->key) != 0 || s_blank(values[i]))
            continue;
        if (fd->input != WEB_IN_CHECKBOXES) {
            /* The first answer; a second one of the same name is no input's. */
            ynode_t *v = s_value(fd, values[i]), *at = s_path(root, fd->key, YNODE_SCALAR);
            free(at->value);
            *at = *v;
            free(v);
            return;
        }
        if (!list)
            list = s_path(root, fd->key, YNODE_SEQ);
        s_push(list, s_value(fd, values[i]));
    }
}

/* Takes the value of key out of map, the pair removed; NULL if absent. */
static ynode_t *s_take(ynode_t *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        if (strcmp(map->kids[i]->value, key) == 0) {
            ynode_t *v = map->kids[i + 1];
            s_free(map->kids[i]);
            memmove(&map->kids[i], &map->kids[i + 2], (map->nkids - i - 2) * sizeof *map->kids);
            map->nkids -= 2;
            return v;
        }
    return NULL;
}

/* People 2 and 3 cared for (cared_for[2] and cared_for[3] of root, as
 * s_path made them), with the first (cared_for) made the list form of
 * cared_for, as a referral file writes several people. Each keeps its
 * place, an unanswered person 2 before an answered 3 an empty one, so that
 * an error naming cared_for[2] is shown at person 2's inputs. */
static void s_people(ynode_t *root)
{
    ynode_t *more[WEB_FORM_PEOPLE + 1] = {0}, *one, *first;
    size_t last = 1;
    char key[32];

    for (size_t n = 2; n <= WEB_FORM_PEOPLE; n++) {
        snprintf(key, sizeof key, "cared_for[%zu]", n);
        if ((more[n] = s_take(root, key)) != NULL)
            last = n;
    }
    if (last == 1)
        return;
    first = s_path(root, "cared_for", YNODE_MAP);
    one = s_node(YNODE_MAP);
    *one = *first; /* the first person's map, moved into the list's first item */
    *first = (ynode_t){.kind = YNODE_SEQ, .line = 1, .col = 1};
    s_push(first, one);
    for (size_t n = 2; n <= last; n++)
        s_push(first, more[n] ? more[n] : s_node(YNODE_MAP));
}

/* The organisation's field: the user's, never the form's. */
static void s_org(ynode_t *root, const char *key, const char *org)
{
    ynode_t *at = s_path(root, key, YNODE_SCALAR);
    free(at->value);
    at->value = xstrdup(org);
    at->len = strlen(org);
}

Carerhub__Referral *web_form_referral(const web_formdef_t *f, size_t nfields,
                                      const char *const *names, const char *const *values,
                                      const char *org, ferrs_t *errs)
{
    ynode_t *root = s_node(YNODE_MAP);
    Carerhub__Referral *r;

    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++) {
            const web_field_t *fd = f->sets[s].fields[i];
            if (fd->input != WEB_IN_ORG)
                s_field(root, fd, nfields, names, values);
            else if (org && *org)
                s_org(root, fd->key, org);
        }
    s_people(root);
    r = referral_from_yaml(root, f->source, errs);
    s_free(root);
    return r;
}
