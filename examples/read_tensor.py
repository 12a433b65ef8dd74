#!/usr/bin/env python3
"""read_tensor.py LIBSGZ ARCHIVE TENSOR OUT: the extract_tensor example in
Python, through the C API of the shared library (sgz/sgz_c.h) with ctypes.

LIBSGZ is the path of libsgz.so (or libsgz.so.0), for example
/usr/local/lib/libsgz.so.0. load_sgz() declares the prototypes of the
functions used here; tests/shared_lib_test.sh imports it.
"""
import ctypes
import sys

SGZ_OK = 0
SGZ_NOT_FOUND = 7


def load_sgz(path):
    """Loads libsgz.so and declares the prototypes of sgz/sgz_c.h's readers."""
    lib = ctypes.CDLL(path)
    reader_p = ctypes.c_void_p
    u64 = ctypes.c_uint64
    protos = {
        "sgz_version": (ctypes.c_char_p, []),
        "sgz_last_error": (ctypes.c_char_p, []),
        "sgz_reader_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(reader_p)]),
        "sgz_reader_close": (None, [reader_p]),
        "sgz_reader_original_size": (u64, [reader_p]),
        "sgz_reader_tensor_count": (ctypes.c_size_t, [reader_p]),
        "sgz_reader_tensor_name": (ctypes.c_char_p, [reader_p, ctypes.c_size_t]),
        "sgz_reader_tensor_size": (ctypes.c_int, [reader_p, ctypes.c_char_p, ctypes.POINTER(u64)]),
        "sgz_reader_tensor_offset": (ctypes.c_int, [reader_p, ctypes.c_char_p, ctypes.POINTER(u64)]),
        "sgz_reader_read_tensor": (ctypes.c_int, [reader_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]),
        "sgz_reader_read_range": (ctypes.c_int, [reader_p, u64, u64, ctypes.c_void_p]),
    }
    for name, (restype, argtypes) in protos.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class SgzError(Exception):
    def __init__(self, lib, code, what):
        super().__init__("%s: error %d: %s" % (what, code, lib.sgz_last_error().decode()))
        self.code = code


def read_tensor(lib, reader, name):
    """The bytes of tensor `name` (str), as they stand in the original file."""
    size = ctypes.c_uint64()
    code = lib.sgz_reader_tensor_size(reader, name.encode(), ctypes.byref(size))
    if code != SGZ_OK:
        raise SgzError(lib, code, name)
    buf = ctypes.create_string_buffer(max(size.value, 1))
    code = lib.sgz_reader_read_tensor(reader, name.encode(), buf, size.value)
    if code != SGZ_OK:
        raise SgzError(lib, code, name)
    return buf.raw[:size.value]


def main(argv):
    if len(argv) != 5:
        print("usage: read_tensor.py LIBSGZ ARCHIVE TENSOR OUT", file=sys.stderr)
        return 1
    lib = load_sgz(argv[1])
    reader = ctypes.c_void_p()
    code = lib.sgz_reader_open(argv[2].encode(), ctypes.byref(reader))
    if code != SGZ_OK:
        print("read_tensor.py: %s" % SgzError(lib, code, argv[2]), file=sys.stderr)
        return 2
    try:
        data = read_tensor(lib, reader, argv[3])
    except SgzError as e:
        print("read_tensor.py: %s" % e, file=sys.stderr)
        return 2
    finally:
        lib.sgz_reader_close(reader)
    with open(argv[4], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
