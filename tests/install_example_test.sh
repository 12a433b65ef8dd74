#!/usr/bin/env bash
# Installs the current build into a temporary prefix, builds examples/
# against it the way another CMake project would (find_package(sgz), static
# and shared targets), and checks that the examples extract tensors byte for
# byte. pkg-config and ctypes: shared_lib_test.sh.
#
# usage: install_example_test.sh CMAKE BUILD_DIR SOURCE_DIR [CONFIG] [CXX]
set -u

cmake_bin=$1
build_dir=$2
source_dir=$3
config=${4:-}
cxx=${5:-}

# shellcheck source=tests/install_test_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/install_test_lib.sh"

make_tmp sgz_install_test
config_args=()
[ -n "$config" ] && config_args=(--config "$config")

# ---- Install.
if install_build "$cmake_bin" "$build_dir" "$config"; then
  pass "cmake --install into a fresh prefix"
else
  fail "cmake --install into a fresh prefix"
  finish
fi

libdir=$(find_libdir)
missing=
for f in bin/sgz include/sgz/sgz.h include/sgz/sgz_c.h include/sgz/error.h include/sgz/io.h include/sgz/gguf.h \
         include/sgz/verify.h include/sgz/names.h; do
  [ -f "$prefix/$f" ] || missing="$missing $f"
done
if [ -z "$libdir" ]; then
  missing="$missing lib/libsgz.a"
else
  for f in libsgz.so cmake/sgz/sgzConfig.cmake cmake/sgz/sgzConfigVersion.cmake cmake/sgz/sgzTargets.cmake pkgconfig/sgz.pc; do
    [ -f "$libdir/$f" ] || missing="$missing ${libdir#"$prefix"/}/$f"
  done
fi
if [ -z "$missing" ]; then
  pass "installed files present"
else
  fail "installed files missing:$missing"
  finish
fi
# Internal headers stay private.
if [ -z "$(find "$prefix/include" -name '*.h' ! -path '*/include/sgz/*')" ]; then
  pass "only public headers installed"
else
  fail "internal headers installed: $(find "$prefix/include" -name '*.h' ! -path '*/include/sgz/*')"
fi

# ---- Build the examples with find_package(sgz).
ex=$tmp/examples-build
cxx_args=()
[ -n "$cxx" ] && cxx_args=(-DCMAKE_CXX_COMPILER="$cxx")
if "$cmake_bin" -S "$source_dir/examples" -B "$ex" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_BUILD_TYPE="${config:-Release}" "${cxx_args[@]}" >"$log" 2>&1 &&
   "$cmake_bin" --build "$ex" "${config_args[@]}" >>"$log" 2>&1; then
  pass "examples configure and build against the installed package"
else
  cat "$log"
  fail "examples configure and build against the installed package"
  finish
fi
extract=$(find "$ex" -type f -name extract_tensor -perm -u+x | head -n 1)
extract_c=$(find "$ex" -type f -name extract_tensor_c -perm -u+x | head -n 1)
extract_c_shared=$(find "$ex" -type f -name extract_tensor_c_shared -perm -u+x | head -n 1)
# sgz::sgzlib is libsgz.a, sgz::sgz_shared libsgz.so.
if ! needs_libsgz "$extract_c" && needs_libsgz "$extract_c_shared"; then
  pass "sgz::sgzlib links libsgz.a, sgz::sgz_shared libsgz.so"
else
  fail "sgz::sgzlib links libsgz.a, sgz::sgz_shared libsgz.so: $(readelf -d "$extract_c" "$extract_c_shared" | grep NEEDED)"
fi

# ---- Pack the demo with the installed CLI; find tensors with `sgz ls`.
sgz=$prefix/bin/sgz
demo=$source_dir/fixtures/demo.gguf
archive=$tmp/demo.gguf.sgz
if "$sgz" pack -q "$demo" -o "$archive" --chunk-size 64; then
  pass "installed sgz packs the demo"
else
  fail "installed sgz packs the demo"
  finish
fi

# ls columns: tensor type shape... offset original stored ratio; the shape
# holds spaces, so count from the end.
"$sgz" ls --bytes "$archive" | awk 'NR > 1 && NF >= 7 && $(NF-3) ~ /^[0-9]+$/ { print $1, $(NF-3), $(NF-2) }' >"$tmp/tensors"
count=$(wc -l <"$tmp/tensors")
if [ "$count" -gt 0 ]; then
  pass "sgz ls lists $count tensors"
else
  fail "sgz ls lists tensors"
  finish
fi

# Original bytes [offset, offset + size) of the demo.
slice() { tail -c +$(($2 + 1)) "$1" | head -c "$3"; }

ok_cpp=0 ok_c=0 ok_c_shared=0 ok_cat=0
while read -r name offset size; do
  slice "$demo" "$offset" "$size" >"$tmp/want"
  "$extract" "$archive" "$name" "$tmp/got" 2>/dev/null && cmp -s "$tmp/want" "$tmp/got" && ok_cpp=$((ok_cpp + 1))
  rm -f "$tmp/got"
  "$extract_c" "$archive" "$name" "$tmp/got" 2>/dev/null && cmp -s "$tmp/want" "$tmp/got" && ok_c=$((ok_c + 1))
  rm -f "$tmp/got"
  "$extract_c_shared" "$archive" "$name" "$tmp/got" 2>/dev/null && cmp -s "$tmp/want" "$tmp/got" && ok_c_shared=$((ok_c_shared + 1))
  rm -f "$tmp/got"
  "$sgz" cat "$archive" "$name" 2>/dev/null | cmp -s "$tmp/want" - && ok_cat=$((ok_cat + 1))
done <"$tmp/tensors"
check() {  # check GOT DESCRIPTION
  if [ "$1" -eq "$count" ]; then pass "$2: $1/$count tensors"; else fail "$2: $1/$count tensors"; fi
}
check "$ok_cpp" "extract_tensor (C++) matches the original slice"
check "$ok_c" "extract_tensor_c (C) matches the original slice"
check "$ok_c_shared" "extract_tensor_c_shared (C, libsgz.so) matches the original slice"
check "$ok_cat" "sgz cat agrees"

# Errors are reported, not crashed on.
"$extract" "$archive" no.such.tensor "$tmp/none" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q not_found "$tmp/err" && [ ! -e "$tmp/none" ]; then
  pass "extract_tensor: unknown tensor is not_found"
else
  fail "extract_tensor: unknown tensor (exit $rc: $(cat "$tmp/err"))"
fi
"$extract_c" "$tmp/missing.sgz" x "$tmp/none" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "error 5" "$tmp/err"; then
  pass "extract_tensor_c: missing archive is SGZ_IO_ERROR"
else
  fail "extract_tensor_c: missing archive (exit $rc: $(cat "$tmp/err"))"
fi

finish
