/*
 * The wasm runner's test module: one WASI command, one behaviour per sub-command (argv[1]).
 * Built by the tests with: clang --target=wasm32-wasi -O2 -o probe.wasm probe.c
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* Prints every argument and environment entry, copies datasets/in.csv to results/, adds a line. */
static int copy(int argc, char **argv) {
  for (int i = 0; i < argc; i++) printf("arg %d [%s]\n", i, argv[i]);
  for (char **e = environ; *e; e++) printf("env [%s]\n", *e);
  FILE *in = fopen("datasets/in.csv", "r");
  if (!in) {
    fprintf(stderr, "cannot open datasets/in.csv: %s\n", strerror(errno));
    return 2;
  }
  FILE *out = fopen("results/copy.csv", "w");
  if (!out) {
    fprintf(stderr, "cannot create results/copy.csv: %s\n", strerror(errno));
    return 3;
  }
  char line[256];
  int lines = 0;
  while (fgets(line, sizeof line, in)) {
    fputs(line, out);
    lines++;
  }
  fprintf(out, "lines,%d\n", lines);
  fclose(in);
  if (fclose(out) != 0) return 4;
  if (mkdir("results/sub", 0755) != 0) return 5;
  FILE *nested = fopen("results/sub/nested.txt", "w");
  if (!nested) return 6;
  fputs("nested\n", nested);
  fclose(nested);
  printf("copied %d lines\n", lines);
  return 0;
}

/* Lists datasets/ (sorted by the caller), reading each file's size. */
static int list(void) {
  DIR *d = opendir("datasets");
  if (!d) {
    fprintf(stderr, "opendir datasets: %s\n", strerror(errno));
    return 2;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "datasets/%s", e->d_name);
    if (stat(path, &st) != 0) {
      printf("%s stat failed: %s\n", e->d_name, strerror(errno));
      continue;
    }
    printf("%s %lld\n", e->d_name, (long long)st.st_size);
  }
  closedir(d);
  return 0;
}

static void report(const char *what, int ok) {
  printf("%s: %s\n", what, ok ? "ALLOWED" : strerror(errno));
}

/* Tries every way of changing datasets/; each must fail. */
static int write_datasets(void) {
  FILE *f;
  f = fopen("datasets/in.csv", "w");
  report("truncate", f != NULL);
  if (f) fclose(f);
  f = fopen("datasets/in.csv", "a");
  report("append", f != NULL);
  if (f) fclose(f);
  f = fopen("datasets/new.txt", "w");
  report("create", f != NULL);
  if (f) fclose(f);
  int fd = open("datasets/in.csv", O_RDWR);
  report("open read-write", fd >= 0);
  if (fd >= 0) close(fd);
  report("unlink", unlink("datasets/in.csv") == 0);
  report("mkdir", mkdir("datasets/dir", 0755) == 0);
  report("rename out", rename("datasets/in.csv", "results/stolen.csv") == 0);
  report("rename in", rename("results/mine.txt", "datasets/mine.txt") == 0);
  report("symlink", symlink("in.csv", "datasets/link") == 0);
  report("hard link", link("datasets/in.csv", "results/alias.csv") == 0);
  fd = open("datasets/in.csv", O_RDONLY);
  if (fd >= 0) {
    report("write to read-only fd", write(fd, "x", 1) == 1);
    report("truncate read-only fd", ftruncate(fd, 0) == 0);
    close(fd);
  }
  f = fopen("datasets/in.csv", "r");
  char line[64] = {0};
  if (f && fgets(line, sizeof line, f)) printf("still reads: %s", line);
  if (f) fclose(f);
  return 0;
}

/* Tries to reach files outside its folders; each must fail. */
static int escape(void) {
  FILE *f;
  f = fopen("/etc/hostname", "r");
  report("absolute", f != NULL);
  if (f) fclose(f);
  f = fopen("../etc/hostname", "r");
  report("dot-dot", f != NULL);
  if (f) fclose(f);
  f = fopen("datasets/../../etc/hostname", "r");
  report("dot-dot below", f != NULL);
  if (f) fclose(f);
  f = fopen("results/planted/hostname", "r");
  report("planted link", f != NULL);
  if (f) fclose(f);
  f = fopen("results/planted-file", "r");
  report("planted file link", f != NULL);
  if (f) fclose(f);
  f = fopen("results/dangling", "w");
  report("dangling link", f != NULL);
  if (f) fclose(f);
  report("symlink out", symlink("/etc", "results/mine") == 0);
  return 0;
}

__attribute__((noinline)) static void trap_here(void) { __builtin_trap(); }

/* Never ends: every call makes a deeper one, and uses its result in a way no compiler turns
 * into a loop. */
__attribute__((noinline)) static int recurse(int n) {
  int r = recurse(n + 1);
  return r * r + n;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  if (!strcmp(cmd, "copy")) return copy(argc, argv);
  if (!strcmp(cmd, "list")) return list();
  if (!strcmp(cmd, "write-datasets")) return write_datasets();
  if (!strcmp(cmd, "escape")) return escape();
  if (!strcmp(cmd, "exit")) {
    fprintf(stderr, "bad input\n");
    exit(argc > 2 ? atoi(argv[2]) : 1);
  }
  if (!strcmp(cmd, "trap")) {
    printf("before trap\n");
    trap_here();
  }
  if (!strcmp(cmd, "recurse")) return recurse(1);
  if (!strcmp(cmd, "out-of-bounds")) {
    /* Far beyond any memory the runner allows (the top of the 4 GiB address space). */
    volatile int *far = (volatile int *)(uintptr_t)0xfffffff0u;
    return *far;
  }
  if (!strcmp(cmd, "divide")) {
    volatile int zero = 0;
    return 10 / zero;
  }
  if (!strcmp(cmd, "spin")) {
    printf("spinning\n");
    fprintf(stderr, "oops\n");
    volatile unsigned long n = 0;
    for (;;) n++;
  }
  if (!strcmp(cmd, "sleep")) {
    printf("sleeping\n");
    sleep(1000);
    return 0;
  }
  if (!strcmp(cmd, "order")) {
    for (int i = 1; i <= 500; i++) {
      printf("out %d\n", i);
      fprintf(stderr, "err %d\n", i);
    }
    return 0;
  }
  if (!strcmp(cmd, "long-line")) {
    for (int i = 0; i < 200000; i++) putchar('x');
    printf("\nend\n");
    return 0;
  }
  if (!strcmp(cmd, "no-newline")) {
    printf("last words");
    return 0;
  }
  if (!strcmp(cmd, "memory")) {
    /* Grows in 1 MiB steps until malloc fails; prints how far it got. */
    long mib = 0;
    char *volatile block;
    while ((block = malloc(1 << 20)) != NULL) {
      block[0] = 1; /* used, so clang keeps the allocation */
      mib++;
    }
    printf("allocated %ld MiB\n", mib);
    return 0;
  }
  fprintf(stderr, "unknown command '%s'\n", cmd);
  return 64;
}
