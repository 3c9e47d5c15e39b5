/*
 * Issue 12 from C: no record lost through a half-failing receiver, an outage (within one
 * process), a SIGKILL mid-burst, four processes sharing one spool directory, a torn spool
 * tail, a full spool, a read-only directory, disk-full writes (RLIMIT_FSIZE) and fork().
 * Every test that delivers ends by counting records received (by their `seq` property, in
 * the receiver's --out file) against records handed over: 0 lost, and a record that arrived
 * twice must carry the same _track_id both times.
 *
 * The counts are smaller under valgrind (the suite runs there too), where everything is
 * ~30x slower: the close bound the issue names is about time, not about a record count.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "harness.h"
#include "json.h"
#include "receiver.h"
#include "suites.h"

static const char *receiver_exe;
static const char *work;
static int scale_down; /* 1 under valgrind */

static int start_rx(receiver *r, const char *name, const char *const *extra) {
    return receiver_start_in(r, receiver_exe, work, name, extra);
}

/* A fresh, empty spool directory under the work dir. */
static const char *spool_dir(const char *name) {
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/spool-%s", work, name);
    mkdir(dir, 0755);
    return dir;
}

/* 1 once the receiver's port accepts a connection (it was down), within `seconds`. */
static int wait_up(const receiver *r, double seconds) {
    const char *colon = strrchr(r->url + 7, ':');
    int port = colon ? atoi(colon + 1) : 0;
    double deadline = now_s() + seconds;
    while (now_s() < deadline) {
        struct sockaddr_in a;
        int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        if (fd >= 0) close(fd);
        if (ok) return 1;
        sleep_ms(50);
    }
    return 0;
}

/* Polls the receiver until it holds `n` records or `seconds` pass (never a fixed sleep). */
static int wait_count(const receiver *r, int n, double seconds) {
    double deadline = now_s() + seconds;
    int c = receiver_count(r);
    while (c < n && now_s() < deadline) {
        sleep_ms(50);
        c = receiver_count(r);
    }
    return c;
}

/* Tracks one record with properties seq (and a 100-byte pad when asked). */
static int track_seq(sa_client *sa, long seq, int pad) {
    sa_properties *props = NULL;
    int rc = sa_properties_new(&props);
    if (rc == SA_OK) rc = sa_properties_set_int(props, "seq", seq);
    if (rc == SA_OK && pad) {
        char text[101];
        memset(text, 'x', 100);
        text[100] = '\0';
        rc = sa_properties_set_string(props, "pad", text);
    }
    if (rc == SA_OK) rc = sa_track(sa, "u1", "Spooled", props, false);
    sa_properties_free(props);
    return rc;
}

/* Reads the receiver's --out file: checks every seq in [0, n) with want[seq] (NULL: all)
   arrived, and that any duplicate shares its _track_id. Prints the figures. */
static void check_none_lost(const receiver *r, long n, const unsigned char *want, const char *label) {
    FILE *f = fopen(r->out, "r");
    long *track_ids = (long *)calloc((size_t)n, sizeof(long));
    unsigned char *seen = (unsigned char *)calloc((size_t)n, 1);
    long received = 0, lost = 0, dups = 0, bad_dups = 0, foreign = 0, expected = 0, i;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f || !track_ids || !seen) {
        check_failed(__FILE__, __LINE__, "%s: cannot read %s", label, r->out);
        if (f) fclose(f);
        free(track_ids);
        free(seen);
        return;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        char err[128];
        json *rec = json_parse(line, (size_t)len, err, sizeof err);
        const json *seq = rec ? json_get(json_get(rec, "properties"), "seq") : NULL;
        const json *tid = rec ? json_get(rec, "_track_id") : NULL;
        received++;
        if (!seq || !seq->is_integer || seq->integer < 0 || seq->integer >= n || !tid) {
            foreign++;
        } else if (seen[seq->integer]) {
            dups++;
            if (track_ids[seq->integer] != (long)tid->integer) bad_dups++;
        } else {
            seen[seq->integer] = 1;
            track_ids[seq->integer] = (long)tid->integer;
        }
        json_free(rec);
    }
    free(line);
    fclose(f);
    for (i = 0; i < n; i++) {
        if (want && !want[i]) continue;
        expected++;
        if (!seen[i]) lost++;
    }
    printf("  %s: %ld handed over, %ld received, %ld lost, %ld duplicated\n", label, expected, received, lost,
           dups);
    if (lost) check_failed(__FILE__, __LINE__, "%s: %ld of %ld records lost", label, lost, expected);
    if (bad_dups) check_failed(__FILE__, __LINE__, "%s: %ld duplicates with another _track_id", label, bad_dups);
    if (foreign) check_failed(__FILE__, __LINE__, "%s: %ld records that were never handed over", label, foreign);
    free(track_ids);
    free(seen);
}

