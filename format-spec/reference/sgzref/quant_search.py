"""The four scale searches of format-spec/quantizers.md ("Searches"): symmetric,
symmetric refined, scale and minimum, positive. Each takes float32 values (and weights),
the rounding, and returns the scale (float32) and the quants L (ints)."""

from .f32 import clamp, div, f32, madd, nearest_int, round_product

GROUP_MAX_EPS = f32(1e-15)
TENTH = f32(0.1)


def signed_abs_max(x):
    """The first value of largest magnitude, and that magnitude."""
    mx = amax = 0.0
    for v in x:
        if abs(v) > amax:
            amax, mx = abs(v), v
    return mx, amax


def _sums(rnd, iscale, x, w, nmax):
    """One trial scale of the symmetric search: the quants' sums."""
    sumlx = suml2 = 0.0
    for xi, wi in zip(x, w):
        fl = float(clamp(round_product(rnd, iscale, xi), -nmax, nmax - 1))
        sumlx = madd(rnd, f32(wi * xi), fl, sumlx)
        suml2 = madd(rnd, f32(wi * fl), fl, suml2)
    return sumlx, suml2


def search_symmetric(rnd, nmax, x, weights=None):
    """ggml's make_qx_quants (rmse_type 1): L in [0, 2*nmax)."""
    n = len(x)
    mx, amax = signed_abs_max(x)
    if amax < GROUP_MAX_EPS:
        return 0.0, [0] * n
    w = weights if weights is not None else [f32(v * v) for v in x]
    iscale = div(float(-nmax), mx)
    L = [clamp(round_product(rnd, iscale, v), -nmax, nmax - 1) + nmax for v in x]
    sumlx, suml2 = _sums(rnd, iscale, x, w, nmax)
    scale = div(sumlx, suml2) if suml2 != 0 else 0.0
    best = f32(scale * sumlx)
    for step in range(-9, 10):
        if step == 0:
            continue
        iscale = div(-madd(rnd, TENTH, float(step), float(nmax)), mx)
        sumlx, suml2 = _sums(rnd, iscale, x, w, nmax)
        if suml2 > 0 and f32(sumlx * sumlx) > f32(best * suml2):
            L = [nmax + clamp(round_product(rnd, iscale, v), -nmax, nmax - 1) for v in x]
            scale = div(sumlx, suml2)
            best = f32(scale * sumlx)
    return scale, L


def search_symmetric_refined(rnd, nmax, x):
    """ggml's make_q3_quants (weights x*x, refined): L in [0, 2*nmax)."""
    n = len(x)
    mx, amax = signed_abs_max(x)
    if amax < GROUP_MAX_EPS:
        return 0.0, [0] * n
    iscale = div(float(-nmax), mx)
    L = [clamp(round_product(rnd, iscale, v), -nmax, nmax - 1) for v in x]
    w = [f32(v * v) for v in x]
    sumlx = suml2 = 0.0
    for xi, wi, li in zip(x, w, L):
        fl = float(li)
        sumlx = madd(rnd, f32(wi * xi), fl, sumlx)
        suml2 = madd(rnd, f32(wi * fl), fl, suml2)
    for _ in range(5):
        changed = 0
        for i in range(n):
            wi = w[i]
            wx = f32(wi * x[i])
            li = float(L[i])
            slx = madd(rnd, -wx, li, sumlx)
            if slx > 0:
                sl2 = madd(rnd, -f32(wi * li), li, suml2)
                new_l = clamp(nearest_int(div(f32(x[i] * sl2), slx)), -nmax, nmax - 1)
                if new_l != L[i]:
                    fl = float(new_l)
                    slx = madd(rnd, wx, fl, slx)
                    sl2 = madd(rnd, f32(wi * fl), fl, sl2)
                    if sl2 > 0 and f32(f32(slx * slx) * suml2) > f32(f32(sumlx * sumlx) * sl2):
                        L[i], sumlx, suml2 = new_l, slx, sl2
                        changed += 1
        if not changed:
            break
    return (div(sumlx, suml2) if suml2 > 0 else 0.0), [li + nmax for li in L]


