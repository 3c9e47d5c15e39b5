/* The C test suites besides the shared vectors. */
#ifndef SA_TEST_SUITES_H
#define SA_TEST_SUITES_H

/* api_test.c: every function, argument check and error code. */
void run_api_tests(void);
/* consumer_test.c: the console, file and custom consumers (files go under work_dir). */
void run_consumer_tests(const char *work_dir);
/* http_test.c: the HTTP consumers against the loopback receiver at receiver_path (the
   sa-receiver binary; NULL: those tests are skipped and listed). */
void run_http_tests(const char *receiver_path, const char *work_dir);
/* tls_test.c: HTTPS with a test CA (trusted via SSL_CERT_FILE; refused certificates). */
void run_tls_tests(const char *receiver_path, const char *work_dir);
/* options_test.c: the shared consumer-option vectors under vectors_dir/options; returns how
   many cases ran (-1: the file is missing or malformed). */
int run_option_vectors(const char *vectors_dir);
/* kafka_test.c: KafkaConsumer against the local broker (SA_KAFKA_TOOL names sa-kafka-tool). */
void run_kafka_tests(void);
/* kafka_restart_test.c: KafkaConsumer with spool_dir through a broker of the test's own stopped
   mid-burst and restarted (tests/kafka's scripts, found beside vectors_dir): 0 lost. */
void run_kafka_restart_test(const char *vectors_dir);
/* spool_test.c: issue 12's failures (half-failing receiver, outage, SIGKILL, shared
   directory, torn tail, full spool, read-only directory, RLIMIT_FSIZE, fork): 0 lost. */
void run_spool_tests(const char *receiver_path, const char *work_dir);
/* thread_test.c: one client used by many threads. */
void run_thread_tests(const char *work_dir);

#endif
