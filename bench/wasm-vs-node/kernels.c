/*
 * CPU-bound kernels for the Wasm runner benchmark (bench/wasm-vs-node.sh). One module, no imports,
 * each kernel an exported function, so Chicory and node run exactly the same bytes:
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o kernels.wasm kernels.c
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Integer loop: a xorshift/multiply mix, all in locals (registers). */
EXPORT("loop") uint32_t loop(uint32_t n) {
  uint32_t x = 0x9e3779b9u;
  for (uint32_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x = x * 1664525u + i;
  }
  return x;
}

/* Memory-heavy: the sieve of Eratosthenes over a 16 MiB byte array; returns the prime count. */
#define SIEVE_MAX (16u << 20)
static uint8_t composite[SIEVE_MAX];

EXPORT("sieve") uint32_t sieve(uint32_t n) {
  if (n > SIEVE_MAX) n = SIEVE_MAX;
  for (uint32_t i = 0; i < n; i++) composite[i] = 0;
  uint32_t count = 0;
  for (uint32_t i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (uint32_t j = i * 2; j < n; j += i) composite[j] = 1;
  }
  return count;
}

/* Recursion: naive Fibonacci, about 2.7 million calls for n = 30. */
EXPORT("fib") uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* Floating point over memory: C = A x B for n x n doubles (n <= 512); returns a checksum. */
#define MAT_MAX 512
static double a[MAT_MAX * MAT_MAX], b[MAT_MAX * MAT_MAX], c[MAT_MAX * MAT_MAX];

EXPORT("matmul") uint32_t matmul(uint32_t n) {
  if (n > MAT_MAX) n = MAT_MAX;
  for (uint32_t i = 0; i < n * n; i++) {
    a[i] = (double)(i % 7) * 0.5;
    b[i] = (double)(i % 5) * 0.25;
  }
  for (uint32_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < n; j++) c[i * n + j] = 0;
    for (uint32_t k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (uint32_t j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  double sum = 0;
  for (uint32_t i = 0; i < n * n; i++) sum += c[i];
  return (uint32_t)sum;
}
