/*
 * The ServiceRequest of a request and the resources beside it: contained
 * in it, or entries of a Bundle (transaction, message or collection) that
 * holds exactly one ServiceRequest. References between them are resolved
 * here, as FHIR resolves them: "#id" to a contained resource, and in a
 * Bundle a reference to the entry whose fullUrl it is ("urn:uuid:...",
 * an absolute URL) or whose type and id it names ("Patient/x"). Nothing
 * outside the request is ever fetched.
 */
#include "fhir/fhir_impl.h"

#include <stdio.h>
#include <string.h>

/* "an" before a word that begins with a vowel (an Organization), else "a". */
static const char *s_article(const char *word)
{
    return word && strchr("AEIOUaeiou", word[0]) && word[0] ? "an" : "a";
}

static const char *const s_common[] = {"resourceType",  "id",       "meta",
                                       "implicitRules", "language", NULL};
static const char *const s_domain[] = {"text", "contained", "extension", "modifierExtension", NULL};

static bool s_in(const char *s, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static void s_add(fhir_doc_t *d, json_t *res, const char *path, const char *full_url,
                  bool contained)
{
    fhir_res_t *r;
    const char *type = json_string_value(json_object_get(res, "resourceType"));
    const char *id = json_string_value(json_object_get(res, "id"));
    char at[96];
    if (!type) {
        snprintf(at, sizeof at, "%s.resourceType", path);
        fhir_issue_add(d->is, "required", at, "is required: every resource names its type");
        return;
    }
    if (d->nres == FHIR_RES_MAX) {
        if (!d->res[FHIR_RES_MAX - 1].json)
            return;
        fhir_issue_add(d->is, "too-costly", path,
                       "the request holds more than %d resources; a referral needs fewer than "
                       "ten",
                       FHIR_RES_MAX);
        d->res[FHIR_RES_MAX - 1].json = NULL; /* said once */
        return;
    }
    r = &d->res[d->nres++];
    r->json = res;
    r->type = type;
    r->id = id ? id : "";
    r->full_url = full_url ? full_url : "";
    r->contained = contained;
    snprintf(r->path, sizeof r->path, "%s", path);
}

static void s_contained(fhir_doc_t *d, json_t *owner, const char *owner_path)
{
    json_t *list = fhir_arr(d, owner, "contained", owner_path), *c;
    size_t i;
    char path[FHIR_PATH_MAX];
    json_array_foreach(list, i, c)
    {
        snprintf(path, sizeof path, "%s.contained[%zu]", owner_path, i);
        if (!json_is_object(c)) {
            fhir_issue_add(d->is, "structure", path, "must be a resource (a JSON object)");
            continue;
        }
        if (json_object_get(c, "contained"))
            fhir_issue_add(d->is, "invariant", path,
                           "a contained resource may not contain others (FHIR dom-2): put "
                           "them all in the ServiceRequest's contained");
        if (!json_string_value(json_object_get(c, "id")))
            fhir_issue_add(d->is, "required", path,
                           "a contained resource needs an id, by which \"#id\" refers to it");
        s_add(d, c, path, NULL, true);
    }
}

static fhir_rc_t s_bundle(fhir_doc_t *d)
{
    static const char *const types[] = {"transaction", "message", "collection", NULL};
    const char *type = fhir_str(d, d->root, "type", "Bundle");
    json_t *entries = fhir_arr(d, d->root, "entry", "Bundle"), *e;
    size_t i, nsr = 0;
    char path[FHIR_PATH_MAX];

    fhir_doc_elements(d, &(fhir_res_t){d->root, "Bundle", "", "", false, "Bundle"}, fhir_el_bundle);
    if (!type)
        fhir_issue_add(d->is, "required", "Bundle.type",
                       "is required: transaction, message or collection");
    else if (!s_in(type, types))
        fhir_issue_add(d->is, "not-supported", "Bundle.type",
                       "is not transaction, message or collection: the hub takes a referral "
                       "in one of these");
    json_array_foreach(entries, i, e)
    {
        json_t *res;
        snprintf(path, sizeof path, "Bundle.entry[%zu]", i);
        if (!json_is_object(e)) {
            fhir_issue_add(d->is, "structure", path, "must be a JSON object");
            continue;
        }
        {
            fhir_res_t er = {e, "Bundle.entry", "", "", false, ""};
            snprintf(er.path, sizeof er.path, "%s", path);
            fhir_doc_elements(d, &er, fhir_el_bundle_entry);
        }
        res = fhir_obj(d, e, "resource", path);
        if (!res)
            continue;
        snprintf(path, sizeof path, "Bundle.entry[%zu].resource", i);
        s_add(d, res, path, fhir_str(d, e, "fullUrl", path), false);
        if (!d->nres || d->res[d->nres - 1].json != res ||
            strcmp(d->res[d->nres - 1].type, "ServiceRequest") != 0)
            continue;
        if (nsr++ == 0)
            d->sr = d->res[d->nres - 1];
        else
            fhir_issue_add(d->is, "not-supported", path,
                           "is a second ServiceRequest: send one referral per request");
    }
    if (nsr == 0) {
        fhir_issue_add(d->is, "required", "Bundle.entry",
                       "holds no ServiceRequest: the referral is a ServiceRequest, alone or "
                       "in a Bundle");
        return FHIR_NOT_FHIR;
    }
    s_contained(d, d->sr.json, d->sr.path);
    return FHIR_OK;
}

fhir_rc_t fhir_doc_open(fhir_doc_t *d, json_t *root, fhir_issues_t *is)
{
    const char *type;
    memset(d, 0, sizeof *d);
    d->root = root;
    d->is = is;
    if (!json_is_object(root)) {
        fhir_issue_add(is, "structure", NULL,
                       "the request is JSON but not a FHIR resource: send a ServiceRequest "
                       "(a JSON object with resourceType ServiceRequest)");
        return FHIR_NOT_FHIR;
    }
    type = json_string_value(json_object_get(root, "resourceType"));
    if (!type) {
        fhir_issue_add(is, "required", NULL,
                       "the request has no resourceType: send a ServiceRequest, or a Bundle "
                       "holding one");
        return FHIR_NOT_FHIR;
    }
    if (strcmp(type, "Bundle") == 0) {
        d->bundle = true;
        return s_bundle(d);
    }
    if (strcmp(type, "ServiceRequest") != 0) {
        fhir_issue_add(is, "not-supported", NULL,
                       "the request is a %.40s; a referral is a ServiceRequest, alone or in a "
                       "Bundle",
                       type);
        return FHIR_NOT_FHIR;
    }
    d->sr = (fhir_res_t){root, "ServiceRequest", "", "", false, "ServiceRequest"};
    d->sr.id = json_string_value(json_object_get(root, "id"));
    if (!d->sr.id)
        d->sr.id = "";
    s_contained(d, root, "ServiceRequest");
    return FHIR_OK;
}

static bool s_type_ok(const char *type, const char *const *types)
{
    return !types || s_in(type, types);
}

/* "Patient/x" and an absolute URL ending in "/Patient/x" name the same
 * resource; so does a fullUrl ending in it. */
static bool s_names(const fhir_res_t *r, const char *ref)
{
    char tid[160];
    size_t n, m;
    if (*r->full_url && strcmp(r->full_url, ref) == 0)
        return true;
    if (!*r->id)
        return false;
    snprintf(tid, sizeof tid, "%s/%s", r->type, r->id);
    n = strlen(ref);
    m = strlen(tid);
    if (strcmp(ref, tid) == 0)
        return true;
    return n > m && ref[n - m - 1] == '/' && strcmp(ref + n - m, tid) == 0 &&
           strncmp(ref, "urn:", 4) != 0;
}

static void s_wanted(char *out, size_t outsz, const char *const *types)
{
    size_t n = 0;
    snprintf(out, outsz, "resource");
    for (size_t i = 0; types && types[i]; i++)
        n += (size_t)snprintf(out + n, n < outsz ? outsz - n : 0, "%s%s",
                              i == 0         ? ""
                              : types[i + 1] ? ", "
                                             : " or ",
                              types[i]);
}

const fhir_res_t *fhir_doc_ref(fhir_doc_t *d, json_t *ref, const char *path,
                               const char *const *types)
{
    const char *s;
    char want[128], at[160];
    const fhir_res_t *found = NULL;
    if (!ref)
        return NULL;
    s_wanted(want, sizeof want, types);
    if (!json_is_object(ref)) {
        fhir_issue_add(d->is, "structure", path, "must be a Reference (a JSON object)");
        return NULL;
    }
    s = fhir_str(d, ref, "reference", path);
    snprintf(at, sizeof at, "%s.reference", path);
    if (!s) {
        fhir_issue_add(d->is, json_object_get(ref, "identifier") ? "not-supported" : "required", at,
                       "is required: refer to the %s in the request (\"#id\" for a contained "
                       "resource, its fullUrl in a Bundle)",
                       want);
        return NULL;
    }
    for (size_t i = 0; i < d->nres && !found; i++) {
        const fhir_res_t *r = &d->res[i];
        if (!r->json)
            continue;
        if (s[0] == '#' ? r->contained && strcmp(r->id, s + 1) == 0
                        : !r->contained && s_names(r, s))
            found = r;
    }
    if (!found && d->bundle && strcmp(s, d->sr.full_url) == 0)
        found = &d->sr;
    if (!found) {
        fhir_issue_add(d->is, "not-found", at,
                       "refers to '%.64s', which is not in the request: put the %s in the "
                       "ServiceRequest's contained (refer to it as \"#id\") or in the Bundle",
                       s, want);
        return NULL;
    }
    if (!s_type_ok(found->type, types)) {
        fhir_issue_add(d->is, "value", at, "refers to %s %.40s; it must refer to %s %s",
                       s_article(found->type), found->type, s_article(want), want);
        return NULL;
    }
    return found;
}

const fhir_res_t *fhir_doc_only(const fhir_doc_t *d, const char *type)
{
    const fhir_res_t *one = NULL;
    for (size_t i = 0; i < d->nres; i++)
        if (d->res[i].json && strcmp(d->res[i].type, type) == 0) {
            if (one)
                return NULL;
            one = &d->res[i];
        }
    return one;
}

/* modifierExtension below a resource's top level (in a name, a
 * provision, an entry's request ...): each is refused, as one the hub does
 * not know changes what the element means. Contained resources are
 * checked as resources of their own. */
static void s_modifiers(fhir_doc_t *d, json_t *v, const char *path, bool top)
{
    const char *key;
    json_t *x;
    size_t i;
    char sub[192];
    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            /* At the top: its own modifierExtension is the caller's; a
             * Bundle's entries and their resources are checked as such. */
            if (top && (strcmp(key, "modifierExtension") == 0 || strcmp(key, "contained") == 0 ||
                        strcmp(key, "entry") == 0 || strcmp(key, "resource") == 0))
                continue;
            if (strcmp(key, "modifierExtension") == 0)
                fhir_issue_add(d->is, "not-supported", sub,
                               "is a modifier extension the hub does not know: it cannot tell "
                               "what the element means with it; leave it out");
            else
                s_modifiers(d, x, sub, false);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            s_modifiers(d, x, sub, false);
        }
    }
}

