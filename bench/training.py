"""Training speed: nnlib against PyTorch and scikit-learn, and the matrix-multiply-only bound.

Two tasks, the same multilayer perceptron everywhere (ReLU hidden layers, softmax output,
cross-entropy, Adam with lr 1e-3 and epsilon 1e-7, float32, shuffled mini-batches):

- MNIST-sized: ``bench.data.make_mnist_like`` (60,000 × 784), 784-256-128-10, batch 128;
- the 8×8 digits (``nnlib.datasets.load_digits``, 1,797 × 64), 64-64-10, batch 32, where the
  per-call overhead of a library dominates.

Each contender runs in its own process (its own thread settings; PyTorch's flush-to-zero mode
is a property of the CPU thread and must not leak into NumPy's measurements), keeps its model
from epoch to epoch, and the contenders take turns epoch by epoch, so that a change in the
machine's load hits all of them alike. The numbers are medians over epochs 2 to the last.
With two threads, each turn starts a quarter of a second after the last one ended: after a
matrix product, OpenBLAS's worker threads (NumPy's, in nnlib and in the bound) keep a core busy
for about 0.1 s, which would slow whichever contender comes next (PyTorch's epoch by 5-10%).

"Where nnlib's epoch goes" splits nnlib's epoch into the matrix products, Adam's steps and the
rest. A second thread speeds up only the first part: OpenBLAS splits a matrix product between
the threads, but each of NumPy's element-wise operations (Adam's updates, ReLU and its gradient,
the softmax) runs on one core. PyTorch splits its larger element-wise operations between the
threads as well.
"""

import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from nnlib import Adam, Dense, Sequential
from nnlib.optimizers import Optimizer

from .common import Stopwatch, goal, load_average, median

DESCRIPTION = __doc__.split("\n\n", 1)[1]

MNIST = {"name": "mnist", "sizes": (784, 256, 128, 10), "batch": 128}
DIGITS = {"name": "digits", "sizes": (64, 64, 10), "batch": 32}
LR, EPSILON = 1e-3, 1e-7
# With more than one thread, the pause before each turn (seconds): OpenBLAS's worker threads
# spin for 2**28 cycles (about 0.1 s here; OPENBLAS_THREAD_TIMEOUT) after their last product,
# and would take a core from the next contender's epoch.
IDLE_WAIT = 0.25
# Epochs for nnlib and PyTorch on the MNIST-sized task (the goal compares epoch 10 with epoch 2);
# `python -m bench.run --epochs N` sets it for a shorter run.
EPOCHS = int(os.environ.get("BENCH_EPOCHS", "10"))


# --- the contenders, each run inside its own worker process -----------------------------------


def _subnormals(arrays):
    count = 0
    for a in arrays:
        a = np.asarray(a)
        count += int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)))
    return count


def _nnlib_model(task, seed=0):
    sizes = task["sizes"]
    layers = [Dense(sizes[1], activation="relu", input_shape=(sizes[0],))]
    layers += [Dense(units, activation="relu") for units in sizes[2:-1]]
    layers += [Dense(sizes[-1], activation="softmax")]
    model = Sequential(layers, seed=seed)
    model.build((sizes[0],), dtype=np.float32)
    return model


