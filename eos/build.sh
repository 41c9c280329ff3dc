#!/usr/bin/env bash
# Builds the EOS guest image: bzImage, rootfs.cpio.gz, the floor image, inputs.txt and
# eos-measurements.json (see eos/README.md). Run by `mvn -pl eos package`; can run alone:
#   eos/build.sh [--assembly DIR] [--out DIR] [--work DIR] [--cache DIR] [--runners wasm,bin]
#                [--emulated true|false] [--compression gzip|zstd] [--cds false|true] [--epoch SECONDS]
#                [--rootfs-only]
# Same inputs (eos.lock packages, agent assembly, eos/ sources, options) give byte-identical images.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
assembly="$root/agent-app/target/assembly"
out="$here/target/eos"
work="$here/target/work"
cache="${COCOS_EOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cocos-eos}"
runners="wasm,bin"
emulated=false
compression=zstd
cds=false
epoch="${SOURCE_DATE_EPOCH:-1767225600}" # 2026-01-01T00:00:00Z, the reactor's outputTimestamp
rootfs_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --assembly) assembly="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --runners) runners="$2"; shift 2 ;;
    --emulated) emulated="${2:-true}"; shift 2 ;;
    --compression) compression="$2"; shift 2 ;;
    --cds) cds="${2:-true}"; shift 2 ;;
    --epoch) epoch="$2"; shift 2 ;;
    --rootfs-only) rootfs_only=true; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "eos: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$emulated" in true|false) ;; *) echo "eos: --emulated takes true or false, not '$emulated'" >&2; exit 2 ;; esac
case "$cds" in true|false) ;; *) echo "eos: --cds takes true or false, not '$cds'" >&2; exit 2 ;; esac
case "$compression" in
  gzip) initrd_name=rootfs.cpio.gz ;;
  zstd) initrd_name=rootfs.cpio.zst ;;
  *) echo "eos: --compression takes gzip or zstd, not '$compression'" >&2; exit 2 ;;
esac
# Seconds since 1970, or a date such as the reactor's project.build.outputTimestamp.
if ! [[ "$epoch" =~ ^[0-9]+$ ]]; then
  epoch_in="$epoch"
  epoch="$(date -u -d "$epoch_in" +%s 2>/dev/null)" ||
    { echo "eos: --epoch must be seconds since 1970 or a date, not '$epoch_in'" >&2; exit 2; }
fi
export SOURCE_DATE_EPOCH="$epoch"

die() { echo "eos: $*" >&2; exit 1; }
log() { echo "eos: $* (${SECONDS}s)"; }

tools=(apt-get dpkg-deb depmod modprobe cpio gzip xz readelf strip unzip unshare chroot sha256sum sha384sum)
[ "$compression" = zstd ] && tools+=(zstd)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || [ -x "/sbin/$tool" ] || [ -x "/usr/sbin/$tool" ] ||
    die "$tool is missing; run scripts/setup.d/45-eos.sh (as root) or install it"
done
PATH="$PATH:/sbin:/usr/sbin"
[ -f "$assembly/assembly.properties" ] ||
  die "no agent assembly at $assembly; build it first: mvn -B -pl agent-app package"

# ---------------------------------------------------------------- packages (eos.lock)
lock="$here/eos.lock"
mkdir -p "$cache/debs"
declare -A pkg_version pkg_sha pkg_dir
pkg_names=()
while read -r name version sha; do
  case "$name" in ''|\#*) continue ;; esac
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || die "eos.lock: bad line for '$name' (want: name version sha256)"
  pkg_names+=("$name"); pkg_version[$name]="$version"; pkg_sha[$name]="$sha"
done < "$lock"

