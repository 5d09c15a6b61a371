/*
 * What the web store's accounts (account.c) and API clients (client.c)
 * share: libsodium started once, messages for the caller, and the rule
 * for names.
 */
#ifndef CARERHUB_ACCOUNT_IMPL_H
#define CARERHUB_ACCOUNT_IMPL_H

#include "account/account.h"

#include <stdbool.h>
#include <stddef.h>

/* Starts libsodium (once); without a random source nothing can work. */
void account_sodium(void);
/* Writes the message (when msg has room) and returns rc. */
account_rc_t account_say(account_rc_t rc, char *msg, size_t msgsz, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool account_letter(char c);
/* NULL, or what is wrong with name for a person to read: 1 to max
 * letters, digits, '.', '-' and '_', starting with a letter. */
const char *account_name_problem(const char *name, size_t max);
/* Calls fn for each record of table db (messages of d) in key order,
 * skipping one that does not decode; stops at a non-zero return. Returns
 * 0, fn's non-zero return, or the store's error. */
int account_walk(store_t *st, size_t db, const ProtobufCMessageDescriptor *d,
                 int (*fn)(const ProtobufCMessage *m, void *arg), void *arg);

#endif
