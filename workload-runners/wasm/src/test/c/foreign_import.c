/* Imports a function from outside WASI: the runner must refuse it before running anything. */
#include <stdio.h>

__attribute__((import_module("env"), import_name("host_secret"))) extern int host_secret(void);

int main(void) {
  printf("secret %d\n", host_secret());
  return 0;
}
