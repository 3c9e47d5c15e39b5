/* The test receiver as a child process (see receiver.h). */
#define _POSIX_C_SOURCE 200809L
#include "receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include "harness.h"

#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int receiver_start(receiver *r, const char *exe, const char *out, const char *const *extra) {
    int in[2], from[2];
    const char *argv[32];
    size_t n = 0;
    FILE *lines;
    char line[512];
    memset(r, 0, sizeof *r);
    r->pid = -1;
    snprintf(r->out, sizeof r->out, "%s", out);
    argv[n++] = exe;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--out";
    argv[n++] = out;
    while (extra && *extra && n < 30) argv[n++] = *extra++;
    argv[n] = NULL;
    if (pipe(in) != 0 || pipe(from) != 0) return -1;
    fflush(stdout);
    r->pid = fork();
    if (r->pid < 0) return -1;
    if (r->pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(from[1], STDOUT_FILENO);
        close(in[0]);
        close(in[1]);
        close(from[0]);
        close(from[1]);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(from[1]);
    r->stdin_fd = in[1];
    lines = fdopen(from[0], "r");
    if (!lines || !fgets(line, sizeof line, lines) || strncmp(line, "LISTENING ", 10) != 0) {
        if (lines) fclose(lines);
        receiver_stop(r);
        return -1;
    }
    /* The receiver prints nothing more on stdout; closing our end does not stop it. */
    fclose(lines);
    line[strcspn(line, "\r\n")] = '\0';
    snprintf(r->url, sizeof r->url, "%s", line + 10);
    return 0;
}

int receiver_start_in(receiver *r, const char *exe, const char *dir, const char *name, const char *const *extra) {
    char out[1024];
    snprintf(out, sizeof out, "%s/%s.jsonl", dir, name);
    if (receiver_start(r, exe, out, extra) != 0) {
        check_failed(__FILE__, __LINE__, "cannot start %s", exe);
        return 0;
    }
    return 1;
}

void receiver_stop(receiver *r) {
    int status;
    if (r->pid <= 0) return;
    close(r->stdin_fd); /* stdin EOF: the receiver exits */
    if (waitpid(r->pid, &status, WNOHANG) == 0) {
        struct timespec pause = {0, 20000000L};
        int i;
        for (i = 0; i < 100 && waitpid(r->pid, &status, WNOHANG) == 0; i++) nanosleep(&pause, NULL);
        if (i == 100) {
            kill(r->pid, SIGTERM);
            waitpid(r->pid, &status, 0);
        }
    }
    r->pid = -1;
}

int receiver_count(const receiver *r) {
    FILE *f = fopen(r->out, "r");
    int c, count = 0;
    if (!f) return -1;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') count++;
    fclose(f);
    return count;
}

int receiver_requests(const receiver *r, char *buf, size_t size) {
    /* url: http://127.0.0.1:PORT/sa?... */
    const char *port = strrchr(r->url + 7, ':');
    struct sockaddr_in addr;
    const char *req = "GET /_requests HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    size_t got = 0;
    ssize_t n;
    char *body;
    int fd;
    if (!port || strncmp(r->url, "http://", 7) != 0 || size < 2) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port + 1));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || write(fd, req, strlen(req)) < 0) {
        close(fd);
        return -1;
    }
    while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0) got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    body = strstr(buf, "\r\n\r\n");
    if (!body) return -1;
    body += 4;
    got = strlen(body);
    memmove(buf, body, got + 1);
    return (int)got;
}
