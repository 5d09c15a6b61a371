/*
 * CURVE keys and secure sockets. A key pair is kept as two files: NAME.key
 * holds the secret key in Z85 (mode 0600, never logged, never sent) and
 * NAME.pub the public key. Every server socket of the hub authenticates its
 * peers through ZAP with domain enforcement on, so that a peer is admitted
 * only by the ZAP handler's decision, never merely for knowing the server's
 * public key.
 */
#ifndef CARERHUB_CURVE_H
#define CARERHUB_CURVE_H

#include <stddef.h>

#define CURVE_Z85        41 /* 40 characters and NUL */
#define CURVE_ZAP_DOMAIN "carerhub"

typedef struct {
    char pub[CURVE_Z85];
    char sec[CURVE_Z85];
} keypair_t;

/* Writes DIR/NAME.key (0600) and DIR/NAME.pub for a new key pair; refuses
 * to overwrite either. Creates DIR 0700 if needed (an existing DIR keeps its
 * mode). Returns 0 or -1 with a message in err. */
int curve_keygen(const char *dir, const char *name, keypair_t *kp, char *err, size_t errsz);

/* Reads a secret key file and derives its public key. Refuses (with the
 * reason in err) a symlink, a file others can read or change, and one not
 * owned by this user: see file_read_trusted(FILE_SECRET). Returns 0 or -1
 * with a message in err. */
int curve_load_secret(const char *path, keypair_t *kp, char *err, size_t errsz);
/* Reads a public key file. */
int curve_load_public(const char *path, char pub[CURVE_Z85], char *err, size_t errsz);

/* Makes sock a CURVE server with this key pair, its peers checked by the
 * ZAP handler under CURVE_ZAP_DOMAIN with enforcement on. */
int curve_server(void *sock, const keypair_t *kp);
/* Makes sock a CURVE client of the server with public key server_pub. */
int curve_client(void *sock, const keypair_t *kp, const char *server_pub);

#endif
