#!/usr/bin/env bash
# Installs the current build into a temporary prefix and uses the library the
# ways a non-CMake project would: libsgz.so's name and exported symbols, a C
# program built with `pkg-config --cflags --libs sgz` alone (shared) and with
# `pkg-config --static` (libsgz.a), and Python ctypes on libsgz.so. Tensors
# read through each are compared with `sgz cat` and the original GGUF bytes.
#
# usage: shared_lib_test.sh CMAKE BUILD_DIR SOURCE_DIR VERSION [CONFIG] [CXX]
# Environment: CC (default cc) compiles the C program.
set -u

cmake_bin=$1
build_dir=$2
source_dir=$3
version=$4
config=${5:-}
cxx=${6:-c++}
cc=${CC:-cc}

# shellcheck source=tests/install_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/install_test_lib.sh"

for tool in pkg-config nm readelf python3; do
  command -v "$tool" >/dev/null 2>&1 || { skip "$tool not installed"; finish; }
done

make_tmp sgz_shared_test
if ! install_build "$cmake_bin" "$build_dir" "$config"; then
  fail "cmake --install into a fresh prefix"
  finish
fi
libdir=$(find_libdir)
[ -n "$libdir" ] || { fail "no libsgz.a under $prefix"; finish; }

# ---- The shared library: file names, SONAME.
major=${version%%.*}
so=$libdir/libsgz.so
if [ -f "$libdir/libsgz.so.$version" ] && [ "$(readlink "$so")" = "libsgz.so.$major" ] &&
   [ "$(readlink "$libdir/libsgz.so.$major")" = "libsgz.so.$version" ]; then
  pass "libsgz.so -> libsgz.so.$major -> libsgz.so.$version"
else
  fail "libsgz.so links, want libsgz.so -> libsgz.so.$major -> libsgz.so.$version: $(cd "$libdir" && for f in libsgz.so*; do printf '%s -> %s; ' "$f" "$(readlink "$f")"; done)"
fi
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libsgz.so.$major" ]; then pass "SONAME $soname"; else fail "SONAME '$soname', want libsgz.so.$major"; fi
# A sanitized build's library needs the sanitizer runtime loaded first.
sanitized=0
readelf -d "$so" | grep -q 'NEEDED.*lib\(asan\|ubsan\)' && sanitized=1

# ---- Exported symbols: the C API and namespace sgz, never sgz::internal.
nm -D --defined-only -C "$so" | cut -d' ' -f3- >"$tmp/symbols"
# (A public function may still mention internal types in its parameters.)
internal_re='^((typeinfo|typeinfo name|vtable|guard variable) for )?sgz::internal::'
internal=$(grep -cE "$internal_re" "$tmp/symbols")
if [ "$internal" -eq 0 ]; then
  pass "nm -D: no sgz::internal symbol among $(wc -l <"$tmp/symbols") exported"
else
  fail "nm -D: $internal sgz::internal symbols exported, e.g. $(grep -m1 -E "$internal_re" "$tmp/symbols")"
fi
# Anything else outside the public API (std:: templates, zstd, helpers).
other=$(grep -vE '^(sgz_[a-z_]+|sgz::.*|(typeinfo|typeinfo name|vtable) for sgz::.*)$' "$tmp/symbols")
if [ -z "$other" ]; then
  pass "nm -D: only sgz_* and sgz:: symbols"
else
  fail "nm -D: $(echo "$other" | wc -l) symbols outside the public API, e.g. $(echo "$other" | head -n 1)"
fi
missing=
for sym in 'sgz_reader_open' 'sgz_reader_read_tensor' 'sgz_pack_file' 'sgz::Reader::Open(' 'sgz::PackFile(' 'sgz::Version()'; do
  grep -qF "$sym" "$tmp/symbols" || missing="$missing $sym"
done
if [ -z "$missing" ]; then pass "nm -D: public C and C++ functions exported"; else fail "nm -D: missing$missing"; fi

# ---- An archive of the demo, its tensors, and what `sgz cat` says they are.
sgz=$prefix/bin/sgz
demo=$source_dir/fixtures/demo.gguf
archive=$tmp/demo.gguf.sgz
if ! "$sgz" pack -q "$demo" -o "$archive" || ! "$sgz" ls --json "$archive" >"$tmp/ls.json"; then
  fail "installed sgz packs and lists the demo"
  finish
fi
python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["tensors"]: print(t["name"])' "$tmp/ls.json" >"$tmp/names"
count=$(wc -l <"$tmp/names")
mkdir -p "$tmp/cat"
while read -r name; do "$sgz" cat "$archive" "$name" -o "$tmp/cat/$name"; done <"$tmp/names"
if [ "$count" -gt 0 ] && [ "$(ls "$tmp/cat" | wc -l)" -eq "$count" ]; then
  pass "sgz cat extracts $count tensors"
else
  fail "sgz cat extracts the demo's tensors"
  finish
fi

# run_all DESCRIPTION PROGRAM [ENV...]: the C example extracts every tensor,
# each equal to `sgz cat`'s bytes.
run_all() {
  local what=$1 prog=$2 ok=0
  shift 2
  while read -r name; do
    rm -f "$tmp/got"
    env "$@" "$prog" "$archive" "$name" "$tmp/got" 2>>"$log" && cmp -s "$tmp/got" "$tmp/cat/$name" && ok=$((ok + 1))
  done <"$tmp/names"
  if [ "$ok" -eq "$count" ]; then pass "$what: $ok/$count tensors equal sgz cat"; else cat "$log"; fail "$what: $ok/$count tensors equal sgz cat"; fi
}

