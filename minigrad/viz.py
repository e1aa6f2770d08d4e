"""Pictures (all chapters): computational graphs, decision boundaries, curves.

``graphviz`` and ``matplotlib`` are imported when a picture is drawn, so
``import minigrad`` stays light.
"""

import shutil

import numpy as np

from minigrad.scalar import Module as ScalarModule
from minigrad.scalar import Value, topological_order

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


def _value_label(node):
    label = f"{node.label} | " if node.label else ""
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

    if isinstance(root, Value):
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


def _class1_probability(model, points):
    """The model's probability (or squashed score) for class 1 at ``points``."""
    if isinstance(model, ScalarModule):
        scores = [model([Value(float(a)), Value(float(b))]) for a, b in points]
        out = np.array([[s.data for s in score] if isinstance(score, list) else [score.data]
                        for score in scores])
    else:
        out = model(points)
        out = np.asarray(getattr(out, "data", out), dtype=np.float64)
        out = out.reshape(len(points), -1)
    if out.shape[1] == 1:  # one score: positive means class 1
        return 1.0 / (1.0 + np.exp(-out[:, 0]))
    e = np.exp(out - out.max(axis=1, keepdims=True))  # softmax over the classes
    return e[:, 1] / e.sum(axis=1)


def plot_decision_boundary(model, X, y, resolution=60, ax=None, title=None):
    """Colour the plane by the model's belief in class 1, with the points on top.

    Args:
        model: a scalar ``minigrad.MLP`` (one output: class 1 when positive) or
            any callable mapping an ``(n, 2)`` array to scores or logits.
        X: points of shape ``(n, 2)``.
        y: labels in {0, 1} of shape ``(n,)``.
        resolution: grid points along each axis.
        ax: a matplotlib ``Axes`` to draw on (a new figure if ``None``).

    Returns:
        the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(
            "plot_decision_boundary needs X of shape (n, 2) and y of shape (n,), "
            f"got X {X.shape} and y {y.shape}")
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    prob = _class1_probability(model, np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    heat = ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.45)
    ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1)
    for label, colour in ((0, "tab:red"), (1, "tab:blue")):
        mask = y == label
        ax.scatter(X[mask, 0], X[mask, 1], color=colour, edgecolors="white",
                   linewidths=0.8, s=36, label=f"class {label}")
    ax.legend(loc="upper right", fontsize="small")
    ax.figure.colorbar(heat, ax=ax, label="P(class 1)")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "Decision boundary")
    return ax


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