/* A resource's extensions are each an object with a url: one that is not
 * would otherwise be passed over as an extension the hub does not know. */
static void s_extensions(fhir_doc_t *d, json_t *exts, const char *path)
{
    json_t *e;
    size_t i;
    char at[192];
    json_array_foreach(exts, i, e)
    {
        if (json_is_object(e) && json_is_string(json_object_get(e, "url")))
            continue;
        snprintf(at, sizeof at, "%s[%zu]", path, i);
        fhir_issue_add(d->is, "structure", at,
                       "must be an Extension: a JSON object with its url (a string)");
    }
}

void fhir_doc_elements(fhir_doc_t *d, const fhir_res_t *r, const char *const *elements)
{
    const char *key;
    json_t *x;
    char at[160];
    bool resource = strcmp(r->type, "Bundle.entry") != 0;
    bool domain = resource && strcmp(r->type, "Bundle") != 0;
    json_object_foreach(r->json, key, x)
    {
        const char *name = key[0] == '_' ? key + 1 : key;
        snprintf(at, sizeof at, "%s.%s", r->path, key);
        if (strcmp(key, "extension") == 0 && json_is_array(x))
            s_extensions(d, x, at);
        if (strcmp(key, "modifierExtension") == 0) {
            fhir_issue_add(d->is, "not-supported", at,
                           "is a modifier extension the hub does not know: it cannot tell what "
                           "the %s means with it; leave it out",
                           r->type);
        } else if (resource && strcmp(key, "implicitRules") == 0) {
            fhir_issue_add(d->is, "not-supported", at,
                           "the hub knows no rules beyond FHIR R4's: leave implicitRules out");
        } else if (!(resource && s_in(name, s_common)) && !(domain && s_in(name, s_domain)) &&
                   !s_in(name, elements)) {
            fhir_issue_add(d->is, "structure", at,
                           "'%.40s' is not an element of an R4 %s: check its spelling, and "
                           "that the request is FHIR R4",
                           key, r->type);
        }
    }
    s_modifiers(d, r->json, r->path, true);
}
