#!/usr/bin/env bash
# Builds a fully static x86_64 Linux binary of ricolloca (glibc, crt-static).
# The explicit --target keeps RUSTFLAGS off build scripts and proc-macros; the getrandom cfg
# reads randomness with the getrandom(2) syscall, so no /dev/urandom is needed in a chroot.
# rustls is built with ring only (no aws-lc). Output: target/x86_64-unknown-linux-gnu/release/ricolloca
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS="-C target-feature=+crt-static --cfg getrandom_backend=\"linux_getrandom\"" \
  cargo build --release --locked --target "$target"
bin="target/$target/release/ricolloca"
ls -l "$bin"
kind=$( (file "$bin" 2>/dev/null || ldd "$bin" 2>&1) | tr -d '\n')
echo "$kind"
case "$kind" in
  *static*|*"not a dynamic executable"*) ;;
  *) echo "error: $bin is dynamically linked" >&2; exit 1 ;;
esac
echo "static binary: $bin"
