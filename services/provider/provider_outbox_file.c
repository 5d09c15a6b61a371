/*
 * The file work of the outcomes folder (see provider_outbox.c): reading an
 * outcome file no further than the largest one read, and filing a file
 * into sent/ or rejected/ without ever replacing one there. A name already
 * taken gets .2, .3 ... after it; an error file goes beside its file, as
 * NAME.error.json, and is written first, whole and synced, under a
 * temporary name of its own (removed at the next start if left).
 */
#include "provider.h"

#include "util/file.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_CLASH_MAX  999 /* NAME.2 ... NAME.999 */
#define S_TMP_PREFIX ".carerhub-error-"

int outbox_file_read(int fd, const struct stat *st, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (st->st_size > PROVIDER_OUTCOME_MAX_BYTES) {
        *len = (size_t)st->st_size;
        return 0;
    }
    *data = xmalloc(PROVIDER_OUTCOME_MAX_BYTES + 1);
    while (*len <= PROVIDER_OUTCOME_MAX_BYTES) {
        ssize_t r = read(fd, *data + *len, PROVIDER_OUTCOME_MAX_BYTES + 1 - *len);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(*data);
            *data = NULL;
            errno = e;
            return -1;
        }
        *len += (size_t)r;
    }
    return 0;
}

static bool s_taken(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* Writes doc as dir/errname, durably, never over a file. -1 with errno
 * (EEXIST: the name is taken). */
static int s_write_error(int dirfd, const char *dir, const char *errname, const buf_t *doc)
{
    char *tmp = xasprintf("%s/" S_TMP_PREFIX "XXXXXX", dir);
    const char *base = strrchr(tmp, '/') + 1;
    int fd = mkostemp(tmp, O_CLOEXEC), rc = -1, e;
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    if (file_write_full(fd, doc->data, doc->len) == 0 && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        rc = file_rename_noreplace(dirfd, base, dirfd, errname);
    }
    e = errno;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlinkat(dirfd, base, 0);
    free(tmp);
    errno = e;
    return rc;
}

int outbox_file_away(int fromdir, const char *name, int todir, const char *todirpath,
                     const buf_t *errdoc, char *final, size_t finalsz)
{
    char errname[OUTBOX_NAME_MAX + 32];
    for (int k = 1; k <= S_CLASH_MAX; k++) {
        if (k == 1)
            snprintf(final, finalsz, "%s", name);
        else
            snprintf(final, finalsz, "%s.%d", name, k);
        snprintf(errname, sizeof errname, "%s.error.json", final);
        if (s_taken(todir, final) || (errdoc && s_taken(todir, errname)))
            continue;
        if (errdoc && s_write_error(todir, todirpath, errname, errdoc) < 0) {
            if (errno == EEXIST)
                continue;
            return -1;
        }
        if (file_rename_noreplace(fromdir, name, todir, final) == 0)
            return fsync(todir) < 0 || fsync(fromdir) < 0 ? -1 : 0;
        if (errno != EEXIST)
            return -1;
        /* Taken since we looked: the error file written for it stays,
         * naming a file that is not there; the next name is tried. */
    }
    errno = EEXIST;
    return -1;
}

void outbox_file_clean(int dirfd, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, S_TMP_PREFIX, strlen(S_TMP_PREFIX)) == 0)
            unlinkat(dirfd, de->d_name, 0);
    closedir(d);
}