static sa_client *client_on(sa_consumer *consumer) {
    sa_client *sa = NULL;
    CHECK_OK(sa_new(consumer, NULL, false, &sa));
    return sa;
}

/* An AsyncBatchConsumer on `url`, spooling into `dir` (NULL: none); 0 on failure. */
static sa_consumer *async_on(const char *url, const char *dir, uint64_t flush_ms) {
    sa_async_batch_options o;
    sa_consumer *consumer = NULL;
    if (sa_async_batch_options_init(&o) != SA_OK) return NULL;
    o.spool_dir = dir;
    if (flush_ms) o.flush_max_time_ms = flush_ms;
    if (sa_consumer_async_batch_new(url, &o, &consumer) != SA_OK) return NULL;
    return consumer;
}

/* The next process's part: a consumer on the directory, closed, sends what was left. */
static void drain_spool(const char *url, const char *dir) {
    sa_consumer *consumer = async_on(url, dir, 0);
    sa_client *sa;
    CHECK(consumer != NULL);
    if (!consumer) return;
    sa = client_on(consumer);
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
}

/* Waits for a forked child; 1 if it exited with status 0 (children exit 3 when a call
   failed), else says how it ended. */
static int child_ok(pid_t pid) {
    int status = 0;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 1;
    if (WIFEXITED(status))
        printf("  child %d exited %d\n", (int)pid, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("  child %d killed by signal %d\n", (int)pid, WTERMSIG(status));
    return 0;
}

/* --- a receiver failing about half its requests, the consumer ------------------- */

static void half_failing(int spooled) {
    /* 500s, dropped connections, resets, and 429s with Retry-After: 1 (the mix). */
    static const char *const faults[] = {"--status-seq",
        "200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,200,429,429,429",
        "--retry-after", "1", "--fail-rate", "0.35", "--fail-status", "500", "--drop-rate", "0.1",
        "--reset-rate", "0.05", "--seed", "3", NULL};
    receiver r;
    sa_async_batch_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    long n = scale_down ? 500 : 5000, i;
    double took;
    char label[64];
    if (!start_rx(&r, spooled ? "half-failing-spool" : "half-failing", faults)) return;
    CHECK_OK(sa_async_batch_options_init(&o));
    o.flush_max_time_ms = 1000;
    o.flush_size = 50;
    o.max_batch_size = 50;
    o.max_size = 20000;
    o.request_timeout_ms = 2000;
    o.spool_dir = spooled ? spool_dir("half-failing") : NULL;
    CHECK(o.close_timeout_ms == 10000); /* the default bound the issue names */
    CHECK_OK(sa_consumer_async_batch_new(r.url, &o, &consumer));
    sa = client_on(consumer);
    for (i = 0; i < n; i++) CHECK_OK(track_seq(sa, i, 0));
    took = now_s();
    CHECK_OK(sa_close(sa));
    took = now_s() - took;
    /* Under valgrind the bound is overrun by the slowness of every step after it expired. */
    CHECK(took < (scale_down ? 20.0 : 10.5));
    CHECK(stats_of(consumer).failed == 0);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    /* With a spool, what the close bound did not see delivered stays spooled, not lost: the
       next process sends it. (The figure printed says how much close delivered.) */
    if (spooled) {
        int before = receiver_count(&r);
        drain_spool(r.url, o.spool_dir);
        printf("  (close delivered %d, the next consumer %d)\n", before, receiver_count(&r) - before);
    }
    snprintf(label, sizeof label, "50%% failing receiver, %s (close %.1f s)", spooled ? "spool" : "no spool", took);
    check_none_lost(&r, n, NULL, label);
    receiver_stop(&r);
}

static void test_half_failing(void) { half_failing(0); }
static void test_half_failing_spool(void) { half_failing(1); }

/* --- down then back within one process: flush does not wait, everything arrives ---------- */

static void test_down_then_back(void) {
    static const char *const down[] = {"--down-for-ms", "1500", NULL};
    receiver r;
    sa_consumer *consumer;
    sa_client *sa;
    long n = scale_down ? 300 : 2000, i;
    double t;
    if (!start_rx(&r, "down-then-back", down)) return;
    consumer = async_on(r.url, spool_dir("down-then-back"), 100);
    CHECK(consumer != NULL);
    if (!consumer) return;
    sa = client_on(consumer);
    for (i = 0; i < n; i++) CHECK_OK(track_seq(sa, i, 0));
    t = now_s();
    CHECK_OK(sa_flush(sa));
    /* No call waits for a receiver known to be down. (Under valgrind the 1 500 ms outage may
       be over by now, and flush then rightly sends the spool within its bound.) */
    if (!scale_down) CHECK(now_s() - t < 3.0);
    CHECK(wait_up(&r, 30));
    CHECK(wait_count(&r, (int)n, 60) >= n); /* the background thread re-sends the spool */
    CHECK_OK(sa_close(sa));
    CHECK(stats_of(consumer).spooled == (uint64_t)n);
    check_none_lost(&r, n, NULL, "down then back, one process");
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    receiver_stop(&r);
}

/* --- SIGKILL mid-burst, then the next process sends what the killed one left ------------ */

static void test_sigkill_mid_burst(void) {
    static const char *const down[] = {"--down-for-ms", "3000", NULL};
    receiver r;
    const char *dir = spool_dir("sigkill");
    int fds[2];
    pid_t pid;
    long handed = 0, got;
    unsigned char *want;
    double until;
    if (!start_rx(&r, "sigkill", down)) return;
    if (pipe(fds) != 0) return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* The child tracks bursts of 500 forever, telling the parent after each. */
        sa_consumer *consumer = async_on(r.url, dir, 0);
        sa_client *sa = NULL;
        long i = 0;
        close(fds[0]);
        if (!consumer || sa_new(consumer, NULL, false, &sa) != SA_OK) _exit(4);
        for (;;) {
            int k;
            for (k = 0; k < 500; k++, i++)
                if (track_seq(sa, i, 0) != SA_OK) _exit(4);
            if (write(fds[1], &i, sizeof i) != (ssize_t)sizeof i) _exit(4);
            sleep_ms(20);
        }
    }
    close(fds[1]);
    until = now_s() + 1.5;
    while (now_s() < until && read(fds[0], &got, sizeof got) == (ssize_t)sizeof got) handed = got;
    /* Everything reported was handed over before this point; the promise: a SIGKILL loses at
       most the last 50 ms. */
    sleep_ms(60);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    CHECK(handed >= 500);
    CHECK(wait_up(&r, 30));
    drain_spool(r.url, dir);
    /* Records tracked after the last report may or may not have been handed over when the
       kill came: they count as neither required nor foreign. */
    want = (unsigned char *)calloc((size_t)(handed + 10000), 1);
    if (!want) return;
    memset(want, 1, (size_t)handed);
    check_none_lost(&r, handed + 10000, want, "SIGKILL mid-burst, then a restart");
    free(want);
    receiver_stop(&r);
}

