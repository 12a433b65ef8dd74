"""The quantizers of format-spec/quantizers.md by type: QuantizeRow (the scale searches,
with or without importance for the K types, without for the 32-weight types) and
PredictQuantsNoSearch (the quants from a block's stored scale fields)."""

from . import quant_k, quant_legacy
from .f32 import float_to_half

F16 = 1
# id: (name, weights per block, bytes per block)
TYPES = {
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
}
K_TYPES = {10, 11, 12, 13, 14}

# The scale fields of a block: byte ranges [begin, end). Every other byte is a quant byte.
SCALE_FIELDS = {
    1: [],
    2: [(0, 2)], 3: [(0, 4)], 6: [(0, 2)], 7: [(0, 4)], 8: [(0, 2)],
    10: [(0, 16), (80, 84)], 11: [(96, 110)], 12: [(0, 16)], 13: [(0, 16)], 14: [(192, 210)],
}


def scale_mask(type_id):
    """A block-sized bytes object: 0xff at the scale-field bytes, 0 at the quant bytes."""
    mask = bytearray(TYPES[type_id][2])
    for begin, end in SCALE_FIELDS[type_id]:
        mask[begin:end] = b"\xff" * (end - begin)
    return bytes(mask)


def quantize_block(rnd, type_id, x, importance=None):
    """QuantizeRow of one block: its block_weights float32 values x (and, for a K type,
    optionally their importance)."""
    if type_id == F16:
        h = float_to_half(x[0])
        return bytearray((h & 0xFF, h >> 8))
    if type_id in K_TYPES:
        return quant_k.quantize_block(rnd, type_id, x, importance)
    if importance is not None:
        raise ValueError("importance-weighted 32-weight types are not specified")
    return quant_legacy.quantize_block(rnd, type_id, x)


def predict_block(rnd, type_id, x, block):
    """PredictQuantsNoSearch of one block: rewrites the quant bytes of `block` (a
    bytearray; its scale fields are read) from the values x."""
    if type_id == F16:
        h = float_to_half(x[0])
        block[0], block[1] = h & 0xFF, h >> 8
    elif type_id in K_TYPES:
        quant_k.predict_block(type_id, x, block)
    else:
        quant_legacy.predict_block(rnd, type_id, x, block)


def quantize_row(rnd, type_id, x, importance=None):
    _, bw, _ = TYPES[type_id]
    out = bytearray()
    for i in range(0, len(x), bw):
        out += quantize_block(rnd, type_id, x[i:i + bw],
                              None if importance is None else importance[i:i + bw])
    return bytes(out)
