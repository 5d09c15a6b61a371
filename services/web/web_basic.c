/*
 * The credentials of an HTTP Basic Authorization header (RFC 7617), for
 * /metrics (web_metrics.c): outside input, decoded by libsodium's base64
 * and fuzzed (tests/fuzz/fuzz_web_basic.c). Kept apart from the rest of the
 * daemon so that the fuzz target links this alone.
 */
#include "web_impl.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

bool web_basic_decode(const char *header, char *buf, size_t bufsz, char **password)
{
    const char *b64 = header;
    size_t len = 0;
    char *colon;
    if (!header || bufsz < 2 || strncasecmp(b64, "Basic ", 6) != 0)
        return false;
    for (b64 += 6; *b64 == ' '; b64++)
        ;
    if (sodium_base642bin((unsigned char *)buf, bufsz - 1, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    buf[len] = '\0';
    /* A NUL inside would cut the name or password short unseen. */
    if (strlen(buf) != len || !(colon = strchr(buf, ':')))
        return false;
    *colon = '\0';
    *password = colon + 1;
    return true;
}
