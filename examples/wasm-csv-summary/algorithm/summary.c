/*
 * examples/wasm-csv-summary: summarises every CSV file in datasets/ into results/summary.csv.
 *
 * For each numeric column (a column whose cells all parse as numbers, empty cells skipped) it
 * writes count, mean, min and max over the rows of all files together. Every file must have the
 * same header. Built as a WASI command:
 *   clang --target=wasm32-wasi -O2 -o summary.wasm summary.c
 * Arguments (optional): --precision=N  significant digits in the output (default 6).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64
#define MAX_LINE 8192
#define MAX_FILES 256

struct column {
  char name[128];
  int numeric; /* stays 1 while every non-empty cell is a number */
  long count;
  double sum, min, max;
};

static struct column columns[MAX_COLUMNS];
static int ncolumns = -1;
static int precision = 6;

/* Splits a line at commas in place; trims spaces and a trailing CR. Returns the field count. */
static int split(char *line, char **fields) {
  int n = 0;
  line[strcspn(line, "\r\n")] = 0;
  char *p = line;
  while (n < MAX_COLUMNS) {
    char *comma = strchr(p, ',');
    if (comma) *comma = 0;
    while (*p == ' ') p++;
    char *end = p + strlen(p);
    while (end > p && end[-1] == ' ') *--end = 0;
    fields[n++] = p;
    if (!comma) break;
    p = comma + 1;
  }
  return n;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "datasets/%s", name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  static char line[MAX_LINE];
  char *fields[MAX_COLUMNS];
  if (!fgets(line, sizeof line, f)) {
    fprintf(stderr, "%s is empty: a header line is required\n", path);
    fclose(f);
    return -1;
  }
  int n = split(line, fields);
  if (ncolumns < 0) {
    ncolumns = n;
    for (int i = 0; i < n; i++) {
      snprintf(columns[i].name, sizeof columns[i].name, "%s", fields[i]);
      columns[i].numeric = 1;
      columns[i].min = INFINITY;
      columns[i].max = -INFINITY;
    }
  } else {
    int same = n == ncolumns;
    for (int i = 0; same && i < n; i++) same = strcmp(fields[i], columns[i].name) == 0;
    if (!same) {
      fprintf(stderr, "%s has a different header from the first file\n", path);
      fclose(f);
      return -1;
    }
  }
  long rows = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[strspn(line, " \r\n")] == 0) continue; /* blank line */
    n = split(line, fields);
    rows++;
    for (int i = 0; i < ncolumns && i < n; i++) {
      if (!columns[i].numeric || fields[i][0] == 0) continue;
      char *end;
      double v = strtod(fields[i], &end);
      if (*end != 0 || isnan(v)) {
        columns[i].numeric = 0;
        continue;
      }
      columns[i].count++;
      columns[i].sum += v;
      if (v < columns[i].min) columns[i].min = v;
      if (v > columns[i].max) columns[i].max = v;
    }
  }
  fclose(f);
  printf("read %s: %ld rows\n", path, rows);
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--precision=", 12) == 0) {
      precision = atoi(argv[i] + 12);
      if (precision < 1 || precision > 17) {
        fprintf(stderr, "--precision must be between 1 and 17\n");
        return 64;
      }
    } else {
      fprintf(stderr, "unknown argument '%s' (known: --precision=N)\n", argv[i]);
      return 64;
    }
  }

  DIR *dir = opendir("datasets");
  if (!dir) {
    fprintf(stderr, "cannot list datasets/: %s\n", strerror(errno));
    return 2;
  }
  static char *names[MAX_FILES];
  int nfiles = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && nfiles < MAX_FILES) {
    size_t len = strlen(e->d_name);
    if (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0) names[nfiles++] = strdup(e->d_name);
  }
  closedir(dir);
  if (nfiles == 0) {
    fprintf(stderr, "no .csv file in datasets/\n");
    return 2;
  }
  qsort(names, nfiles, sizeof names[0], by_name); /* the same order on every host */
  for (int i = 0; i < nfiles; i++) {
    if (read_file(names[i]) != 0) return 3;
  }

  FILE *out = fopen("results/summary.csv", "w");
  if (!out) {
    fprintf(stderr, "cannot create results/summary.csv: %s\n", strerror(errno));
    return 4;
  }
  fprintf(out, "column,count,mean,min,max\n");
  int written = 0;
  for (int i = 0; i < ncolumns; i++) {
    struct column *c = &columns[i];
    if (!c->numeric || c->count == 0) {
      printf("column %s is not numeric: skipped\n", c->name);
      continue;
    }
    fprintf(out, "%s,%ld,%.*g,%.*g,%.*g\n", c->name, c->count, precision, c->sum / c->count,
            precision, c->min, precision, c->max);
    written++;
  }
  if (fclose(out) != 0) {
    fprintf(stderr, "cannot write results/summary.csv: %s\n", strerror(errno));
    return 4;
  }
  printf("summarised %d numeric columns from %d files into results/summary.csv\n", written, nfiles);
  return 0;
}