class NnlibRun:
    label = "nnlib"

    def __init__(self, X, y, task):
        self.X, self.y, self.task = X, y, task
        self.model = _nnlib_model(task)
        self.model.compile(self.optimizer(), "sparse_categorical_crossentropy")
        # The seconds of each epoch spent in the optimizer's steps (two clock readings a step).
        self.step_seconds, self._step = [], self.model.optimizer.step
        self.model.optimizer.step = self._timed_step

    def optimizer(self):
        return Adam(LR, epsilon=EPSILON)

    def _timed_step(self, params):
        start = time.perf_counter()
        self._step(params)
        self.step_seconds[-1] += time.perf_counter() - start

    def epoch(self):
        self.step_seconds.append(0.0)
        history = self.model.fit(self.X, self.y, epochs=1, batch_size=self.task["batch"])
        return history.history["loss"][-1]

    def finish(self):
        model, X, y = self.model, self.X[:10000], self.y[:10000]
        model.compute_gradients(X[:128], y[:128])  # a training step's gradients, not applied
        _, loss_grad = model._fused_loss().value_and_gradient(y[:128], model.layers[-1].Z)
        slots = [s for state in model.optimizer.state.values() for s in state.values()]
        arrays = [X, loss_grad, *slots] + [a for p in model.parameters() for a in (p.value, p.grad)]
        A, dead = X, []
        for layer in model.layers[:-1]:
            A = layer.forward(A)
            dead.append(int(np.sum(A.max(axis=0) == 0)))
        return {
            "dtypes": sorted({str(a.dtype) for a in arrays}),
            "subnormal state": _subnormals(slots),
            "dead units": dead,
            "optimizer s/epoch": median(self.step_seconds[1:] or self.step_seconds),
        }


class TextbookAdam(Optimizer):
    """Adam as nnlib wrote it before this benchmark: the formulas, each making new arrays, and
    no flushing of subnormal moments. Here only to show what the optimisations are worth."""

    def update(self, p, state):
        b1, b2, eps, t = 0.9, 0.999, EPSILON, self.iterations
        if not state:
            state["m"], state["v"] = np.zeros_like(p.value), np.zeros_like(p.value)
        m, v = state["m"], state["v"]
        m += (1 - b1) * (p.grad - m)
        v += (1 - b2) * (p.grad * p.grad - v)
        lr_t = float(self.lr * np.sqrt(1 - b2**t) / (1 - b1**t))
        p.value -= lr_t * m / (np.sqrt(v) + eps)


class NnlibTextbookRun(NnlibRun):
    label = "nnlib, Adam without the flush (before)"

    def optimizer(self):
        return TextbookAdam(LR)


class TorchRun:
    label = "PyTorch, flush-to-zero"
    flush_to_zero = True

    def __init__(self, X, y, task):
        import torch

        torch.set_flush_denormal(self.flush_to_zero)
        torch.manual_seed(0)
        self.torch, self.task = torch, task
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        sizes, modules = task["sizes"], []
        start = _nnlib_model(task).get_weights()  # the same initial weights as nnlib
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            linear = torch.nn.Linear(n_in, n_out)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(start[2 * k].T.copy()))
                linear.bias.copy_(torch.from_numpy(start[2 * k + 1]))
            modules += [linear, torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*modules[:-1])
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR, eps=EPSILON)
        self.loss = torch.nn.CrossEntropyLoss()
        self.generator = torch.Generator().manual_seed(0)

    def epoch(self):
        torch, batch, n = self.torch, self.task["batch"], len(self.X)
        order, total = torch.randperm(n, generator=self.generator), 0.0
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            self.optimizer.zero_grad()
            loss = self.loss(self.model(self.X[idx]), self.y[idx])
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        return total / n

    def finish(self):
        slots = [
            s.numpy()
            for state in self.optimizer.state.values()
            for key, s in state.items()
            if key != "step"
        ]
        dtypes = {str(p.dtype).removeprefix("torch.") for p in self.model.parameters()}
        dtypes |= {str(s.dtype) for s in slots}
        return {"dtypes": sorted(dtypes), "subnormal state": _subnormals(slots)}


class TorchDefaultRun(TorchRun):
    label = "PyTorch, default (no flush-to-zero)"
    flush_to_zero = False


