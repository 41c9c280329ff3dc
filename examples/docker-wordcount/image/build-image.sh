#!/usr/bin/env bash
# Builds the algorithm's image archive OFFLINE, without any container engine or registry: a root
# file system with the host's static busybox and wordcount.sh, written in the layout 'docker save'
# produces (manifest.json, the image config, one layer.tar). The same inputs give the same bytes,
# hence the same SHA3-256 in the manifest and the same image ID.
#
#   examples/docker-wordcount/image/build-image.sh OUT.tar
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(realpath -m "${1:?usage: build-image.sh OUT.tar}")"
busybox=""
for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && busybox="$b" && break; done
[ -n "$busybox" ] || { echo "build-image: busybox is missing; run scripts/setup.d/42-container-engine.sh" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
  echo "build-image: $busybox is dynamically linked; install busybox-static (scripts/setup.d/42-container-engine.sh)" >&2
  exit 1
fi
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
work="$(mktemp -d -t cocos-wordcount-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/app" "$work/rootfs/tmp" "$work/archive"
cp "$busybox" "$work/rootfs/bin/busybox"
for applet in sh cat ls wc tr grep sort uniq awk head echo; do ln -s busybox "$work/rootfs/bin/$applet"; done
install -m 0755 "$here/wordcount.sh" "$work/rootfs/app/wordcount.sh"
chmod 1777 "$work/rootfs/tmp"
deterministic=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=ustar)
tar "${deterministic[@]}" -C "$work/rootfs" -cf "$work/layer.tar" .

diff_id="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir "$work/archive/$diff_id"
mv "$work/layer.tar" "$work/archive/$diff_id/layer.tar"
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Entrypoint":["/bin/sh","/app/wordcount.sh"],"Cmd":["10"],"WorkingDir":"/cocos"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$arch" "$diff_id" > "$work/config.json"
image_id="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$work/archive/$image_id.json"
printf '[{"Config":"%s.json","RepoTags":["cocos-examples/wordcount:1"],"Layers":["%s/layer.tar"]}]' \
  "$image_id" "$diff_id" > "$work/archive/manifest.json"
tar "${deterministic[@]}" -C "$work/archive" -cf "$out" .
echo "sha256:$image_id"