/* --- four processes, one directory ------------------------------------------------------ */

static void test_four_processes(void) {
    static const char *const down[] = {"--down-for-ms", "1500", NULL};
    enum { PROCESSES = 4 };
    receiver r;
    const char *dir = spool_dir("four");
    long each = scale_down ? 200 : 1000;
    pid_t pids[PROCESSES];
    int k, ok = 1;
    if (!start_rx(&r, "four", down)) return;
    fflush(stdout);
    for (k = 0; k < PROCESSES; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            sa_batch_options o;
            sa_consumer *consumer = NULL;
            sa_client *sa = NULL;
            long i;
            int rc = sa_batch_options_init(&o);
            o.spool_dir = dir;
            o.request_timeout_ms = 2000;
            if (rc == SA_OK) rc = sa_consumer_batch_new_with(r.url, &o, &consumer);
            if (rc == SA_OK) rc = sa_new(consumer, NULL, false, &sa);
            sa_consumer_free(consumer);
            for (i = 0; i < each && rc == SA_OK; i++) rc = track_seq(sa, k * each + i, 0);
            if (rc == SA_OK) rc = sa_close(sa);
            if (sa_free(sa) != SA_OK) rc = 1;
            _exit(rc == SA_OK ? 0 : 3);
        }
    }
    for (k = 0; k < PROCESSES; k++) ok &= child_ok(pids[k]);
    CHECK(ok);
    CHECK(wait_up(&r, 30));
    drain_spool(r.url, dir);
    check_none_lost(&r, PROCESSES * each, NULL, "4 processes sharing one spool dir");
    receiver_stop(&r);
}

/* --- a torn tail ------------------------------------------------------------------------- */

/* The name of the last (newest) segment in `dir`, or "" when there is none. */
static void last_segment(const char *dir, char *out, size_t size) {
    DIR *d = opendir(dir);
    struct dirent *e;
    out[0] = '\0';
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 8 && strcmp(e->d_name + len - 8, ".saspool") == 0 && strcmp(e->d_name, out) > 0)
            snprintf(out, size, "%s", e->d_name);
    }
    closedir(d);
}

