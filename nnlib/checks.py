"""Self-checks: run *your* code on the cases that catch the common mistakes.

Each ``check_*`` function takes a learner's function (or number), runs it on a few fixed cases
chosen to expose a known mistake (overflow at ``|z| = 1000``, the wrong axis, a transposed
matrix, a missing ``1/n``, a derivative given ``a`` instead of ``z``, ...) and then either prints
one line saying what passed, or raises :class:`CheckError`, whose message says *what* is wrong
and how to fix it::

    >>> from nnlib import checks
    >>> def my_sigmoid(z):
    ...     return 1 / (1 + np.exp(-z))
    >>> checks.check_sigmoid(my_sigmoid)
    Traceback (most recent call last):
    CheckError: my_sigmoid overflows for z = -1000: np.exp(-z) is np.exp(1000) = inf. ...

The first problem found is reported (later ones are often consequences of it). The cases are
fixed, so the same code always gets the same verdict. A function that raises
``NotImplementedError`` (an exercise stub) is passed through unchanged. ``CheckError`` is an
``AssertionError``, so a check can stand in a test or a notebook's *check yourself* cell.

Importing this module is light (numpy only).
"""

import functools
import math
import warnings

import numpy as np

from . import activations, losses

__all__ = [
    "CheckError",
    "check_dense_backward",
    "check_dense_forward",
    "check_forward_pass",
    "check_gradient",
    "check_inverse_time_decay",
    "check_learning_rate",
    "check_loss_gradient",
    "check_network_backward",
    "check_relu_derivative",
    "check_sigmoid",
    "check_sigmoid_derivative",
    "check_softmax",
    "check_softplus",
    "check_staircase",
]


class CheckError(AssertionError):
    """A self-check found a mistake; ``hint`` says what is wrong and how to fix it."""

    def __init__(self, check, hint):
        super().__init__(hint)
        self.check, self.hint = check, hint


class _Fail(Exception):
    """Raised inside a check with the hint; the public function turns it into CheckError."""

    def __init__(self, hint, cause=None):
        super().__init__(hint)
        self.hint, self.cause = hint, cause


def _check(function):
    """Decorator: turn ``_Fail`` into ``CheckError`` and print the success line."""

    @functools.wraps(function)
    def wrapper(*args, verbose=True, **kwargs):
        try:
            passed = function(*args, **kwargs)
        except _Fail as fail:
            error = CheckError(function.__name__, fail.hint)
            if fail.cause is not None:  # keep the learner's own traceback: it shows the line
                raise error from fail.cause
            raise error from None
        if verbose:
            print(f"✓ {function.__name__}: {passed}")

    return wrapper


def _name(fn):
    name = getattr(fn, "__name__", None)
    return "your function" if not name or name == "<lambda>" else name


def _fmt(x, digits=4):
    """Short text for a number or a small array."""
    x = np.asarray(x)
    if x.ndim == 0:
        return f"{float(x):.{digits}g}"
    return np.array2string(x, precision=digits, separator=", ", threshold=12)


def _call(fn, *args, case):
    """``fn(*args)`` with NumPy's overflow, invalid and divide errors raised.

    Returns the output, or raises ``_Fail`` for anything the learner's code raised, except
    ``NotImplementedError``, which passes through. Also fails if ``fn`` changed an argument.
    """
    name = _name(fn)
    saved = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                out = fn(*args)
    except NotImplementedError:
        raise
    except (FloatingPointError, RuntimeWarning) as err:
        text = str(err).lower()
        kind = (
            "overflows"
            if "overflow" in text
            else "divides by zero"
            if "divide" in text
            else "produces NaN (an invalid operation such as inf / inf or 0 / 0)"
        )
        raise _Fail(f"{name} {kind} for {case}", err) from None
    except Exception as err:
        message = str(err)
        if "truth value of an array" in message:
            hint = (
                f"{name} uses `if` (or `and`/`or`) on an array for {case}: Python cannot decide "
                "one branch for many numbers. Use np.where(condition, a, b), which chooses "
                "element by element"
            )
        elif "only length-1 arrays" in message or "only 0-dimensional arrays" in message:
            hint = (
                f"{name} works on single numbers only (it failed for {case}): use NumPy's "
                "functions, which work elementwise on arrays (np.exp, not math.exp)"
            )
        else:
            hint = f"{name} raised {type(err).__name__} for {case}: {message}"
        raise _Fail(hint, err) from None
    for original, copy in zip(args, saved, strict=True):
        if copy is not None and not np.array_equal(original, copy, equal_nan=True):
            raise _Fail(
                f"{name} changed its input array in place for {case} (e.g. `z[z < 0] = 0` or "
                "`z -= ...`). A layer passes its cached array, which this would overwrite: work "
                "on a new array (np.where, z - m, or z.copy())"
            )
    if out is None:
        raise _Fail(f"{name} returned None for {case}: did you forget `return`?")
    return out


def _array(out, name, case, shape):
    """The output as an array of the expected shape, or a hint about the shape."""
    out = np.asarray(out)
    if out.shape != tuple(shape):
        raise _Fail(
            f"{name} returned an array of shape {out.shape} for {case}, expected {tuple(shape)}"
        )
    if out.dtype == bool:
        raise _Fail(
            f"{name} returned booleans (dtype bool) for {case}: `-d` and `1 - d` fail or "
            "mislead on booleans. Return numbers of the input's type, e.g. "
            "(z > 0).astype(z.dtype)"
        )
    if out.dtype.kind not in "fc":
        raise _Fail(f"{name} returned dtype {out.dtype} for {case}: expected floating point")
    return out


def _close(a, b, rtol=1e-7, atol=1e-10):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _ratio(got, expected):
    """The constant c with got = c * expected, if there is one (else None)."""
    got, expected = np.asarray(got, dtype=float).ravel(), np.asarray(expected, dtype=float).ravel()
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return None
    big = np.abs(expected) > 1e-8 * np.abs(expected).max(initial=0.0)
    if not big.any():
        return None
    c = got[big] / expected[big]
    return float(c[0]) if np.allclose(c, c[0], rtol=1e-6) and _close(got, c[0] * expected) else None


