/*
 * A consumer written in C, through sa_consumer_custom_new(): it keeps every record it is
 * sent, so tests can read back what the library produced. Thread-safe (a mutex), as a
 * consumer of a client shared by threads must be.
 */
#ifndef SA_TEST_CAPTURE_H
#define SA_TEST_CAPTURE_H

#include <pthread.h>
#include <stddef.h>

#include "sensorsanalytics.h"

typedef struct {
    pthread_mutex_t lock;
    char **records;
    size_t count, capacity;
    int flushes, closes, releases;
    int fail_with; /* when non-zero, send returns this code and keeps nothing */
} capture;

void capture_init(capture *c);
void capture_destroy(capture *c);
/* Makes a consumer feeding `c` (which must outlive it); returns the sa_consumer_custom_new code. */
int capture_consumer(capture *c, sa_consumer **out);
/* Forgets the records kept so far. */
void capture_clear(capture *c);

/* A client writing into a capture: what most tests start from. */
typedef struct {
    capture cap;
    sa_client *sa;
} fixture;

void fixture_open(fixture *f, const char *project_name, bool enable_time_free);
/* sa_free()s the client (checking that it succeeds) and releases the capture. */
void fixture_close(fixture *f);
/* Record `i` parsed (negative counts from the end), or NULL; free it with json_free(). */
struct json *fixture_record(fixture *f, int i);

#endif