class SklearnRun:
    label = "scikit-learn MLPClassifier"

    def __init__(self, X, y, task):
        from sklearn.neural_network import MLPClassifier

        self.X, self.y, self.classes = X, y, np.unique(y)
        self.model = MLPClassifier(
            hidden_layer_sizes=task["sizes"][1:-1],
            solver="adam",
            alpha=0.0,
            batch_size=task["batch"],
            learning_rate_init=LR,
            epsilon=EPSILON,
            shuffle=True,
            random_state=0,
        )

    def epoch(self):
        self.model.partial_fit(self.X, self.y, classes=self.classes)  # one pass over the data
        return self.model.loss_

    def finish(self):
        return {"dtypes": sorted({str(w.dtype) for w in self.model.coefs_})}


class GemmRun:
    """Only the matrix products of an epoch of the same network: forward (X W), the weight
    gradients (X^T dZ) and the input gradients (dZ W^T) of every layer but the first."""

    label = "matrix products only (the bound)"

    def __init__(self, X, y, task):
        rng = np.random.default_rng(0)
        sizes, self.n, self.batch = task["sizes"], len(X), task["batch"]
        self.W = [
            rng.standard_normal((a, b)).astype(np.float32)
            for a, b in zip(sizes, sizes[1:], strict=False)
        ]
        self.A = {}
        for rows in {self.batch, self.n % self.batch or self.batch}:
            self.A[rows] = [rng.standard_normal((rows, s)).astype(np.float32) for s in sizes]

    def epoch(self):
        for i in range(0, self.n, self.batch):
            A = self.A[min(self.batch, self.n - i)]
            for k, W in enumerate(self.W):
                A[k] @ W
                A[k].T @ A[k + 1]
                if k:
                    A[k + 1] @ W.T
        return None

    def finish(self):
        return {"dtypes": sorted({str(W.dtype) for W in self.W})}


CONTENDERS = {
    "nnlib": NnlibRun,
    "nnlib-textbook": NnlibTextbookRun,
    "torch": TorchRun,
    "torch-default": TorchDefaultRun,
    "sklearn": SklearnRun,
    "gemm": GemmRun,
}


def _load(task, data_file):
    if task["name"] == "digits":
        from nnlib.datasets import load_digits

        X, y = load_digits()
        return X.astype(np.float32), y
    with np.load(data_file) as data:
        return data["X"], data["y"]


