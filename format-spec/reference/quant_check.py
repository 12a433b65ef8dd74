"""What the quantizer tests (test_quant_family.py, test_quant_zoo.py) check of one stored
block against the parent values it was quantized from."""

from sgzref.quant import K_TYPES, TYPES, predict_block, quantize_block, scale_mask
from sgzref.quant_k import has_zero_scale


def check_block(rnd, t, values, i, data, importance=None, row_length=0):
    """(quantized, predicted) for block i of the tensor data of type t, whose parent holds
    the float values: quantized, whether the quantizer (rounding rnd) of the block's values
    with its columns' importance (importance: the tensor's row of it, rows of row_length
    values; None: none) gives the stored block; predicted, whether the prediction from the
    stored block's scale fields (its quant bytes cleared) gives the stored quants, or None
    for a K block with a zero-scale sub-block (there the quantizer keeps its search's
    quants, which the scale fields do not determine)."""
    _, bw, bb = TYPES[t]
    x = values[i * bw:(i + 1) * bw]
    stored = data[i * bb:(i + 1) * bb]
    imp = None
    if importance is not None:
        column = (i * bw) % row_length
        imp = importance[column:column + bw]
    quantized = quantize_block(rnd, t, x, imp) == stored
    if t in K_TYPES and has_zero_scale(t, stored):
        return quantized, None
    blk = bytearray(s & m for s, m in zip(stored, scale_mask(t)))
    predict_block(rnd, t, x, blk)
    return quantized, blk == stored