def search_scale_min(rnd, nmax, x, weights, rmin, rdelta, nstep, use_mad):
    """ggml's make_qkx2/qkx3_quants: (scale, L in [0, nmax], neg_min)."""
    n = len(x)
    rmin, rdelta = f32(rmin), f32(rdelta)  # float constants of the caller (0.1f, ...)
    w = weights if weights is not None else [f32(v * v) for v in x]
    lo = hi = x[0]
    sum_w = w[0]
    sum_x = f32(sum_w * x[0])
    for i in range(1, n):
        if x[i] < lo:
            lo = x[i]
        if x[i] > hi:
            hi = x[i]
        sum_w = f32(sum_w + w[i])
        sum_x = madd(rnd, w[i], x[i], sum_x)
    if lo > 0:
        lo = 0.0
    if hi <= lo:
        return 0.0, [0] * n, -lo
    fnmax = float(nmax)
    iscale = div(fnmax, f32(hi - lo))
    scale = div(1.0, iscale)
    L = [clamp(round_product(rnd, iscale, f32(v - lo)), 0, nmax) for v in x]
    best_error = _error(rnd, scale, lo, L, x, w, use_mad)
    if nstep < 1:
        return scale, L, -lo
    for step in range(nstep + 1):
        # lo is the best minimum so far: a better trial moves the next trials' origin.
        iscale = div(f32(madd(rnd, rdelta, float(step), rmin) + fnmax), f32(hi - lo))
        laux = [clamp(round_product(rnd, iscale, f32(v - lo)), 0, nmax) for v in x]
        sum_l = sum_l2 = sum_xl = 0.0
        for xi, wi, li in zip(x, w, laux):
            fl = float(li)
            wl = f32(wi * fl)
            sum_l = f32(sum_l + wl)
            sum_l2 = madd(rnd, wl, fl, sum_l2)
            sum_xl = madd(rnd, wl, xi, sum_xl)
        D = madd(rnd, sum_w, sum_l2, -f32(sum_l * sum_l))
        if D > 0:
            this_scale = div(madd(rnd, sum_w, sum_xl, -f32(sum_x * sum_l)), D)
            this_min = div(madd(rnd, sum_l2, sum_x, -f32(sum_l * sum_xl)), D)
            if this_min > 0:
                this_min = 0.0
                this_scale = div(sum_xl, sum_l2)
            cur_error = _error(rnd, this_scale, this_min, laux, x, w, use_mad)
            if cur_error < best_error:
                L, best_error, scale, lo = laux, cur_error, this_scale, this_min
    return scale, L, -lo


def _error(rnd, scale, mn, L, x, w, use_mad):
    err = 0.0
    for li, xi, wi in zip(L, x, w):
        diff = f32(madd(rnd, scale, float(li), mn) - xi)
        diff = abs(diff) if use_mad else f32(diff * diff)
        err = madd(rnd, wi, diff, err)
    return err


def search_positive(rnd, nmax, x, weights):
    """ggml's make_qp_quants: (scale, L in [0, nmax] as bytes)."""
    mx = 0.0
    for v in x:
        mx = mx if mx > v else v
    if mx < GROUP_MAX_EPS:
        return 0.0, [0] * len(x)
    fnmax = float(nmax)
    iscale = div(fnmax, mx)
    L = [round_product(rnd, iscale, v) & 0xFF for v in x]
    scale = div(1.0, iscale)
    best_mse = 0.0
    for li, xi, wi in zip(L, x, weights):
        diff = madd(rnd, -scale, float(li), xi)
        best_mse = madd(rnd, f32(wi * diff), diff, best_mse)
    for step in range(-4, 5):
        if step == 0:
            continue
        iscale_is = div(madd(rnd, TENTH, float(step), fnmax), mx)
        scale_is = div(1.0, iscale_is)
        mse = 0.0
        for xi, wi in zip(x, weights):
            li = min(round_product(rnd, iscale_is, xi), nmax)
            diff = madd(rnd, -scale_is, float(li), xi)
            mse = madd(rnd, f32(wi * diff), diff, mse)
        if mse < best_mse:
            best_mse, iscale = mse, iscale_is
    sumlx = suml2 = 0.0
    L = []
    for xi, wi in zip(x, weights):
        li = min(round_product(rnd, iscale, xi), nmax)
        L.append(li & 0xFF)
        fl = float(li)
        sumlx = madd(rnd, f32(wi * xi), fl, sumlx)
        suml2 = madd(rnd, f32(wi * fl), fl, suml2)
    for _ in range(5):
        changed = 0
        for i, (xi, wi) in enumerate(zip(x, weights)):
            wx = f32(wi * xi)
            li = float(L[i])
            slx = madd(rnd, -wx, li, sumlx)
            sl2 = madd(rnd, -f32(wi * li), li, suml2)
            if slx > 0 and sl2 > 0:
                new_l = min(nearest_int(div(f32(xi * sl2), slx)), nmax)
                if new_l != L[i]:
                    fl = float(new_l)
                    slx = madd(rnd, wx, fl, slx)
                    sl2 = madd(rnd, f32(wi * fl), fl, sl2)
                    if f32(f32(slx * slx) * suml2) > f32(f32(sumlx * sumlx) * sl2):
                        L[i], sumlx, suml2 = new_l & 0xFF, slx, sl2
                        changed += 1
        if not changed:
            break
    return (div(sumlx, suml2) if suml2 > 0 else 0.0), L

