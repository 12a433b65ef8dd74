#!/usr/bin/env python3
"""Self-test of transform 4 (predict, format 2.3) in sgz_reader.py on predicted chunks
built here from the spec (PREDICT-FORMAT's parameter layout, the residual as the spec
defines it, the quantizers of sgzref/quant.py): every predicted type with and without
SCALES, IMPORTANCE, scale misses, and each rejection rule. Independent of the sgz binary.
Prints one line per group, exits 1 on the first failure."""

import os
import random
import struct
import sys
from fractions import Fraction

import zstandard

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_archives import (assemble, chnk, file_entry, file_section, le,  # noqa: E402
                               make_chunk, memb, refused, restore, run_tests, spec_split)
from sgzref import conventions  # noqa: E402
from sgzref.conventions import xxh3  # noqa: E402
from sgzref.f32 import FMA, PLAIN, bits, div, f32, fma, widen  # noqa: E402
from sgzref.quant import K_TYPES, TYPES, predict_block, quantize_block, scale_mask  # noqa: E402

ROW = 512  # weights per row of the test tensors


def bf16_values(seed, n):
    """n BF16 values shaped like weights (gaussian, a few outliers) as little-endian bytes."""
    rnd = random.Random(seed)
    out = bytearray()
    for i in range(n):
        v = rnd.gauss(0.0, 0.02) * (8.0 if rnd.random() < 0.01 else 1.0)
        out += struct.pack("<H", (bits(f32(v)) + 0x8000) >> 16)  # to nearest (no ties here)
    return bytes(out)


def params(rounding=PLAIN, parent_type=30, flags=0, parent=0, offset=0, importance=None,
           version=1):
    """The parameter stream; importance: (chunk, offset, counts, row_length, first_column)."""
    p = bytes([version, rounding, parent_type, flags]) + le(parent, 4) + le(offset, 4)
    if importance is not None:
        chunk, off, counts, row, first = importance
        p += le(chunk, 4) + le(off, 4) + struct.pack("<f", counts) + le(row, 4) + le(first, 4)
    return p


