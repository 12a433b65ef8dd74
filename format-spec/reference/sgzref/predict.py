"""Transform 4, predict (since 2.3): a quantized tensor's chunk stored as the XOR of its
blocks with a prediction from the float values of a parent chunk. The parameter stream
(stream 0), its rules, and the decoding of the residual (streams 1..) back to the chunk;
the quantizers are in quant*.py (format-spec/quantizers.md)."""

import struct

from . import conventions
from .conventions import require
from .estimate import ESTIMATE_TYPES, undo_estimate
from .f32 import div, from_bits, widen
from .quant import K_TYPES, TYPES, predict_block, quantize_block, scale_mask
from .transforms import CONTEXT, NONE, SPLIT, join

PREDICT = 4
PREDICTED_TYPES = set(TYPES)  # F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K
PARENT_TYPES = {0: 4, 1: 2, 30: 2}  # F32, F16, BF16: bytes per value
SCALES, IMPORTANCE, ESTIMATE = 1, 2, 4  # flags (ESTIMATE since 2.5)
PARAM_SIZES = (12, 32)  # without and with IMPORTANCE


class Params:
    pass


def read_params(where, raw, type_id, index):
    """The parameter stream's fields and the rules that need nothing but the stream."""
    require(len(raw) in PARAM_SIZES, f"{where}: prediction parameters of {len(raw)} bytes")
    p = Params()
    p.version, p.rounding, p.parent_type, p.flags = raw[0], raw[1], raw[2], raw[3]
    p.parent_chunk, p.parent_offset = struct.unpack_from("<II", raw, 4)
    require(p.version == 1, f"{where}: prediction parameters of version {p.version}")
    require(p.rounding <= 2, f"{where}: prediction rounding {p.rounding} unknown")
    require(p.parent_type in PARENT_TYPES,
            f"{where}: prediction parent type {p.parent_type} is no float type")
    known = 7 if conventions.READER_MINOR >= 5 else 3
    require(p.flags & ~known == 0, f"{where}: prediction flags 0x{p.flags:02x}: unknown bits set")
    p.scales, p.importance = bool(p.flags & SCALES), bool(p.flags & IMPORTANCE)
    p.estimate = bool(p.flags & ESTIMATE)
    require(not p.estimate or (not p.scales and type_id in ESTIMATE_TYPES),
            f"{where}: ESTIMATE with SCALES or for a type other than Q2_K..Q6_K")
    require(not p.importance or (p.scales and type_id in K_TYPES),
            f"{where}: IMPORTANCE without SCALES or for a type other than Q2_K..Q6_K")
    require(not p.scales or type_id != 1, f"{where}: SCALES for F16")
    require(len(raw) == (32 if p.importance else 12),
            f"{where}: prediction parameters of {len(raw)} bytes, flags 0x{p.flags:02x}")
    require(p.parent_chunk < index,
            f"{where}: parent chunk {p.parent_chunk} does not precede chunk {index}")
    if p.importance:
        (p.importance_chunk, p.importance_offset, counts_bits, p.row_length,
         p.first_column) = struct.unpack_from("<IIIII", raw, 12)
        p.counts = from_bits(counts_bits)
        bw = TYPES[type_id][1]
        require(p.importance_chunk < index, f"{where}: importance chunk {p.importance_chunk} "
                f"does not precede chunk {index}")
        require(p.row_length > 0 and p.row_length % bw == 0,
                f"{where}: row_length {p.row_length} is not a positive multiple of {bw}")
        require(p.first_column < p.row_length and p.first_column % bw == 0,
                f"{where}: first_column {p.first_column} is not a multiple of {bw} below "
                f"row_length {p.row_length}")
    return p


def check_source(where, what, k, entries):
    """A parent or importance chunk: transform 0, 1 or (since 2.4) 5 (decodes alone)."""
    require(entries[k]["transform"] in (NONE, SPLIT, CONTEXT),
            f"{where}: {what} chunk {k} has transform {entries[k]['transform']}, not 0, 1 or 5")


def decode_predicted(where, index, type_id, original_size, raw_params, streams, entries,
                     decoded):
    """The chunk's bytes from its parameter stream and its other streams (concatenated).
    entries: the chunk table; decoded(k): the decoded bytes of chunk k (checksum checked)."""
    p = read_params(where, raw_params, type_id, index)
    check_source(where, "parent", p.parent_chunk, entries)
    if p.importance:
        check_source(where, "importance", p.importance_chunk, entries)
    _, bw, bb = TYPES[type_id]
    n_blocks = original_size // bb
    parent = decoded(p.parent_chunk)
    span = n_blocks * bw * PARENT_TYPES[p.parent_type]
    require(p.parent_offset <= len(parent) and len(parent) - p.parent_offset >= span,
            f"{where}: prediction needs {span} parent bytes at offset {p.parent_offset}, "
            f"parent chunk {p.parent_chunk} has {len(parent)}")
    in_sum2 = None
    if p.importance:
        imp_bytes = decoded(p.importance_chunk)
        need = 4 * p.row_length
        require(p.importance_offset <= len(imp_bytes)
                and len(imp_bytes) - p.importance_offset >= need,
                f"{where}: importance needs {need} bytes at offset {p.importance_offset}, "
                f"chunk {p.importance_chunk} has {len(imp_bytes)}")
        in_sum2 = widen(0, imp_bytes[p.importance_offset:p.importance_offset + need])
    values = widen(p.parent_type, parent[p.parent_offset:p.parent_offset + span])
    out = bytearray(join(SPLIT, type_id, streams))
    mask = scale_mask(type_id)
    for b in range(n_blocks):
        at = b * bb
        resid = out[at:at + bb]
        x = values[b * bw:(b + 1) * bw]
        out[at:at + bb] = predict_one(p, type_id, x, resid, mask, in_sum2, b * bw)
    return bytes(out)


def importance_of(p, in_sum2, first_weight, bw):
    """The bw importance values of the block whose first weight is the chunk's
    first_weight-th: columns c .. c+bw-1, c = (first_column + first_weight) mod row_length."""
    c = (p.first_column + first_weight) % p.row_length
    if not p.counts > 0:
        return [1.0] * bw
    return [div(s, p.counts) for s in in_sum2[c:c + bw]]


def predict_one(p, type_id, x, resid, mask, in_sum2, first_weight):
    """One block back from its residual."""
    bb = len(resid)
    if not p.scales:
        if p.estimate:
            resid = bytearray(resid)
            undo_estimate(type_id, x, resid)
        pred = bytearray(resid)  # the stored scale fields, as they are (ESTIMATE: undone)
        predict_block(p.rounding, type_id, x, pred)
        return bytes(r ^ q if not m else r for r, q, m in zip(resid, pred, mask))
    imp = importance_of(p, in_sum2, first_weight, len(x)) if p.importance else None
    P = quantize_block(p.rounding, type_id, x, imp)
    if all(resid[i] == 0 for i in range(bb) if mask[i]):
        return bytes(r ^ q for r, q in zip(resid, P))  # the scales hit: P whole
    block = bytearray(r ^ q if m else 0 for r, q, m in zip(resid, P, mask))  # scales S
    predict_block(p.rounding, type_id, x, block)
    return bytes(r ^ q if not m else q for r, q, m in zip(resid, block, mask))

