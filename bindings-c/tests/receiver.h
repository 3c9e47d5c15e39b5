/*
 * The loopback test receiver (tests/receiver, binary sa-receiver) as a child process: started
 * with a pipe on its stdin (closing it stops the receiver) and one on its stdout (its first
 * line gives the URL). Accepted records are appended to a JSON-lines file.
 */
#ifndef SA_TEST_RECEIVER_H
#define SA_TEST_RECEIVER_H

#include <sys/types.h>

typedef struct {
    pid_t pid;
    int stdin_fd;
    char url[256];
    char out[1024];
} receiver;

/* Starts `exe --port 0 --out <out> <extra...>` (extra: NULL-terminated, may be NULL).
   Returns 0 when it printed its URL. */
int receiver_start(receiver *r, const char *exe, const char *out, const char *const *extra);
/* receiver_start with the out file `dir`/`name`.jsonl; a failure is a failed check of the
   running test (harness.h). Returns 1 when started. */
int receiver_start_in(receiver *r, const char *exe, const char *dir, const char *name, const char *const *extra);
/* Stops it and waits for it. */
void receiver_stop(receiver *r);
/* Records accepted so far (lines of the out file). */
int receiver_count(const receiver *r);
/* The receiver's request log (GET /_requests: JSON, one object per request with its headers,
   `gzip` and `records`) into buf; returns its length, or -1. Plain http receivers only. */
int receiver_requests(const receiver *r, char *buf, size_t size);

#endif
