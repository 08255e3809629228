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
    "check_conv2d",
    "check_dense_backward",
    "check_dense_forward",
    "check_feature",
    "check_forward_pass",
    "check_gradient",
    "check_inverse_time_decay",
    "check_iterated_fgsm",
    "check_learning_rate",
    "check_loss_gradient",
    "check_network_backward",
    "check_proximal_l1",
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
    if c == 0:
        return "is all zeros: nothing was computed (or assigned) yet"
    if math.isclose(c, 1.0, rel_tol=1e-4):
        return (
            f"agrees only to about {abs(c - 1):.0e} (relative), short of the precision float64 "
            "gives: was it computed in float32?"
        )
    if math.isclose(c, -1.0, rel_tol=1e-6):
        return (
            "has the wrong sign (it points uphill): is a subtraction the wrong way round, "
            "such as (target - prediction)?"
        )
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
            "in float32 would silently upcast (nnlib keeps float32 end to end, and every check "
            "asks the same): avoid float64 constants such as np.float64(1), .astype(float) and "
            "np.zeros(shape) without a dtype; use the input's, e.g. .astype(z.dtype) or "
            "np.zeros(shape, dtype=X.dtype)"
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
                "The result, about 1e-13, is tiny, and a formula of the form 1 - (a number near "
                "1), such as 1 - sigmoid(-z) or 0.5 * (1 + np.tanh(z / 2)), keeps only its first "
                "few digits; for z < 0 use e / (1 + e) with e = np.exp(z)",
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
    """A forward pass may return ``A`` or ``(A, cache)`` (chapter 4's forward_pass), as a tuple
    or a list."""
    if isinstance(out, tuple | list) and len(out) == 2 and not np.isscalar(out[0]):
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
    try:
        out = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        count = f" of {len(out)} items" if isinstance(out, tuple | list) else ""
        raise _Fail(
            f"{name} returned a {type(out).__name__}{count} for {case}, not one array: return "
            "A, the last layer's output (or the pair (A, cache))"
        ) from None
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
            elif (
                f.derivative is not None  # softmax has a Jacobian instead
                and _close(dW, X.T @ (dA * f.derivative(A)))
                and not _close(dW, expected["W"])
            ):
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
    for p in model.parameters():  # fn must compute them, not read the ones just computed
        p.grad = np.zeros_like(p.value)
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
    in the mean (or, for categorical cross-entropy, wrongly included), a missing factor 2, the
    wrong sign, the wrong shape, the gradient at the logits ``(p - y) / n`` instead.
    """
    if loss not in _LOSS_CASES:
        raise ValueError(f"check_loss_gradient: loss must be one of {sorted(_LOSS_CASES)}")
    name = _name(fn)
    y_true, y_pred = _LOSS_CASES[loss](np.random.default_rng(3))
    case = f"y_true and y_pred of shape {y_pred.shape}"
    out = np.asarray(_call(fn, y_true, y_pred, case=case))
    expected = losses.get(loss).gradient(y_true, y_pred)
    if not _close(out, expected, rtol=1e-9):
        n = len(y_pred) if loss == "categorical_crossentropy" else y_pred.size
        if loss != "mse" and out.shape == y_pred.shape and _close(out, (y_pred - y_true) / n):
            right = "-(y / p - (1 - y) / (1 - p))" if loss == "binary_crossentropy" else "-y / p"
            raise _Fail(
                f"{name} returns (p - y) / n, the gradient at the logits z (through the sigmoid "
                "or softmax, as the fused loss computes it); this asks for dL/dp, the gradient at "
                f"the probabilities: {right}, divided by n ({case})"
            )
        ratio = _ratio(out, expected)
        if loss == "categorical_crossentropy" and ratio and math.isclose(ratio, n / y_pred.size):
            raise _Fail(
                f"{name}'s gradient is {y_pred.shape[1]} times too small: categorical "
                "cross-entropy sums over the classes and averages over the examples only, so "
                f"divide by n = {n}, not by y_pred.size ({case})"
            )
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

    Catches: a wrong shape (often a transpose), a transposed square gradient, a constant factor
    (the sign, 1/2, 2, all zeros; it cannot tell a missing 1/n, as it does not know n), wrong
    values (with the entry that is furthest off), float32 inputs (too imprecise to check). Near
    a minimum, where the gradient is as small as the rounding noise of the finite differences,
    it passes and says so: check at another point as well.
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
    # Finite differences carry rounding noise of about machine epsilon * |f| / eps; near a
    # minimum, where the gradient itself is that small, it decides the relative error.
    noise = 10 * np.finfo(np.float64).eps * max(1.0, abs(float(f(x)))) / eps * math.sqrt(x.size)
    if not error < tolerance and np.linalg.norm(got - numeric) > noise:
        # Only factors that do not depend on n: this check cannot know the number of examples.
        factor = _scale_hint(_ratio(got, numeric), 1)
        if factor:
            raise _Fail(f"{name}'s gradient {factor} (finite differences; {case})")
        if x.ndim == 2 and x.shape[0] == x.shape[1] and _close(got, numeric.T, rtol=1e-5):
            raise _Fail(f"{name}'s gradient is transposed (finite differences; {case})")
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(got - numeric)), got.shape))
        raise _Fail(
            f"{name}'s gradient disagrees with finite differences (relative error {error:.2g}, "
            f"above {tolerance:g}); the worst entry is {worst}: yours {float(got[worst]):.6g}, "
            f"finite differences {float(numeric[worst]):.6g}"
        )
    if not error < tolerance:
        return (
            f"{name} passed, but only just: the gradient here ({np.linalg.norm(numeric):.1e}) is "
            "as small as the rounding noise of finite differences (a minimum?); check at "
            f"another point too ({case})"
        )
    return f"{name} passed (relative error {error:.1e} against finite differences, {case})"


# --- learning rates and schedules -------------------------------------------------------------


def _log_abs_1_minus(x):
    """``log |1 - x|``, exact for tiny ``x`` (-inf at ``x = 1``)."""
    return math.log1p(-x) if x < 1 else math.log(x - 1) if x > 1 else -math.inf


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
    eigenvalues = np.linalg.eigvalsh(h) if h.ndim == 2 else np.sort(np.atleast_1d(h))
    lam_min, lam_max = float(eigenvalues.min()), float(eigenvalues.max())
    if lam_min <= 0:
        raise ValueError("check_learning_rate expects a positive definite Hessian")
    if not np.isscalar(lr) and np.ndim(lr) != 0:
        raise _Fail("the learning rate should be one number")
    lr = float(lr)
    threshold = 2 / lam_max
    if not lr > 0:
        raise _Fail(f"the learning rate must be positive, got {lr:g}")
    if math.isclose(lr, threshold, rel_tol=1e-12):
        raise _Fail(
            f"learning rate {lr:g} is exactly 2 / lambda_max (lambda_max = {lam_max:.4g}): along "
            "the steepest direction each step multiplies the error by 1 - lr * lambda_max = -1, "
            "so it flips sign for ever without shrinking. Choose a rate below it"
        )
    if lr > threshold:
        factor = abs(1 - lr * lam_max)
        raise _Fail(
            f"learning rate {lr:g} diverges: it is above 2 / lambda_max = {threshold:.4g} "
            f"(lambda_max = {lam_max:.4g}). Each step multiplies the error along the steepest "
            f"direction by |1 - lr * lambda_max| = {factor:.3g} >= 1. Choose a rate below "
            f"{threshold:.4g}; 1 / lambda_max = {1 / lam_max:.4g} does not even oscillate"
        )
    # The slowest direction shrinks by max |1 - lr lambda|, reached at lambda_min or lambda_max;
    # log1p keeps its log exact for tiny rates, where 1 - lr * lambda_min rounds to 1.
    slowest = max(abs(1 - lr * lam_min), abs(1 - lr * lam_max))
    log_slowest = max(_log_abs_1_minus(lr * lam_min), _log_abs_1_minus(lr * lam_max))
    steps = max(1, math.ceil(math.log(1e-3) / log_slowest)) if log_slowest > -math.inf else 1
    steps_text = str(steps) if steps < 1e6 else f"{steps:.2g}"
    note = (
        f"; it zig-zags along the steepest direction (above 1 / lambda_max = {1 / lam_max:.4g})"
        if lr > 1 / lam_max
        else ""
    )
    return (
        f"learning rate {lr:g} converges (below 2 / lambda_max = {threshold:.4g}): the slowest "
        f"direction shrinks by {slowest:.4f} per step, {steps_text} steps for a 1000-fold "
        "reduction"
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
    # (With decay_rate 1 an exponential decay, initial * 1 ** x, would not decay at all.)
    for initial, decay_steps, rate in [(0.1, 4, 0.5), (0.25, 10, 1.0)]:
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
        # Asked in a shuffled order: the rate must follow from the step, not from the calls.
        got = np.empty(len(steps))
        for s in np.random.default_rng(0).permutation(steps):
            got[s] = float(_call(schedule, int(s), case=f"{case} at step {s}"))
        expected = initial / (1 + rate * steps / decay_steps)
        if _close(got, expected, rtol=1e-12):
            continue
        if np.all(got == got[0]):
            raise _Fail(
                f"{name} does not decay: it gives {got[0]:.6g} at every step ({case}); the rate "
                "must shrink as step grows, initial / (1 + rate * step / decay_steps)"
            )
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


# --- chapter 7: a convolution layer's forward pass --------------------------------------------


def _conv_reference(X, K, b, stride=1, padding="valid"):
    """nnlib's ``Conv2D`` forward pass (tested against SciPy) with kernels K and biases b."""
    from .conv import Conv2D

    layer = Conv2D(
        K.shape[3], K.shape[:2], strides=stride, padding=padding, input_shape=X.shape[1:]
    )
    layer.set_weights([K, b])
    return layer(np.asarray(X, dtype=np.float64))


