#!/usr/bin/env bash
# Tests of the EOS image a build made (mvn -pl eos verify runs them; or by hand):
#   eos/test/run.sh TARGET_DIR [build.sh options of that build]
# 1. the image holds what it must and nothing it must not (emulated TEE, other runners, foreign
#    natives), every file owned by root with the build's time;
# 2. /init and the environment policy under the image's own busybox, on real files;
# 3. reproducible: a second build from the same inputs gives the same bytes (bzImage,
#    rootfs.cpio.gz, floor.cpio.gz, inputs.txt); if not, the files that differ are named;
# 4. a second boot through OVMF with a fresh vTPM gives the PCR values the reference boot recorded.
# A step that needs QEMU/swtpm fails when CI is set and they are missing, and is skipped otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$(cd "${1:?usage: test/run.sh TARGET_DIR [build options]}" && pwd)"; shift
image="$target/eos"
failures=0
pass() { echo "eos test: ok   $*"; }
fail() { echo "eos test: FAIL $*" >&2; failures=$((failures + 1)); }
[ -f "$image/eos-measurements.json" ] || { echo "eos test: no $image/eos-measurements.json; build first: mvn -B -pl eos package" >&2; exit 1; }
initrd_name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["initrd"]["file"])' "$image/eos-measurements.json")"
for f in bzImage "$initrd_name" floor.cpio.gz inputs.txt; do
  [ -f "$image/$f" ] || { echo "eos test: no $image/$f; build first: mvn -B -pl eos package" >&2; exit 1; }
done
uncompress() { case "$1" in *.zst) zstd -dc "$1" ;; *) gzip -dc "$1" ;; esac; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cocos-eos-test.XXXXXX")"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ 1. contents
x="$tmp/rootfs"
mkdir -p "$x"
(cd "$x" && uncompress "$image/$initrd_name" | cpio --quiet -idm --no-absolute-filenames 2>/dev/null)
epoch_date="$(awk '/^source-date-epoch /{print $2}' "$image/inputs.txt")"
# Owner and time as the archive records them (newc headers: magic, then 13 fields of 8 hex digits).
newc_check="$(cat <<'PY'
import sys
data = sys.stdin.buffer.read()
epoch, off, bad, count = int(sys.argv[1]), 0, [], 0
while True:
    assert data[off:off + 6] == b"070701", f"no newc header at {off}"
    f = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
    namesize, filesize = f[11], f[6]
    name = data[off + 110: off + 110 + namesize - 1].decode()
    if name == "TRAILER!!!":
        break
    count += 1
    if f[2] != 0 or f[3] != 0 or f[5] != epoch:
        bad.append(f"{name} uid {f[2]} gid {f[3]} mtime {f[5]}")
    off = (off + 110 + namesize + 3) & ~3
    off = (off + filesize + 3) & ~3
print("\n".join(bad[:5]) if bad else f"{count}")
sys.exit(1 if bad else 0)
PY
)"
if problems="$(uncompress "$image/$initrd_name" | python3 -c "$newc_check" "$epoch_date")"; then
  pass "all $problems entries of $initrd_name: owner root:root, time $epoch_date (SOURCE_DATE_EPOCH)"
else
  fail "entries with another owner or time: $problems"
fi
kind="$(awk '/^image /{print $2}' "$image/inputs.txt")"
[ "$(cat "$x/etc/cocos-eos/image")" = "$kind" ] && pass "the image says it is a $kind image" || fail "etc/cocos-eos/image is not $kind"
emulated_files="$(find "$x/opt/cocos/agent" -name '*emulated*' | sed "s|$x||")"
if [ "$kind" = release ]; then
  [ -z "$emulated_files" ] && pass "no emulated TEE provider or its configuration in a release image" ||
    fail "a release image carries the emulated TEE: $emulated_files"
else
  [ -n "$emulated_files" ] && pass "the dev image carries the emulated TEE provider" || fail "the dev image lacks the emulated TEE provider"
