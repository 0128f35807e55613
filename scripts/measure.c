/* measure OUT COMMAND [ARG...]: run COMMAND and write "WALL USER SYS MAXRSS" to OUT (seconds with
 * microseconds, peak RSS in KiB), as GNU time's %e %U %S %M but to the microsecond: a run of
 * case (d) uses a few hundredths of a second of CPU, which time's 10 ms steps cannot compare.
 * USER, SYS and MAXRSS include the command's waited-for descendants, as with GNU time. Exits
 * with the command's status (128 + signal when it was killed). Built by make_measure in
 * scripts/lib.sh. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double secs(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: measure OUT COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("measure: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("measure: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("measure: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror("measure: open the output");
        return 2;
    }
    fprintf(out, "%.6f %.6f %.6f %ld\n",
            (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
            secs(ru.ru_utime), secs(ru.ru_stime), ru.ru_maxrss);
    fclose(out);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
