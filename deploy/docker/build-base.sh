#!/usr/bin/env bash
# Builds the runtime base image from Debian packages, for machines that cannot pull eclipse-temurin:17-jre:
#   deploy/docker/build-base.sh [IMAGE]        (default certgate-base:bookworm-jre17)
# then pass it to the image builds: docker build --build-arg BASE_IMAGE=certgate-base:bookworm-jre17 …
# The image holds Debian bookworm's apt variant plus openjdk-17-jre-headless (no JDK, no build tools).
# Skips the build when the image already exists; REBUILD=1 forces it.
set -euo pipefail
image="${1:-certgate-base:bookworm-jre17}"
if [ -z "${REBUILD:-}" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image exists"
  exit 0
fi
command -v mmdebstrap >/dev/null || { echo "build-base.sh needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# passwd: useradd for the images' non-root user
mmdebstrap --quiet --variant=apt --include=openjdk-17-jre-headless,passwd \
  --aptopt='APT::Install-Recommends "false"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
  bookworm "$tmp/rootfs.tar" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["bash"]' "$tmp/rootfs.tar" "$image" >/dev/null
echo "built base image $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1000000}'))"
