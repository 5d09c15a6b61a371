/*
 * CURVE keys and sockets: see curve.h.
 */
#include "wire/curve.h"

#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* libzmq 4.3: present, though still marked draft */
#endif

static int s_write_new(const char *path, const char *text, char *err, size_t errsz)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsz, "cannot create %s: %s", path,
                 errno == EEXIST ? "it already exists" : strerror(errno));
        return -1;
    }
    if (file_write_full(fd, text, strlen(text)) < 0 || fsync(fd) < 0 || close(fd) < 0) {
        snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int curve_keygen(const char *dir, const char *name, keypair_t *kp, char *err, size_t errsz)
{
    char *kpath, *ppath, *text;
    int rc = -1;

    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.') ||
            name[0] == '.') {
            snprintf(err, errsz, "a key name is letters, digits, '-', '_' and '.'");
            return -1;
        }
    /* A new directory is private; an existing one keeps its mode (an
     * installation's keys directory is 0711, so that each daemon's user can
     * reach the public keys and its own secret key). */
    if (!*name || file_mkdirs(dir, 0700) < 0) {
        snprintf(err, errsz, "cannot create %s: %s", dir, *name ? strerror(errno) : "no name");
        return -1;
    }
    if (zmq_curve_keypair(kp->pub, kp->sec) < 0) {
        snprintf(err, errsz, "cannot make a key pair: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    kpath = xasprintf("%s/%s.key", dir, name);
    ppath = xasprintf("%s/%s.pub", dir, name);
    if (file_exists(kpath) || file_exists(ppath)) {
        snprintf(err, errsz, "%s.key or %s.pub already exists in %s; not overwriting", name, name,
                 dir);
        goto done;
    }
    text =
        xasprintf("# carerhub secret key of %s: keep it private (mode 0600)\n%s\n", name, kp->sec);
    rc = s_write_new(kpath, text, err, errsz);
    free(text);
    if (rc < 0)
        goto done;
    text = xasprintf("# carerhub public key of %s\n%s\n", name, kp->pub);
    rc = s_write_new(ppath, text, err, errsz);
    free(text);
    if (rc < 0)
        unlink(kpath);
    else
        file_sync_dir(dir);
done:
    free(kpath);
    free(ppath);
    return rc;
}

/* The first line of a key file that is not a comment: 40 Z85 characters.
 * A secret key file is read only if it is this user's alone. */
static int s_read_z85(const char *path, bool secret, char out[CURVE_Z85], char *err, size_t errsz)
{
    char *data, *line, *save = NULL;
    size_t len;
    uint8_t bin[32];
    if (secret) {
        if (file_read_trusted(path, FILE_SECRET, 4096, &data, &len, err, errsz) < 0) {
            if (errno == ENOENT) {
                size_t n = strlen(err);
                snprintf(err + n, errsz - n, " (make one with: carerhub keygen NAME)");
            }
            return -1;
        }
    } else if (file_read_all(path, 4096, &data, &len) < 0) {
        snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strcspn(line, " \t\r");
        if (line[0] == '#' || n == 0)
            continue;
        if (n == CURVE_Z85 - 1) {
            memcpy(out, line, n);
            out[n] = '\0';
            if (zmq_z85_decode(bin, out)) {
                memset(data, 0, len);
                free(data);
                return 0;
            }
        }
        break;
    }
    memset(data, 0, len);
    free(data);
    snprintf(err, errsz, "%s does not hold a Z85 key (40 characters)", path);
    return -1;
}

int curve_load_secret(const char *path, keypair_t *kp, char *err, size_t errsz)
{
    if (s_read_z85(path, true, kp->sec, err, errsz) < 0)
        return -1;
    if (zmq_curve_public(kp->pub, kp->sec) < 0) {
        snprintf(err, errsz, "%s: not a usable secret key", path);
        return -1;
    }
    return 0;
}

int curve_load_public(const char *path, char pub[CURVE_Z85], char *err, size_t errsz)
{
    return s_read_z85(path, false, pub, err, errsz);
}

int curve_server(void *sock, const keypair_t *kp)
{
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kp->sec, CURVE_Z85 - 1) < 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, CURVE_ZAP_DOMAIN, strlen(CURVE_ZAP_DOMAIN)) < 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) < 0)
        return -1;
    return 0;
}

int curve_client(void *sock, const keypair_t *kp, const char *server_pub)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pub, CURVE_Z85 - 1) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, kp->pub, CURVE_Z85 - 1) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kp->sec, CURVE_Z85 - 1) < 0)
        return -1;
    return 0;
}