def _scale_hint(c, n, size=None):
    """What a constant factor between a gradient and the right one usually means."""
    if c is None:
        return None
    if math.isclose(c, -1.0, rel_tol=1e-6):
        return "has the wrong sign (it points uphill): check the order in (prediction - target)"
    if math.isclose(c, n, rel_tol=1e-6) and n > 1:
        return (
            f"is {n} times too large, n = {n} being the number of examples: the loss is a "
            "mean, so its gradient has a factor 1/n (sum vs mean)"
        )
    if size and math.isclose(c, size, rel_tol=1e-6):
        return (
            f"is {size} times too large: the loss averages over all {size} entries (examples "
            "and outputs), so divide by y_pred.size"
        )
    if size and math.isclose(c, size / n, rel_tol=1e-6) and size != n:
        return (
            f"is {size // n} times too large: you divided by the number of examples, but the "
            "loss also averages over the outputs; divide by y_pred.size"
        )
    if math.isclose(c, 1 / n, rel_tol=1e-6) and n > 1:
        return (
            f"is {n} times too small: it divides by n = {n} once too often (the upstream "
            "gradient already includes the 1/n of the mean)"
        )
    if math.isclose(c, 0.5, rel_tol=1e-6):
        return "is half the right value: the derivative of u**2 is 2 * u"
    if math.isclose(c, 2.0, rel_tol=1e-6):
        return "is twice the right value: is there a factor 2 too many?"
    return f"is {c:.4g} times the right value"


def _float32(fn, z, case, reference=None):
    out = np.asarray(_call(fn, z.astype(np.float32), case=case))
    if out.dtype != np.float32:
        raise _Fail(
            f"{_name(fn)} turned a float32 input into {out.dtype} for {case}. Networks trained "
            "in float32 would silently upcast: avoid float64 constants such as np.float64(1) "
            "or .astype(float); use z.dtype"
        )
    if reference is not None and not _close(out, reference, rtol=1e-5, atol=1e-6):
        raise _Fail(f"{_name(fn)} gives {_fmt(out)} for float32 {case}, expected {_fmt(reference)}")


# --- elementwise functions ------------------------------------------------------------------


def _elementwise(fn, reference, mistakes, extremes, precise=(), what="values"):
    """The common part of the checks of elementwise functions.

    ``mistakes`` is a list of ``(looks_like(z), hint)``: if the output on the basic case equals
    ``looks_like(z)``, that hint is given. ``extremes`` is a list of ``(z, hint_if_it_fails)``;
    ``precise`` a list of ``(z, hint)`` where the relative error must be below 1e-9.
    """
    name = _name(fn)
    z = np.array([-2.0, -0.5, 0.5, 1.0, 3.0])
    case = f"z = {_fmt(z)}"
    out = _array(_call(fn, z.copy(), case=case), name, case, z.shape)
    if not _close(out, reference(z), rtol=1e-9, atol=1e-12):
        for looks_like, hint in mistakes:
            with np.errstate(all="ignore"):
                if _close(out, looks_like(z), rtol=1e-6, atol=1e-9):
                    raise _Fail(f"{name} {hint}")
        raise _Fail(f"{name} gives {_fmt(out)} for {case}, expected {_fmt(reference(z))}")
    Z = np.array([[-3.0, 0.25, 3.0], [1.5, -1.0, 2.0]])
    case = f"a 2-D array of shape {Z.shape}"
    out = _array(_call(fn, Z.copy(), case=case), name, case, Z.shape)
    if not _close(out, reference(Z), rtol=1e-9, atol=1e-12):
        raise _Fail(f"{name} gives wrong values for {case}: work elementwise, keep the shape")
    for value, hint in extremes:
        zx = np.array([value])
        case = f"z = {value:g}"
        try:
            out = _array(_call(fn, zx, case=case), name, case, zx.shape)
        except _Fail as fail:
            raise _Fail(f"{fail.hint}: {hint}", fail.cause) from None
        if not _close(out, reference(zx), rtol=1e-9, atol=1e-12):
            raise _Fail(
                f"{name} gives {_fmt(out)} for {case}, expected {_fmt(reference(zx))}: {hint}"
            )
    for value, hint in precise:
        zx = np.array([value])
        case = f"z = {value:g}"
        out = _array(_call(fn, zx, case=case), name, case, zx.shape)
        expected = reference(zx)
        error = abs(float(out[0]) - float(expected[0])) / abs(float(expected[0]))
        if not error < 1e-9:
            raise _Fail(
                f"{name} loses precision for {case}: it gives {float(out[0]):.6g}, expected "
                f"{float(expected[0]):.6g} (relative error {error:.1g}). {hint}"
            )
    zf = np.array([-2.0, 0.5, 3.0])
    _float32(fn, zf, "z = [-2, 0.5, 3] in float32", reference(zf))
    checked = [what, "shapes", "float32 kept", "input untouched"]
    if extremes:
        checked.insert(2, "z = " + ", ".join(f"{v:g}" for v, _ in extremes))
    if precise:
        checked.insert(3, "precision at z = " + ", ".join(f"{v:g}" for v, _ in precise))
    return f"{name} passed ({'; '.join(checked)})"


_STABLE_SIGMOID = (
    "exponentiate only non-positive numbers: with e = np.exp(-np.abs(z)), sigmoid(z) is "
    "1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0"
)


