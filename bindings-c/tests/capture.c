/* The capturing consumer (see capture.h). */
#include "capture.h"

#include "harness.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

void capture_init(capture *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
}

void capture_clear(capture *c) {
    size_t i;
    pthread_mutex_lock(&c->lock);
    for (i = 0; i < c->count; i++) free(c->records[i]);
    c->count = 0;
    pthread_mutex_unlock(&c->lock);
}

void capture_destroy(capture *c) {
    capture_clear(c);
    free(c->records);
    c->records = NULL;
    c->capacity = 0;
    pthread_mutex_destroy(&c->lock);
}

static int on_send(void *user_data, const char *record, size_t length) {
    capture *c = (capture *)user_data;
    char *copy;
    int rc = SA_OK;
    pthread_mutex_lock(&c->lock);
    if (c->fail_with) {
        rc = c->fail_with;
    } else {
        if (c->count == c->capacity) {
            c->capacity = c->capacity ? c->capacity * 2 : 16;
            c->records = (char **)realloc(c->records, c->capacity * sizeof(char *));
        }
        copy = (char *)malloc(length + 1);
        memcpy(copy, record, length + 1); /* the NUL is part of the contract */
        c->records[c->count++] = copy;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static int on_flush(void *user_data) {
    capture *c = (capture *)user_data;
    pthread_mutex_lock(&c->lock);
    c->flushes++;
    pthread_mutex_unlock(&c->lock);
    return SA_OK;
}

static int on_close(void *user_data) {
    capture *c = (capture *)user_data;
    pthread_mutex_lock(&c->lock);
    c->closes++;
    pthread_mutex_unlock(&c->lock);
    return SA_OK;
}

static void on_release(void *user_data) {
    capture *c = (capture *)user_data;
    pthread_mutex_lock(&c->lock);
    c->releases++;
    pthread_mutex_unlock(&c->lock);
}

int capture_consumer(capture *c, sa_consumer **out) {
    sa_consumer_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.user_data = c;
    cb.send = on_send;
    cb.flush = on_flush;
    cb.close = on_close;
    cb.release = on_release;
    return sa_consumer_custom_new(&cb, out);
}

void fixture_open(fixture *f, const char *project_name, bool enable_time_free) {
    sa_consumer *consumer = NULL;
    capture_init(&f->cap);
    f->sa = NULL;
    CHECK_OK(capture_consumer(&f->cap, &consumer));
    CHECK_OK(sa_new(consumer, project_name, enable_time_free, &f->sa));
    sa_consumer_free(consumer);
}

void fixture_close(fixture *f) {
    CHECK_OK(sa_free(f->sa));
    f->sa = NULL;
    capture_destroy(&f->cap);
}

json *fixture_record(fixture *f, int i) {
    char why[128];
    json *record;
    size_t index = i < 0 ? f->cap.count - (size_t)(-i) : (size_t)i;
    if (index >= f->cap.count) {
        check_failed(__FILE__, __LINE__, "no record %d (%zu captured)", i, f->cap.count);
        return NULL;
    }
    record = json_parse(f->cap.records[index], strlen(f->cap.records[index]), why, sizeof why);
    if (!record) check_failed(__FILE__, __LINE__, "invalid JSON (%s): %s", why, f->cap.records[index]);
    return record;
}
