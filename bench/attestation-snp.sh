#!/usr/bin/env bash
# SEV-SNP report verification throughput (JMH, one thread) next to `openssl speed` for the same
# primitives, measured in the same run, and the whole-process time of one offline verification.
#
# Usage: bench/attestation-snp.sh [jmh-iterations]     (default 5; builds the module if needed)
# Needs: the attestation vectors (COCOS_ATTESTATION_VECTORS, default /work/shared/attestation-vectors),
#        openssl, a JDK 17+.
#
# What "the primitives allow": a cold SNP verification checks one ECDSA P-384 signature (the report)
# and three RSASSA-PSS-4096 signatures (VCEK by ASK, ASK by ARK, the ARK's own), so
# 1 / (1/P384 + 3/RSA4096) from openssl's verify rates bounds a full verification. A warm one
# re-checks only the report signature (the chain's signatures are cached by certificate bytes;
# validity, chip, TCB and policy are re-checked), so openssl's P-384 verify rate bounds it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
iterations="${1:-5}"
vectors="${COCOS_ATTESTATION_VECTORS:-/work/shared/attestation-vectors}"
[ -f "$vectors/snp/genoa-v3-msft/report.bin" ] || { echo "attestation vectors not found at $vectors" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed for the comparison" >&2; exit 1; }

module=tee-providers/sev-snp
if [ ! -f "$module/target/test-classes/META-INF/BenchmarkList" ]; then
  mvn -B -q -o install -pl bundles/attestation,"$module" -DskipTests
fi
cpfile="$(mktemp)"
policy="$(mktemp)"
jmhout="$(mktemp)"
trap 'rm -f "$cpfile" "$policy" "$jmhout"' EXIT
mvn -B -q -o dependency:build-classpath -pl "$module" -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
cp="$module/target/classes:$module/target/test-classes:$(cat "$cpfile")"

echo "== openssl speed -elapsed (1 thread, wall clock like JMH, 3 s per primitive) =="
ossl="$(openssl speed -elapsed -seconds 3 ecdsap384 ecdsap256 rsa4096 2>/dev/null)"
echo "$ossl" | grep -E "^(rsa 4096|.*nistp256\)|.*nistp384\))"
p256=$(echo "$ossl" | awk '/nistp256\)/ {print $NF}')
p384=$(echo "$ossl" | awk '/nistp384\)/ {print $NF}')
rsa=$(echo "$ossl" | awk '/^rsa 4096/ {print $NF}')
echo "verify/s: P-384 $p384, P-256 $p256, RSA-4096 $rsa"

echo
echo "== JMH: SEV-SNP verification (1 thread) =="
java -cp "$cp" org.openjdk.jmh.Main 'ai.cocos.tee.snp.bench.SnpVerifyBench' \
  -f 1 -wi 3 -w 2s -i "$iterations" -r 2s -t 1 -rf csv -rff "$jmhout" | grep -E "^(Benchmark|SnpVerifyBench)"
score() { awk -F, -v b="$1" '$1 ~ b {gsub(/"/,"",$5); print $5}' "$jmhout"; }
warm=$(score '\\.warm"'); cached=$(score 'warmFromCache'); cold=$(score '\\.cold"')
bc=$(score 'p384Bc'); jdk=$(score 'p384Jdk')

echo
echo "== whole process: one offline verification from files (5 runs) =="
report="$vectors/snp/genoa-v3-msft/report.bin"
vcek="$vectors/snp/genoa-v3-msft/vcek.pem"
java -cp "$cp" ai.cocos.tee.snp.bench.SnpPolicyFile "$report" "$vcek" 2026-06-01T00:00:00Z > "$policy"
times=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$cp" ai.cocos.tee.snp.bench.SnpValidateOnce \
    "$report" "$vcek" "$policy" 2026-06-01T00:00:00Z >/dev/null
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs (ms): ${times[*]}; median ${sorted[2]} ms"
# The same with a class-data archive of that run (as the agent and manager assemblies ship one).
# CDS takes jars only: pack the module's classes and the benchmark's main classes.
jars="$(mktemp -d)"
jar cf "$jars/main.jar" -C "$module/target/classes" .
jar cf "$jars/bench.jar" -C "$module/target/test-classes" ai/cocos/tee/snp/bench
cdscp="$jars/main.jar:$jars/bench.jar:$(cat "$cpfile")"
jsa="$jars/validate.jsa"
java -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -XX:TieredStopAtLevel=1 \
  -XX:+UseSerialGC -cp "$cdscp" ai.cocos.tee.snp.bench.SnpValidateOnce "$report" "$vcek" "$policy" \
  2026-06-01T00:00:00Z >/dev/null
cds=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  java -XX:SharedArchiveFile="$jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cdscp" \
    ai.cocos.tee.snp.bench.SnpValidateOnce "$report" "$vcek" "$policy" 2026-06-01T00:00:00Z >/dev/null
  t1=$(date +%s%N)
  cds+=($(( (t1 - t0) / 1000000 )))
done
rm -rf "$jars"
csorted=($(printf '%s\n' "${cds[@]}" | sort -n))
echo "with a CDS archive (ms): ${cds[*]}; median ${csorted[2]} ms"

echo
echo "== summary =="
awk -v w="$warm" -v k="$cached" -v c="$cold" -v b="$bc" -v j="$jdk" -v p="$p384" -v r="$rsa" 'BEGIN {
  full = 1 / (1 / p + 3 / r);
  printf "warm verification (VCEK attached):   %7.0f /s  (bound: openssl P-384 %.0f/s; ratio %.2f)\n", w, p, w / p;
  printf "warm verification (VCEK from cache): %7.0f /s  (ratio %.2f)\n", k, k / p;
  printf "cold verification (no cached chain): %7.0f /s  (bound: 1/(1/P384 + 3/RSA4096) = %.0f/s; ratio %.2f)\n", c, full, c / full;
  printf "warm vs full bound:                  %7.2f     (target >= 0.5 of what a full verification'"'"'s primitives allow)\n", w / full;
  printf "ECDSA P-384 alone: BouncyCastle %.0f/s, JDK SunEC %.0f/s (openssl %.0f/s)\n", b, j, p;
}'