@_check
def check_sigmoid(fn):
    """Check a sigmoid ``fn(z) = 1 / (1 + exp(-z))`` for arrays ``z`` of any shape.

    Catches: the sign of the exponent, ``math.exp`` or ``if`` on arrays, overflow at
    ``z = -1000`` (the naive formula) and at ``z = +1000`` (``np.where`` evaluates both branches),
    precision lost for large negative ``z`` (``1 - sigmoid(-z)``), float32 upcast, changing ``z``.
    """
    return _elementwise(
        fn,
        activations.sigmoid,
        mistakes=[
            (
                lambda z: activations.sigmoid(-z),
                "computes sigmoid(-z) = 1 / (1 + e^z): the sign in the exponent is flipped; "
                "sigmoid(z) = 1 / (1 + e^(-z)) rises from 0 to 1",
            ),
            (lambda z: np.exp(-z), "returns e^(-z): sigmoid(z) = 1 / (1 + e^(-z))"),
            (np.tanh, "computes tanh(z), which runs from -1 to 1; the sigmoid runs from 0 to 1"),
        ],
        extremes=[
            (
                1000.0,
                "if you used np.where(z >= 0, A, B), NumPy computes both A and B for every z "
                "before choosing, so each branch must be safe for all z: write both with "
                "e = np.exp(-np.abs(z))",
            ),
            (
                -1000.0,
                "the naive 1 / (1 + np.exp(-z)) computes np.exp(1000) = inf. The answer, 0, is "
                f"representable; only the route overflows. To fix it, {_STABLE_SIGMOID}",
            ),
        ],
        precise=[
            (
                -30.0,
                "Computing 1 - sigmoid(-z) subtracts two nearly equal numbers; for z < 0 use "
                "e / (1 + e) with e = np.exp(z)",
            )
        ],
    )


@_check
def check_softplus(fn):
    """Check a softplus ``fn(z) = log(1 + exp(z))``, the smooth ReLU, for arrays ``z``.

    Catches: returning ``max(z, 0)`` or the sigmoid, the sign of ``z``, overflow at ``z = 1000``,
    ``log(1 + u)`` instead of ``log1p(u)`` (0 instead of 4.2e-18 at ``z = -40``), float32 upcast.
    """
    return _elementwise(
        fn,
        lambda z: np.logaddexp(0.0, z),
        mistakes=[
            (
                lambda z: np.maximum(z, 0),
                "returns max(z, 0), the ReLU: softplus is close to it only for large |z|; add "
                "log(1 + e^(-|z|))",
            ),
            (
                lambda z: np.logaddexp(0.0, -z),
                "computes log(1 + e^(-z)), softplus of -z: the sign of z is flipped",
            ),
            (activations.sigmoid, "returns the sigmoid, which is softplus's derivative"),
        ],
        extremes=[
            (
                1000.0,
                "log(1 + e^z) computes e^1000 = inf. Rewrite it as "
                "max(z, 0) + log(1 + e^(-|z|)), which only exponentiates non-positive numbers",
            ),
            (-1000.0, "softplus(-1000) is 0 (to 435 digits)"),
        ],
        precise=[
            (
                -40.0,
                "np.log(1 + u) rounds 1 + u to 1 when u = e^-40 is tiny; np.log1p(u) computes "
                "log(1 + u) without forming 1 + u",
            )
        ],
    )


@_check
def check_relu_derivative(fn):
    """Check ``fn(z)``, the derivative of ReLU: 1 where ``z > 0``, 0 where ``z < 0``.

    Any value in [0, 1] is accepted at the kink ``z = 0``. Catches: returning ReLU itself, the
    comparison the wrong way round, booleans, changing ``z`` in place, float32 upcast.
    """
    name = _name(fn)
    z0 = np.array([0.0])
    out = _array(_call(fn, z0.copy(), case="z = 0"), name, "z = 0", z0.shape)
    if not 0.0 <= float(out[0]) <= 1.0:
        raise _Fail(
            f"{name} gives {float(out[0]):g} at the kink z = 0: any value in [0, 1] is a valid "
            "choice there (nnlib, like PyTorch, picks 0)"
        )
    return _elementwise(
        fn,
        activations.relu_derivative,
        mistakes=[
            (
                activations.relu,
                "returns max(0, z), the ReLU itself: its derivative is 1 where z > 0 and 0 "
                "where z < 0, e.g. (z > 0).astype(z.dtype)",
            ),
            (
                lambda z: (z < 0).astype(float),
                "is 1 where z < 0 and 0 where z > 0: the comparison is the wrong way round",
            ),
            (
                lambda z: np.ones_like(z),
                "returns 1 everywhere: the slope is 0 where the ReLU is flat (z < 0)",
            ),
        ],
        extremes=[(-1000.0, "the slope is 0 for every z < 0"), (1000.0, "the slope is 1")],
        what="values (any value in [0, 1] at z = 0)",
    )


@_check
def check_sigmoid_derivative(fn):
    """Check ``fn(z) = sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))``, given the pre-activation.

    Catches: ``z * (1 - z)`` (right only when given ``a = sigmoid(z)``), returning the sigmoid,
    overflow at ``|z| = 1000``, float32 upcast, changing ``z``.
    """
    return _elementwise(
        fn,
        activations.sigmoid_derivative,
        mistakes=[
            (
                lambda z: z * (1 - z),
                "computes a * (1 - a) of its argument z: that formula is right only when the "
                "argument is already the output a = sigmoid(z) (for z = 3 it gives -6, a negative "
                "slope for a function that only rises). Given z, compute a = sigmoid(z) first",
            ),
            (activations.sigmoid, "returns sigmoid(z) itself, not its slope"),
            (
                lambda z: activations.sigmoid(z) * (1 + activations.sigmoid(z)),
                "computes a * (1 + a): the derivative is a * (1 - a)",
            ),
        ],
        extremes=[
            (
                -1000.0,
                "use sigmoid(z) * (1 - sigmoid(z)) with a stable sigmoid, not "
                "e^(-z) / (1 + e^(-z))**2",
            ),
            (1000.0, "the slope is 0 far from the origin on both sides"),
        ],
    )


# --- softmax ----------------------------------------------------------------------------------


def _rowwise(E, axis=1):
    return E / E.sum(axis=axis, keepdims=True)