fetch() { # fetch NAME: the pinned .deb, from the cache or the mirror, checked against eos.lock
  local name="$1" version="${pkg_version[$1]}" sha="${pkg_sha[$1]}"
  local deb="$cache/debs/$sha.deb"
  if [ -f "$deb" ] && [ "$(sha256sum < "$deb" | cut -d' ' -f1)" = "$sha" ]; then
    echo "$deb"; return
  fi
  local tmp; tmp="$(mktemp -d "$cache/debs/.get.XXXXXX")"
  chmod 0755 "$tmp" # apt's _apt user writes here when apt-get runs as root
  if ! (cd "$tmp" && apt-get download -q "$name=$version" >"$tmp/apt.log" 2>&1); then
    sed 's/^/  /' "$tmp/apt.log" >&2
    rm -rf "$tmp"
    die "the mirror no longer serves $name $version, which eos/eos.lock pins.
  Update the lock to what the mirror serves now, review and commit it (a new lock is a new image,
  with new digests and PCR values):  eos/update-lock.sh && git diff eos/eos.lock
  (or, if the package lists are only stale: apt-get update)"
  fi
  local got; got="$(ls "$tmp"/*.deb)"
  local actual; actual="$(sha256sum < "$got" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    rm -rf "$tmp"
    die "$name $version from the mirror has SHA-256 $actual, eos/eos.lock pins $sha; refusing it"
  fi
  mv "$got" "$deb"; rm -rf "$tmp"
  echo "$deb"
}

# Unpacked once per package into the cache (the kernel's 100 MB of xz take a while), read-only.
unpacked() { # unpacked NAME: the folder holding the package's files
  local sha="${pkg_sha[$1]}" deb
  local dir="$cache/unpacked/$sha"
  if [ ! -f "$dir.complete" ]; then
    deb="$(fetch "$1")"
    rm -rf "$dir" && mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    [[ "$1" == linux-image-* ]] && depmod -b "$dir" "$(ls "$dir/lib/modules")"
    chmod -R a-w "$dir"
    touch "$dir.complete"
  fi
  echo "$dir"
}
if [ -d "$work" ]; then chmod -R u+w "$work"; rm -rf "$work"; fi
# What the output folder held is stale now (the reference boot's files too).
if [ "$rootfs_only" = false ]; then
  rm -f "$out"/{bzImage,rootfs.cpio.gz,rootfs.cpio.zst,floor.cpio.gz,inputs.txt} "$out"/eos-*
fi
mkdir -p "$work" "$out"
for name in "${pkg_names[@]}"; do
  fetch "$name" >/dev/null # the .deb's SHA-256 is checked on every build
  pkg_dir[$name]="$(unpacked "$name")"
done
kernel_pkg="$(printf '%s\n' "${pkg_names[@]}" | grep '^linux-image-' | head -1)"
[ -n "$kernel_pkg" ] || die "eos.lock pins no linux-image package"
kdir="${pkg_dir[$kernel_pkg]}"
kver="$(ls "$kdir/lib/modules")"
[ "$(echo "$kver" | wc -l)" -eq 1 ] || die "$kernel_pkg holds more than one module tree: $kver"
log "kernel $kver, $(echo "${pkg_names[@]}" | wc -w) pinned packages"

# Every file of the image gets the same time, owner and a mode from a small set.
normalize() { # normalize DIR
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -perm /111 -exec chmod 0755 {} +
  find "$1" -type f ! -perm /111 -exec chmod 0644 {} +
  find "$1" -exec touch -h -d "@$epoch" {} +
}
mkcpio() { # mkcpio DIR OUT [gzip|zstd]
  (cd "$1" && find . -mindepth 1 -printf '%P\0' | sort -z |
    cpio --quiet --null --reproducible -o -H newc -R 0:0) |
    if [ "${3:-gzip}" = zstd ]; then
      # Level 19 with a 32 MiB window: 12% smaller than level 15, for 45 s of one core (a larger
      # window gains nothing more). zstd's output does not depend on the number of workers (-T0:
      # one a core), so any host makes the same bytes.
      zstd -q -19 --long=25 -T0 --no-check -c
    else
      gzip -9 -n
    fi > "$2"
}

