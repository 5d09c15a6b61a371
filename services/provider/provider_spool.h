/*
 * Inside the provider agent's spool (provider_spool.c, writing a batch of
 * deliveries; provider_spool_ledger.c, identities, the ledger and opening
 * the spool): the spool and what a delivery is known by. Not for outside
 * use.
 */
#ifndef CARERHUB_PROVIDER_SPOOL_H
#define CARERHUB_PROVIDER_SPOOL_H

#include "provider.h"

#include "store.pb-c.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spool {
    char *out;
    char *tmp;
    int outfd, tmpfd; /* the two directories, open */
    store_t *ledger;
};

/* A delivery's identity (see the top of provider_spool.c). */
#define SPOOL_ID_MAX 96 /* more than a case id or a referral id */
typedef struct {
    char key[SPOOL_ID_MAX + 16];      /* the ledger's key */
    char tmp[SPOOL_ID_MAX + 32];      /* its temporary file in tmp/ */
    char what[SPOOL_ID_MAX * 2 + 32]; /* for the log */
    const char *rid;                  /* the delivery's referral id, or NULL (borrowed) */
    char before[SPOOL_ID_MAX];        /* a clash: the referral id the ledger has, else "" */
    char was[PROVIDER_NAME_MAX];      /* a new case again: the file it was written as, else "" */
} spool_ident_t;

/* Case id and version v that came again for referral rid, as an identity. */
void spool_ident_clash(spool_ident_t *id, const char *case_id, uint32_t v, const char *rid);
/* The identity of d; -1 if it has none. */
int spool_ident(const Carerhub__Delivery *d, spool_ident_t *id);
/* The ledger's entry under key, or NULL; caller frees. */
Carerhub__LedgerEntry *spool_ledger_get(spool_t *s, MDB_txn *txn, const char *key);
/* Takes ids (NULL-terminated) out of the ledger; 0, or -1 (logged). */
int spool_forget(spool_t *s, spool_ident_t *const *ids);
/* Logs that out/name is there already, so that id stays with the router. */
void spool_refuse_existing(spool_t *s, const char *name, const spool_ident_t *id);
/* The files written for case case_id, in the ledger or taken in batch; how many, or -1. */
long spool_case_files(store_t *ledger, const char *case_id, const char (*batch)[PROVIDER_NAME_MAX],
                      const bool *take, size_t n, char ***out);
/* Frees what spool_case_files gave. */
void spool_files_free(char **names, long n);

#endif
