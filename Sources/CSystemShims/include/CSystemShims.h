// Linux calls that Swift's Glibc module does not export.
#ifndef WF_CSYSTEMSHIMS_H
#define WF_CSYSTEMSHIMS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

/// syncfs(2): flush every dirty page of the filesystem that holds `fd`. Elsewhere, fsync.
static inline int wf_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    return fsync(fd);
#endif
}

#endif