# ---------------------------------------------------------------- common base: busybox, modules
base() { # base DIR MODULE...: busybox, /etc, and the named kernel modules with their dependencies
  local dir="$1"; shift
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules}
  install -m 0755 "${pkg_dir[busybox-static]}/bin/busybox" "$dir/bin/busybox"
  local applet
  "$dir/bin/busybox" --list-full | sort | while read -r applet; do
    [ -e "$dir/$applet" ] || [ -L "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
  done
  local mdir="$dir/lib/modules/$kver" m path
  mkdir -p "$mdir"
  cp "$kdir/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$mdir/"
  for m in "$@"; do
    modprobe -d "$kdir" -S "$kver" --show-depends "$m" >"$work/deps" 2>&1 ||
      die "kernel module $m: $(cat "$work/deps")"
    while read -r kind path _; do
      [ "$kind" = insmod ] || continue
      local rel="${path#"$kdir"/lib/modules/"$kver"/}"
      local dst="$mdir/${rel%.xz}"
      [ -f "$dst" ] && continue
      mkdir -p "$(dirname "$dst")"
      xz -dc "$path" > "$dst"
    done < "$work/deps"
  done
  depmod -b "$dir" "$kver"
}
mapfile -t eos_modules < <(grep -v '^\s*\(#\|$\)' "$here/kernel-modules" | awk '{print $1}')

# ---------------------------------------------------------------- the floor image
if [ "$rootfs_only" = false ]; then
  install -m 0644 "$kdir/boot/vmlinuz-$kver" "$out/bzImage"
  floor="$work/floor"
  base "$floor" virtio_net
  install -m 0755 "$here/floor/init" "$floor/init"
  normalize "$floor"
  mkcpio "$floor" "$out/floor.cpio.gz"
  log "floor.cpio.gz $(stat -c %s "$out/floor.cpio.gz") bytes"
fi

# ---------------------------------------------------------------- the EOS root file system
rootfs="$work/rootfs"
base "$rootfs" "${eos_modules[@]}"
mkdir -p "$rootfs"/{etc/certs,etc/cocos,cocos,opt/cocos,lib64,lib/x86_64-linux-gnu,var/tmp}
cp -r "$here/rootfs/." "$rootfs/"
install -m 0755 "$here/rootfs/init" "$rootfs/init"
mkdir -p "$rootfs/etc/cocos-eos"
grep -v '^\s*\(#\|$\)' "$here/kernel-modules" | awk '{print $1, $2}' > "$rootfs/etc/cocos-eos/modules"
if [ "$emulated" = true ]; then echo dev; else echo release; fi > "$rootfs/etc/cocos-eos/image"

# Java: the pinned JDK packages, unpacked side by side; their links into /etc made relative.
jdk_root="$work/jdk"
for p in openjdk-17-jre-headless openjdk-17-jdk-headless; do
  [ -n "${pkg_dir[$p]:-}" ] || die "eos.lock pins no $p"
  cp -a "${pkg_dir[$p]}/." "$jdk_root/"
done
chmod -R u+w "$jdk_root"
jdk="$(ls -d "$jdk_root"/usr/lib/jvm/java-17-openjdk-*)"
find "$jdk_root" -type l -lname '/*' | while read -r l; do
  t="$(readlink "$l")"
  if [ -e "$jdk_root$t" ]; then ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$jdk_root$t")" "$l"; fi
done
jdk_java="$jdk/bin/java"
"$jdk_java" -version >/dev/null 2>&1 || die "the pinned JDK does not run here: $("$jdk_java" -version 2>&1 | head -3)"
jdk_version="$("$jdk_java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"

# The runtime: only the modules the agent needs (eos/jdk-modules), uncompressed (the image's
# compressor does better on plain class bytes, and loading needs no inflating).
mods="$(grep -v '^\s*\(#\|$\)' "$here/jdk-modules" | paste -sd, -)"
java_home="$rootfs/opt/java"
"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$mods" \
  --strip-debug --no-header-files --no-man-pages --compress=0 --output "$java_home"
# Debian ships libjvm.so with its symbol table (20 MB stripped, 24 MB not).
find "$java_home" -name '*.so' -exec strip --strip-unneeded {} +

# C libraries: what the runtime's executables and libraries need (DT_NEEDED, transitively), from
# the pinned packages, plus the loader and glibc's NSS modules for /etc/nsswitch.conf.
sysroot="$work/sysroot"
for p in libc6 libgcc-s1 libstdc++6 zlib1g; do
  [ -n "${pkg_dir[$p]:-}" ] || die "eos.lock pins no $p"
  cp -a "${pkg_dir[$p]}/." "$sysroot/"