@_check
def check_softmax(fn):
    """Check ``fn(Z)``: softmax of each row of ``Z``, shape ``(n_samples, n_classes)``.

    Catches: normalising the wrong axis or the whole batch, ``keepdims`` forgotten (an error, or
    silently wrong numbers when the batch is square), no max-subtraction (overflow at 1000, NaN
    at -1000), the max of the whole batch instead of each row's, a flattened single example,
    changing ``Z`` in place, float32 upcast.
    """
    name = _name(fn)
    ref = activations.softmax
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 1.0], [2.0, -1.0, 0.5]])
    case = "a batch Z of shape (4, 3) (4 examples, 3 classes)"
    try:
        out = _call(fn, Z.copy(), case=case)
    except _Fail as fail:
        if "broadcast" in fail.hint:
            raise _Fail(
                f"{fail.hint}. A row-wise max or sum has shape (4,), which NumPy lines up with "
                "the last axis (the classes), not with the rows: keep the axis, "
                "Z.max(axis=1, keepdims=True) has shape (4, 1)",
                fail.cause,
            ) from None
        raise
    out = _array(out, name, case, Z.shape)
    if not _close(out, ref(Z), rtol=1e-9, atol=1e-12):
        if _close(out, ref(Z, axis=0), rtol=1e-6):
            raise _Fail(
                f"{name} normalises each column (axis=0, the examples) for {case}: each row, "
                "one example, must sum to 1 over the classes. Use axis=1 (or -1) with "
                "keepdims=True"
            )
        if _close(out.sum(), 1.0):
            raise _Fail(
                f"{name} divides by the sum over the whole batch for {case}: each row must sum "
                "to 1 by itself, np.sum(E, axis=1, keepdims=True)"
            )
        if np.allclose(out.sum(axis=1), 1.0):
            raise _Fail(
                f"{name}'s rows sum to 1 for {case}, but the values are not softmax: row 0 "
                f"should be {_fmt(ref(Z)[0])}, yours is {_fmt(out[0])}"
            )
        raise _Fail(
            f"{name} gives wrong values for {case}: row 0 should be {_fmt(ref(Z)[0])}, yours is "
            f"{_fmt(out[0])}; each row should sum to 1"
        )
    square = np.array([[1.0, 2.0, 3.0], [10.0, 0.0, 0.0], [0.0, 5.0, 1.0]])
    case = "a square batch of shape (3, 3)"
    out = _array(_call(fn, square.copy(), case=case), name, case, square.shape)
    if not _close(out, ref(square), rtol=1e-9, atol=1e-12):
        E = np.exp(square - square.max(axis=1, keepdims=True))
        if _close(out, _rowwise(np.exp(square - square.max(axis=1)))) or _close(
            out, E / E.sum(axis=1)
        ):
            raise _Fail(
                f"{name} is wrong for {case}, where a row-wise max or sum of shape (3,) "
                "broadcasts silently along the classes instead of the rows: use keepdims=True"
            )
        raise _Fail(f"{name} gives wrong values for {case}: row 1 should be {_fmt(ref(square)[1])}")
    one = np.array([[0.5, -0.5, 2.0]])
    case = "a single example of shape (1, 3)"
    out = _array(_call(fn, one.copy(), case=case), name, case, one.shape)
    if not _close(out, ref(one)):
        raise _Fail(f"{name} gives {_fmt(out)} for {case}, expected {_fmt(ref(one))}")
    shift = (
        "Softmax does not change if you subtract a constant from a row, so subtract each row's "
        "max first: every exp is then at most 1"
    )
    for row in ([1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1001.0]):
        big = np.array([row])
        case = f"the scores {_fmt(big[0], 5)}"
        try:
            out = _array(_call(fn, big.copy(), case=case), name, case, big.shape)
        except _Fail as fail:
            raise _Fail(f"{fail.hint}. {shift}", fail.cause) from None
        if not _close(out, ref(big)):
            raise _Fail(f"{name} gives {_fmt(out)} for {case}, expected {_fmt(ref(big))}. {shift}")
    mixed = np.array([[1000.0, 999.0, 998.0], [0.0, 1.0, 2.0]])
    case = "a batch whose rows have very different scales, [[1000, 999, 998], [0, 1, 2]]"
    own_max = (
        "subtract each row's own max, Z.max(axis=1, keepdims=True), not the max of the whole "
        "batch: row 1's scores lie 1000 below it, so all their exps underflow to 0"
    )
    try:
        out = _array(_call(fn, mixed.copy(), case=case), name, case, mixed.shape)
    except _Fail as fail:
        raise _Fail(f"{fail.hint}: {own_max}", fail.cause) from None
    if not _close(out, ref(mixed)):
        raise _Fail(f"{name} gives {_fmt(out)} for {case}: {own_max}")
    _float32(fn, Z, "a float32 batch")
    return (
        f"{name} passed (rows sum to 1; square and single-example batches; scores of ±1000; rows "
        "of different scales; float32 kept; input untouched)"
    )


# --- dense layers -----------------------------------------------------------------------------


def _dense_case(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(n, n_in)),
        rng.normal(size=(n_in, n_out)),
        rng.normal(size=n_out),
    )


@_check
def check_dense_forward(fn, activation="linear"):
    """Check ``fn(X, W, b) -> A = f(X @ W + b)``: a dense layer's forward pass.

    ``X`` is ``(n, n_in)`` (rows are examples), ``W`` is ``(n_in, n_out)``, ``b`` is ``(n_out,)``
    and ``f`` is the named ``activation``. Catches: ``W @ X`` and other column-convention
    products, a transposed ``W`` (silent for a square layer), the bias on the wrong axis, a
    forgotten bias or activation, the activation before the bias, a transposed output.
    """
    name = _name(fn)
    f = activations.get(activation)
    layout = (
        "rows as examples, Z = X @ W + b: X (n, n_in) @ W (n_in, n_out) gives (n, n_out), "
        "and b (n_out,) is added to every row"
    )
    for n, n_in, n_out, seed in [(5, 3, 4, 0), (4, 4, 4, 1), (1, 3, 2, 2)]:
        X, W, b = _dense_case(n, n_in, n_out, seed)
        case = f"X {X.shape}, W {W.shape}, b {b.shape}"
        try:
            out = np.asarray(_call(fn, X, W, b, case=case))
        except _Fail as fail:
            raise _Fail(f"{fail.hint}. With {layout}", fail.cause) from None
        expected = f(X @ W + b)
        if out.shape == expected.T.shape and out.shape != expected.shape:
            raise _Fail(
                f"{name} returned shape {out.shape} for {case}, expected {expected.shape}: one "
                f"row per example: with {layout}"
            )
        out = _array(out, name, case, expected.shape)
        if _close(out, expected, rtol=1e-9):
            continue
        variants = [
            (
                f(X @ W.T + b) if n_in == n_out else None,
                "uses W transposed: W[i, j] connects input i to unit j, so Z = X @ W",
            ),
            (
                f(X @ W + b[:, None]) if n == n_out else None,
                "adds the bias per example "
                "(b[:, None] adds b[j] to every unit of example j): add b of shape (n_out,) "
                "directly, X @ W + b",
            ),
            (f(X @ W), "forgot the bias: Z = X @ W + b"),
            (X @ W + b, f"forgot the activation ({activation}): A = f(X @ W + b)"),
            (f(X @ W) + b, "applies the activation before adding the bias: A = f(X @ W + b)"),
        ]
        for candidate, hint in variants:
            if candidate is not None and candidate.shape == out.shape and _close(out, candidate):
                raise _Fail(f"{name} {hint} ({case})")
        raise _Fail(
            f"{name} gives wrong values for {case}: row 0 should be {_fmt(expected[0])}, yours "
            f"is {_fmt(out[0])}"
        )
    return f"{name} passed ({activation} layer; rectangular, square and one-example batches)"


