#!/usr/bin/env bash
# Whole-process time of `cocos-cli attestation validate --offline` on the SEV-SNP and TDX vectors
# (/work/shared/attestation-vectors, or $COCOS_ATTESTATION_VECTORS): median of RUNS (default 10)
# runs each, measured with hyperfine if installed, else date +%s%N. Target: under 0.5 s.
# Build first: mvn -B -o install -pl cli -DskipTests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/bin/cocos-cli"
vec="${COCOS_ATTESTATION_VECTORS:-/work/shared/attestation-vectors}"
runs="${RUNS:-10}"
[ -d "$vec/snp" ] || { echo "attestation vectors not found at $vec (set COCOS_ATTESTATION_VECTORS)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export COCOS_COLLATERAL_CACHE="$work/cache"

snp="$vec/snp/milan-v2-go-sev-guest"
tdx="$vec/tdx/v4-phala-full-collateral"
# Policies pinning what each vector measured (no AMD CRL ships with the vectors: check_crl off).
"$cli" attestation policy create snp --from "$snp/report.bin" --certs "$snp/vcek.der" \
  --at 2025-01-01T00:00:00Z --offline -o "$work/snp.json" >/dev/null
sed -i 's/"snp": {/"snp": {\n    "check_crl": false,/' "$work/snp.json"
"$cli" attestation policy create tdx --from "$tdx/quote.dat" -o "$work/tdx.json" >/dev/null

snp_cmd=("$cli" attestation validate "$snp/report.bin" --platform snp --certs "$snp/vcek.der"
  --policy "$work/snp.json" --at 2025-01-01T00:00:00Z --offline)
tdx_cmd=("$cli" attestation validate "$tdx/quote.dat" --platform tdx --certs "$tdx/collateral.json"
  --policy "$work/tdx.json" --at 2025-07-01T00:00:00Z --offline)
"${snp_cmd[@]}" >/dev/null || { echo "the SNP vector does not validate" >&2; exit 1; }
"${tdx_cmd[@]}" >/dev/null || { echo "the TDX vector does not validate" >&2; exit 1; }

median_ms() { # runs "$@" $runs times, prints the median wall time in ms
  local t=() i s e
  for ((i = 0; i < runs; i++)); do
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    t+=($(((e - s) / 1000000)))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

echo "cocos-cli attestation validate --offline, whole process, median of $runs (target < 500 ms)"
echo "java: $(java -version 2>&1 | head -1); JAVA_OPTS=${JAVA_OPTS:-}"
if command -v hyperfine >/dev/null; then
  hyperfine -N -w 2 -r "$runs" "$(printf '%q ' "${snp_cmd[@]}")" "$(printf '%q ' "${tdx_cmd[@]}")"
else
  echo "SNP (Milan v2, VCEK chain, report): $(median_ms "${snp_cmd[@]}") ms"
  echo "TDX (v4, PCK chain, QE, collateral): $(median_ms "${tdx_cmd[@]}") ms"
  echo "cocos-cli --version (JVM + picocli floor): $(median_ms "$cli" --version) ms"
fi