def _worker(conn, key, task, data_file, threads):
    """Build one contender, then run an epoch whenever asked; reply with the timings."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # BLAS (NumPy's OpenBLAS; PyTorch's, if it is visible)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    X, y = _load(task, data_file)
    run = CONTENDERS[key](X, y, task)
    conn.send("ready")
    while True:
        command = conn.recv()
        if command == "epoch":
            with Stopwatch() as clock:
                loss = run.epoch()
            conn.send((clock.wall, clock.cpu, loss))
        else:
            conn.send(run.finish())
            return


def race(task, keys, epochs, threads, data_file=None):
    """Run the contenders ``keys`` for ``epochs[key]`` epochs each, taking turns by epoch.

    Returns ``{key: {"wall": [...], "cpu": [...], "loss": [...], **finish()}}``.
    """
    context = multiprocessing.get_context("spawn")
    workers = {}
    for key in keys:
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, key, task, data_file, threads))
        process.start()
        workers[key] = (process, parent)
    results = {key: {"wall": [], "cpu": [], "loss": []} for key in keys}
    try:
        for _, conn in workers.values():
            if conn.recv() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        for epoch in range(max(epochs.values())):
            turn = keys[epoch % len(keys) :] + keys[: epoch % len(keys)]  # rotate who goes first
            for key in turn:
                if epoch < epochs[key]:
                    if threads > 1:
                        time.sleep(IDLE_WAIT)  # until the last contender's threads are idle
                    workers[key][1].send("epoch")
                    wall, cpu, loss = workers[key][1].recv()
                    results[key]["wall"].append(wall)
                    results[key]["cpu"].append(cpu)
                    results[key]["loss"].append(loss)
        for key, (_, conn) in workers.items():
            conn.send("finish")
            results[key].update(conn.recv())
    finally:
        for process, _ in workers.values():
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
    return results


# --- reporting ---------------------------------------------------------------------------------


def _fmt_dead(dead):
    return ", ".join(str(d) for d in dead) if dead else None


def _rows(section, results, reference, bound=None):
    rows = []
    ref = median(results[reference]["wall"][1:]) if reference in results else None
    for key, r in results.items():
        wall, cpu = median(r["wall"][1:]), median(r["cpu"][1:])
        ratio = wall / ref if ref else None
        rows.append(
            {
                "section": section,
                "contender": CONTENDERS[key].label,
                "s/epoch": wall,
                "CPU s/epoch": cpu,
                f"÷ {CONTENDERS[reference].label}": ratio,
                "last ÷ 2nd epoch": r["wall"][-1] / r["wall"][1] if len(r["wall"]) > 2 else None,
                "same, CPU time": r["cpu"][-1] / r["cpu"][1] if len(r["cpu"]) > 2 else None,
                "epochs": len(r["wall"]),
                "s per epoch, in order": " ".join(f"{t:.2g}" for t in r["wall"]),
                "final loss": r["loss"][-1],
                "subnormal optimizer state": r.get("subnormal state"),
                "dead ReLU units": _fmt_dead(r.get("dead units")),
                "dtypes": ", ".join(r.get("dtypes", [])),
            }
        )
    return rows


def _threads(n):
    return f"{n} thread{'s' if n > 1 else ''}"


def _breakdown(section, results):
    """Where nnlib's epoch goes: the matrix products (timed alone: the bound), Adam's steps
    (timed inside nnlib's epochs) and everything else, each in seconds and as a share."""
    nn, gemm = results.get("nnlib"), results.get("gemm")
    if not nn or not gemm:
        return []
    epoch, products = median(nn["wall"][1:]), median(gemm["wall"][1:])
    adam = nn["optimizer s/epoch"]
    parts = [
        ("matrix products (the bound: the same products, timed alone)", products),
        ("Adam's steps (timed inside nnlib's epochs)", adam),
        (
            "everything else: activations and their gradients, bias sums, softmax and loss, "
            "gathering the batches, Python",
            epoch - products - adam,
        ),
        ("nnlib's epoch", epoch),
    ]
    return [
        {"section": section, "part": name, "s/epoch": seconds, "share": f"{seconds / epoch:.0%}"}
        for name, seconds in parts
    ]


def _mnist_goals(results, threads):
    rows, label = [], f"MNIST-sized MLP, {_threads(threads)}"
    nn, torch, gemm = (results.get(k) for k in ("nnlib", "torch", "gemm"))
    wall = median(nn["wall"][1:])
    if torch:
        ratio = wall / median(torch["wall"][1:])
        rows.append(
            goal(f"{label}: nnlib ÷ PyTorch (flush-to-zero) ≤ 0.85", f"{ratio:.2f}", ratio <= 0.85)
        )
    if gemm:
        share = median(gemm["wall"][1:]) / wall
        rows.append(
            goal(f"{label}: matrix products ≥ 50% of nnlib's epoch", f"{share:.0%}", share >= 0.5)
        )
    if len(nn["wall"]) >= 3:
        last = len(nn["wall"])
        slow, slow_cpu = nn["wall"][-1] / nn["wall"][1], nn["cpu"][-1] / nn["cpu"][1]

        # Judged on CPU time, and on the last three epochs against epochs 2-4: on a shared
        # machine one epoch's time moves by +-25% with the load (the matrix products alone,
        # which have no state that could slow down, move as much), more than a slow-down from
        # subnormal numbers would. And against PyTorch with flush-to-zero in the same turns,
        # which cannot slow down that way: a machine that slows down over the run slows both.
        def drift(result):
            return median(result["cpu"][-3:]) / median(result["cpu"][1:4])

        own, control = drift(nn), drift(torch) if torch else 1.0
        context = f"epoch {last} ÷ epoch 2: CPU {slow_cpu:.2f}, wall {slow:.2f}"
        if torch:
            context = f"nnlib {own:.2f} ÷ PyTorch {control:.2f} in the same turns; " + context
        rows.append(
            goal(
                f"{label}: no slow-down across epochs: nnlib's last 3 epochs ÷ epochs 2-4 "
                f"(CPU time, relative to PyTorch with flush-to-zero) ≤ 1.15",
                f"{own / control:.2f} ({context})",
                own / control <= 1.15,
            )
        )
    if "dtypes" in nn:
        f32 = nn["dtypes"] == ["float32"]
        rows.append(
            goal(
                f"{label}: data, parameters, gradients, Adam's m and v, loss gradient all float32",
                ", ".join(nn["dtypes"]),
                f32,
            )
        )
        rows.append(
            goal(
                f"{label}: no subnormal number in nnlib's Adam state",
                str(nn["subnormal state"]),
                nn["subnormal state"] == 0,
            )
        )
    return rows


def main(quick=False):
    from . import data as synthetic

    rows = []
    keys = list(CONTENDERS)
    try:
        import torch  # noqa: F401
    except ImportError:
        keys = [k for k in keys if not k.startswith("torch")]
        rows.append(goal("PyTorch installed (bench/requirements.txt)", "not installed", False))
    n_samples = 6000 if quick else 60000
    X, y = synthetic.make_mnist_like(n_samples, seed=0)
    facts = synthetic.describe(X)
    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "mnist_like.npz"
        np.savez(data_file, X=X, y=y)
        del X, y
        long = 3 if quick else EPOCHS
        # The bound runs as many epochs as nnlib, so that both medians cover the same turns (a
        # machine slowing down over the run would otherwise count against nnlib's later epochs).
        epochs = {key: long for key in keys}
        epochs.update(sklearn=min(long, 5))
        for threads in (1, 2):
            load_before = load_average()
            start = time.perf_counter()
            # The "before" and "no flush-to-zero" runs illustrate; one thread count is enough.
            racers = keys if threads == 1 else [k for k in keys if k in ("nnlib", "torch", "gemm")]
            results = race(MNIST, racers, epochs, threads, data_file)
            section = (
                f"MNIST-sized MLP, {_threads(threads)} "
                f"({n_samples:,} × 784 float32, 784-256-128-10, Adam, batch 128)"
            )
            reference = "torch" if "torch" in results else "nnlib"
            rows += _rows(section, results, reference)
            rows += _breakdown(f"Where nnlib's epoch goes, {_threads(threads)}", results)
            rows += _mnist_goals(results, threads)
            rows.append(
                {
                    "section": "Load on the machine during the training benchmarks",
                    "benchmark": section,
                    "load average before": load_before,
                    "load average after": load_average(),
                    "minutes": (time.perf_counter() - start) / 60,
                }
            )
    rows.append(
        {
            "section": "The synthetic MNIST-sized data",
            **{
                k: (f"{v[0]:.3f}, {v[1]:.3f}" if isinstance(v, tuple) else v)
                for k, v in facts.items()
            },
        }
    )
    digit_keys = [k for k in ("nnlib", "torch", "sklearn") if k in keys]
    n_epochs = 5 if quick else 30
    for threads in (1,):
        results = race(DIGITS, digit_keys, dict.fromkeys(digit_keys, n_epochs), threads)
        section = "8×8 digits, 1 thread (1,797 × 64 float32, 64-64-10, Adam, batch 32)"
        rows += _rows(section, results, "nnlib")
        if "torch" in results:
            times = median(results["torch"]["wall"][1:]) / median(results["nnlib"]["wall"][1:])
            rows.append(
                goal(
                    "8×8 digits: PyTorch's epoch ÷ nnlib's ≥ 3 (several times faster)",
                    f"{times:.1f}",
                    times >= 3,
                )
            )
    return rows


if __name__ == "__main__":
    for row in main(quick=True):
        print(row)