def _as_output(out):
    """A forward pass may return ``A`` or ``(A, cache)`` (chapter 4's forward_pass)."""
    if isinstance(out, tuple) and len(out) == 2 and not np.isscalar(out[0]):
        return out[0]
    return out


@_check
def check_forward_pass(fn):
    """Check ``fn(X, layers) -> A``: a forward pass through a list of ``(W, b, f)`` layers.

    ``fn`` may also return ``(A, cache)``. The network is 3 → 4 (ReLU) → 4 (tanh) → 2 (sigmoid)
    on a batch of 6. Catches: feeding ``X`` (instead of the previous output) to every layer,
    stopping after the first layer, the last activation forgotten, transposed weights, a
    forgotten bias.
    """
    name = _name(fn)
    rng = np.random.default_rng(4)
    sizes = [3, 4, 4, 2]
    fs = [activations.relu, activations.tanh, activations.sigmoid]
    layers = [
        (rng.normal(size=(a, b)), rng.normal(size=b), f)
        for a, b, f in zip(sizes[:-1], sizes[1:], fs, strict=True)
    ]
    X = rng.normal(size=(6, 3))
    case = "a 3 → 4 (relu) → 4 (tanh) → 2 (sigmoid) network on X of shape (6, 3)"

    def run(layers_, last_activation=True, feed_x=False, bias=True, transpose=False):
        A = X
        for k, (W, b, f) in enumerate(layers_):
            W = W.T if transpose and W.shape[0] == W.shape[1] else W
            Z = (X if feed_x and k else A) @ W + (b if bias else 0)
            A = f(Z) if last_activation or k < len(layers_) - 1 else Z
        return A

    try:
        out = _as_output(_call(fn, X, [tuple(layer) for layer in layers], case=case))
    except _Fail as fail:
        hint = fail.hint
        if "mismatch" in hint or "shapes" in hint or "aligned" in hint:
            hint += (
                ". Each layer reads the previous layer's output A (the first reads X), and "
                "Z = A @ W + b with W of shape (n_in, n_out)"
            )
        raise _Fail(hint, fail.cause) from None
    expected = run(layers)
    out = np.asarray(out)
    if out.shape == (6, 4):
        raise _Fail(
            f"{name} returned shape (6, 4) for {case}: that is the output of a hidden layer, "
            "not of the last one (shape (6, 2)). Loop over every layer, feeding each the "
            "previous output"
        )
    out = _array(out, name, case, expected.shape)
    if _close(out, expected, rtol=1e-9):
        return f"{name} passed (three layers, three activations, a batch of 6)"
    for candidate, hint in [
        (run(layers, last_activation=False), "forgot the last layer's activation"),
        (run(layers, transpose=True), "uses a square layer's W transposed: Z = A @ W"),
        (run(layers, bias=False), "forgot the biases: Z = A @ W + b"),
    ]:
        if _close(out, candidate):
            raise _Fail(f"{name} {hint} ({case})")
    raise _Fail(
        f"{name} gives wrong values for {case}: row 0 should be {_fmt(expected[0])}, yours is "
        f"{_fmt(out[0])}"
    )


def _gradient_mismatch(name, label, got, expected, n, size=None):
    """A hint for a wrong gradient array: shape first, then a constant factor, then values."""
    got = np.asarray(got)
    if got.shape != expected.shape:
        hint = (
            f"{name}'s gradient for {label} has shape {got.shape}, expected {expected.shape} "
            f"(the shape of {label})"
        )
        if got.shape == expected.T.shape and got.ndim == 2:
            hint += ": it is transposed"
        raise _Fail(hint)
    factor = _scale_hint(_ratio(got, expected), n, size)
    if factor:
        raise _Fail(f"{name}'s gradient for {label} {factor}")
    if expected.ndim == 2 and got.shape == expected.T.shape and _close(got, expected.T):
        raise _Fail(f"{name}'s gradient for {label} is transposed")
    error = float(np.linalg.norm(got - expected) / (np.linalg.norm(got) + np.linalg.norm(expected)))
    raise _Fail(
        f"{name}'s gradient for {label} is wrong (relative error {error:.2g}): expected "
        f"{_fmt(expected.ravel()[:4])}..., got {_fmt(got.ravel()[:4])}..."
    )


