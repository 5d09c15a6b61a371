/*
 * Files and directories: whole-file reads with a size cap, atomic durable
 * writes, private directories. Functions return 0 or -1 with errno set.
 */
#ifndef CARERHUB_FILE_H
#define CARERHUB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads the whole of path (or standard input for "-") into a new
 * NUL-terminated buffer the caller frees. Fails with EFBIG beyond max bytes. */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

typedef enum {
    FILE_SECRET,  /* a secret key: this user's own, no access at all for group or others */
    FILE_TRUSTED, /* it decides who may do what: changed only by this user or root */
} file_trust_t;

/* Reads the whole of path as file_read_all does, for a file whose content
 * must be trusted: opened without following a symlink, checked on the
 * descriptor it was opened as (a regular file; owner and mode as trust
 * says), then read from that same descriptor, so nothing can be swapped in
 * between. Returns 0, or -1 with errno set (ELOOP, EPERM, or that of the
 * failing call) and err holding a message that names the file and what is
 * wrong: "is a symlink", "is readable by others (mode 0644): chmod 600
 * FILE", "is owned by uid N, not by this user (uid M)". */
int file_read_trusted(const char *path, file_trust_t trust, size_t max, char **out, size_t *len,
                      char *err, size_t errsz);

/* Writes all n bytes, retrying short writes and EINTR. */
int file_write_full(int fd, const void *p, size_t n);

/* Creates dir and missing parents with mode (existing ones keep theirs). */
int file_mkdirs(const char *dir, mode_t mode);

/* Creates dir (and parents) 0700 and makes sure it is 0700: private data. */
int file_private_dir(const char *dir);

/* fsync()s a directory so that renames and creations in it are durable. */
int file_sync_dir(const char *dir);

/* Writes data to path atomically and durably: a new temporary file in the
 * same directory (created exclusively under a random name, so nothing
 * planted there is written through), fsync, rename over path, fsync of the
 * directory. Replacing path is the point: for files the hub owns, never for
 * a case file someone has yet to read (see file_rename_noreplace). */
int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode);

/* Moves fromdir/from to todir/to unless to exists (a file, a directory or a
 * symlink, dangling or not): then fails with EEXIST and changes nothing.
 * renameat2(RENAME_NOREPLACE); where the file system cannot do that, a hard
 * link then an unlink of from, which can leave both names for one file if
 * interrupted between the two (file_same_file tells). Not durable by
 * itself: fsync todir afterwards. */
int file_rename_noreplace(int fromdir, const char *from, int todir, const char *to);

/* True if dir1/name1 and dir2/name2 are the same file (names not followed
 * if symlinks). */
bool file_same_file(int dir1, const char *name1, int dir2, const char *name2);

bool file_exists(const char *path);

/* Joins a directory and a relative name; absolute names are returned as they
 * are. Caller frees. */
char *file_join(const char *dir, const char *name);
/* The directory part of path ("." if none). Caller frees. */
char *file_dirname(const char *path);

#endif