static void test_torn_tail(void) {
    receiver r;
    char dead_url[256], name[512], path[1600];
    const char *dir = spool_dir("torn");
    static const unsigned char torn[] = {0x1e, 0xff, 0, 0, 0, 1, 2}; /* half a frame */
    sa_consumer *consumer;
    sa_client *sa;
    FILE *f;
    long n = 300, i;
    if (!start_rx(&r, "torn-dead", NULL)) return;
    snprintf(dead_url, sizeof dead_url, "%s", r.url);
    receiver_stop(&r);
    consumer = async_on(dead_url, dir, 0);
    CHECK(consumer != NULL);
    if (!consumer) return;
    sa = client_on(consumer);
    for (i = 0; i < n; i++) CHECK_OK(track_seq(sa, i, 0));
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    last_segment(dir, name, sizeof name);
    CHECK(name[0] != '\0');
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "ab");
    CHECK(f != NULL);
    if (f) {
        fwrite(torn, 1, sizeof torn, f);
        fclose(f);
    }
    if (!start_rx(&r, "torn", NULL)) return;
    consumer = async_on(r.url, dir, 0);
    CHECK(consumer != NULL);
    if (!consumer) return;
    sa = client_on(consumer);
    CHECK_OK(sa_close(sa));
    CHECK(stats_of(consumer).corrupt == 1);
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    check_none_lost(&r, n, NULL, "torn spool tail");
    receiver_stop(&r);
}

/* --- a full spool: refused with the network error, counted; the rest delivered later ---- */

static void test_spool_full(void) {
    receiver r;
    char dead_url[256];
    const char *dir = spool_dir("full");
    sa_async_batch_options o;
    sa_consumer *consumer = NULL;
    sa_client *sa;
    sa_consumer_stats s;
    enum { N = 3000 };
    unsigned char accepted[N];
    long refused = 0, i;
    if (!start_rx(&r, "full-dead", NULL)) return;
    snprintf(dead_url, sizeof dead_url, "%s", r.url);
    receiver_stop(&r);
    CHECK_OK(sa_async_batch_options_init(&o));
    o.spool_dir = dir;
    o.spool_max_bytes = 64 * 1024;
    CHECK_OK(sa_consumer_async_batch_new(dead_url, &o, &consumer));
    if (!consumer) return;
    sa = client_on(consumer);
    for (i = 0; i < N; i++) {
        int rc = track_seq(sa, i, 0);
        accepted[i] = rc == SA_OK;
        if (rc != SA_OK) {
            refused++;
            CHECK(rc == SA_ERR_NETWORK);
            CHECK(strstr(sa_last_error_message(), "spool is full") != NULL);
        }
        if (i % 100 == 0) sleep_ms(10); /* let the writer commit: the bound is on disk bytes */
    }
    CHECK_OK(sa_close(sa));
    s = stats_of(consumer);
    CHECK(refused > 0);
    CHECK(s.dropped == (uint64_t)refused);
    CHECK(s.spooled == (uint64_t)(N - refused));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    /* What the full spool did accept is delivered by the next consumer: none of it lost. */
    if (!start_rx(&r, "full", NULL)) return;
    drain_spool(r.url, dir);
    check_none_lost(&r, N, accepted, "full spool (accepted records)");
    receiver_stop(&r);
}

/* --- a read-only spool directory: a clear error at construction -------------------------- */

static void test_read_only_dir(void) {
    const char *dir = spool_dir("read-only");
    sa_async_batch_options o;
    sa_batch_options b;
    sa_consumer *consumer = NULL;
    CHECK(chmod(dir, 0555) == 0);
    /* root writes into a 0555 directory anyway: then use one where nothing can be created */
    if (access(dir, W_OK) == 0) dir = "/proc/self";
    CHECK_OK(sa_async_batch_options_init(&o));
    o.spool_dir = dir;
    CHECK(sa_consumer_async_batch_new("http://127.0.0.1:9/sa", &o, &consumer) != SA_OK);
    printf("  read-only spool_dir: %s: %s\n", sa_error_name(sa_last_error_code()), sa_last_error_message());
    CHECK(strstr(sa_last_error_message(), "spool_dir") != NULL);
    CHECK(consumer == NULL);
    CHECK_OK(sa_batch_options_init(&b));
    b.spool_dir = dir;
    CHECK(sa_consumer_batch_new_with("http://127.0.0.1:9/sa", &b, &consumer) != SA_OK);
    CHECK(strstr(sa_last_error_message(), "spool_dir") != NULL);
    CHECK(consumer == NULL);
}