@_check
def check_dense_backward(fn, activation="linear"):
    """Check ``fn(X, W, b, dA) -> (dW, db, dX)``: a dense layer's backward pass.

    The layer computes ``A = f(X @ W + b)`` with ``f`` the named ``activation``; ``dA`` is
    dL/dA, shape ``(n, n_out)``, already including the loss's ``1/n``. Expected:
    ``dZ = dA * f'(Z)``, ``dW = X.T @ dZ`` (shape of ``W``), ``db = dZ.sum(axis=0)`` (shape of
    ``b``), ``dX = dZ @ W.T`` (shape of ``X``). Catches: transposed ``dW``, ``db`` not summed or
    averaged, ``dX`` without the transpose (silent for a square layer), a forgotten ``f'``, ``f'``
    applied to ``A`` instead of ``Z``.
    """
    name = _name(fn)
    f = activations.get(activation)
    for n, n_in, n_out, seed in [(5, 3, 4, 0), (4, 4, 4, 1)]:
        X, W, b = _dense_case(n, n_in, n_out, seed)
        dA = np.random.default_rng(seed + 10).normal(size=(n, n_out))
        case = f"X {X.shape}, W {W.shape}, b {b.shape}, dA {dA.shape}"
        out = _call(fn, X, W, b, dA, case=case)
        if not (isinstance(out, tuple | list) and len(out) == 3):
            raise _Fail(f"{name} should return three arrays (dW, db, dX) for {case}")
        dW, db, dX = (np.asarray(g) for g in out)
        Z = X @ W + b
        A = f(Z)
        dZ = f.backward(Z, A, dA)
        expected = {"W": X.T @ dZ, "b": dZ.sum(axis=0), "X": dZ @ W.T}
        for label, got in zip("WbX", (dW, db, dX), strict=True):
            if got.shape != expected[label].shape:
                hint = {
                    "W": "dW = X.T @ dZ: (n_in, n) @ (n, n_out)",
                    "b": "db = dZ.sum(axis=0): one number per unit, summed over the examples",
                    "X": "dX = dZ @ W.T: (n, n_out) @ (n_out, n_in)",
                }[label]
                raise _Fail(
                    f"{name}'s gradient for {label} has shape {got.shape}, expected "
                    f"{expected[label].shape}, the shape of {label}: {hint}"
                )
        if activation != "linear":
            wrong = {}
            if _close(dW, X.T @ dA) and not _close(dW, expected["W"]):
                wrong = "forgot the activation's derivative: dZ = dA * f'(Z), then dW = X.T @ dZ"
            elif _close(dW, X.T @ (dA * f.derivative(A))) and not _close(dW, expected["W"]):
                wrong = (
                    f"applies {activation}'s derivative to the output A; the derivative takes "
                    "the pre-activation Z = X @ W + b (or, for sigmoid and tanh, use the "
                    "formula in A: a * (1 - a), 1 - a**2)"
                )
            elif activation == "sigmoid" and _close(dW, X.T @ (dA * Z * (1 - Z))):
                wrong = "computes a * (1 - a) from Z: that formula needs the output a = sigmoid(Z)"
            if wrong:
                raise _Fail(f"{name} {wrong} ({case})")
        if n == n_out and _close(dX, dZ @ W) and not _close(dX, expected["X"]):
            raise _Fail(f"{name}'s dX uses W instead of W.T ({case}): dX = dZ @ W.T")
        for label, got in zip("WbX", (dW, db, dX), strict=True):
            if not _close(got, expected[label], rtol=1e-9):
                _gradient_mismatch(name, label, got, expected[label], n)
    return f"{name} passed ({activation} layer; dW, db and dX for a rectangular and a square layer)"


@_check
def check_network_backward(fn):
    """Check ``fn(model, dA) -> [dW1, db1, dW2, db2, ...]``: backpropagation through a model.

    ``model`` is an nnlib ``Sequential`` of ``Dense`` layers after a forward pass (each layer's
    cache ``layer.X``, ``layer.Z``, ``layer.A`` is set) and ``dA`` is dL/d(output). The network
    is 3 → 5 (tanh) → 4 (sigmoid) → 2 (linear) with the mean squared error on 8 examples.
    Catches: the list in backward order, a wrong count, a gradient not passed back through
    ``W.T``, a forgotten derivative, wrong shapes.
    """
    from .layers import Dense
    from .model import Sequential

    name = _name(fn)
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = Sequential(
        [Dense(5, activation="tanh", input_shape=(3,)), Dense(4, activation="sigmoid"), Dense(2)],
        seed=0,
    )
    model.set_weights([w + 0.3 * rng.normal(size=w.shape) for w in model.get_weights()])
    model.compile(optimizer="sgd", loss="mse")
    model.compute_gradients(X, Y)
    expected = [p.grad.copy() for p in model.parameters()]
    labels = [f"{p.name}{k // 2 + 1}" for k, p in enumerate(model.parameters())]
    dA = model.loss.gradient(Y, model.layers[-1].A)
    case = "a 3 → 5 (tanh) → 4 (sigmoid) → 2 network on 8 examples"
    out = _call(fn, model, dA, case=case)
    if not isinstance(out, list | tuple) or len(out) != len(expected):
        count = len(out) if isinstance(out, list | tuple) else type(out).__name__
        raise _Fail(
            f"{name} returned {count} for {case}, expected a list of {len(expected)} arrays "
            f"{labels}, two per layer, from the first layer to the last"
        )
    out = [np.asarray(g) for g in out]
    backward_order = [g for k in range(len(expected) - 2, -1, -2) for g in expected[k : k + 2]]
    if all(_close(g, e) for g, e in zip(out, backward_order, strict=True)):
        raise _Fail(
            f"{name} returns the gradients in backward order (last layer first): put each "
            "layer's pair at the front of the list, or reverse it at the end"
        )
    last_right = all(_close(g, e, rtol=1e-9) for g, e in zip(out[-2:], expected[-2:], strict=True))
    for label, got, want in zip(labels, out, expected, strict=True):
        if _close(got, want, rtol=1e-9):
            continue
        if last_right and got.shape == want.shape:
            raise _Fail(
                f"{name}'s gradient for {label} is wrong although the last layer's are right: "
                "pass the gradient back through each layer, dA = dZ @ W.T, then "
                "dZ = dA * f'(Z) with the earlier layer's own Z and activation derivative"
            )
        _gradient_mismatch(name, label, got, want, len(X))
    return f"{name} passed (three layers, tanh, sigmoid and linear, all six gradients)"


# --- losses and gradients ---------------------------------------------------------------------