def residual(type_id, data, x, rnd, scales, imp_of=None):
    """The chunk's residual (spec: "Transform 4"): data and the prediction XORed."""
    _, bw, bb = TYPES[type_id]
    mask = scale_mask(type_id)
    out = bytearray(data)
    for b in range(len(data) // bb):
        blk, v = bytearray(data[b * bb:(b + 1) * bb]), x[b * bw:(b + 1) * bw]
        if scales:
            P = quantize_block(rnd, type_id, v, imp_of(b * bw) if imp_of else None)
            S = bytes(q for q, m in zip(blk, mask) if m)
            if S == bytes(q for q, m in zip(P, mask) if m):
                pred = P
            else:
                pred = bytearray(q if m else 0 for q, m in zip(blk, mask))
                predict_block(rnd, type_id, v, pred)
            out[b * bb:(b + 1) * bb] = bytes(d ^ p for d, p in zip(blk, P)) if pred is P else \
                bytes(d ^ (P[i] if mask[i] else pred[i]) for i, d in enumerate(blk))
        else:
            pred = bytearray(blk)
            predict_block(rnd, type_id, v, pred)
            out[b * bb:(b + 1) * bb] = bytes(d if m else d ^ p for d, p, m in zip(blk, pred, mask))
    return bytes(out)


def predicted_chunk(type_id, data, param_bytes, resid, zstd=True, codec0=0, raw0=None):
    """A transform-4 chunk: the parameter stream, then the split of the residual."""
    streams = [param_bytes] + spec_split(type_id, resid)
    descriptors = payload = b""
    for k, s in enumerate(streams):
        codec, stored = (codec0, s) if k == 0 else (0, s)
        if k and zstd and s:
            frame = zstandard.ZstdCompressor(level=3).compress(s)
            if len(frame) < len(s):
                codec, stored = 1, frame
        raw = len(s) if k or raw0 is None else raw0
        descriptors += le(codec, 1) + b"\0\0\0" + le(raw, 4) + le(len(stored), 4)
        payload += stored
    meta = (len(data), 4, len(streams), type_id, xxh3(data))
    head = b"SGZC" + le(4, 1) + le(len(streams), 1) + le(0, 2) + le(type_id, 4) + \
        le(len(data), 4) + le(meta[4], 8)
    return head + descriptors + payload, meta


def archive(blobs, files, minor=3):
    return assemble(blobs, lambda p: chnk(p) + file_section(files) + memb(len(files)),
                    minor=minor)


PARENT = bf16_values(13, 2 * ROW)  # two rows
X = widen(30, PARENT)
IN_SUM2 = b"".join(struct.pack("<f", f32(abs(v) * 50 + 0.001)) for v in X[:ROW])
COUNTS = 7.0


def imp_of(first_column):
    return lambda w: [div(s, f32(COUNTS)) for s in
                      widen(0, IN_SUM2)[(first_column + w) % ROW:][:TYPES[12][1]]]


def family(type_id, rnd=PLAIN, flags=0, n_weights=2 * ROW, imp=False):
    """(parent file, quant file, archive): the quant of the parent's first n_weights values
    in one predicted chunk (chunk 2) from chunk 0 (the parent), chunk 1 the in_sum2."""
    x = X[:n_weights]
    imp_fn = imp_of(0) if imp else None
    data = b"".join(quantize_block(rnd, type_id, x[i:i + TYPES[type_id][1]],
                                   imp_fn(i) if imp_fn else None)
                    for i in range(0, n_weights, TYPES[type_id][1]))
    scales = bool(flags & 1)
    resid = residual(type_id, data, x, rnd, scales, imp_fn)
    ip = (1, 0, COUNTS, ROW, 0) if imp else None
    return data, resid, ip


def parent_blobs():
    return [make_chunk(PARENT, 1, 30, zstd=True), make_chunk(IN_SUM2, 1, 0, zstd=True)]


def restore_family(type_id, data, chunk, minor=3):
    files = [file_entry(b"p", PARENT + IN_SUM2, [0, 1]), file_entry(b"q", data, [2])]
    return restore(archive(parent_blobs() + [chunk], files, minor), b"q")


def exact_f32(q):
    """The Fraction q rounded to float32 (to nearest, ties to even; overflow: infinity)."""
    if q == 0:
        return 0.0
    sign, q = (-1.0 if q < 0 else 1.0), abs(q)
    e = q.numerator.bit_length() - q.denominator.bit_length()
    while Fraction(2) ** e > q:
        e -= 1
    while Fraction(2) ** (e + 1) <= q:
        e += 1
    quantum = Fraction(2) ** (max(e, -126) - 23)
    n, rem = divmod(q, quantum)
    n, rem = int(n), rem / quantum
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and n & 1):
        n += 1
    v = n * quantum
    return sign * (float("inf") if v >= Fraction(2) ** 128 else float(v))


def test_fma_exact():
    """fma: one rounding of the exact a*b + c, also where the double sum is a float32 tie
    and the exact value is not (a*b a tie, c far below it)."""
    rng = random.Random(5)
    cases = []
    while len(cases) < 200:  # a*b exactly halfway between two float32: 25 bits
        a = 1 + rng.randrange(1 << 12) * 2.0 ** -12
        b = (1 + rng.randrange(1 << 11) * 2.0 ** -11) * 2.0 ** rng.randrange(-20, 20)
        if f32(a * b) != a * b:
            cases.append((a, b, rng.choice((1, -1)) * 2.0 ** -90 * abs(b)))
    for _ in range(2000):
        a, b, c = (f32(rng.uniform(-1, 1) * 2.0 ** rng.randrange(-30, 30)) for _ in range(3))
        cases.append((a, b, c))
    cases += [(FLT, FLT, FLT) for FLT in (f32(3.4e38),)] + [(f32(1e-20), f32(1e-20), 0.0)]
    for a, b, c in cases:
        want = exact_f32(Fraction(a) * Fraction(b) + Fraction(c))
        assert fma(a, b, c) == want, (a, b, c, fma(a, b, c), want)
    assert any(f32(f32(a * b + c)) != fma(a, b, c) for a, b, c in cases[:200]), \
        "no case where rounding the double sum is wrong"


def test_every_type_quants():
    for t in sorted(TYPES):
        n = TYPES[t][1] * 3 if t != 1 else 40
        data, resid, _ = family(t, n_weights=n)
        mask = scale_mask(t) * 3
        assert all(r == 0 for r, m in zip(resid, mask) if not m), f"type {t}: quants missed"
        chunk = predicted_chunk(t, data, params(), resid)
        assert restore_family(t, data, chunk) == data, t
        # A quant that misses is stored in the residual: the bytes stay exact.
        other = bytearray(data)
        other[-1] ^= 0x11
        resid2 = residual(t, bytes(other), X[:n], PLAIN, False)
        assert restore_family(t, bytes(other), predicted_chunk(t, bytes(other), params(),
                                                               resid2)) == other


