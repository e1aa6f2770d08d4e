"""Pictures (all chapters): computational graphs, decision boundaries, curves.

``graphviz`` and ``matplotlib`` are imported when a picture is drawn, so
``import minigrad`` stays light.
"""

import shutil

import numpy as np

from minigrad.backend import asnumpy, unwrap
from minigrad.graph import topological_order

DOT_MISSING = (
    "drawing a graph needs Graphviz's `dot` program, which is not on your PATH. "
    "Install it with `sudo apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install graphviz`; "
    "Colab already has it.")


def _graphviz():
    import graphviz

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` whose rendering explains a missing `dot`."""

        def pipe(self, *args, **kwargs):
            if shutil.which("dot") is None:
                raise RuntimeError(DOT_MISSING)
            return super().pipe(*args, **kwargs)

        def render(self, *args, **kwargs):
            if shutil.which("dot") is None:
                raise RuntimeError(DOT_MISSING)
            return super().render(*args, **kwargs)

    return Graph


def _is_scalar_node(x):
    """A Value of Chapter 1: minigrad's, or one the learner wrote (anything with a
    number ``data``, a ``grad``, its parents ``_prev`` and an ``_op``)."""
    from numbers import Real

    return all(hasattr(x, name) for name in ("grad", "_prev", "_op")) and \
        isinstance(getattr(x, "data", None), Real)


def _value_label(node):
    label = f"{node.label} | " if getattr(node, "label", "") else ""
    return f"{{ {label}data {node.data:.4f} | grad {node.grad:.4f} }}"


def _tensor_label(node):
    label = f"{node.label} | " if node.label else ""
    if node.data.size == 1:
        data = f"{node.data.item():.4g}"
    else:
        data = f"shape {node.shape}"
    dtype = "" if node.dtype == np.float64 else f" {node.dtype}"
    grad = "" if node.grad is None else f" | grad {node.grad.shape if node.grad.size != 1 else format(node.grad.item(), '.4g')}"
    return f"{{ {label}{data}{dtype}{grad} }}"


def draw_graph(root, rankdir="LR"):
    """Draw the computational graph that produced ``root``.

    For a :class:`~minigrad.Value` each node shows its label, data and
    gradient. For a :class:`~minigrad.Tensor` each node shows its shape (and
    its gradient's shape after ``backward(retain_graph=True)``: a plain
    ``backward()`` frees the graph, and the drawing says so); an edge drawn dashed and red,
    labelled "sum to (…)", marks an input that was broadcast, whose gradient
    the engine sums back to the input's shape. Each operation is an oval.

    Args:
        root: the output node (a ``Value`` or a ``Tensor``).
        rankdir: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).

    Returns:
        a ``graphviz.Digraph``; Jupyter shows it as an SVG picture.
    """
    from minigrad.tensor import Tensor

    if _is_scalar_node(root):
        describe = _value_label
    elif isinstance(root, Tensor):
        describe = _tensor_label
    else:
        raise TypeError(
            f"draw_graph expects a minigrad Value or Tensor, got {type(root).__name__}")
    graph = _graphviz()(format="svg", graph_attr={"rankdir": rankdir},
                        node_attr={"fontname": "Helvetica", "fontsize": "11"},
                        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    for node in topological_order(root):
        uid = str(id(node))
        graph.node(uid, describe(node), shape="record")
        if not node._op:
            continue
        if isinstance(node, Tensor) and node._ctx.freed:
            graph.node(uid + "freed", "graph freed by backward();\nuse backward(retain_graph=True)\nto draw it",
                       shape="note", fontcolor="gray40")
            graph.edge(uid + "freed", uid, style="dotted")
        op = uid + node._op
        graph.node(op, node._op, shape="oval")
        graph.edge(op, uid)
        for parent in node._prev:
            if isinstance(node, Tensor) and parent.shape != node.shape and _broadcasts(node):
                graph.edge(str(id(parent)), op, label=f"sum to {parent.shape}",
                           style="dashed", color="red", fontcolor="red")
            else:
                graph.edge(str(id(parent)), op)
    return graph


def _broadcasts(node):
    """Whether the operation that made ``node`` broadcast its inputs elementwise."""
    return getattr(node._ctx.fn, "broadcasts", False)


def _class_probabilities(model, points):
    """The model's class probabilities at ``points``: shape (n, C), C >= 2."""
    from minigrad.autograd import no_grad

    parameters = model.parameters() if hasattr(model, "parameters") else []
    if parameters and _is_scalar_node(parameters[0]):  # an MLP of Values, any Value class
        make = type(parameters[0])
        scores = [model([make(float(a)), make(float(b))]) for a, b in points]
        out = np.array([[s.data for s in score] if isinstance(score, list) else [score.data]
                        for score in scores])
    else:
        with no_grad():
            out = model(points)
        out = np.asarray(asnumpy(unwrap(out)), dtype=np.float64)
        out = out.reshape(len(points), -1)
    if out.shape[1] == 1:  # one score: positive means class 1
        p1 = 1.0 / (1.0 + np.exp(-out[:, 0]))
        return np.c_[1 - p1, p1]
    e = np.exp(out - out.max(axis=1, keepdims=True))  # softmax over the classes
    return e / e.sum(axis=1, keepdims=True)


def _grid(X, resolution, pad=0.5):
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    return np.meshgrid(xs, ys)


def _check_points(X, y, op):
    X = np.asarray(asnumpy(unwrap(X)), dtype=np.float64)
    y = asnumpy(unwrap(y))
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(f"{op} needs X of shape (n, 2) and y of shape (n,), "
                         f"got X {X.shape} and y {y.shape}")
    return X, y


CLASS_COLOURS = ["tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple",
                 "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]


def _draw_boundary(ax, gx, gy, probs, X, y, title, colorbar=True):
    """Two classes: a heat map of P(class 1); more: each region in its class colour."""
    from matplotlib.colors import ListedColormap

    n_classes = max(probs.shape[-1], int(y.max()) + 1 if y.size else 2)
    if probs.shape[-1] == 2:
        heat = ax.contourf(gx, gy, probs[..., 1], levels=np.linspace(0, 1, 11),
                           cmap="RdBu", alpha=0.45)
        ax.contour(gx, gy, probs[..., 1], levels=[0.5], colors="k", linewidths=1)
        if colorbar:
            ax.figure.colorbar(heat, ax=ax, label="P(class 1)")
    else:
        cmap = ListedColormap(CLASS_COLOURS[:n_classes])
        ax.contourf(gx, gy, probs.argmax(axis=-1), levels=np.arange(n_classes + 1) - 0.5,
                    cmap=cmap, alpha=0.3)
    for label in range(n_classes):
        mask = y == label
        ax.scatter(X[mask, 0], X[mask, 1], color=CLASS_COLOURS[label % 10], edgecolors="white",
                   linewidths=0.8, s=36, label=f"class {label}")
    ax.legend(loc="upper right", fontsize="small")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)


def plot_decision_boundary(model, X, y, resolution=60, ax=None, title=None):
    """Colour the plane by the model's predictions, with the points on top.

    Two classes: a heat map of the probability of class 1 and the 0.5 contour.
    More classes: each region in the colour of its predicted class.

    Args:
        model: a scalar ``minigrad.MLP`` (one output: class 1 when positive), a
            ``minigrad.nn.Module``, or any callable mapping an ``(n, 2)`` array
            to one score or to logits per class.
        X: points of shape ``(n, 2)``.
        y: integer labels of shape ``(n,)``.
        resolution: grid points along each axis.
        ax: a matplotlib ``Axes`` to draw on (a new figure if ``None``).

    Returns:
        the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    X, y = _check_points(X, y, "plot_decision_boundary")
    gx, gy = _grid(X, resolution)
    probs = _class_probabilities(model, np.c_[gx.ravel(), gy.ravel()])
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    _draw_boundary(ax, gx, gy, probs.reshape(gx.shape + (-1,)), X, y,
                   title or "Decision boundary")
    return ax


class BoundaryRecorder:
    """Record a model's decision boundary during training; save it as a GIF.

    Example::

        recorder = BoundaryRecorder(X, y)
        for step in range(steps):
            ...
            if step % 10 == 0:
                recorder.record(model, f"step {step}")
        recorder.save("boundary.gif")
    """

    def __init__(self, X, y, resolution=50):
        self.X, self.y = _check_points(X, y, "BoundaryRecorder")
        self.gx, self.gy = _grid(self.X, resolution)
        self.frames = []

    def record(self, model, title=""):
        """Evaluate ``model`` on the grid and keep the result as one frame."""
        probs = _class_probabilities(model, np.c_[self.gx.ravel(), self.gy.ravel()])
        self.frames.append((probs.reshape(self.gx.shape + (-1,)), title))

    def save(self, path, fps=8):
        """Write the frames to ``path`` as an animated GIF (matplotlib's Pillow writer)."""
        import matplotlib.pyplot as plt
        from matplotlib.animation import FuncAnimation, PillowWriter

        if not self.frames:
            raise ValueError("BoundaryRecorder.save: no frames recorded; call record() first")
        fig, ax = plt.subplots(figsize=(4.5, 3.6))

        def draw(i):
            ax.clear()
            probs, title = self.frames[i]
            _draw_boundary(ax, self.gx, self.gy, probs, self.X, self.y, title, colorbar=False)

        animation = FuncAnimation(fig, draw, frames=len(self.frames))
        animation.save(path, writer=PillowWriter(fps=fps))
        plt.close(fig)
        return path


def plot_confusion_matrix(y_true, y_pred, class_names=None, ax=None, normalize=False):
    """A table of counts: row = true class, column = predicted class."""
    import matplotlib.pyplot as plt

    y_true = asnumpy(unwrap(y_true))
    y_pred = asnumpy(unwrap(y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"plot_confusion_matrix: {y_true.shape} true labels but "
                         f"{y_pred.shape} predictions")
    n = int(max(y_true.max(), y_pred.max())) + 1 if class_names is None else len(class_names)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(shown, cmap="Blues")
    ax.figure.colorbar(image, ax=ax)
    names = class_names or [str(i) for i in range(n)]
    ax.set(xticks=range(n), yticks=range(n), xticklabels=names, yticklabels=names,
           xlabel="predicted", ylabel="true", title="Confusion matrix")
    ax.tick_params(axis="x", labelrotation=45 if class_names else 0)
    threshold = shown.max() / 2
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else str(matrix[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > threshold else "black")
    return ax


def plot_misclassified(images, y_true, y_pred, n=16, class_names=None, columns=8):
    """A grid of the first ``n`` images whose prediction is wrong, titled true → predicted."""
    import matplotlib.pyplot as plt

    images = asnumpy(unwrap(images))
    y_true = asnumpy(unwrap(y_true))
    y_pred = asnumpy(unwrap(y_pred))
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    rows = max(1, -(-len(wrong) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    name = (lambda c: class_names[c]) if class_names else str
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        side = int(round(np.sqrt(images[i].size)))
        ax.imshow(images[i].reshape(side, side), cmap="gray_r")
        ax.set_title(f"{name(y_true[i])} → {name(y_pred[i])}", fontsize=8)
    fig.suptitle(f"{len(wrong)} misclassified examples (true → predicted)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_history(history, ax=None, title="Training"):
    """Plot training curves.

    Args:
        history: a list of losses, or a dict mapping names (``"loss"``,
            ``"accuracy"`` …) to lists of values, one per step.
        ax: a matplotlib ``Axes`` to draw on (a new figure if ``None``).

    Returns:
        the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    if not isinstance(history, dict):
        history = {"loss": history}
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    for name, values in history.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set(xlabel="step", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