# ---- pkg-config, shared: nothing on the command line but pkg-config's flags.
export PKG_CONFIG_PATH=$libdir/pkgconfig
ex_c=$source_dir/examples/extract_tensor_c.c
: >"$log"
# shellcheck disable=SC2046
if "$cc" -o "$tmp/extract_c" "$ex_c" $(pkg-config --cflags --libs sgz) >"$log" 2>&1; then
  if needs_libsgz "$tmp/extract_c"; then pass "cc \$(pkg-config --cflags --libs sgz) links libsgz.so"; else fail "cc with pkg-config: program does not use libsgz.so"; fi
  run_all "C program on libsgz.so" "$tmp/extract_c" LD_LIBRARY_PATH="$libdir"
else
  cat "$log"
  fail "cc \$(pkg-config --cflags --libs sgz) builds examples/extract_tensor_c.c"
fi
: >"$log"
# shellcheck disable=SC2046
if "$cxx" -std=c++17 -o "$tmp/extract_cpp" "$source_dir/examples/extract_tensor.cc" $(pkg-config --cflags --libs sgz) >"$log" 2>&1; then
  run_all "C++ program on libsgz.so (pkg-config)" "$tmp/extract_cpp" LD_LIBRARY_PATH="$libdir"
else
  cat "$log"
  fail "c++ \$(pkg-config --cflags --libs sgz) builds examples/extract_tensor.cc"
fi

# ---- pkg-config --static: libsgz.a with what Libs.private and
# Requires.private add. A copy of the prefix without libsgz.so, so that -lsgz
# can only mean libsgz.a (the .pc file finds its prefix from its own place).
static_prefix=$tmp/static-prefix
rel_libdir=${libdir#"$prefix"/}
mkdir -p "$static_prefix/$rel_libdir/pkgconfig"
cp -r "$prefix/include" "$static_prefix/"
cp "$libdir/libsgz.a" "$static_prefix/$rel_libdir/"
cp "$libdir/pkgconfig/sgz.pc" "$static_prefix/$rel_libdir/pkgconfig/"
static_flags=$(PKG_CONFIG_PATH=$static_prefix/$rel_libdir/pkgconfig pkg-config --static --cflags --libs sgz)
: >"$log"
# shellcheck disable=SC2086
if "$cc" -o "$tmp/extract_c_static" "$ex_c" $static_flags >"$log" 2>&1; then
  if needs_libsgz "$tmp/extract_c_static"; then fail "pkg-config --static: program still needs libsgz.so"; else pass "cc \$(pkg-config --static --cflags --libs sgz) links libsgz.a"; fi
  run_all "C program on libsgz.a" "$tmp/extract_c_static"
else
  cat "$log"
  fail "cc \$(pkg-config --static --cflags --libs sgz) builds examples/extract_tensor_c.c: $static_flags"
fi
# Fully static (-static: libc, libstdc++, zstd and xxhash archives too), from
# the full prefix: -static makes -lsgz pick libsgz.a. Sanitizers forbid it.
if [ "$sanitized" -eq 1 ]; then
  skip "fully static link: sanitized build"
else
  : >"$log"
  # shellcheck disable=SC2046
  if "$cc" -static -o "$tmp/extract_c_full_static" "$ex_c" $(pkg-config --static --cflags --libs sgz) >"$log" 2>&1; then
    if readelf -d "$tmp/extract_c_full_static" 2>/dev/null | grep -q NEEDED; then
      fail "cc -static: program has dynamic dependencies"
    else
      run_all "fully static C program" "$tmp/extract_c_full_static"
    fi
  else
    cat "$log"
    fail "cc -static \$(pkg-config --static --cflags --libs sgz) builds examples/extract_tensor_c.c"
  fi
fi

# ---- Python ctypes on the installed libsgz.so.
py_env=()
if [ "$sanitized" -eq 1 ]; then
  # python3 is not sanitized: preload the runtime, ignore the interpreter's leaks.
  py_env=(LD_PRELOAD="$("$cc" -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0)
fi
if env "${py_env[@]}" python3 "$source_dir/tests/shared_lib_ctypes.py" "$source_dir" "$libdir/libsgz.so.$major" \
     "$archive" "$demo" "$tmp/ls.json" "$version" >"$log" 2>&1; then
  grep -E '^(PASS|FAIL)' "$log" | sed 's/^PASS: //' | while read -r line; do echo "  $line"; done
  pass "Python ctypes reads every tensor through libsgz.so.$major"
else
  cat "$log"
  fail "Python ctypes reads every tensor through libsgz.so.$major"
fi
# The ctypes example as a user would run it.
first=$(head -n 1 "$tmp/names")
if env "${py_env[@]}" python3 "$source_dir/examples/read_tensor.py" "$so" "$archive" "$first" "$tmp/py_got" 2>"$log" &&
   cmp -s "$tmp/py_got" "$tmp/cat/$first"; then
  pass "examples/read_tensor.py extracts $first like sgz cat"
else
  cat "$log"
  fail "examples/read_tensor.py extracts $first like sgz cat"
fi

finish
