"""Transform 5, context split (format 2.4), from the spec's section "Transform 5: context
split": transform 1's streams with the Q4_K/Q5_K quants re-expressed relative to each
sub-block's zero point and BF16's exponent byte apart from its sign and mantissa, and the
context rules of the streams that have one. Written from the spec, not from the C++: the
zero point is computed with exact fractions, not with the C++'s shifts."""

from fractions import Fraction

from . import transforms

CONTEXT_SPLIT = 5
Q3_K, Q4_K, Q5_K, BF16 = 11, 12, 13, 30
HEADER = 16  # d, dmin, scales[12] of a K-quant block


def has_rule(type_id):
    """Whether transform 5 differs from transform 1 for the type."""
    return type_id in (Q3_K, Q4_K, Q5_K, BF16)


def stream_contexts(type_id, index):
    """The context count C of stream `index`, 0 without a rule."""
    return {(Q3_K, 1): 16, (Q4_K, 16): 4, (Q5_K, 17): 4, (BF16, 1): 16}.get((type_id, index), 0)


def half_magnitude(h):
    """|h| of an fp16 bit pattern as a Fraction, None for infinity and NaN."""
    e, f = (h >> 10) & 31, h & 1023
    if e == 31:
        return None
    return Fraction(f, 1 << 24) if e == 0 else Fraction(1024 + f) * Fraction(2) ** (e - 25)


def scale_min(scales, s):
    """ggml's get_scale_min_k4: the 6-bit scale and min of sub-block s."""
    if s < 4:
        return scales[s] & 63, scales[s + 4] & 63
    return ((scales[s + 4] & 15) | ((scales[s - 4] >> 6) << 4),
            (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4))


def zero_half_steps(header, s):
    """Z_s = min(255, floor(2 |dmin| m_s / (|d| sc_s))); 0 when undefined."""
    d = half_magnitude(header[0] | (header[1] << 8))
    dmin = half_magnitude(header[2] | (header[3] << 8))
    sc, m = scale_min(header[4:16], s)
    if d is None or dmin is None or d * sc == 0:
        return 0
    return min(255, (2 * dmin * m / (d * sc)).__floor__())


def lift(header, s):
    """L_s = 8 - round(z_s), round half up (mod 16 or 32 by the caller)."""
    return 8 - ((zero_half_steps(header, s) + 1) >> 1)


def _quant(type_id, blk, s, l):
    """The ggml quant of weight l of sub-block s (4 or 5 bits)."""
    qs = 16 if type_id == Q4_K else 48
    q = (blk[qs + 32 * (s >> 1) + l] >> (4 * (s & 1))) & 15
    if type_id == Q5_K:
        q |= ((blk[16 + l] >> s) & 1) << 4
    return q


def split(type_id, data):
    """The transform-5 streams of a chunk, concatenated (for the self-test: a reader only
    needs join and contexts)."""
    _, bb, _, _ = transforms.GGML_TYPES[type_id]
    n = len(data) // bb
    if type_id == BF16:
        x = [data[2 * i] | (data[2 * i + 1] << 8) for i in range(n)]
        return (bytes((v >> 7) & 255 for v in x) + bytes(((v >> 8) & 128) | (v & 127) for v in x)
                + data[2 * n:])
    if type_id not in (Q4_K, Q5_K):
        return _split1(type_id, data)
    out = bytearray(b"".join(bytes(data[b * bb + j] for b in range(n)) for j in range(HEADER)))
    qh, qs = bytearray(), bytearray()
    mod = 16 if type_id == Q4_K else 32
    for b in range(n):
        blk = data[b * bb:(b + 1) * bb]
        for s in range(8):
            lift_s = lift(blk, s)
            v = [(_quant(type_id, blk, s, l) + lift_s) % mod for l in range(32)]
            qs += bytes((v[k] & 15) | ((v[k + 16] & 15) << 4) for k in range(16))
            if type_id == Q5_K:
                qh += bytes(sum((v[8 * k + i] >> 4) << i for i in range(8)) for k in range(4))
    return bytes(out + qh + qs) + data[n * bb:]


def _split1(type_id, data):
    """Transform 1 (the inverse of transforms.join), for the types without a rule."""
    _, bb, fields, _ = transforms.GGML_TYPES[type_id]
    n = len(data) // bb
    out, off = bytearray(), 0
    for _, nbytes, layout in fields:
        if layout == transforms.PLAIN:
            out += b"".join(data[b * bb + off:b * bb + off + nbytes] for b in range(n))
        else:
            out += b"".join(bytes(data[b * bb + off + j] for b in range(n)) for j in range(nbytes))
        off += nbytes
    return bytes(out) + data[n * bb:]


