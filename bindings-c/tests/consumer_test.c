/*
 * The consumers of the library, used as a C program uses them: the console (standard output
 * captured through a pipe of file descriptors), the logging and concurrent logging consumers
 * (files under the work directory, read back), and their error codes.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "json.h"
#include "suites.h"

static const char *work;

/* `work/name`, in a static buffer per slot. */
static const char *path_in_work(int slot, const char *name) {
    static char buffers[4][1024];
    snprintf(buffers[slot], sizeof buffers[slot], "%s/%s", work, name);
    return buffers[slot];
}

/* The lines of a file: each checked to be a JSON object; returns how many, -1 if unreadable. */
static int count_json_lines(const char *path, const char *must_contain) {
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int count = 0;
    if (!f) return -1;
    while ((n = getline(&line, &cap, f)) > 0) {
        char why[64];
        json *record;
        if (line[n - 1] != '\n') {
            check_failed(__FILE__, __LINE__, "%s: a line without its newline", path);
            break;
        }
        record = json_parse(line, (size_t)n - 1, why, sizeof why);
        if (!record || record->type != JSON_OBJECT)
            check_failed(__FILE__, __LINE__, "%s: not a JSON object (%s): %s", path, why, line);
        else if (must_contain && !strstr(line, must_contain))
            check_failed(__FILE__, __LINE__, "%s: line lacks %s: %s", path, must_contain, line);
        json_free(record);
        count++;
    }
    free(line);
    fclose(f);
    return count;
}

static void track_n(sa_client *sa, int n, const char *event) {
    int i;
    for (i = 0; i < n; i++) CHECK_OK(sa_track(sa, "u1", event, NULL, false));
}