/* --- disk-full writes: a child with RLIMIT_FSIZE below the data it tracks ----------------- */

static void test_disk_full(void) {
    static const char *const down[] = {"--down-for-ms", "1500", NULL};
    receiver r;
    const char *dir = spool_dir("fsize");
    long n = scale_down ? 2000 : 8000;
    pid_t pid;
    /* Down at first, so that the records pile up in the spool, well past the limit. */
    if (!start_rx(&r, "fsize", down)) return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct rlimit lim;
        sa_consumer *consumer;
        sa_client *sa = NULL;
        long i;
        int rc = SA_OK;
        signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
        lim.rlim_cur = 200 * 1024;
        lim.rlim_max = RLIM_INFINITY;
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(2);
        consumer = async_on(r.url, dir, 0);
        if (!consumer || sa_new(consumer, NULL, false, &sa) != SA_OK) _exit(4);
        sa_consumer_free(consumer);
        for (i = 0; i < n && rc == SA_OK; i++) rc = track_seq(sa, i, 1);
        if (rc == SA_OK) rc = sa_close(sa);
        if (sa_free(sa) != SA_OK) rc = 1;
        _exit(rc == SA_OK ? 0 : 3);
    }
    CHECK(child_ok(pid));
    CHECK(wait_up(&r, 30));
    drain_spool(r.url, dir); /* whatever the child's close bound left */
    check_none_lost(&r, n, NULL, "RLIMIT_FSIZE (disk-full writes)");
    receiver_stop(&r);
}

/* --- fork() of a process with a spool: parent and child both deliver ----------------------- */

static void test_fork(void) {
    receiver r;
    sa_consumer *consumer;
    sa_client *sa;
    pid_t pid;
    long i;
    if (!start_rx(&r, "fork", NULL)) return;
    consumer = async_on(r.url, spool_dir("fork"), 100);
    CHECK(consumer != NULL);
    if (!consumer) return;
    sa = client_on(consumer);
    for (i = 0; i < 100; i++) CHECK_OK(track_seq(sa, i, 0));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int rc = SA_OK;
        for (i = 100; i < 200 && rc == SA_OK; i++) rc = track_seq(sa, i, 0);
        if (rc == SA_OK) rc = sa_close(sa);
        if (sa_free(sa) != SA_OK) rc = 1;
        sa_consumer_free(consumer);
        _exit(rc == SA_OK ? 0 : 3);
    }
    for (i = 200; i < 300; i++) CHECK_OK(track_seq(sa, i, 0));
    CHECK(child_ok(pid));
    CHECK_OK(sa_close(sa));
    CHECK_OK(sa_free(sa));
    sa_consumer_free(consumer);
    check_none_lost(&r, 300, NULL, "fork of a process with a spool");
    receiver_stop(&r);
}

void run_spool_tests(const char *receiver_path, const char *work_dir) {
    const char *preload = getenv("LD_PRELOAD");
    scale_down = preload && strstr(preload, "vgpreload") != NULL;
    work = work_dir;
    run_test("spool_read_only_dir", test_read_only_dir);
    if (!receiver_path || access(receiver_path, X_OK) != 0) {
        skip_test("spool_*", "no sa-receiver binary given");
        return;
    }
    receiver_exe = receiver_path;
    run_test("spool_half_failing_no_spool", test_half_failing);
    run_test("spool_half_failing_with_spool", test_half_failing_spool);
    run_test("spool_down_then_back", test_down_then_back);
    run_test("spool_torn_tail", test_torn_tail);
    run_test("spool_full", test_spool_full);
    if (scale_down) {
        /* valgrind runs one thread at a time, ~30x slower: the 50 ms promise cannot be timed,
           a drain does not finish within a close bound, and its leak check of a forked child
           (which ends with _exit) now and then fails the child on the parent's thread
           bookkeeping. The plain runs (c99, cpp17) run these. */
        skip_test("spool_four_processes", "forked children, not under valgrind");
        skip_test("spool_sigkill_mid_burst", "timing promise, not under valgrind");
        skip_test("spool_disk_full_rlimit_fsize", "child's close bound, not under valgrind");
        skip_test("spool_fork", "valgrind reports the parent's threads in a forked child");
        return;
    }
    run_test("spool_four_processes", test_four_processes);
    run_test("spool_sigkill_mid_burst", test_sigkill_mid_burst);
    run_test("spool_disk_full_rlimit_fsize", test_disk_full);
    run_test("spool_fork", test_fork);
}
