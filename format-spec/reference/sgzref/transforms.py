"""Transforms: 0 none (one stream), 1 ggml split (the fields of the type table, then the
tail), 2 copy (no streams), 3 reference (one stream coded against another chunk), 4 predict
(a parameter stream, then the split's streams of a residual; decoded in predict.py); the
GGML type table as data, copied from the spec."""

NONE, SPLIT = 0, 1
COPY = 2  # the transform "copy": no streams, the bytes of chunk `type`
REFERENCE = 3  # one zstd stream coded against the decoded bytes of chunk `type`
PREDICT = 4  # parameter stream (12 or 32 bytes), then transform 1's streams of `type`
CONTEXT = 5  # transform 1's streams of `type`, some fields re-expressed (ctxsplit.py)

PLAIN, GROUPED, PLANES = "P", "G", "B"

# The GGML type table, copied row by row from the spec:
# id: (name, block_bytes, [(field, bytes, layout), ...] in block order, streams with tail).
GGML_TYPES = {
    0: ("F32", 4, [("value", 4, PLANES)], 5),
    1: ("F16", 2, [("value", 2, PLANES)], 3),
    2: ("Q4_0", 18, [("d", 2, PLANES), ("qs", 16, PLAIN)], 4),
    3: ("Q4_1", 20, [("dm", 4, PLANES), ("qs", 16, PLAIN)], 6),
    6: ("Q5_0", 22, [("d", 2, PLANES), ("qh", 4, PLAIN), ("qs", 16, PLAIN)], 5),
    7: ("Q5_1", 24, [("dm", 4, PLANES), ("qh", 4, PLAIN), ("qs", 16, PLAIN)], 7),
    8: ("Q8_0", 34, [("d", 2, PLANES), ("qs", 32, PLAIN)], 4),
    9: ("Q8_1", 36, [("ds", 4, PLANES), ("qs", 32, PLAIN)], 6),
    10: ("Q2_K", 84, [("scales", 16, GROUPED), ("qs", 64, PLAIN), ("dm", 4, PLANES)], 7),
    11: ("Q3_K", 110, [("hmask", 32, PLAIN), ("qs", 64, PLAIN), ("scales", 12, PLANES),
                       ("d", 2, PLANES)], 17),
    12: ("Q4_K", 144, [("header", 16, PLANES), ("qs", 128, PLAIN)], 18),
    13: ("Q5_K", 176, [("header", 16, PLANES), ("qh", 32, PLAIN), ("qs", 128, PLAIN)], 19),
    14: ("Q6_K", 210, [("ql", 128, PLAIN), ("qh", 64, PLAIN), ("scales", 16, GROUPED),
                       ("d", 2, PLANES)], 6),
    15: ("Q8_K", 292, [("d", 4, PLANES), ("qs", 256, PLAIN), ("bsums", 32, GROUPED)], 7),
    16: ("IQ2_XXS", 66, [("d", 2, PLANES), ("qs", 64, PLAIN)], 4),
    17: ("IQ2_XS", 74, [("d", 2, PLANES), ("qs", 64, PLAIN), ("scales", 8, GROUPED)], 5),
    18: ("IQ3_XXS", 98, [("d", 2, PLANES), ("qs", 96, PLAIN)], 4),
    19: ("IQ1_S", 50, [("d", 2, PLANES), ("qs", 32, PLAIN), ("qh", 16, PLAIN)], 5),
    20: ("IQ4_NL", 18, [("d", 2, PLANES), ("qs", 16, PLAIN)], 4),
    21: ("IQ3_S", 110, [("d", 2, PLANES), ("qs", 64, PLAIN), ("qh", 8, PLAIN),
                        ("signs", 32, PLAIN), ("scales", 4, GROUPED)], 7),
    22: ("IQ2_S", 82, [("d", 2, PLANES), ("qs", 64, PLAIN), ("qh", 8, PLAIN),
                       ("scales", 8, GROUPED)], 6),
    23: ("IQ4_XS", 136, [("d", 2, PLANES), ("scales_h", 2, GROUPED), ("scales_l", 4, GROUPED),
                         ("qs", 128, PLAIN)], 6),
    24: ("I8", 1, [("value", 1, PLAIN)], 2),
    25: ("I16", 2, [("value", 2, PLANES)], 3),
    26: ("I32", 4, [("value", 4, PLANES)], 5),
    27: ("I64", 8, [("value", 8, PLANES)], 9),
    28: ("F64", 8, [("value", 8, PLANES)], 9),
    29: ("IQ1_M", 56, [("qs", 32, PLAIN), ("qh", 16, PLAIN), ("scales", 8, GROUPED)], 4),
    30: ("BF16", 2, [("value", 2, PLANES)], 3),
    34: ("TQ1_0", 54, [("qs", 48, PLAIN), ("qh", 4, PLAIN), ("d", 2, PLANES)], 5),
    35: ("TQ2_0", 66, [("qs", 64, PLAIN), ("d", 2, PLANES)], 4),
    39: ("MXFP4", 17, [("e", 1, PLAIN), ("qs", 16, PLAIN)], 3),
}
# Removed by ggml, never reused: always rejected, whatever the archive's minor version.
RESERVED_TYPES = {4, 5, 31, 32, 33, 36, 37, 38}


def stream_sizes(transform, type_id, length):
    """The raw size of each stream the transform makes of `length` bytes (transform 4: its
    parameter stream counted as 12 bytes, though 32 with IMPORTANCE)."""
    if transform == PREDICT:
        return [12] + stream_sizes(SPLIT, type_id, length)
    if transform in (NONE, REFERENCE):
        return [length]
    if transform == COPY:
        return []
    # CONTEXT: the same streams and sizes as SPLIT.
    _, block_bytes, fields, _ = GGML_TYPES[type_id]
    n = length // block_bytes
    sizes = []
    for _, nbytes, layout in fields:
        sizes += [n] * nbytes if layout == PLANES else [n * nbytes]
    return sizes + [length - n * block_bytes]


def join(transform, type_id, streams):
    """Inverse of the split: `streams` (the concatenated streams) back to the chunk."""
    if transform in (NONE, REFERENCE):
        return streams
    _, block_bytes, fields, _ = GGML_TYPES[type_id]
    n = len(streams) // block_bytes
    out = bytearray(len(streams))
    pos = field_off = 0
    for _, nbytes, layout in fields:
        for j in range(nbytes):
            # out[field_off + j :: block_bytes] is byte j of the field in every block.
            if layout == PLAIN:
                column = streams[pos + j:pos + n * nbytes:nbytes]
            else:  # GROUPED and PLANES: byte j of every block is one run of n bytes
                column = streams[pos + j * n:pos + (j + 1) * n]
            out[field_off + j:n * block_bytes:block_bytes] = column
        pos += n * nbytes
        field_off += nbytes
    out[n * block_bytes:] = streams[pos:]  # the tail stream
    return bytes(out)


for _id, (_name, _block, _fields, _streams) in GGML_TYPES.items():  # transcription check
    assert sum(f[1] for f in _fields) == _block, _name
    assert len(stream_sizes(SPLIT, _id, 0)) == _streams, _name