_LOSS_CASES = {
    "mse": lambda rng: (rng.normal(size=(6, 2)), rng.normal(size=(6, 2))),
    "binary_crossentropy": lambda rng: (
        (rng.uniform(size=(6, 2)) < 0.5).astype(float),
        rng.uniform(0.05, 0.95, size=(6, 2)),
    ),
    "categorical_crossentropy": lambda rng: (
        np.eye(3)[rng.integers(0, 3, size=6)],
        activations.softmax(rng.normal(size=(6, 3))),
    ),
}


@_check
def check_loss_gradient(fn, loss="mse"):
    """Check ``fn(y_true, y_pred) -> dL/dy_pred`` for nnlib's (and Keras's) mean loss ``loss``.

    ``loss`` is ``"mse"``, ``"binary_crossentropy"`` or ``"categorical_crossentropy"`` (on
    probabilities). The loss is a mean over the examples (and, except for categorical
    cross-entropy, over the outputs), so its gradient has the same shape as ``y_pred`` and a
    factor ``1 / n`` (``1 / y_pred.size``). Catches: sum instead of mean, the outputs forgotten
    in the mean, a missing factor 2, the wrong sign, the wrong shape.
    """
    if loss not in _LOSS_CASES:
        raise ValueError(f"check_loss_gradient: loss must be one of {sorted(_LOSS_CASES)}")
    name = _name(fn)
    y_true, y_pred = _LOSS_CASES[loss](np.random.default_rng(3))
    case = f"y_true and y_pred of shape {y_pred.shape}"
    out = np.asarray(_call(fn, y_true, y_pred, case=case))
    expected = losses.get(loss).gradient(y_true, y_pred)
    if not _close(out, expected, rtol=1e-9):
        _gradient_mismatch(name, "y_pred", out, expected, len(y_pred), y_pred.size)
    return f"{name} passed ({loss}: shape, 1/n of the mean, sign, factors)"


@_check
def check_gradient(f, gradient, x, eps=1e-6, tolerance=1e-6):
    """Check ``gradient(x)`` against centered finite differences of the scalar ``f(x)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, the loss as a function of the array ``x``.
    gradient : callable
        ``gradient(x) -> array`` shaped like ``x``: your analytic gradient.
    x : array_like
        Where to check (float64; stay away from kinks such as ReLU at 0).
    eps, tolerance : float
        Step of the differences, and the largest acceptable relative error.

    Catches: a wrong shape (often a transpose), a constant factor (sign, 1/n, 2), wrong values
    (with the entry that is furthest off), float32 inputs (too imprecise to check).
    """
    from .gradcheck import numerical_gradient, relative_error

    x = np.asarray(x)
    name = _name(gradient)
    if x.dtype != np.float64:
        raise _Fail(
            f"check_gradient needs x in float64, got {x.dtype}: in float32 the rounding error "
            "of f swamps the finite difference. Use x.astype(np.float64)"
        )
    x = x.copy()
    case = f"x of shape {x.shape}"
    got = np.asarray(_call(gradient, x.copy(), case=case))
    numeric = numerical_gradient(lambda: float(f(x)), x, eps)
    if got.shape != numeric.shape:
        _gradient_mismatch(name, f"x {x.shape}", got, numeric, 1)
    error = relative_error(got, numeric)
    if not error < tolerance:
        n = x.shape[0] if x.ndim else 1
        factor = _scale_hint(_ratio(got, numeric), n)
        if factor:
            raise _Fail(f"{name}'s gradient {factor} (finite differences; {case})")
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - numeric)), got.shape))
        raise _Fail(
            f"{name}'s gradient disagrees with finite differences (relative error {error:.2g}, "
            f"above {tolerance:g}); the worst entry is {worst}: yours {float(got[worst]):.6g}, "
            f"finite differences {float(numeric[worst]):.6g}"
        )
    return f"{name} passed (relative error {error:.1e} against finite differences, {case})"


# --- learning rates and schedules -------------------------------------------------------------


@_check
def check_learning_rate(lr, hessian):
    """Check a learning rate for gradient descent on a quadratic loss with this ``hessian``.

    Gradient descent multiplies the error along each eigenvector of the Hessian by
    ``1 - lr * lambda`` per step: it converges exactly when ``0 < lr < 2 / lambda_max``, and
    zig-zags along the steepest direction when ``lr > 1 / lambda_max``. ``hessian`` is a
    symmetric matrix, or its eigenvalues as a 1-D array. The success line gives the slowest
    contraction factor and the steps it needs to shrink the error 1000-fold.
    """
    h = np.asarray(hessian, dtype=float)
    eigenvalues = np.linalg.eigvalsh(h) if h.ndim == 2 else np.sort(h)
    lam_min, lam_max = float(eigenvalues.min()), float(eigenvalues.max())
    if lam_min <= 0:
        raise ValueError("check_learning_rate expects a positive definite Hessian")
    if not np.isscalar(lr) and np.ndim(lr) != 0:
        raise _Fail("the learning rate should be one number")
    lr = float(lr)
    threshold = 2 / lam_max
    if not lr > 0:
        raise _Fail(f"the learning rate must be positive, got {lr:g}")
    if lr >= threshold:
        factor = abs(1 - lr * lam_max)
        raise _Fail(
            f"learning rate {lr:g} diverges: it is at or above 2 / lambda_max = {threshold:.4g} "
            f"(lambda_max = {lam_max:.4g}). Each step multiplies the error along the steepest "
            f"direction by |1 - lr * lambda_max| = {factor:.3g} >= 1. Choose a rate below "
            f"{threshold:.4g}; 1 / lambda_max = {1 / lam_max:.4g} does not even oscillate"
        )
    factors = np.abs(1 - lr * eigenvalues)
    slowest = float(factors.max())
    steps = math.ceil(math.log(1e-3) / math.log(slowest)) if slowest > 0 else 1
    note = (
        f"; it zig-zags along the steepest direction (above 1 / lambda_max = {1 / lam_max:.4g})"
        if lr > 1 / lam_max
        else ""
    )
    return (
        f"learning rate {lr:g} converges (below 2 / lambda_max = {threshold:.4g}): the slowest "
        f"direction shrinks by {slowest:.4f} per step, {steps} steps for a 1000-fold reduction"
        f"{note}"
    )


