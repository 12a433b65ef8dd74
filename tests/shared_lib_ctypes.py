#!/usr/bin/env python3
"""Reads every tensor of an archive through libsgz.so's C API with ctypes and
compares it with the original GGUF file's bytes at the offset and size that
`sgz ls --json` gives.

usage: shared_lib_ctypes.py SOURCE_DIR LIBSGZ ARCHIVE ORIGINAL LS_JSON VERSION
Prints PASS:/FAIL: lines; exits 1 on any failure.
"""
import ctypes
import json
import os
import sys


def main(argv):
    source_dir, lib_path, archive, original, ls_json, version = argv[1:7]
    sys.path.insert(0, os.path.join(source_dir, "examples"))
    import read_tensor  # examples/read_tensor.py: load_sgz, read_tensor

    failures = []

    def check(ok, what):
        print(("PASS: " if ok else "FAIL: ") + what)
        if not ok:
            failures.append(what)

    lib = read_tensor.load_sgz(lib_path)
    got_version = lib.sgz_version().decode()
    check(got_version == version, "ctypes: sgz_version() is %r (want %r)" % (got_version, version))

    with open(original, "rb") as f:
        gguf = f.read()
    with open(ls_json) as f:
        listing = json.load(f)
    tensors = listing["tensors"]

    reader = ctypes.c_void_p()
    code = lib.sgz_reader_open(archive.encode(), ctypes.byref(reader))
    check(code == read_tensor.SGZ_OK and reader.value, "ctypes: sgz_reader_open (code %d)" % code)
    if failures:
        return 1
    try:
        size = lib.sgz_reader_original_size(reader)
        check(size == len(gguf), "ctypes: original size %d (file: %d)" % (size, len(gguf)))
        count = lib.sgz_reader_tensor_count(reader)
        names = [lib.sgz_reader_tensor_name(reader, i).decode() for i in range(count)]
        check(names == [t["name"] for t in tensors] and count > 0,
              "ctypes: %d tensor names in `sgz ls --json` order" % count)

        same_place = same_tensor = same_range = 0
        for t in tensors:
            name = t["name"].encode()
            off, sz = ctypes.c_uint64(), ctypes.c_uint64()
            if (lib.sgz_reader_tensor_offset(reader, name, ctypes.byref(off)) == 0 and
                    lib.sgz_reader_tensor_size(reader, name, ctypes.byref(sz)) == 0 and
                    (off.value, sz.value) == (t["offset"], t["size"])):
                same_place += 1
            want = gguf[t["offset"]:t["offset"] + t["size"]]
            try:
                if read_tensor.read_tensor(lib, reader, t["name"]) == want:
                    same_tensor += 1
            except read_tensor.SgzError as e:
                print("  %s" % e)
            buf = ctypes.create_string_buffer(max(t["size"], 1))
            if (lib.sgz_reader_read_range(reader, t["offset"], t["size"], buf) == 0 and
                    buf.raw[:t["size"]] == want):
                same_range += 1
        n = len(tensors)
        check(same_place == n, "ctypes: offset and size agree with ls --json: %d/%d" % (same_place, n))
        check(same_tensor == n, "ctypes: sgz_reader_read_tensor equals the GGUF slice: %d/%d" % (same_tensor, n))
        check(same_range == n, "ctypes: sgz_reader_read_range equals the GGUF slice: %d/%d" % (same_range, n))

        try:
            read_tensor.read_tensor(lib, reader, "no.such.tensor")
            check(False, "ctypes: unknown tensor is an error")
        except read_tensor.SgzError as e:
            check(e.code == read_tensor.SGZ_NOT_FOUND and "no.such.tensor" in str(e),
                  "ctypes: unknown tensor is SGZ_NOT_FOUND with a message (%s)" % e)
    finally:
        lib.sgz_reader_close(reader)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