def join(type_id, streams):
    """Inverse of the transform: the concatenated streams back to the chunk's bytes."""
    _, bb, _, _ = transforms.GGML_TYPES[type_id]
    n = len(streams) // bb
    if type_id == BF16:
        out = bytearray()
        for i in range(n):
            e, sm = streams[i], streams[n + i]
            x = (e << 7) | ((sm & 128) << 8) | (sm & 127)
            out += bytes((x & 255, x >> 8))
        return bytes(out) + streams[2 * n:]
    # Transform 1's inverse puts the header back and the stored quants in the quant
    # fields' places; the quants are then rebuilt from their stored form.
    out = bytearray(transforms.join(transforms.SPLIT, type_id, streams))
    if type_id not in (Q4_K, Q5_K):
        return bytes(out)
    mod = 16 if type_id == Q4_K else 32
    qh_at = HEADER * n
    qs_at = qh_at + (32 * n if type_id == Q5_K else 0)
    for b in range(n):
        blk = out[b * bb:(b + 1) * bb]
        sqs = streams[qs_at + 128 * b:qs_at + 128 * (b + 1)]
        sqh = streams[qh_at + 32 * b:qh_at + 32 * (b + 1)]
        quants = bytearray(bb - HEADER)  # this block's qh (Q5_K) and qs, rebuilt
        qs_off = 0 if type_id == Q4_K else 32
        for s in range(8):
            lift_s = lift(blk, s)
            for l in range(32):
                v = (sqs[16 * s + l % 16] >> (4 * (l // 16))) & 15
                if type_id == Q5_K:
                    v |= ((sqh[4 * s + l // 8] >> (l % 8)) & 1) << 4
                q = (v - lift_s) % mod
                quants[qs_off + 32 * (s >> 1) + l] |= (q & 15) << (4 * (s & 1))
                if type_id == Q5_K:
                    quants[l] |= (q >> 4) << s
        out[b * bb + HEADER:(b + 1) * bb] = quants
    return bytes(out)


def contexts(type_id, streams, index):
    """ctx[] of stream `index` (empty without a rule), from the streams before it."""
    if stream_contexts(type_id, index) == 0:
        return b""
    _, bb, _, _ = transforms.GGML_TYPES[type_id]
    n = len(streams) // bb
    if type_id == BF16:
        return bytes(0 if e <= 112 else 15 if e >= 127 else e - 112 for e in streams[:n])
    if type_id == Q3_K:  # qs byte 32h + l: the high bits of its weights, hmask[l] >> 4h
        hmask = streams[:32 * n]
        return bytes((hmask[32 * b + i % 32] >> (4 * (i // 32))) & 15
                     for b in range(n) for i in range(64))
    if type_id == Q4_K:
        out = bytearray()
        for b in range(n):
            header = bytes(streams[j * n + b] for j in range(HEADER))
            for s in range(8):
                out += bytes([min(3, abs(zero_half_steps(header, s) - 15) >> 1)]) * 16
        return bytes(out)
    qh = streams[HEADER * n:HEADER * n + 32 * n]  # Q5_K: the stored high bits
    out = bytearray()
    for b in range(n):
        h = qh[32 * b:32 * (b + 1)]
        for s in range(8):
            for k in range(16):
                out.append(((h[4 * s + k // 8] >> (k % 8)) & 1)
                           | (((h[4 * s + 2 + k // 8] >> (k % 8)) & 1) << 1))
    return bytes(out)


def decode_chunk(type_id, original_size, decode_stream):
    """A context-split chunk's bytes from its streams, decoded in order as the spec says:
    decode_stream(k, ctx, contexts) returns the raw bytes of stream k, given the contexts
    of its bytes (`ctx`, None without a rule) and their count (`contexts`, 0 without a
    rule), computed from the streams decoded before it. For the chunk decoder: codecs 0
    and 1 ignore ctx; codec 2 codes byte i with table ctx[i]."""
    sizes = transforms.stream_sizes(transforms.SPLIT, type_id, original_size)
    done = bytearray()
    for k, size in enumerate(sizes):
        count = stream_contexts(type_id, k)
        ctx = None
        if count:
            # The rule reads only streams before k: the bytes after them may be anything.
            ctx = contexts(type_id, bytes(done) + bytes(original_size - len(done)), k)
        stream = decode_stream(k, ctx, count)
        if len(stream) != size:
            raise ValueError("stream %d: %d bytes, the transform gives %d" % (k, len(stream), size))
        done += stream
    return join(type_id, bytes(done))
