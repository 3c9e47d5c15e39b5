/* The Kafka tests' brokers (kafka_broker.h): the shared one through sa-kafka-tool, and one of
 * a test's own through tests/kafka's scripts. */
#define _DEFAULT_SOURCE
#include "kafka_broker.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs `cmd` through the shell; its stdout to `out` (NULL: read and dropped). */
static int run_shell(const char *cmd, char *out, size_t out_size) {
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    int status;
    if (!p) return -1;
    if (out && out_size) {
        n = fread(out, 1, out_size - 1, p);
        out[n] = '\0';
    }
    {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int kafka_tool_available(void) {
    const char *tool = getenv("SA_KAFKA_TOOL");
    return tool && access(tool, X_OK) == 0;
}

int kafka_tool(const char *args, char *out, size_t out_size) {
    char cmd[1024];
    if (!kafka_tool_available()) return -1;
    snprintf(cmd, sizeof cmd, "'%s' %s", getenv("SA_KAFKA_TOOL"), args);
    return run_shell(cmd, out, out_size);
}

/* Runs start.sh or stop.sh for this broker; `out` gets its stdout, newline cut. */
static int script(own_broker *b, const char *file, int keep_data, char *out, size_t out_size) {
    char cmd[2048];
    int rc;
    snprintf(cmd, sizeof cmd, "SA_KAFKA_HOME='%s' SA_KAFKA_KEEP_DATA=%d bash '%s/%s'", b->home, keep_data,
             b->scripts, file);
    rc = run_shell(cmd, out, out_size);
    if (out) out[strcspn(out, "\r\n")] = '\0';
    return rc;
}

static void unlock(own_broker *b) {
    if (b->lock_fd >= 0) close(b->lock_fd); /* closing it releases the flock */
    b->lock_fd = -1;
}

int own_broker_start(own_broker *b, const char *scripts_dir, const char *name) {
    const char *shared = getenv("SA_KAFKA_HOME");
    char default_home[64], lock_path[600];
    int rc;
    memset(b, 0, sizeof *b);
    if (!shared) {
        snprintf(default_home, sizeof default_home, "/tmp/sa-kafka-%lu", (unsigned long)getuid());
        shared = default_home;
    }
    snprintf(b->home, sizeof b->home, "%s-%s", shared, name);
    snprintf(b->scripts, sizeof b->scripts, "%s", scripts_dir);
    snprintf(lock_path, sizeof lock_path, "%s.lock", b->home);
    b->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (b->lock_fd < 0 || flock(b->lock_fd, LOCK_EX) != 0) {
        perror(lock_path);
        unlock(b);
        return -1;
    }
    script(b, "stop.sh", 0, NULL, 0);
    rc = script(b, "start.sh", 0, b->bootstrap, sizeof b->bootstrap);
    if (rc != 0 || !b->bootstrap[0]) {
        if (rc != 2) fprintf(stderr, "kafka/start.sh for %s exited with %d\n", b->home, rc);
        unlock(b);
        return rc == 2 ? 2 : -1;
    }
    return 0;
}

int own_broker_stop(own_broker *b) {
    return script(b, "stop.sh", 0, NULL, 0);
}

int own_broker_restart(own_broker *b) {
    char again[256];
    if (script(b, "start.sh", 1, again, sizeof again) != 0) return -1;
    if (strcmp(again, b->bootstrap) != 0) {
        fprintf(stderr, "the broker came back at %s, not %s\n", again, b->bootstrap);
        return -1;
    }
    return 0;
}

void own_broker_close(own_broker *b) {
    script(b, "stop.sh", 0, NULL, 0);
    unlock(b);
}