def test_scales_predicted():
    for t in sorted(TYPES):
        if t == 1:
            continue
        n = TYPES[t][1] * (2 if t in K_TYPES else 8)
        for rnd in (PLAIN, FMA):
            data, resid, _ = family(t, rnd, flags=1, n_weights=n)
            assert not any(resid), f"type {t}: the search missed its own block"
            chunk = predicted_chunk(t, data, params(rounding=rnd, flags=1), resid)
            assert restore_family(t, data, chunk) == data, t
        # Stored scales that are not the search's: S = residual ^ P, quants from S.
        other = bytearray(data)
        other[{10: 0, 11: 96, 12: 4, 13: 4, 14: 192}.get(t, 0)] ^= 1  # a scale byte
        resid2 = residual(t, bytes(other), X[:n], PLAIN, True)
        chunk = predicted_chunk(t, bytes(other), params(flags=1), resid2)
        got = restore_family(t, bytes(other), chunk)
        assert got == other, t


def test_importance():
    for t in sorted(K_TYPES):
        data, resid, ip = family(t, flags=3, n_weights=ROW, imp=True)
        assert not any(resid), t
        chunk = predicted_chunk(t, data, params(flags=3, importance=ip), resid)
        assert restore_family(t, data, chunk) == data, t
        # The search without the importance gives another block: the residual says so.
        data0 = b"".join(quantize_block(PLAIN, t, X[i:i + 256]) for i in range(0, ROW, 256))
        assert data0 != data, t
    # counts 0: importance 1 everywhere
    t = 12
    data = b"".join(quantize_block(PLAIN, t, X[i:i + 256], [1.0] * 256) for i in (0, 256))
    resid = residual(t, data, X[:ROW], PLAIN, True, lambda w: [1.0] * 256)
    assert not any(resid)
    chunk = predicted_chunk(t, data, params(flags=3, importance=(1, 0, 0.0, ROW, 0)), resid)
    assert restore_family(t, data, chunk) == data
    # first_column: the chunk starts at column 256 of a row of 512, wrapping at the row end.
    data = b"".join(quantize_block(PLAIN, t, X[i:i + 256], imp_of(256)(i)) for i in (0, 256))
    resid = residual(t, data, X[:ROW], PLAIN, True, imp_of(256))
    assert not any(resid)
    chunk = predicted_chunk(t, data, params(flags=3, importance=(1, 0, COUNTS, ROW, 256)), resid)
    assert restore_family(t, data, chunk) == data


