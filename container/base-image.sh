#!/usr/bin/env bash
# Make the local base image the container test builds on, where no image registry is reachable:
# Debian bookworm (minbase, python3, python3-venv) by debootstrap, imported into podman as
# localhost/sequences-mock-base:bookworm. The root filesystem is cached as a tarball, so a
# second machine state with the same cache skips debootstrap; an existing image is kept.
#
# It carries this machine's CA bundle and a pip.conf naming it: pip inside the image build
# must trust what this machine's own pip trusts.
set -euo pipefail

image="${SEQUENCES_MOCK_BASE_IMAGE:-localhost/sequences-mock-base:bookworm}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sequences-mock"
tarball="$cache/base-bookworm-rootfs.tar"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
    echo "base image $image: present"
    exit 0
fi
mkdir -p "$cache"
if [[ ! -s "$tarball" ]]; then
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    echo "base image $image: debootstrap bookworm into $rootfs (a minute or two)"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
    tar -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
fi
podman import --quiet "$tarball" "$image" >/dev/null
echo "base image $image: imported from $tarball"