fi
want_runners="$(awk '/^runners /{$1=""; print}' "$image/inputs.txt" | tr ' ' '\n' | grep -v '^$' | sort | paste -sd, -)"
have_runners="$(for j in "$x"/opt/cocos/agent/runners/*.jar; do
  [ -e "$j" ] && unzip -p "$j" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Cocos-Runner-Type: *//p'; done | sort | paste -sd, -)"
[ "$have_runners" = "$want_runners" ] && pass "runners in the image: $have_runners (as chosen)" ||
  fail "runners in the image are '$have_runners', the build chose '$want_runners'"
for cfg in "$x"/opt/cocos/agent/conf/ai.cocos.runner.*.cfg; do
  [ -e "$cfg" ] || continue
  t="$(basename "$cfg" .cfg)"; t="${t#ai.cocos.runner.}"
  echo ",$want_runners," | grep -q ",$t," || fail "configuration of runner $t, which the image does not carry"
done
[ ! -e "$x/opt/cocos/agent/agent.jsa" ] && ! grep -q SharedArchiveFile "$x/etc/cocos-eos/java.options" &&
  pass "no host AppCDS archive and no option naming one" || fail "the image carries or names an AppCDS archive"
if [ "$(awk '/^cds /{print $2}' "$image/inputs.txt")" = true ]; then
  [ -s "$x/opt/java/lib/server/classes.jsa" ] && pass "the runtime has its class-data archive (--cds true)" || fail "no opt/java/lib/server/classes.jsa"
else
  [ -z "$(find "$x/opt/java" -name '*.jsa')" ] && pass "no class-data archive (JDK 17 does not dump one reproducibly)" ||
    fail "a class-data archive in an image built without --cds"
fi
foreign="$(for j in "$x"/opt/cocos/agent/*/*.jar; do unzip -l "$j" | awk '{print $4}' | { grep -E '\.(dll|dylib|jnilib)$' || true; } | sed "s|^|$(basename "$j"): |"; done | head -3)"
[ -z "$foreign" ] && pass "no Windows or macOS native libraries in the agent's jars" || fail "foreign natives left: $foreign"
signed="$(for j in "$x"/opt/cocos/agent/*/*.jar; do unzip -l "$j" | awk '{print $4}' | { grep -iE '^META-INF/[^/]+\.(SF|RSA|DSA|EC)$' || true; } | sed "s|^|$(basename "$j"): |"; done | head -3)"
[ -z "$signed" ] && pass "no jar signatures (the measured image covers every jar)" || fail "jar signatures left: $signed"
# eos/shrink: what grpc-java and the agent reach stays, the rest of those jars goes. The bundles'
# embedded jars are flattened into them (Repack --flatten), so the transport's classes are its own.
tg="$(ls "$x"/opt/cocos/agent/bundles/cocos-transport-grpc-*.jar)"
entries="$(unzip -l "$tg" | awk '{print $4}')"
if grep -qx 'com/google/rpc/Status.class' <<< "$entries" && ! grep -q '^com/google/api/.*\.class$' <<< "$entries"; then
  pass "shrunk: common protos keep google.rpc.Status, drop the other Google APIs"
else
  fail "common protos in the image: google.rpc.Status missing or com/google/api left"
fi
for c in channel/epoll/Native channel/unix/FileDescriptor internal/tcnative/SSL channel/DefaultFileRegion; do
  grep -qx "io/grpc/netty/shaded/io/netty/$c.class" <<< "$entries" || fail "netty's $c (looked up from native code) was shrunk away"
done
nested="$(for j in "$x"/opt/cocos/agent/*/*.jar; do unzip -l "$j" | awk '{print $4}' | { grep '\.jar$' || true; } | sed "s|^|$(basename "$j"): |"; done | head -3)"
classpaths="$(for j in "$x"/opt/cocos/agent/*/*.jar; do unzip -p "$j" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Bundle-ClassPath: *//p'; done | sort -u | paste -sd' ' -)"
if [ -z "$nested" ] && { [ -z "$classpaths" ] || [ "$classpaths" = . ]; }; then
  pass "no bundle embeds a jar (flattened; Bundle-ClassPath: ${classpaths:-none})"
else
  fail "embedded jars left ($nested) or a Bundle-ClassPath beyond '.' ($classpaths)"