static void test_console(void) {
    const char *out = path_in_work(0, "console.out");
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    int saved, fd;
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    CHECK_OK(sa_consumer_console_new(&consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    sa_consumer_free(consumer);
    track_n(sa, 3, "Console");
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    CHECK(count_json_lines(out, "\"event\":\"Console\"") == 3);
    CHECK_CODE(sa_consumer_console_new(NULL), SA_ERR_INVALID_ARGUMENT);
}

static void test_logging(void) {
    const char *file = path_in_work(0, "logging.log");
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    CHECK_OK(sa_consumer_logging_new(file, 0, "midnight", &consumer));
    CHECK_OK(sa_new(consumer, "proj", false, &sa));
    sa_consumer_free(consumer);
    track_n(sa, 5, "Logged");
    CHECK_OK(sa_flush(sa));
    CHECK(count_json_lines(file, "\"project\":\"proj\"") == 5);
    track_n(sa, 2, "Logged");
    CHECK_OK(sa_free(sa)); /* not closed: sa_free flushes */
    CHECK(count_json_lines(file, "\"event\":\"Logged\"") == 7);
}

static void test_logging_errors(void) {
    sa_consumer *consumer = NULL;
    CHECK_CODE(sa_consumer_logging_new(path_in_work(0, "x.log"), 0, "fortnight", &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "Invalid rollover interval specified: FORTNIGHT");
    CHECK(consumer == NULL);
    CHECK_CODE(sa_consumer_logging_new(path_in_work(0, "x.log"), 0, "W7", &consumer), SA_ERR_ILLEGAL_DATA);
    CHECK_STR(sa_last_error_message(), "Invalid day specified for weekly rollover: W7");
    CHECK_CODE(sa_consumer_logging_new(path_in_work(0, "no/such/dir/x.log"), 0, "D", &consumer), SA_ERR_FILE_LOCK);
    CHECK(strstr(sa_last_error_message(), "no/such/dir/x.log") != NULL);
    CHECK_CODE(sa_consumer_logging_new(NULL, 0, "D", &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "prefix must not be NULL");
    CHECK_CODE(sa_consumer_logging_new(path_in_work(0, "x.log"), 0, NULL, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_STR(sa_last_error_message(), "when must not be NULL");
    CHECK_CODE(sa_consumer_logging_new(path_in_work(0, "x.log"), 0, "D", NULL), SA_ERR_INVALID_ARGUMENT);
}

/* when="S" rotates every second: the file written before the rotation gets a suffix. */
static void test_logging_rotation(void) {
    const char *file = path_in_work(0, "rotating.log");
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    struct timespec pause = {1, 200000000L};
    char command[1200];
    CHECK_OK(sa_consumer_logging_new(file, 0, "S", &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    sa_consumer_free(consumer);
    track_n(sa, 2, "Before");
    nanosleep(&pause, NULL);
    track_n(sa, 1, "After");
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    CHECK(count_json_lines(file, "\"event\":\"After\"") == 1);
    /* Exactly one rotated file `rotating.log.YYYY-MM-DD_HH-MM-SS` holding the two first. */
    snprintf(command, sizeof command, "test \"$(cat %s.* | grep -c '\"event\":\"Before\"')\" = 2", file);
    CHECK(system(command) == 0);
}

static void today(char *buffer, size_t size) {
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buffer, size, "%Y-%m-%d", &tm);
}

/* Polls until `file` holds `want` JSON lines (or 10 s pass); returns the count then. */
static int wait_for_lines(const char *file, int want) {
    struct timespec pause = {0, 1000000};
    int i, n = 0;
    for (i = 0; i < 10000; i++) {
        n = count_json_lines(file, NULL);
        if (n >= want) break;
        nanosleep(&pause, NULL);
    }
    return n;
}

static void test_concurrent_logging(void) {
    const char *prefix = path_in_work(0, "concurrent");
    char file[1100], date[16];
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    today(date, sizeof date);
    snprintf(file, sizeof file, "%s.%s", prefix, date);
    CHECK_OK(sa_consumer_concurrent_logging_new(prefix, 3, &consumer));
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    sa_consumer_free(consumer);
    track_n(sa, 3, "Buffered");
    CHECK(count_json_lines(file, NULL) <= 0); /* three records wait: buffer_size is 3 */
    track_n(sa, 1, "Buffered");
    /* More than buffer_size: written, by the consumer's writer thread just after the call. */
    CHECK(wait_for_lines(file, 4) == 4);
    track_n(sa, 1, "Buffered");
    CHECK_OK(sa_close(sa));
    CHECK(count_json_lines(file, "\"event\":\"Buffered\"") == 5);
    CHECK_OK(sa_free(sa));
}

static void test_concurrent_logging_errors(void) {
    sa_consumer *consumer = NULL;
    CHECK_CODE(sa_consumer_concurrent_logging_new(path_in_work(0, "no/such/dir/c"), 10, &consumer), SA_ERR_FILE_LOCK);
    CHECK(strstr(sa_last_error_message(), "no/such/dir/c") != NULL);
    CHECK(consumer == NULL);
    CHECK_CODE(sa_consumer_concurrent_logging_new(NULL, 10, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_consumer_concurrent_logging_new(path_in_work(0, "c"), 10, NULL), SA_ERR_INVALID_ARGUMENT);
}

/* Several processes append to one file through their own clients: no line is lost or torn. */
static void test_concurrent_logging_processes(void) {
    enum { PROCESSES = 4, EACH = 300 };
    const char *prefix = path_in_work(0, "multi");
    char file[1100], date[16];
    pid_t pids[PROCESSES];
    int i, status, ok = 1;
    today(date, sizeof date);
    snprintf(file, sizeof file, "%s.%s", prefix, date);
    fflush(stdout);
    for (i = 0; i < PROCESSES; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            sa_consumer *consumer = NULL;
            sa_client *sa = NULL;
            int j, rc = sa_consumer_concurrent_logging_new(prefix, 7, &consumer);
            if (rc == SA_OK) rc = sa_new(consumer, NULL, false, &sa);
            sa_consumer_free(consumer);
            for (j = 0; j < EACH && rc == SA_OK; j++) rc = sa_track(sa, "u1", "Multi", NULL, false);
            if (rc == SA_OK) rc = sa_close(sa);
            if (sa_free(sa) != SA_OK) rc = 1;
            _exit(rc == SA_OK ? 0 : 1);
        }
    }
    for (i = 0; i < PROCESSES; i++) {
        if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ok = 0;
    }
    CHECK(ok);
    CHECK(count_json_lines(file, "\"event\":\"Multi\"") == PROCESSES * EACH);
}

/* sa_recording: the records a client sent, kept in memory for a user's own tests. */
static void test_recording(void) {
    sa_recording *rec = NULL;
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    sa_properties *props = NULL;
    size_t n = 99, len = 0;
    char line[1024], small[8];

    CHECK_OK(sa_recording_new(&rec));
    CHECK_OK(sa_recording_consumer(rec, &consumer));
    CHECK_OK(sa_new(consumer, "proj", false, &sa));
    sa_consumer_free(consumer);
    CHECK_OK(sa_recording_count(rec, &n));
    CHECK(n == 0);
    CHECK_OK(sa_properties_new(&props));
    CHECK_OK(sa_properties_set_double(props, "price", 12.5));
    CHECK_OK(sa_track(sa, "u1", "Buy", props, false));
    CHECK_OK(sa_track_signup(sa, "u1", "anon", NULL));
    CHECK_CODE(sa_track(sa, "u1", "1-bad", NULL, false), SA_ERR_ILLEGAL_DATA);
    CHECK_OK(sa_recording_count(rec, &n));
    CHECK(n == 2);
    CHECK_OK(sa_recording_get(rec, 0, line, sizeof line, &len));
    CHECK(len == strlen(line));
    CHECK(strstr(line, "\"event\":\"Buy\"") != NULL);
    CHECK(strstr(line, "\"price\":12.5") != NULL);
    CHECK(strstr(line, "\"project\":\"proj\"") != NULL);
    /* snprintf-like: cut and NUL-terminated, the whole length reported; NULL, 0 asks the length. */
    CHECK_OK(sa_recording_get(rec, 1, small, sizeof small, &len));
    CHECK(strlen(small) == sizeof small - 1 && len > sizeof small);
    CHECK_OK(sa_recording_get(rec, 1, NULL, 0, &n));
    CHECK(n == len);
    CHECK_CODE(sa_recording_get(rec, 2, line, sizeof line, &len), SA_ERR_ILLEGAL_DATA);
    CHECK(strstr(sa_last_error_message(), "no record at index 2 (2 kept)") != NULL);
    CHECK_CODE(sa_recording_get(rec, 0, NULL, 4, &len), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_recording_count(NULL, &n), SA_ERR_INVALID_ARGUMENT);
    CHECK_CODE(sa_recording_consumer(NULL, &consumer), SA_ERR_INVALID_ARGUMENT);
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    CHECK_OK(sa_recording_count(rec, &n));
    CHECK(n == 2); /* still there after close */
    CHECK_OK(sa_recording_clear(rec));
    CHECK_OK(sa_recording_count(rec, &n));
    CHECK(n == 0);
    sa_properties_free(props);
    sa_recording_free(rec);
    sa_recording_free(NULL);
}

void run_consumer_tests(const char *work_dir) {
    work = work_dir;
    run_test("consumer_console", test_console);
    run_test("consumer_logging", test_logging);
    run_test("consumer_logging_errors", test_logging_errors);
    run_test("consumer_logging_rotation", test_logging_rotation);
    run_test("consumer_concurrent_logging", test_concurrent_logging);
    run_test("consumer_concurrent_logging_errors", test_concurrent_logging_errors);
    run_test("consumer_concurrent_logging_processes", test_concurrent_logging_processes);
    run_test("consumer_recording", test_recording);
}
