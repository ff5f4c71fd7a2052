// Plugin processes that cannot outlive bench (docs/reliability.md#plugins).
//
// A plugin is forked by one long-lived thread of bench's, made its own process group and given
// a parent-death signal (SIGKILL) before it executes: the kernel kills it when bench dies, even
// by SIGKILL. The parent-death signal follows the thread that forked, not the process, so every
// fork happens on that one thread, which lives as long as bench. Only async-signal-safe calls
// run between fork and exec; an exec failure comes back through a close-on-exec pipe.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "CBenchSupport.h"

struct spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int in_fd, out_fd;
    const char *log_path;
    const int *close_fds;
    int nclose;
    pid_t result;
    int error;
    int done;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static struct spawn_request *pending = NULL;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int thread_ok = 0;

static void child_fail(int report, int err) {
    ssize_t ignored = write(report, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

static void do_spawn(struct spawn_request *r) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        r->result = -1;
        r->error = errno;
        return;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        r->result = -1;
        r->error = errno;
        close(report[0]);
        close(report[1]);
        return;
    }
    if (child == 0) {
        close(report[0]);
        // Its own process group, so a timeout can kill it and every child it starts.
        if (setpgid(0, 0) != 0) child_fail(report[1], errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], errno);
        if (getppid() != parent) _exit(127);  // bench died before the signal was armed
        if (dup2(r->in_fd, 0) < 0 || dup2(r->out_fd, 1) < 0) child_fail(report[1], errno);
        // O_NOFOLLOW: a planted link must not route the plugin's stderr into another file.
        int log = open(r->log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
        if (log < 0) child_fail(report[1], errno);
        if (dup2(log, 2) < 0) child_fail(report[1], errno);
        if (log != 2) close(log);
        for (int i = 0; i < r->nclose; i++) {
            if (r->close_fds[i] > 2) close(r->close_fds[i]);
        }
        // The plugin starts with no signal blocked (bench's threads may block some).
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(r->path, r->argv, r->envp);
        child_fail(report[1], errno);
    }
    close(report[1]);
    int err = 0;
    ssize_t n;
    do {
        n = read(report[0], &err, sizeof err);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof err) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        r->result = -1;
        r->error = err;
        return;
    }
    r->result = child;
    r->error = 0;
}

static void *spawner(void *unused) {
    (void)unused;
    // This thread only forks: it takes no signal meant for bench's handlers.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&lock);
    for (;;) {
        while (pending == NULL) pthread_cond_wait(&wake, &lock);
        struct spawn_request *r = pending;
        pending = NULL;
        pthread_mutex_unlock(&lock);
        do_spawn(r);
        pthread_mutex_lock(&lock);
        r->done = 1;
        pthread_cond_broadcast(&finished);
    }
    return NULL;
}

static void start_spawner(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    thread_ok = pthread_create(&thread, &attributes, spawner, NULL) == 0;
    pthread_attr_destroy(&attributes);
}

pid_t bench_spawn_plugin(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd,
                         const char *log_path, const int *close_fds, int nclose, int *error) {
    pthread_once(&once, start_spawner);
    if (!thread_ok) {
        *error = EAGAIN;
        return -1;
    }
    struct spawn_request r = {path, argv, envp, in_fd, out_fd, log_path, close_fds, nclose, -1, 0, 0};
    pthread_mutex_lock(&lock);
    while (pending != NULL) pthread_cond_wait(&finished, &lock);
    pending = &r;
    pthread_cond_signal(&wake);
    while (!r.done) pthread_cond_wait(&finished, &lock);
    pthread_mutex_unlock(&lock);
    *error = r.error;
    return r.result;
}

int bench_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1; }