fi
grep -q '^io.grpc.internal.PickFirstLoadBalancerProvider$' <(unzip -p "$tg" META-INF/services/io.grpc.LoadBalancerProvider) &&
  grep -q 'OutlierDetectionLoadBalancerProvider' <(unzip -p "$tg" META-INF/services/io.grpc.LoadBalancerProvider) &&
  pass "the embedded jars' service lists are joined (grpc-core's and grpc-util's load balancers)" ||
  fail "META-INF/services/io.grpc.LoadBalancerProvider lacks grpc-core's or grpc-util's providers"
kver="$(awk '/^kernel /{print $2}' "$image/inputs.txt")"
while read -r module need; do
  case "$module" in ''|'#'*) continue ;; esac
  f="$(find "$x/lib/modules/$kver" -name "$(echo "$module" | tr '_-' '??').ko" | head -1)"
  [ -n "$f" ] || fail "kernel module $module is not in the image"
done < "$here/kernel-modules"
grep -q "^virtio_net:\|/virtio_net.ko:" "$x/lib/modules/$kver/modules.dep" && pass "kernel modules present, uncompressed, with modules.dep" ||
  fail "modules.dep of the image does not list virtio_net"
bb="$x/bin/busybox"
for so in $(readelf -d "$x/opt/java/lib/server/libjvm.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  [ -e "$x/lib/x86_64-linux-gnu/$so" ] || fail "libjvm.so needs $so, which the image lacks"
done

# ------------------------------------------------------------------ 2. init and the environment policy
for script in init lib/cocos-eos/environment.sh; do
  "$bb" sh -n "$x/$script" && pass "/$script parses under the image's busybox sh" || fail "/$script has a syntax error"
done
floor="$tmp/floor"; mkdir -p "$floor"
(cd "$floor" && gzip -dc "$image/floor.cpio.gz" | cpio --quiet -idm --no-absolute-filenames 2>/dev/null)
"$bb" sh -n "$floor/init" && pass "the floor image's /init parses" || fail "the floor image's /init has a syntax error"

envfile="$tmp/environment"
{
  printf '# a comment\n; another\n\n'
  printf 'AGENT_CVM_GRPC_URL=10.0.2.2:7001\n'
  printf 'AGENT_CVM_ID="quoted id"\n'
  printf "AGENT_LOG_LEVEL='info'\n"
  printf 'export AWS_REGION=eu-west-1\n'
  printf 'AGENT_EQUALS=a=b=c\n'
  printf 'AGENT_CRLF=crlf\r\n'
  printf 'AGENT_CVM_GRPC_CLIENT_KEY=s3cr3t-value\n'
  printf 'LD_PRELOAD=/tmp/evil.so\n'
  printf 'JAVA_TOOL_OPTIONS=-javaagent:/etc/cocos/evil.jar\n'
  printf 'AGENT_WORK_DIR=/etc/cocos/stolen\n'
  printf 'AGENT_PLUGINS_DIR=/etc/cocos/plugins\n'
  printf 'AGENT_VTPM_DEVICE=/etc/cocos/fake-tpm\n'
  printf 'AGENT_ALLOW_PLAINTEXT=true\n'
  printf 'AGENT_AUTH_LEGACY=true\n'
  printf '1BAD=x\nBAD-NAME=x\nno equals sign\n'
  printf 'AGENT_LAST=no-newline'
} > "$envfile"
run_env() { # run_env IMAGE_KIND: the environment load_environment leaves, then its messages
  env -i PATH=/bin "$bb" sh -c '. "$1"; load_environment "$2" "$3" > "$4"; env' sh \
    "$x/lib/cocos-eos/environment.sh" "$envfile" "$1" "$tmp/messages.$1"
}
run_env release > "$tmp/env.release"
run_env dev > "$tmp/env.dev"
expect_set() { grep -qxF "$2" "$tmp/env.$1" || fail "$1 image: expected $2 in the agent's environment"; }
expect_unset() { ! grep -q "^$2=" "$tmp/env.$1" || fail "$1 image: $2 must not reach the agent"; }
n0=$failures
for kv in 'AGENT_CVM_GRPC_URL=10.0.2.2:7001' 'AGENT_CVM_ID=quoted id' 'AGENT_LOG_LEVEL=info' \
    'AWS_REGION=eu-west-1' 'AGENT_EQUALS=a=b=c' 'AGENT_CRLF=crlf' 'AGENT_CVM_GRPC_CLIENT_KEY=s3cr3t-value' \
    'AGENT_LAST=no-newline'; do
  expect_set release "$kv"; expect_set dev "$kv"
done
for k in LD_PRELOAD JAVA_TOOL_OPTIONS AGENT_WORK_DIR AGENT_PLUGINS_DIR AGENT_VTPM_DEVICE 1BAD BAD-NAME; do
  expect_unset release "$k"; expect_unset dev "$k"
done
expect_unset release AGENT_ALLOW_PLAINTEXT; expect_unset release AGENT_AUTH_LEGACY
expect_set dev AGENT_ALLOW_PLAINTEXT=true; expect_set dev AGENT_AUTH_LEGACY=true
if grep -q 's3cr3t\|evil\|stolen' "$tmp/messages.release" "$tmp/messages.dev"; then
  fail "the environment loader printed a value"
fi
for k in LD_PRELOAD JAVA_TOOL_OPTIONS AGENT_WORK_DIR AGENT_ALLOW_PLAINTEXT 'line 20 has no' 'line 18: not a variable name'; do
  grep -q "$k" "$tmp/messages.release" || fail "the environment loader did not say why it ignored $k"
done
[ "$failures" -eq "$n0" ] && pass "environment policy: agent settings pass, code and data hand-overs are refused, values never printed"

# ------------------------------------------------------------------ 3. reproducible
repro="$target/repro"
chmod -R u+w "$repro" 2>/dev/null || true
rm -rf "$repro"
if bash "$here/build.sh" "$@" --out "$repro/eos" --work "$repro/work" > "$tmp/rebuild.log" 2>&1; then
  same=true
  for f in bzImage "$initrd_name" floor.cpio.gz inputs.txt; do
    if cmp -s "$image/$f" "$repro/eos/$f"; then
      pass "rebuilt from the same inputs, $f is byte for byte the same ($(sha256sum < "$image/$f" | cut -c1-16)…)"
    else
      same=false
      fail "rebuilt from the same inputs, $f differs"
    fi
  done
  if [ "$same" = false ]; then
    (cd "$x" && find . -type f | sort | xargs sha256sum) > "$tmp/a.sums"
    y="$tmp/rebuilt"; mkdir -p "$y"
    (cd "$y" && uncompress "$repro/eos/$initrd_name" | cpio --quiet -idm --no-absolute-filenames 2>/dev/null)
    (cd "$y" && find . -type f | sort | xargs sha256sum) > "$tmp/b.sums"
    echo "eos test: files that differ between the two builds:" >&2
    diff "$tmp/a.sums" "$tmp/b.sums" | grep '^[<>]' | awk '{print "  " $3}' | sort -u | head -20 >&2
  fi
else
  sed 's/^/  /' "$tmp/rebuild.log" >&2
  fail "the second build failed"
fi
chmod -R u+w "$repro" 2>/dev/null || true
rm -rf "$repro"

# ------------------------------------------------------------------ 4. PCR values, booted again
if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("pcrs") else 1)' "$image/eos-measurements.json"; then
  if out="$(bash "$here/reference-boot.sh" --image "$image" --check 2>&1)"; then
    pass "booted again through OVMF with a fresh vTPM: $(echo "$out" | tail -1 | sed 's/^eos reference: //')"
  else
    echo "$out" | sed 's/^/  /' >&2
    fail "a second boot does not give the recorded PCR values"
  fi
elif [ -n "${CI:-}" ]; then
  fail "eos-measurements.json holds no PCR values (the reference boot was skipped or could not run; CI needs it)"
else
  echo "eos test: skip PCR check: eos-measurements.json holds no PCR values (reference boot skipped; CI is not set)"
fi

if [ "$failures" -gt 0 ]; then
  echo "eos test: $failures failure(s)" >&2
  exit 1
fi
echo "eos test: all passed"
