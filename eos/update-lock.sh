#!/usr/bin/env bash
# Pins the Debian packages the EOS image is built from: writes eos/eos.lock with the version the
# mirror serves now and the SHA-256 the (signed) package index gives for it. Run it when the build
# says the mirror no longer serves a pinned version (Debian's security archive keeps only the
# newest kernel and JDK), then review the diff and commit it: a new lock is a new image, with new
# digests and PCR values (eos/reference-boot.sh records them).
# Usage: eos/update-lock.sh [--no-update]   (--no-update: skip apt-get update)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/eos.lock"

# The kernel follows Debian's 6.12 line through its metapackage; the rest by name.
kernel_meta=linux-image-6.12-amd64
packages=(busybox-static libc6 libgcc-s1 libstdc++6 zlib1g openjdk-17-jre-headless openjdk-17-jdk-headless)

if [ "${1:-}" != "--no-update" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
  else
    echo "update-lock: not root, using the package lists as they are (run apt-get update as root for the newest)" >&2
  fi
fi

candidate() { apt-cache policy "$1" | sed -n 's/^  Candidate: //p'; }
field() { # field PACKAGE VERSION NAME: one field of the index entry for PACKAGE=VERSION
  apt-cache show "$1=$2" 2>/dev/null | awk -v f="$3" -F': ' '$1 == f { print $2; exit }'
}

meta_version="$(candidate "$kernel_meta")"
[ -n "$meta_version" ] && [ "$meta_version" != "(none)" ] ||
  { echo "update-lock: the mirror has no $kernel_meta (is bookworm-security in the apt sources?)" >&2; exit 1; }
kernel="$(field "$kernel_meta" "$meta_version" Depends | sed -n 's/^\(linux-image-[^ ,]*\) (= .*/\1/p')"
[ -n "$kernel" ] || { echo "update-lock: cannot read the kernel package $kernel_meta $meta_version depends on" >&2; exit 1; }

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  echo "# The Debian packages the EOS image is built from, pinned: name, version, SHA-256 of the .deb."
  echo "# Written by eos/update-lock.sh from the signed package index; the build downloads exactly these"
  echo "# (apt-get download NAME=VERSION) and refuses a file whose SHA-256 differs. The kernel is the"
  echo "# one $kernel_meta $meta_version depends on."
  for p in "$kernel" "${packages[@]}"; do
    v="$(candidate "$p")"
    [ -n "$v" ] && [ "$v" != "(none)" ] || { echo "update-lock: the mirror serves no $p" >&2; exit 1; }
    sha="$(field "$p" "$v" SHA256)"
    [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || { echo "update-lock: no SHA256 in the index for $p $v" >&2; exit 1; }
    echo "$p $v $sha"
  done
} > "$tmp"
if [ -f "$lock" ] && cmp -s "$tmp" "$lock"; then
  echo "update-lock: $lock is current"
else
  cp "$tmp" "$lock"
  echo "update-lock: wrote $lock; review the diff (git diff eos/eos.lock), rebuild, commit"
fi
