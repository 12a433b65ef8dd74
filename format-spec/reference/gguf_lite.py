"""A minimal GGUF reader for the tests of the reference quantizers: tensor names, types,
shapes and data (little-endian GGUF 2 and 3). Not part of the archive reader."""

import struct

from sgzref.quant import TYPES

_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B",
           10: "<Q", 11: "<q", 12: "<d"}
ROW_BYTES = {0: (1, 4), 30: (1, 2)}  # F32, BF16: weights, bytes per element
ROW_BYTES.update({t: (bw, bb) for t, (_, bw, bb) in TYPES.items()})


class Gguf:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        self.pos = 0
        assert self.take(4) == b"GGUF", path
        version = self.u("<I")
        assert version in (2, 3), version
        n_tensors, n_kv = self.u("<Q"), self.u("<Q")
        self.kv = {}
        for _ in range(n_kv):
            key = self.string()
            self.kv[key] = self.value(self.u("<I"))
        self.tensors = {}
        for _ in range(n_tensors):
            name = self.string()
            ne = [self.u("<Q") for _ in range(self.u("<I"))]
            self.tensors[name] = (self.u("<I"), ne, self.u("<Q"))
        align = self.kv.get("general.alignment", 32)
        self.start = (self.pos + align - 1) // align * align

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        return self.take(self.u("<Q")).decode()

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.u("<I"), self.u("<Q")
            return [self.value(et) for _ in range(n)]
        return self.u(_SCALAR[t])

    def tensor(self, name):
        """(type, ne, bytes of the tensor)."""
        t, ne, off = self.tensors[name]
        n = 1
        for d in ne:
            n *= d
        bw, bb = ROW_BYTES[t]
        return t, ne, self.data[self.start + off:self.start + off + n // bw * bb]


def imatrix_importance(g):
    """llama.cpp's importance per tensor name: in_sum2 / counts (1 where counts is 0), one
    row of ne0 values per expert row of counts, as float32."""
    from sgzref.f32 import div
    out = {}
    for name in g.tensors:
        if not name.endswith(".in_sum2") or name[:-8] + ".counts" not in g.tensors:
            continue
        _, ne, data = g.tensor(name)
        _, _, cdata = g.tensor(name[:-8] + ".counts")
        sums = struct.unpack(f"<{len(data) // 4}f", data)
        counts = struct.unpack(f"<{len(cdata) // 4}f", cdata)
        imp = []
        for j, c in enumerate(counts):
            row = sums[j * ne[0]:(j + 1) * ne[0]]
            imp += [div(s, c) if c > 0 else 1.0 for s in row]
        out[name[:-8]] = imp
    return out