def _conv_pads(size, window, stride, padding):
    from .conv import output_length

    return output_length(size, window, stride, padding)


def _conv_mistakes(X, K, b, stride, padding, pads_h, pads_w):
    """``(output, hint)`` for each common mistake of a convolution that applies to this case."""
    c_in, c_out = K.shape[2:]
    kh, kw = K.shape[:2]
    mistakes = [
        (
            (X, K[::-1, ::-1], b, stride, padding),
            "flips the kernel: that is a true convolution. What Conv2D (and Keras, PyTorch) "
            "computes is a cross-correlation, sum X[r*s + i, c*s + j] * K[i, j], the kernel as "
            "it is",
        ),
        (
            (X, K, 0 * b, stride, padding),
            "forgot the bias: add b[f] to every position of feature map f",
        ),
        (
            (X[..., :1], K[:, :, :1], b, stride, padding),
            "uses only the first input channel: each kernel spans all C_in channels, so sum over "
            "k as well, X[n, r*s + i, c*s + j, k] * K[i, j, k, f]",
        ),
    ]
    if c_in == c_out > 1:
        mistakes.append(
            (
                (X, K.transpose(0, 1, 3, 2), b, stride, padding),
                "swaps the kernel's channel axes: K has shape (kh, kw, C_in, C_out), so "
                "K[i, j, k, f] multiplies input channel k for output channel f",
            )
        )
    if padding == "same" and (pads_h[0] != pads_h[1] or pads_w[0] != pads_w[1]):
        where = f"here {pads_h} rows above and below, {pads_w} columns left and right"
        # PyTorch's rule first: with stride 2 the last padded row can go unused, and then a
        # learner padding k - 1 zeros evenly matches both mistakes.
        for pads, hint in [
            (
                ((kh // 2, kh // 2), (kw // 2, kw // 2)),
                "pads as for stride 1, kh // 2 zeros on every side (PyTorch's padding=k // 2; "
                "k - 1 zeros in all is right only for stride 1). Keras's 'same' pads "
                "max((H_out - 1) * stride + kh - H, 0) zeros in all, the extra one at the bottom "
                f"(right): {where}",
            ),
            (
                (pads_h[::-1], pads_w[::-1]),
                "puts the odd row (column) of zeros at the top (left). Keras's 'same' splits the "
                f"zeros evenly with the extra one at the bottom (right): {where}",
            ),
        ]:
            Xp = np.pad(X, ((0, 0), *pads, (0, 0)))
            mistakes.append(((Xp, K, b, stride, "valid"), hint))
    found = []
    for args, hint in mistakes:
        try:
            found.append((_conv_reference(*args), hint))
        except ValueError:  # the mistake cannot happen for this case (e.g. a shape that fails)
            continue
    return found


@_check
def check_conv2d(fn):
    """Check ``fn(X, K, b, stride=1, padding="valid")``: a ``Conv2D`` forward pass from scratch.

    ``X`` is a batch of channels-last images ``(n, H, W, C_in)``, ``K`` the kernels
    ``(kh, kw, C_in, C_out)`` and ``b`` the biases ``(C_out,)``; the result ``(n, Ho, Wo, C_out)``
    is the cross-correlation (no flip) summed over the input channels, plus the bias, with
    Keras's output sizes: ``floor((H - kh) / s) + 1`` for ``"valid"``, ``ceil(H / s)`` for
    ``"same"``, whose zeros are split evenly with the odd one at the bottom (right). Catches: a
    flipped kernel (a true convolution), a forgotten bias, channels-first output, height and width
    swapped, only the first input channel used, the kernel's channel axes swapped, the stride
    ignored or the wrong output size, ``"same"`` ignored, the odd zero at the top (left), PyTorch's
    ``k // 2`` zeros on every side, float32 upcast, changing ``X``.
    """
    name = _name(fn)
    rng = np.random.default_rng(7)
    cases = [  # (what, X shape, K shape, stride, padding)
        ("one channel, a 3x2 kernel, stride 1, 'valid'", (2, 5, 6, 1), (3, 2, 1, 1), 1, "valid"),
        ("3 input and 2 output channels, 'valid'", (2, 5, 5, 3), (3, 3, 3, 2), 1, "valid"),
        ("2 input and 2 output channels, 'valid'", (2, 4, 5, 2), (2, 3, 2, 2), 1, "valid"),
        ("stride 2, 'valid'", (1, 8, 7, 1), (3, 3, 1, 1), 2, "valid"),
        ("a 2x2 kernel, stride 1, 'same'", (1, 5, 6, 1), (2, 2, 1, 1), 1, "same"),
        ("2 channels, stride 2, 'same'", (2, 8, 7, 2), (3, 3, 2, 2), 2, "same"),
    ]
    for what, x_shape, k_shape, stride, padding in cases:
        X, K = rng.normal(size=x_shape), rng.normal(size=k_shape)
        b = rng.normal(size=k_shape[3])
        n, H, W, c_in = x_shape
        kh, kw, _, c_out = k_shape
        case = f"{what}: X {x_shape}, K {k_shape}, stride={stride}, padding={padding!r}"
        out = np.asarray(_call(fn, X, K, b, stride, padding, case=case))
        expected = _conv_reference(X, K, b, stride, padding)
        (Ho, pads_h), (Wo, pads_w) = (
            _conv_pads(H, kh, stride, padding),
            _conv_pads(W, kw, stride, padding),
        )
        if out.shape != expected.shape:
            hint = f"{name} returned shape {out.shape} for {case}, expected {expected.shape}"
            if out.shape == (n, c_out, Ho, Wo) and c_out != Ho:
                hint += (
                    ": channels first. Images and feature maps are channels-last, as in Keras: "
                    "(n, H_out, W_out, C_out)"
                )
            elif out.shape == (n, Wo, Ho, c_out):
                hint += (
                    ": height and width are swapped. Axis 1 is the rows (the height H, with "
                    "kernel index i), axis 2 the columns (W, with j)"
                )
            elif out.shape == (n, Ho, Wo):
                hint += (
                    ": keep the channel axis, one feature map per kernel, (n, H_out, W_out, C_out)"
                )
            elif out.shape == (Ho, Wo, c_out) or out.shape == (n, Ho, Wo, c_in, c_out):
                hint += (
                    ": sum over the input channels (and keep the batch axis): each output is "
                    "the sum over i, j and k of X[n, r*s + i, c*s + j, k] * K[i, j, k, f]"
                )
            elif stride > 1 and out.shape[1:3] == (H - kh + 1, W - kw + 1):
                hint += (
                    f": it ignores the stride. With stride {stride} the kernel moves {stride} "
                    "pixels at a time: rows r * stride + i, floor((H - kh) / stride) + 1 of them"
                )
            elif padding == "same" and out.shape[1:3] == (
                (H - kh) // stride + 1,
                (W - kw) // stride + 1,
            ):
                hint += (
                    ": that is 'valid'. padding='same' first pads with zeros, so that there are "
                    f"ceil(H / stride) = {Ho} rows and ceil(W / stride) = {Wo} columns"
                )
            elif padding == "same" and out.shape[1:3] == (
                (H + 2 * (kh // 2) - kh) // stride + 1,
                (W + 2 * (kw // 2) - kw) // stride + 1,
            ):
                hint += (
                    ": it pads kh // 2 zeros on every side (PyTorch's padding=k // 2). Keras's "
                    f"'same' gives ceil(H / stride) = {Ho} rows and ceil(W / stride) = {Wo} "
                    "columns: it pads max((H_out - 1) * stride + kh - H, 0) zeros in all, "
                    f"here {pads_h} rows above and below and {pads_w} columns left and right, the "
                    "extra one at the bottom (right)"
                )
            elif padding == "same":
                hint += (
                    f": 'same' gives ceil(H / stride) = {Ho} rows and ceil(W / stride) = {Wo} "
                    f"columns, padding max((H_out - 1) * stride + kh - H, 0) = {sum(pads_h)} rows "
                    f"and {sum(pads_w)} columns of zeros in all"
                )
            else:
                hint += (
                    f": 'valid' gives floor((H - kh) / stride) + 1 = {Ho} rows and "
                    f"floor((W - kw) / stride) + 1 = {Wo} columns"
                )
            raise _Fail(hint)
        out = _array(out, name, case, expected.shape)
        if _close(out, expected, rtol=1e-9, atol=1e-9):
            continue
        for candidate, hint in _conv_mistakes(X, K, b, stride, padding, pads_h, pads_w):
            if candidate.shape == out.shape and _close(out, candidate, rtol=1e-9, atol=1e-9):
                raise _Fail(f"{name} {hint} ({case})")
        worst = np.unravel_index(np.argmax(np.abs(out - expected)), out.shape)
        raise _Fail(
            f"{name} gives wrong values for {case}: at index {tuple(int(i) for i in worst)} "
            f"{out[worst]:.6g}, expected {expected[worst]:.6g}"
        )
    X = rng.normal(size=(1, 6, 6, 2)).astype(np.float32)
    K = rng.normal(size=(3, 3, 2, 2)).astype(np.float32)
    b = rng.normal(size=2).astype(np.float32)
    case = "float32 images, kernels and biases"
    out = np.asarray(_call(fn, X, K, b, 1, "same", case=case))
    if out.dtype != np.float32:
        raise _Fail(
            f"{name} turned float32 inputs into {out.dtype} for {case}: create arrays with "
            "dtype=X.dtype (np.zeros(shape) is float64)"
        )
    if not _close(out, _conv_reference(X, K, b, 1, "same"), rtol=1e-4, atol=1e-5):
        raise _Fail(f"{name} gives wrong values for {case}")
    return (
        f"{name} passed (one and several channels; a non-square kernel; stride 2; 'valid' and "
        "'same', the odd zero at the bottom and right; float32 kept; input untouched)"
    )


# --- chapter 8: soft thresholding (a proximal step for L1) after every batch -----------------


def _soft(W, threshold):
    return np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)


@_check
def check_proximal_l1(callback_class):
    """Check a callback class ``ProximalL1(strength)`` that soft-thresholds after every batch.

    After every gradient step its ``on_batch_end`` must apply
    ``w <- sign(w) * max(|w| - lr * strength, 0)`` to the kernel of every ``Dense`` layer, with
    ``lr`` the optimizer's learning rate (``self.model.optimizer.lr``), and leave the biases
    alone. The check trains a ``Dense``, ``Dropout``, ``Dense`` model whose data gradient is
    exactly zero (all inputs 0, the targets equal to the output bias) with ``SGD(0.2)`` for 2
    epochs of 3 batches, so the kernels must end at the soft threshold of their start by
    ``6 * 0.2 * strength``. Catches: a constructor with other arguments, not a ``Callback``,
    layers without weights, the threshold without the learning rate (or a fixed one), the wrong
    hook (once per epoch), the sign lost, no ``max(., 0)`` (a weight jumping across zero), a hard
    threshold, only some layers, the biases shrunk too, a change made to a local copy.
    """
    from .callbacks import Callback
    from .layers import Dense, Dropout
    from .model import Sequential
    from .optimizers import SGD

    name = _name(callback_class)
    strength, lr, epochs, batches = 0.05, 0.2, 2, 3
    steps = epochs * batches
    threshold = lr * strength  # 0.01 per step, 0.06 in all
    try:
        callback = callback_class(strength)
    except NotImplementedError:
        raise
    except Exception as err:
        raise _Fail(
            f"{name}({strength}) failed: {type(err).__name__}: {err}. The constructor takes one "
            "argument, the L1 strength",
            err,
        ) from None
    if not isinstance(callback, Callback):
        raise _Fail(
            f"{name} is not an nnlib Callback: write class {name}(Callback) (from nnlib import "
            "Callback), so that fit can call all its hooks"
        )
    model = Sequential(
        [Dense(4, input_shape=(3,)), Dropout(0.5, seed=0), Dense(2)],
        seed=0,
    )
    kernels = [
        np.array(
            [
                [0.5, -0.6, 0.03, -0.02],
                [0.04, -0.05, 0.7, -0.8],
                [0.01, 0.9, -0.55, 0.0],
            ]
        ),
        np.array([[-0.65, 0.02], [0.75, -0.04], [0.045, 0.6], [-0.005, -0.5]]),
    ]
    bias_out = np.array([0.3, -0.2])
    model.set_weights([kernels[0], np.zeros(4), kernels[1], bias_out])
    model.compile(optimizer=SGD(lr), loss="mse")
    X, y = np.zeros((6, 3)), np.tile(bias_out, (6, 1))
    case = (
        f"{name}({strength}) on Dense(4), Dropout, Dense(2) trained with SGD({lr}) for {epochs} "
        f"epochs of {batches} batches, no data gradient"
    )
    try:
        model.fit(X, y, epochs=epochs, batch_size=2, shuffle=False, callbacks=[callback])
    except NotImplementedError:
        raise
    except AttributeError as err:
        hint = f"{name} raised AttributeError during fit ({case}): {err}"
        if "Dropout" in str(err):
            hint += (
                ". Not every layer has weights: apply the threshold to the Dense layers only "
                "(isinstance(layer, Dense))"
            )
        raise _Fail(hint, err) from None
    except Exception as err:
        raise _Fail(f"{name} raised {type(err).__name__} during fit ({case}): {err}", err) from None
    W1, b1, W2, b2 = (np.asarray(w) for w in model.get_weights())
    got, start = [W1, W2], kernels
    expected = [_soft(W, steps * threshold) for W in start]
    if not (np.array_equal(b1, np.zeros(4)) and _close(b2, bias_out, rtol=1e-12, atol=0)):
        raise _Fail(
            f"{name} changed the biases ({case}): the L1 penalty, like kernel_regularizer, is on "
            "the kernels only; threshold layer.W, not layer.b"
        )
    if all(_close(g, e, rtol=1e-9, atol=1e-12) for g, e in zip(got, expected, strict=True)):
        return (
            f"{name} passed (every Dense kernel, after every batch, by lr * strength; exact "
            "zeros; biases and signs kept)"
        )
    changed = [not np.array_equal(g, s) for g, s in zip(got, start, strict=True)]
    if not any(changed):
        raise _Fail(
            f"{name} changed no weight ({case}). Is the method called on_batch_end(self, batch, "
            "logs=None)? Does it write into the weights (W[...] = ... or layer.W.value = ...) "
            "rather than rebind a local name?"
        )
    if not all(changed):
        which = " and ".join(f"Dense layer {k + 1}" for k, c in enumerate(changed) if not c)
        raise _Fail(
            f"{name} left {which} unchanged ({case}): apply the threshold to every Dense layer "
            "of self.model.layers"
        )
    for g, s in zip(got, start, strict=True):
        if np.all(g >= 0) and np.any(s < -steps * threshold):
            raise _Fail(
                f"{name} loses the sign: negative weights became positive ({case}). Shrink the "
                "size and keep the sign: np.sign(W) * np.maximum(np.abs(W) - threshold, 0)"
            )
    large = [np.abs(s) > 0.45 for s in start]  # far above any plausible total threshold
    shrink = np.concatenate(
        [(np.abs(s) - np.abs(g))[m] for g, s, m in zip(got, start, large, strict=True)]
    )
    zeroed = any(np.any((g == 0) & (s != 0)) for g, s in zip(got, start, strict=True))
    if np.allclose(shrink, 0, atol=1e-12) and zeroed:
        raise _Fail(
            f"{name} sets the small weights to 0 but leaves the others as they are ({case}): that "
            "is a hard threshold. The soft threshold also shrinks every other weight by "
            "lr * strength, sign(w) * max(|w| - lr * strength, 0)"
        )
    if np.allclose(shrink, shrink[0], rtol=1e-6, atol=1e-12) and shrink[0] > 0:
        per_step = shrink[0] / steps
        if math.isclose(per_step, threshold, rel_tol=1e-6):
            raise _Fail(
                f"{name} shrinks the large weights correctly but not the small ones ({case}): "
                "without max(|w| - threshold, 0) a weight smaller than the threshold jumps "
                "across zero instead of landing on it. Use "
                "np.sign(W) * np.maximum(np.abs(W) - threshold, 0)"
            )
        if math.isclose(per_step, strength, rel_tol=1e-6):
            raise _Fail(
                f"{name} shrinks by the strength alone ({case}): the threshold of one step is "
                f"the learning rate times the strength, lr * strength = {lr} * {strength} "
                "(read lr from self.model.optimizer.lr)"
            )
        applications = shrink[0] / threshold
        if abs(applications - round(applications)) < 1e-6 and round(applications) in (1, epochs):
            raise _Fail(
                f"{name} applies the threshold {round(applications)} times in {steps} gradient "
                f"steps ({case}): it must follow every step, in on_batch_end (on_epoch_end runs "
                "once per epoch)"
            )
        raise _Fail(
            f"{name} shrinks each weight by {per_step:.4g} per step ({case}), expected "
            f"lr * strength = {threshold:g}: read the learning rate from the model's optimizer, "
            "self.model.optimizer.lr, and do not fix it in the code"
        )
    worst = max(
        (float(np.max(np.abs(g - e))), k)
        for k, (g, e) in enumerate(zip(got, expected, strict=True))
    )
    raise _Fail(
        f"{name} gives the wrong weights ({case}): Dense layer {worst[1] + 1} is off by up to "
        f"{worst[0]:.3g}. After each batch, W = np.sign(W) * np.maximum(np.abs(W) - lr * "
        "strength, 0)"
    )


# --- chapter 9: an iterated gradient-sign attack ----------------------------------------------


@_check
def check_iterated_fgsm(fn):
    """Check ``fn(model, X, y, epsilon, steps=10)``: the basic iterative method (Kurakin et al.).

    Expected: ``steps`` steps of ``explain.fgsm`` with ``alpha = epsilon / 4``, each from the
    previous step's result and clipped to ``[0, 1]``, each followed by the projection onto the
    allowed set, ``np.clip(X_adv, X - epsilon, X + epsilon)`` with the *original* ``X``. Checked on
    a small softmax classifier with 10 and 3 steps. Catches: no projection (or one around the
    current point), no clipping to ``[0, 1]``, steps of size ``epsilon``, a single step (or every
    step from ``X``), the ``steps`` argument ignored, the wrong sign (lowering the loss), changing
    ``X``.
    """
    from . import explain
    from .layers import Dense
    from .model import Sequential

    name = _name(fn)
    rng = np.random.default_rng(9)
    model = Sequential(
        [Dense(16, activation="relu", input_shape=(8,)), Dense(3, activation="softmax")], seed=3
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    X = rng.uniform(0.0, 1.0, size=(12, 8))
    X[:, 0], X[:, 1] = 0.0, 1.0  # pixels at the ends of the range, where clipping matters
    y = rng.integers(0, 3, size=12)
    epsilon = 0.2

    def attack(steps, alpha=epsilon / 4, project=True, clip=True, sign=1.0, restart=False):
        X_adv = X.copy()
        for _ in range(steps):
            start = X if restart else X_adv
            X_adv = start + sign * alpha * np.sign(explain.input_gradient(model, start, y))
            if clip:
                X_adv = np.clip(X_adv, 0.0, 1.0)
            if project:
                X_adv = np.clip(X_adv, X - epsilon, X + epsilon)
        return X_adv

    for steps in (10, 3):
        case = f"epsilon = {epsilon}, steps = {steps}, 12 examples of 8 inputs in [0, 1]"
        out = _array(_call(fn, model, X, y, epsilon, steps, case=case), name, case, X.shape).astype(
            float
        )
        expected = attack(steps)
        if _close(out, expected, rtol=1e-9, atol=1e-9):
            continue
        if out.min() < -1e-9 or out.max() > 1 + 1e-9:
            raise _Fail(
                f"{name} leaves the valid range [0, 1] ({_fmt(out.min())} to {_fmt(out.max())}) "
                f"for {case}: clip every step, explain.fgsm(..., clip=(0, 1))"
            )
        distance = float(np.max(np.abs(out - X)))
        if distance > epsilon + 1e-9:
            raise _Fail(
                f"{name} moves a pixel by {distance:.3g}, more than epsilon = {epsilon}, for "
                f"{case}: after every step project back onto the allowed set, "
                "np.clip(X_adv, X - epsilon, X + epsilon), with the original X"
            )
        variants = [
            (
                attack(steps, alpha=epsilon),
                "takes steps of size epsilon: each step is alpha = epsilon / 4, and the "
                "projection keeps the total within epsilon",
            ),
            (
                attack(steps, restart=True),
                "takes one step only (or starts every step from X): each step must start from "
                "the previous step's X_adv, and there are `steps` of them",
            ),
            (
                attack(steps, sign=-1.0),
                "steps down the gradient, which lowers the loss and helps the model: an attack "
                "adds alpha * sign(dL/dX), which explain.fgsm does",
            ),
        ]
        if steps != 10:
            variants.append(
                (
                    attack(10),
                    "ignores its `steps` argument and always takes 10 steps: loop range(steps)",
                )
            )
        for candidate, hint in variants:
            if _close(out, candidate, rtol=1e-9, atol=1e-9):
                raise _Fail(f"{name} {hint} ({case})")
        wrong = int(np.sum(~np.isclose(out, expected, rtol=1e-9, atol=1e-9)))
        raise _Fail(
            f"{name} differs from {steps} steps of explain.fgsm with alpha = epsilon / 4, each "
            f"clipped to [0, 1] and projected onto [X - epsilon, X + epsilon], in {wrong} of "
            f"{out.size} entries ({case})"
        )
    return (
        f"{name} passed (alpha = epsilon / 4; 10 and 3 steps, each from the last; clipped to "
        "[0, 1] and to epsilon around the original X)"
    )


# --- chapter 10: an input feature of the playground -------------------------------------------

#: The input features ``check_feature`` knows: the playground's seven and the radius.
FEATURE_FORMULAS = {
    "x1": ("x1", lambda x1, x2: x1),
    "x2": ("x2", lambda x1, x2: x2),
    "x1^2": ("x1**2", lambda x1, x2: x1**2),
    "x2^2": ("x2**2", lambda x1, x2: x2**2),
    "x1*x2": ("x1 * x2", lambda x1, x2: x1 * x2),
    "sin(x1)": ("np.sin(x1)", lambda x1, x2: np.sin(x1)),
    "sin(x2)": ("np.sin(x2)", lambda x1, x2: np.sin(x2)),
    "radius": ("np.sqrt(x1**2 + x2**2)", lambda x1, x2: np.sqrt(x1**2 + x2**2)),
}


@_check
def check_feature(fn, feature="radius"):
    """Check ``fn(X) -> F``: one input feature of the playground for points ``X`` of shape (n, 2).

    ``feature`` is a key of ``FEATURE_FORMULAS`` (``"radius"`` for r = sqrt(x1**2 + x2**2), or
    one of the playground's seven); ``x1`` is column 0 of ``X`` and ``x2`` column 1. The result
    must be a column of shape ``(n, 1)``, like the playground's features, so that features can
    be stacked side by side. Catches: a flat ``(n,)`` array, a reduction over the points
    (axis 0) or over the whole array, the squared radius or the L1 norm for the radius, another
    feature (e.g. x1 and x2 swapped), float32 upcast, changing ``X``.
    """
    if feature not in FEATURE_FORMULAS:
        raise ValueError(f"check_feature: feature must be one of {sorted(FEATURE_FORMULAS)}")
    name = _name(fn)
    formula, reference = FEATURE_FORMULAS[feature]
    X = np.array([[3.0, 4.0], [-1.0, 2.0], [0.0, 0.0], [-2.5, -0.5], [5.0, -1.0], [0.5, 0.25]])
    x1, x2 = X[:, 0], X[:, 1]
    expected = reference(x1, x2)[:, None]
    case = f"X of shape {X.shape} (6 points)"
    out = np.asarray(_call(fn, X.copy(), case=case))
    if out.shape != expected.shape:
        hint = f"{name} returned shape {out.shape} for {case}, expected {expected.shape}"
        if out.shape == (len(X),):
            hint += (
                ": a flat array. The playground's features are columns, one row per point, so "
                "that several fit side by side: keep the axis (keepdims=True) or add it, F[:, None]"
            )
        elif out.size == 2 and out.ndim <= 2:
            hint += (
                ": it reduces over the points (axis 0) instead of over x1 and x2 of each point; "
                "use axis=1 (with keepdims=True)"
            )
        elif out.ndim == 0:
            hint += (
                ": one number for the whole array (np.linalg.norm(X) or np.sum without an axis); "
                "compute it for each point, axis=1"
            )
        raise _Fail(hint)
    out = _array(out, name, case, expected.shape)
    if not _close(out, expected, rtol=1e-9, atol=1e-12):
        variants = [
            (other, ref(x1, x2)[:, None])
            for other, (_, ref) in FEATURE_FORMULAS.items()
            if other != feature
        ]
        if feature == "radius":
            variants = [
                ("x1**2 + x2**2, the squared radius: take its square root", x1**2 + x2**2),
                ("|x1| + |x2|, the L1 norm: r = sqrt(x1**2 + x2**2)", np.abs(x1) + np.abs(x2)),
                ("max(|x1|, |x2|): r = sqrt(x1**2 + x2**2)", np.maximum(np.abs(x1), np.abs(x2))),
                *[(f"the feature {o!r} instead of {formula}", v) for o, v in variants],
            ]
        else:
            swapped = reference(x2, x1)[:, None]
            variants = [
                (f"{formula} with x1 and x2 swapped: x1 is X[:, 0], x2 is X[:, 1]", swapped),
                *[(f"the feature {o!r} instead of {formula}", v) for o, v in variants],
            ]
        for hint, candidate in variants:
            candidate = np.reshape(candidate, expected.shape)
            if _close(out, candidate, rtol=1e-9, atol=1e-12):
                raise _Fail(f"{name} computes {hint} ({case})")
        worst = int(np.argmax(np.abs(out - expected)[:, 0]))
        raise _Fail(
            f"{name} gives {out[worst, 0]:.6g} for the point {_fmt(X[worst])}, expected "
            f"{formula} = {expected[worst, 0]:.6g} ({case})"
        )
    one = np.array([[-3.0, 4.0]])
    case = "a single point, X of shape (1, 2)"
    out = _array(_call(fn, one.copy(), case=case), name, case, (1, 1))
    if not _close(out, reference(one[:, 0], one[:, 1])[:, None]):
        raise _Fail(f"{name} gives {_fmt(out)} for {case}")
    _float32(fn, X, "float32 points", expected)
    return f"{name} passed ({feature} = {formula}; a column (n, 1); float32 kept; input untouched)"