def test_rejections():
    t = 12
    data, resid, _ = family(t, n_weights=ROW)
    ip = (1, 0, COUNTS, ROW, 0)
    files = [file_entry(b"p", PARENT + IN_SUM2, [0, 1]), file_entry(b"q", data, [2])]

    def refuse(param_bytes, text, kind="Corruption", blobs=None, minor=3, **chunk_options):
        chunk = predicted_chunk(t, data, param_bytes, resid, **chunk_options)
        refused(archive((blobs or parent_blobs()) + [chunk], files, minor), kind, text, b"q")
    assert restore_family(t, data, predicted_chunk(t, data, params(), resid)) == data
    refuse(params(version=2), "version 2")
    refuse(params(rounding=3), "rounding 3")
    refuse(params(parent_type=2), "parent type 2")
    refuse(params(flags=5), "ESTIMATE with SCALES or for a type other than Q2_K..Q6_K")
    refuse(params(flags=8), "flags 0x08")
    refuse(params(flags=0x80), "flags 0x80")
    refuse(params(flags=2, importance=ip), "IMPORTANCE without SCALES")
    refuse(params(flags=1, importance=ip), "of 32 bytes, flags 0x01")
    refuse(params(flags=3), "of 12 bytes, flags 0x03")
    refuse(params()[:11], "not a stored parameter stream", raw0=11)
    refuse(params(), "not a stored parameter stream", codec0=1)
    refuse(params(parent=2), "parent chunk 2 does not precede chunk 2")
    refuse(params(parent=7), "parent chunk 7 does not precede chunk 2")
    refuse(params(offset=1026), "prediction needs 1024 parent bytes at offset 1026")
    refuse(params(offset=1 << 31), "prediction needs")
    refuse(params(flags=3, importance=(2, 0, COUNTS, ROW, 0)), "importance chunk 2 does not")
    refuse(params(flags=3, importance=(1, 4, COUNTS, ROW, 0)), "importance needs 2048 bytes")
    refuse(params(flags=3, importance=(1, 0, COUNTS, 0, 0)), "row_length 0")
    refuse(params(flags=3, importance=(1, 0, COUNTS, 300, 0)), "row_length 300")
    refuse(params(flags=3, importance=(1, 0, COUNTS, ROW, ROW)), "first_column 512")
    refuse(params(flags=3, importance=(1, 0, COUNTS, ROW, 100)), "first_column 100")
    refuse(params(), "since 2.3", minor=2)
    # parent and importance chunks decode alone: transform 0 or 1, not a copy or predicted
    copy = b"SGZC" + le(2, 1) + le(0, 1) + le(0, 2) + le(0, 4) + le(len(PARENT), 4) + \
        le(xxh3(PARENT), 8)
    blobs = [make_chunk(PARENT, 1, 30), (copy, (len(PARENT), 2, 0, 0, xxh3(PARENT)))]
    files2 = [file_entry(b"p", PARENT + PARENT, [0, 1]), file_entry(b"q", data, [2])]
    for prm, text in ((params(parent=1), "parent chunk 1 has transform 2"),
                      (params(flags=3, importance=(1, 0, COUNTS, 256, 0)),
                       "importance chunk 1 has transform 2")):
        chunk = predicted_chunk(t, data, prm, residual(t, data, X[:ROW], PLAIN, bool(prm[3])))
        refused(archive(blobs + [chunk], files2), "Corruption", text, b"q")
    # a predicted chunk is no parent (chunk 3 predicted from chunk 2, itself predicted)
    chunk = predicted_chunk(t, data, params(), resid)
    chunk3 = predicted_chunk(t, data, params(parent=2), resid)
    refused(archive(parent_blobs() + [chunk, chunk3], files + [file_entry(b"r", data, [3])]),
            "Corruption", "parent chunk 2 has transform 4", b"r")
    # IMPORTANCE only for the K types
    d8, r8, _ = family(8, flags=1, n_weights=256)
    chunk = predicted_chunk(8, d8, params(flags=3, importance=(1, 0, COUNTS, 256, 0)), r8)
    refused(archive(parent_blobs() + [chunk], [file_entry(b"p", PARENT + IN_SUM2, [0, 1]),
                                               file_entry(b"q", d8, [2])]), "Corruption",
            "for a type other than Q2_K..Q6_K", b"q")
    # F16 may not have SCALES; a type without a quantizer is refused (NotSupported)
    d16, r16, _ = family(1, n_weights=40)
    chunk = predicted_chunk(1, d16, params(flags=1), r16)
    refused(archive(parent_blobs() + [chunk], [file_entry(b"p", PARENT + IN_SUM2, [0, 1]),
                                               file_entry(b"q", d16, [2])]), "Corruption",
            "SCALES for F16", b"q")
    refused(archive(parent_blobs() + [predicted_chunk(0, PARENT[:64], params(), PARENT[:64])],
                    [file_entry(b"p", PARENT + IN_SUM2, [0, 1]),
                     file_entry(b"q", PARENT[:64], [2])]), "NotSupported", "does not predict")
    # A 2.2 reader meets transform 4 as an unknown id of a later minor version.
    conventions.READER_MINOR = 2
    try:
        refuse(params(), "is not known to this reader (format 2.2); the archive is format 2.3",
               kind="NotSupported")
    finally:
        conventions.READER_MINOR = 3
    # A damaged parent fails the predicted chunk with the parent's own error.
    bad = bytearray(make_chunk(PARENT, 1, 30)[0])
    bad[-1] ^= 1
    chunk = predicted_chunk(t, data, params(), resid)
    refused(archive([(bytes(bad), make_chunk(PARENT, 1, 30)[1]), parent_blobs()[1], chunk],
                    files), "ChecksumMismatch", "chunk 0", b"q")


run_tests("selftest_predict", globals())