done
chmod -R u+w "$sysroot"
libdirs=("$sysroot/lib/x86_64-linux-gnu" "$sysroot/usr/lib/x86_64-linux-gnu")
declare -A have_lib
copy_lib() { # copy_lib SONAME: the library and its own needs into /lib/x86_64-linux-gnu
  local so="$1" d src
  [ -n "${have_lib[$so]:-}" ] && return
  have_lib[$so]=1
  # The runtime's own (libjli.so, libjvm.so, ...), found through its RUNPATH.
  [ -n "$(find "$java_home/lib" -name "$so" -print -quit)" ] && return
  src=""
  for d in "${libdirs[@]}"; do [ -e "$d/$so" ] && { src="$d/$so"; break; }; done
  [ -n "$src" ] || die "library $so (needed by the Java runtime) is in none of the pinned packages"
  cp -L "$src" "$rootfs/lib/x86_64-linux-gnu/$so"
  local need
  for need in $(readelf -d "$src" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do copy_lib "$need"; done
}
while read -r elf; do
  for need in $(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do copy_lib "$need"; done
done < <(find "$java_home" -type f \( -name '*.so' -o -path '*/bin/*' \) | sort)
for so in ld-linux-x86-64.so.2 libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do copy_lib "$so"; done
ln -sfn /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$rootfs/lib64/ld-linux-x86-64.so.2"

# The agent assembly, with only the chosen runners, its jars stored, stripped of other platforms'
# native libraries and of jar signatures (the image is measured whole), the classes of the jars
# eos/shrink lists that no code of the image reaches left out, and the jars a bundle embeds
# flattened into it: the framework would otherwise copy them into its cache (RAM) at every start
# (tools/Repack.java).
agent="$rootfs/opt/cocos/agent"
mkdir -p "$agent"/{launcher,bundles,runners,conf}
cp "$assembly/assembly.properties" "$assembly/compiler-directives.json" "$agent/"
cp "$assembly/conf/"*.cfg "$agent/conf/"
pairs=()
for j in "$assembly"/launcher/*.jar; do pairs+=("$j" "$agent/launcher/$(basename "$j")"); done
for j in "$assembly"/bundles/*.jar; do
  b="$(basename "$j")"
  if [ "$emulated" = false ] && [[ "$b" == cocos-tee-emulated-* ]]; then continue; fi
  pairs+=("$j" "$agent/bundles/$b")
done
if [ "$emulated" = false ]; then
  rm -f "$agent"/conf/ai.cocos.tee.emulated.*.cfg
fi
declare -A runner_jar
for j in "$assembly"/runners/*.jar; do
  [ -e "$j" ] || continue
  t="$(unzip -p "$j" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Cocos-Runner-Type: *//p' | tr 'A-Z' 'a-z')"
  [ -n "$t" ] && runner_jar[$t]="$j"
done
IFS=, read -ra wanted <<< "$runners"
chosen=()
for t in "${wanted[@]}"; do
  t="$(echo "$t" | tr -d ' ' | tr 'A-Z' 'a-z')"
  [ -n "$t" ] && [ "$t" != none ] || continue
  j="${runner_jar[$t]:-}"
  [ -n "$j" ] || die "-Deos.runners names runner '$t', which the agent assembly does not ship (it has: $(echo "${!runner_jar[@]}" | tr ' ' '\n' | sort | paste -sd, -))"
  pairs+=("$j" "$agent/runners/$(basename "$j")")
  chosen+=("$t")
done
mapfile -t chosen < <(printf '%s\n' "${chosen[@]}" | grep -v '^$' | sort -u || true)
"$jdk_java" -Duser.timezone=UTC "$here/tools/Repack.java" --linux-x86-64 --unsign --shrink "$here/shrink" --flatten \
  "${pairs[@]}" > "$work/repack.log" ||
  die "repacking the assembly's jars failed"
# A runner's configuration stays only if its runner is in the image.
for cfg in "$agent"/conf/ai.cocos.runner.*.cfg; do
  [ -e "$cfg" ] || continue
  t="$(basename "$cfg" .cfg)"; t="${t#ai.cocos.runner.}"
  printf '%s\n' "${chosen[@]}" | grep -qx "$t" || rm -f "$cfg"
done

# The agent's JVM options: the assembly's own (jvm.options, ${ASSEMBLY} resolved), then the
# image's. One option a line, read by /init.
{
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"; line="$(echo "$line" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//')"
    case "$line" in
      # The assembly's AppCDS archive is the build host's; the image has none (see below), and a
      # missing SharedArchiveFile would turn off the JDK's own class-data archive too.
      -XX:SharedArchiveFile=*|-Xlog:cds*) continue ;;
    esac
    [ -n "$line" ] && echo "${line//\$\{ASSEMBLY\}//opt/cocos/agent}"
  done < "$assembly/jvm.options"
  # No hsperfdata file in /tmp, and temporary files (the framework's bundle cache) in RAM.
  echo "-XX:-UsePerfData"
  echo "-Djava.io.tmpdir=/tmp"
} > "$rootfs/etc/cocos-eos/java.options"
# The launcher's class path, spelt out in name order: the JVM expands 'launcher/*' in directory
# order, which differs between file systems (and a class-data archive holds only for the class
# path it was dumped with).
(cd "$agent/launcher" && ls *.jar | sort | sed 's|^|/opt/cocos/agent/launcher/|' | paste -sd: -) \
  > "$rootfs/etc/cocos-eos/classpath"

normalize "$rootfs"

# ---------------------------------------------------------------- class data, and a start check
# Both run inside the image's own tree (chroot: paths as the guest sees them), as root or in a user
# namespace. A class-data archive of the JDK's classes only with --cds true: JDK 17's static dump
# is not deterministic (the order of its symbols follows which memory chunks the VM's threads
# happened to free: 2 to 6 different archives in 10 dumps here, with a fixed heap, one arena, one
# CPU and no background deflation tried), and a reproducible image, whose digest anyone can
# rebuild and compare with PCR 9, comes first. It is dumped with the Serial GC the agent runs (JDK
# 17 ignores archived heap objects under any other collector). There is no AppCDS archive of the
# agent's own classes either (eos/README.md). Then the agent starts once from the image's files,
# in plugins mode (start, wait for the gRPC endpoint, list the plugins, stop): a missing Java
# module or library fails here.
in_image() { # in_image COMMAND...: runs COMMAND chrooted into the image tree, /dev /proc /tmp mounted
  local script='set -e; r="$1"; shift
    mount --bind /dev "$r/dev"; mount -t proc proc "$r/proc"; mount -t tmpfs tmpfs "$r/tmp"
    exec chroot "$r" "$@"'
  if [ "$(id -u)" -eq 0 ]; then
    unshare --mount --propagation private sh -c "$script" sh "$rootfs" "$@"
  else
    unshare --map-root-user --mount --pid --fork --propagation private sh -c "$script" sh "$rootfs" "$@"
  fi
}
rm -f "$java_home"/lib/server/classes*.jsa
if [ "$cds" = true ]; then
  in_image /opt/java/bin/java -Xshare:dump -XX:+UseSerialGC -Xmx128M -Xms128M -Xmn120M -Xlog:cds=off \
    >"$work/cds.log" 2>&1 ||
    { sed 's/^/  /' "$work/cds.log" >&2; die "the image's runtime could not dump its class-data archive (as non-root this needs user namespaces: unshare -r)"; }
  rm -f "$java_home/lib/server/classes_nocoops.jsa"
fi
java_opts=()
while IFS= read -r opt; do java_opts+=("$opt"); done < "$rootfs/etc/cocos-eos/java.options"
agent_env=(/usr/bin/env -i PATH=/bin:/usr/bin HOME=/root LANG=C.UTF-8 AGENT_GRPC_HOST=127.0.0.1
  AGENT_GRPC_PORT=0 AGENT_CVM_GRPC_URL= AGENT_LOG_LEVEL=warn AGENT_WORK_DIR=/tmp/cocos)
# -Xshare:on: a class-data archive must map with the agent's options (:auto would be quiet).
if [ "$cds" = true ]; then check_opts=(-Xshare:on); else check_opts=(-Xshare:off); fi
for opt in "${java_opts[@]}"; do case "$opt" in -Xshare:*) ;; *) check_opts+=("$opt") ;; esac; done
if ! in_image "${agent_env[@]}" /opt/java/bin/java "${check_opts[@]}" \
    -cp "$(cat "$rootfs/etc/cocos-eos/classpath")" ai.cocos.core.launch.Main --assembly /opt/cocos/agent \
    plugins >"$work/start-check.log" 2>&1; then
  sed 's/^/  /' "$work/start-check.log" >&2
  die "the agent did not start from the image's files (above)"
