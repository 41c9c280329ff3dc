/* Needs 300 MiB of linear memory before main runs (a zero-initialised static array). */
#include <stdio.h>

static char big[300 << 20];

int main(int argc, char **argv) {
  /* Indexed by argc, so clang cannot drop the array. */
  big[sizeof big - argc] = 1;
  printf("%d\n", big[sizeof big - 1]);
  return 0;
}
