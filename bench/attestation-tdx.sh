#!/usr/bin/env bash
# TDX quote verification throughput (JMH, one thread) next to `openssl speed` for the same
# primitives, measured in the same run, and the whole-process time of one offline verification.
#
# Usage: bench/attestation-tdx.sh [jmh-iterations]     (default 5; builds the module if needed)
# Needs: the attestation vectors (COCOS_ATTESTATION_VECTORS, default /work/shared/attestation-vectors),
#        openssl, a JDK 17+.
#
# What "the primitives allow": a cold TDX verification checks 10 ECDSA P-256 signatures (quote,
# QE report, PCK leaf, PCK CA, root self-signature, TCB signing certificate, TCB info, QE identity,
# root CA CRL, PCK CRL), so openssl's P-256 verify rate / 10 is the bound for a full verification.
# A warm verification re-checks only the quote signature (plus windows, CRL lookups, TCB status and
# policy), so its bound is openssl's P-256 verify rate itself; both ratios are printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
iterations="${1:-5}"
vectors="${COCOS_ATTESTATION_VECTORS:-/work/shared/attestation-vectors}"
[ -f "$vectors/tdx/v4-phala-full-collateral/quote.dat" ] || { echo "attestation vectors not found at $vectors" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed for the comparison" >&2; exit 1; }

module=tee-providers/tdx
if [ ! -f "$module/target/test-classes/META-INF/BenchmarkList" ]; then
  mvn -B -q -o install -pl "$module" -DskipTests
fi
cpfile="$(mktemp)"
jmhout="$(mktemp)"
policy="$(mktemp)"
trap 'rm -f "$cpfile" "$policy" "$policy.err" "$jmhout"' EXIT
mvn -B -q -o dependency:build-classpath -pl "$module" -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
cp="$module/target/classes:$module/target/test-classes:$(cat "$cpfile")"

echo "== openssl speed -elapsed (1 thread, wall clock like JMH, 3 s per primitive) =="
ossl="$(openssl speed -elapsed -seconds 3 ecdsap256 ecdsap384 rsa4096 2>/dev/null)"
echo "$ossl" | grep -E "^(rsa 4096|.*nistp256\)|.*nistp384\))"
p256=$(echo "$ossl" | awk '/nistp256\)/ {print $NF}')
p384=$(echo "$ossl" | awk '/nistp384\)/ {print $NF}')
rsa=$(echo "$ossl" | awk '/^rsa 4096/ {print $NF}')
echo "verify/s: P-256 $p256, P-384 $p384, RSA-4096 $rsa"

echo
echo "== JMH: TDX verification (1 thread) =="
# JMH's lock file makes a second benchmark on this machine wait rather than skew both.
while command -v fuser >/dev/null && [ -e /tmp/jmh.lock ] && fuser /tmp/jmh.lock >/dev/null 2>&1; do
  echo "waiting for another JMH run to finish..." >&2
  sleep 10
done
java -cp "$cp" org.openjdk.jmh.Main 'ai.cocos.tee.tdx.bench.TdxVerifyBench' \
  -f 1 -wi 3 -w 2s -i "$iterations" -r 2s -t 1 -rf csv -rff "$jmhout" | grep -E "^(Benchmark|TdxVerifyBench)"
score() { awk -F, -v b="$1" '$1 ~ b {gsub(/"/,"",$5); print $5}' "$jmhout"; }
warm=$(score '\\.warm"'); cold=$(score '\\.cold"'); jdk=$(score 'p256Jdk')

echo
echo "== whole process: one offline verification from files (5 runs) =="
java -cp "$cp" ai.cocos.tee.tdx.bench.TdxPolicyFile "$vectors/tdx/v4-phala-full-collateral/quote.dat" > "$policy"
times=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cp" ai.cocos.tee.tdx.bench.TdxValidateOnce \
    "$vectors/tdx/v4-phala-full-collateral/quote.dat" \
    "$vectors/tdx/v4-phala-full-collateral/collateral.json" "$policy" 2025-07-01T00:00:00Z \
    >/dev/null 2>"$policy.err"
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
  echo "  run $i: $(( (t1 - t0) / 1000000 )) ms ($(cat "$policy.err"))"
done
rm -f "$policy.err"
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs (ms): ${times[*]}; median ${sorted[2]} ms"

echo
echo "== summary =="
awk -v w="$warm" -v c="$cold" -v j="$jdk" -v p="$p256" 'BEGIN {
  printf "warm verification:  %8.0f /s   (bound: openssl P-256 %0.f/s; ratio %.2f)\n", w, p, w / p;
  printf "cold verification:  %8.0f /s   (bound: openssl P-256 / 10 = %.0f/s; ratio %.2f)\n", c, p / 10, c / (p / 10);
  printf "warm vs full bound: %8.2f      (target >= 0.5 of what the primitives of a full verification allow)\n", w / (p / 10);
  printf "JDK SunEC P-256:    %8.0f /s   (JDK SunEC; verification uses the Ecdsa class of bundles/attestation, on BouncyCastle curves)\n", j;
}'
