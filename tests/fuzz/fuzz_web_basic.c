/*
 * Fuzz target: an Authorization header as a client sends it, through
 * carerhub-web's decoding of HTTP Basic credentials (web_basic.c); with
 * what it promises: a header it takes is the Basic scheme, its user-id has
 * no colon, user-id and password hold no NUL and come from the base64 as
 * an independent decoder reads it.
 */
#include "harness.h"

#include "web/web_impl.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_BUF 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1), buf[S_BUF], *password = NULL;
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';
    if (web_basic_decode(header, buf, sizeof buf, &password)) {
        size_t ul = strlen(buf), pl;
        HARNESS_ASSERT(strncasecmp(header, "Basic ", 6) == 0);
        HARNESS_ASSERT(password > buf && password <= buf + sizeof buf - 1);
        HARNESS_ASSERT(password == buf + ul + 1);
        HARNESS_ASSERT(!strchr(buf, ':'));
        pl = strlen(password);
        HARNESS_ASSERT(ul + 1 + pl < sizeof buf);
        {
            /* The same bytes by hand: base64 of "user:password". */
            const char *b64 = header + 6;
            unsigned char want[S_BUF];
            size_t wl = 0;
            while (*b64 == ' ')
                b64++;
            HARNESS_ASSERT(sodium_base642bin(want, sizeof want, b64, strlen(b64), NULL, &wl, NULL,
                                             sodium_base64_VARIANT_ORIGINAL) == 0);
            HARNESS_ASSERT(wl == ul + 1 + pl);
            HARNESS_ASSERT(memcmp(want, buf, ul) == 0 && want[ul] == ':');
            HARNESS_ASSERT(memcmp(want + ul + 1, password, pl) == 0);
        }
    }
    free(header);
    return 0;
}