fi
log "the agent starts from the image's files: $(grep -o 'started in [0-9]* ms' "$work/start-check.log")"
normalize "$rootfs"

# ---------------------------------------------------------------- the image and its records
mkcpio "$rootfs" "$out/$initrd_name" "$compression"
log "$initrd_name $(stat -c %s "$out/$initrd_name") bytes"
[ "$rootfs_only" = true ] && exit 0

cmdline="console=ttyS0 quiet panic=-1"
sha() { sha256sum < "$1" | cut -d' ' -f1; }
sha384() { sha384sum < "$1" | cut -d' ' -f1; }
image_kind=release; [ "$emulated" = true ] && image_kind=dev
{
  echo "# Inputs of the EOS image in this folder: same inputs, same bytes (eos/README.md)."
  echo "image $image_kind"
  echo "runners ${chosen[*]}"
  echo "compression $compression"
  echo "cds $cds"
  echo "source-date-epoch $epoch"
  echo "kernel $kver"
  echo "cmdline $cmdline"
  for name in "${pkg_names[@]}"; do echo "package $name ${pkg_version[$name]} ${pkg_sha[$name]}"; done
  echo "jdk $jdk_version"
  # The host tools whose output is in the image (a different gzip may pack the same tree differently).
  echo "tool gzip $(gzip --version | head -1)"
  echo "tool cpio $(cpio --version | head -1)"
  echo "tool kmod $(depmod --version | head -1)"
  echo "tool xz $(xz --version | head -1)"
  [ "$compression" = zstd ] && echo "tool zstd $(zstd --version | head -1)"
  echo "tool strip $(strip --version | head -1)"
  echo "jdk-modules $mods"
  echo "kernel-modules $(echo "${eos_modules[@]}" | tr ' ' ',')"
  (cd "$assembly" && find assembly.properties jvm.options compiler-directives.json conf launcher bundles runners -type f 2>/dev/null |
    sort | while read -r f; do echo "assembly $f $(sha "$f")"; done)
  (cd "$here" && find build.sh eos.lock kernel-modules jdk-modules shrink rootfs floor tools -type f | sort |
    while read -r f; do echo "eos $f $(sha "$f")"; done)
  sed 's/^/repack /' "$work/repack.log"
  for f in bzImage "$initrd_name" floor.cpio.gz; do echo "output $f $(stat -c %s "$out/$f") $(sha "$out/$f")"; done
} > "$out/inputs.txt"

size_total=$(( $(stat -c %s "$out/bzImage") + $(stat -c %s "$out/$initrd_name") ))
cat > "$out/eos-measurements.json" <<JSON
{
  "image": "$image_kind",
  "runners": "$(echo "${chosen[*]}" | tr ' ' ',')",
  "kernel": { "file": "bzImage", "version": "$kver", "size": $(stat -c %s "$out/bzImage"),
    "sha256": "$(sha "$out/bzImage")", "sha384": "$(sha384 "$out/bzImage")" },
  "initrd": { "file": "$initrd_name", "compression": "$compression", "size": $(stat -c %s "$out/$initrd_name"),
    "sha256": "$(sha "$out/$initrd_name")", "sha384": "$(sha384 "$out/$initrd_name")" },
  "cmdline": "$cmdline",
  "size": $size_total,
  "floor": { "file": "floor.cpio.gz", "size": $(stat -c %s "$out/floor.cpio.gz"),
    "sha256": "$(sha "$out/floor.cpio.gz")" }
}
JSON
log "image: bzImage + $initrd_name = $size_total bytes ($(( size_total / 1048576 )) MiB); $out"
