/*
 * The local Kafka brokers of the Kafka tests: sa-kafka-tool (named by SA_KAFKA_TOOL: starts the
 * shared broker, makes topics, reads a topic back with a consumer group) and a broker of one
 * test's own (tests/kafka/start.sh and stop.sh with its own SA_KAFKA_HOME) that the test may
 * stop and restart without disturbing the shared one.
 */
#ifndef SA_TEST_KAFKA_BROKER_H
#define SA_TEST_KAFKA_BROKER_H

#include <stddef.h>

/* Runs sa-kafka-tool with `args` (shell words); its stdout goes to `out` (NULL: ignored), cut
   to `out_size` - 1 bytes. Returns its exit code (-1: no tool, or it did not exit). */
int kafka_tool(const char *args, char *out, size_t out_size);
/* 1 when SA_KAFKA_TOOL names an executable. */
int kafka_tool_available(void);

typedef struct {
    char home[512];      /* SA_KAFKA_HOME of this broker: <shared home>-<name> */
    char scripts[512];   /* tests/kafka */
    char bootstrap[256]; /* 127.0.0.1:PORT, the same after a restart */
    int lock_fd;         /* an exclusive flock on <home>.lock, Python's and Node's lock too */
} own_broker;

/* Locks `name`'s home (one user at a time), stops what an earlier run left, starts the broker.
   Returns 0 (started), 2 (there can be none here: no java or mvn; nothing held), or -1
   (it failed: said on stderr; nothing held). */
int own_broker_start(own_broker *b, const char *scripts_dir, const char *name);
/* Stops the broker; its data stays. 0 on success. */
int own_broker_stop(own_broker *b);
/* Starts it again with its data, at the same address. 0 on success. */
int own_broker_restart(own_broker *b);
/* Stops the broker and lets the next user have it. */
void own_broker_close(own_broker *b);

#endif