@_check
def check_inverse_time_decay(schedule_class):
    """Check a class ``InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate)``.

    ``schedule(step)`` must be ``initial / (1 + decay_rate * step / decay_steps)``, with ``step``
    the number of updates already made (0 for the first). Catches: a constructor with other
    arguments, off by one, a staircase (``step // decay_steps``), ``decay_steps`` forgotten, an
    exponential decay instead.
    """
    name = _name(schedule_class)
    steps = np.arange(0, 61)
    for initial, decay_steps, rate in [(0.25, 10, 1.0), (0.1, 4, 0.5)]:
        case = f"InverseTimeDecay({initial}, decay_steps={decay_steps}, decay_rate={rate})"
        try:
            schedule = schedule_class(initial, decay_steps, rate)
        except NotImplementedError:
            raise
        except Exception as err:
            raise _Fail(
                f"{name}({initial}, {decay_steps}, {rate}) failed: {type(err).__name__}: {err}. "
                "The constructor takes (initial_learning_rate, decay_steps, decay_rate), as "
                "Keras's does",
                err,
            ) from None
        if not callable(schedule):
            raise _Fail(f"{case} is not callable: give the class a __call__(self, step) method")
        got = np.array([float(_call(schedule, int(s), case=f"{case} at step {s}")) for s in steps])
        expected = initial / (1 + rate * steps / decay_steps)
        if _close(got, expected, rtol=1e-12):
            continue
        variants = [
            (
                initial / (1 + rate * (steps + 1) / decay_steps),
                "is off by one: step counts the "
                "updates already made, so the first update (step 0) uses the initial rate",
            ),
            (
                initial / (1 + rate * (steps // decay_steps)),
                "decays in stairs (step // decay_steps): the decay is smooth, step / decay_steps",
            ),
            (initial / (1 + rate * steps), "forgot to divide the step by decay_steps"),
            (
                initial * rate ** (steps / decay_steps),
                "is an exponential decay, initial * "
                "rate ** (step / decay_steps): inverse-time decay divides, initial / (1 + rate * "
                "step / decay_steps)",
            ),
        ]
        for candidate, hint in variants:
            if _close(got, candidate, rtol=1e-9):
                raise _Fail(f"{name} {hint} ({case})")
        worst = int(np.argmax(np.abs(got - expected)))
        raise _Fail(
            f"{name} is wrong for {case}: at step {worst} it gives {got[worst]:.6g}, expected "
            f"{expected[worst]:.6g}"
        )
    return f"{name} passed (two settings, steps 0 to 60)"


# --- chapter 3: a staircase of sigmoid steps --------------------------------------------------


@_check
def check_staircase(fn):
    """Check ``fn(f, n, steepness)``: a model whose output is the n-level staircase of ``f``.

    The staircase has levels ``f(m_j)`` at the midpoints ``m_j`` of ``n`` equal intervals of
    [0, 1], built from ``n - 1`` hidden sigmoid units (one per interior edge ``e_j``, height the
    *change* of level there) and an output bias equal to the first level. Checked for two
    targets and two sizes inside [0.02, 0.98]. Catches: ``2n`` units (bumps not merged), levels
    used as heights, a missing output bias, steps at the wrong positions, not a model.
    """
    name = _name(fn)
    x = np.linspace(0.02, 0.98, 241)[:, None]

    def staircase(f, n, k, heights="diff", bias=True, positions="edges"):
        edges = np.linspace(0, 1, n + 1)
        levels = f((edges[:-1] + edges[1:]) / 2)
        where = edges[1:-1] if positions == "edges" else ((edges[:-1] + edges[1:]) / 2)[1:]
        h = np.diff(levels) if heights == "diff" else levels[1:]
        return (bias * levels[0]) + activations.sigmoid(k * (x - where)) @ h

    targets = [(np.square, "f(x) = x**2"), (lambda t: np.sin(6 * t), "f(x) = sin(6x)")]
    for (f, label), n in [(targets[0], 5), (targets[1], 20)]:
        k = 100.0 * n
        case = f"{label}, n = {n}, steepness = {k:g}"
        model = _call(fn, f, n, k, case=case)
        if not hasattr(model, "predict"):
            raise _Fail(f"{name} should return an nnlib model (with .predict) for {case}")
        if hasattr(model, "count_params"):
            params = model.count_params()
            if params == 3 * 2 * n + 1:
                raise _Fail(
                    f"{name} builds {2 * n} hidden units for {case}: bump j steps down at e_(j+1) "
                    "exactly where bump j + 1 steps up, so merge each pair into one unit at each "
                    f"interior edge: {n - 1} units"
                )
            if params != 3 * (n - 1) + 1:
                raise _Fail(
                    f"{name}'s model has {params} parameters for {case}; the staircase needs "
                    f"{n - 1} hidden units (3 parameters each) and an output bias, "
                    f"{3 * (n - 1) + 1} in all"
                )
        out = np.asarray(_call(model.predict, x, case=case), dtype=float).reshape(-1)
        expected = staircase(f, n, k)
        if np.max(np.abs(out - expected)) < 1e-6:
            continue
        for candidate, hint in [
            (
                staircase(f, n, k, heights="levels"),
                "uses the levels as step heights: each "
                "unit's height is the *change* of level at its edge, np.diff(levels)",
            ),
            (
                staircase(f, n, k, bias=False),
                "has no output bias: the first level, f(m_0), comes from the output bias",
            ),
            (
                staircase(f, n, k, positions="midpoints"),
                "puts the steps at the midpoints: the "
                "level changes at the interior edges e_1 ... e_(n-1)",
            ),
        ]:
            if np.max(np.abs(out - candidate)) < 1e-6:
                raise _Fail(f"{name} {hint} ({case})")
        worst = int(np.argmax(np.abs(out - expected)))
        raise _Fail(
            f"{name}'s staircase is off by {np.max(np.abs(out - expected)):.3g} for {case} (at "
            f"x = {x[worst, 0]:.3f}: {out[worst]:.4f}, expected {expected[worst]:.4f})"
        )
    return f"{name} passed (n - 1 units; two targets; n = 5 and 20)"
