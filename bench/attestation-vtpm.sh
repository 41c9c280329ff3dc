#!/usr/bin/env bash
# vTPM verification throughput (JMH, one thread) next to `openssl speed` for the same primitives,
# measured in the same run, and the whole-process time of one offline verification.
#
# Usage: bench/attestation-vtpm.sh [jmh-iterations]     (default 5; builds the module if needed)
# Needs: the attestation vectors (COCOS_ATTESTATION_VECTORS, default /work/shared/attestation-vectors),
#        openssl, a JDK 17+.
#
# What "the primitives allow": a warm vTPM verification (AK certificate chain already verified,
# cached by certificate bytes) re-checks one RSASSA-PKCS1-v1_5 RSA-2048 signature per quote, so
# openssl's RSA-2048 verify rate bounds a one-quote verification, a third of it the three-bank GCE
# attestation, and 1/(1/RSA2048 + 1/P384) the Azure SNP form (vTPM quote + SNP report).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
iterations="${1:-5}"
vectors="${COCOS_ATTESTATION_VECTORS:-/work/shared/attestation-vectors}"
[ -f "$vectors/tpm/gce-cos85-vtpm/attestation-nonce9009.pb" ] || { echo "attestation vectors not found at $vectors" >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed for the comparison" >&2; exit 1; }

module=tee-providers/vtpm
if [ ! -f "$module/target/test-classes/META-INF/BenchmarkList" ]; then
  mvn -B -q -o install -pl "$module" -DskipTests
fi
cpfile="$(mktemp)"
policy="$(mktemp)"
jmhout="$(mktemp)"
trap 'rm -f "$cpfile" "$policy" "$jmhout"' EXIT
mvn -B -q -o dependency:build-classpath -pl "$module" -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
cp="$module/target/classes:$module/target/test-classes:$(cat "$cpfile")"

echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores =="
echo "== openssl speed -elapsed (1 thread, wall clock like JMH, 3 s per primitive) =="
ossl="$(openssl speed -elapsed -seconds 3 rsa2048 rsa4096 ecdsap256 ecdsap384 2>/dev/null)"
echo "$ossl" | grep -E "^(rsa 2048|rsa 4096|.*nistp256\)|.*nistp384\))"
rsa2048=$(echo "$ossl" | awk '/^rsa 2048/ {print $NF}')
rsa4096=$(echo "$ossl" | awk '/^rsa 4096/ {print $NF}')
p256=$(echo "$ossl" | awk '/nistp256\)/ {print $NF}')
p384=$(echo "$ossl" | awk '/nistp384\)/ {print $NF}')
echo "verify/s: RSA-2048 $rsa2048, RSA-4096 $rsa4096, P-256 $p256, P-384 $p384"

echo
echo "== JMH: vTPM verification (1 thread) =="
java -cp "$cp" org.openjdk.jmh.Main 'ai.cocos.tee.vtpm.bench.VtpmVerifyBench' \
  -f 1 -wi 3 -w 2s -i "$iterations" -r 2s -t 1 -rf csv -rff "$jmhout" | grep -E "^(Benchmark|VtpmVerifyBench)"
score() { awk -F, -v b="$1" '$1 ~ b {gsub(/"/,"",$5); print $5}' "$jmhout"; }
quote=$(score '\\.quote"'); three=$(score 'gceThreeBanks'); azure=$(score 'azureSnp'); jdk=$(score 'rsa2048Jdk')

echo
echo "== whole process: one offline verification from files (5 runs) =="
evidence="$vectors/tpm/gce-cos85-vtpm/attestation-nonce9009.pb"
java -cp "$cp" ai.cocos.tee.vtpm.bench.VtpmPolicyFile "$evidence" 9009 2025-01-01T00:00:00Z > "$policy"
times=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$cp" ai.cocos.tee.vtpm.bench.VtpmValidateOnce \
    "$evidence" "$policy" 2025-01-01T00:00:00Z >/dev/null
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs (ms): ${times[*]}; median ${sorted[2]} ms"

echo
echo "== summary =="
awk -v q="$quote" -v t="$three" -v a="$azure" -v j="$jdk" -v r="$rsa2048" -v p="$p384" 'BEGIN {
  az = 1 / (1 / r + 1 / p);
  printf "one quote (warm):        %7.0f /s  (bound: openssl RSA-2048 %.0f/s; ratio %.2f; JDK RSA-2048 alone %.0f/s, ratio %.2f)\n", q, r, q / r, j, q / j;
  printf "GCE, three banks + log:  %7.0f /s  (bound: RSA-2048/3 = %.0f/s; ratio %.2f)\n", t, r / 3, t / (r / 3);
  printf "Azure SNP (vTPM + SNP):  %7.0f /s  (bound: 1/(1/RSA2048 + 1/P384) = %.0f/s; ratio %.2f)\n", a, az, a / az;
}'
