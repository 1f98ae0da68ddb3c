#!/usr/bin/env bash
# Collects, on this Debian machine, what the core-only build (-DDARKSWEEP_CORE_ONLY=ON) needs on a machine
# that has the CUDA toolkit but no Debian packages (the GPU machine of bench/gpu_check.sh), into one folder
# (default .devdeps, git-ignored) to carry there:
#   json/include/nlohmann/     nlohmann/json headers              (nlohmann-json3-dev)
#   googletest/                GoogleTest sources, built in-tree  (googletest: /usr/src/googletest/googletest)
#   openblas/include/          cblas.h + openblas_config.h + f77blas.h
#   openblas/lib.tar.xz        libopenblas.so.0 and its runtime dependencies beyond glibc/libgcc
#                              (libgfortran.so.5, libquadmath.so.0), xz-compressed: 36 MiB -> about 5 MiB;
#                              CMake unpacks it into the build folder (no xz needed there)
#   MANIFEST                   package versions and sizes; an unchanged MANIFEST means nothing is redone
# Idempotent: a second run with the same Debian packages changes nothing.
# Usage: scripts/device-deps.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-.devdeps}"

multiarch=/usr/lib/x86_64-linux-gnu
blas_inc=/usr/include/x86_64-linux-gnu/openblas-pthread
blas_so="$(readlink -f "$multiarch/openblas-pthread/libopenblas.so.0" 2>/dev/null || true)"
gtest_src=/usr/src/googletest/googletest
for f in /usr/include/nlohmann/json.hpp "$gtest_src/CMakeLists.txt" "$blas_inc/cblas.h" "$blas_so"; do
  if [ -z "$f" ] || [ ! -e "$f" ]; then
    echo "device-deps: missing ${f:-libopenblas.so.0}: run scripts/install-deps.sh first" >&2
    exit 1
  fi
done

version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
manifest="nlohmann-json3-dev $(version nlohmann-json3-dev)
googletest $(version googletest)
libopenblas0-pthread $(version libopenblas0-pthread:amd64)
libopenblas-pthread-dev $(version libopenblas-pthread-dev:amd64)
libgfortran5 $(version libgfortran5:amd64)
openblas $(basename "$blas_so")"

if [ -f "$dest/MANIFEST" ] && [ "$(sed -n '/^# sizes/q;p' "$dest/MANIFEST")" = "$manifest" ] &&
   [ -f "$dest/openblas/lib.tar.xz" ] && [ -f "$dest/json/include/nlohmann/json.hpp" ] &&
   [ -f "$dest/googletest/CMakeLists.txt" ] && [ -f "$dest/openblas/include/cblas.h" ]; then
  echo "device-deps: $dest is up to date ($(du -sh "$dest" | cut -f1))"
  exit 0
fi

tmp="$(mktemp -d "${dest%/}.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/json/include" "$tmp/openblas/include" "$tmp/googletest" "$tmp/lib"
cp -r /usr/include/nlohmann "$tmp/json/include/"
# GoogleTest's own sources only (CMakeLists, cmake/, include/, src/): no docs, samples or its own tests.
cp -r "$gtest_src/CMakeLists.txt" "$gtest_src/cmake" "$gtest_src/include" "$gtest_src/src" "$tmp/googletest/"
cp "$blas_inc"/cblas.h "$blas_inc"/openblas_config.h "$blas_inc"/f77blas.h "$tmp/openblas/include/"

# The library under its SONAME, and every library it needs that a machine with a C++ compiler may lack:
# all but glibc's and libgcc_s/libstdc++ (ldd lists them transitively).
cp "$blas_so" "$tmp/lib/libopenblas.so.0"
ldd "$blas_so" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r soname path; do
  case "$soname" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libgcc_s.so.*|libstdc++.so.*) ;;
    *) cp "$(readlink -f "$path")" "$tmp/lib/$soname" ;;
  esac
done
chmod 644 "$tmp"/lib/*
# Fixed order, owner and times: the same inputs give the same archive.
tar -C "$tmp/lib" --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' \
  -cf - . | xz -6 -T1 > "$tmp/openblas/lib.tar.xz"
libs="$(cd "$tmp/lib" && ls | tr '\n' ' ')"
unpacked="$(du -sh "$tmp/lib" | cut -f1)"
rm -rf "$tmp/lib"

{
  echo "$manifest"
  echo "# sizes: lib.tar.xz holds ${libs}(${unpacked} unpacked); made by scripts/device-deps.sh"
} > "$tmp/MANIFEST"

rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "device-deps: wrote $dest ($(du -sh "$dest" | cut -f1)): $libs"
