#!/usr/bin/env bash
# Runs in the build stage of the multistage variant: copies what the aiohttp service needs to run
# into OUT_DIR (default /out), a root filesystem for `FROM scratch` — the python3.11 binary, the
# stdlib without its tests and tools, aiohttp and its dependencies, and every shared library that
# any of those loads — then checks it by importing aiohttp inside a chroot of it.
set -euo pipefail

readonly out="${1:-/out}"
readonly python=/usr/bin/python3.11
readonly stdlib=/usr/lib/python3.11
readonly dist_packages=/usr/lib/python3/dist-packages
readonly libdir=/usr/lib/x86_64-linux-gnu

log() { printf 'assemble: %s\n' "$*" >&2; }

# The base image's merged-/usr layout: binaries ask for their loader as /lib64/ld-linux-x86-64.so.2.
mkdir -p "$out/usr/bin" "$out$libdir" "$out/usr/lib64" "$out/usr/lib/python3" "$out/etc" "$out/app"
ln -s usr/bin "$out/bin"
ln -s usr/lib "$out/lib"
ln -s usr/lib64 "$out/lib64"
install -d -m 1777 "$out/tmp"

cp -a "$python" "$out/usr/bin/"
ln -s python3.11 "$out/usr/bin/python3"
cp -a "$stdlib" "$out/usr/lib/"
cp -a "$dist_packages" "$out/usr/lib/python3/"

# Nothing here is imported by the service: test suites, GUI and REPL tools, installers, and the
# extension modules that would pull in ncurses, readline, sqlite, Berkeley DB or NIS/Kerberos.
log "pruning the standard library"
pruned=(
  test idlelib tkinter turtledemo turtle.py ensurepip lib2to3 pydoc_data venv unittest
  sqlite3 curses distutils
  lib-dynload/_test\*.so lib-dynload/_ctypes_test\*.so lib-dynload/_xxtestfuzz\*.so
  lib-dynload/xxlimited\*.so lib-dynload/_xxsubinterpreters\*.so
  lib-dynload/_curses\*.so lib-dynload/readline\*.so lib-dynload/_sqlite3\*.so
  lib-dynload/_dbm\*.so lib-dynload/nis\*.so lib-dynload/ossaudiodev\*.so
)
for entry in "${pruned[@]}"; do
  # The globs are meant to expand here, inside the copied tree.
  # shellcheck disable=SC2086
  rm -rf -- ${out:?}$stdlib/$entry
done
find "$out" -depth -type d -name __pycache__ -exec rm -rf {} +

# Bytecode whose validity does not depend on file times (COPY may not keep them): no compile at
# start-up, and nothing to write for a non-root user who could not write it anyway.
log "compiling bytecode"
"$python" -m compileall -q -j0 --invalidation-mode unchecked-hash -s "$out" -p / \
  "$out$stdlib" "$out$dist_packages"

# Every shared library that the interpreter or an extension module needs, under its soname.
log "collecting shared libraries"
mapfile -t elves < <(find "$out/usr/bin" "$out$stdlib" "$out$dist_packages" -type f \
  \( -name '*.so' -o -path "$out/usr/bin/*" \))
ldd_output="$(ldd "${elves[@]}")"
if grep -q 'not found' <<<"$ldd_output"; then
  grep 'not found' <<<"$ldd_output" >&2
  log "error: unresolved shared libraries"
  exit 1
fi
mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<<"$ldd_output" | sort -u)
for lib in "${libs[@]}"; do
  cp -L "$lib" "$out$libdir/$(basename "$lib")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$out/usr/lib64/ld-linux-x86-64.so.2"
log "libraries: ${libs[*]##*/}"

printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
  'nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin' >"$out/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$out/etc/group"

# The tree must stand on its own: import the service's whole dependency chain from inside it.
chroot "$out" /usr/bin/python3 -c 'import aiohttp.web, ssl, sys; print("assemble: ok", sys.version)'
log "root filesystem: $(du -sh "$out" | cut -f1)"
