"""Chapters 1–2: the order in which backpropagation visits a graph.

Both engines, the scalar :class:`~minigrad.scalar.Value` of Chapter 1 and the
:class:`~minigrad.tensor.Tensor` of Chapter 2, run the chain rule from the
output back to the leaves. A node may pass its gradient on only once every
node that uses it has added its share, so the walk follows a **reverse
topological order**: this module computes the topological order itself.
"""


def topological_order(root, parents=None):
    """Every node that ``root`` depends on, each after all of its parents.

    Depth-first search with an explicit stack, so graphs of any depth work
    (a recursive version hits Python's recursion limit near 1 000 nodes).
    A node is appended once all its parents have been appended.
    ``parents(node)`` lists a node's parents; by default ``node._prev``.
    """
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in parents(node) if parents else node._prev:
            if parent not in visited:
                stack.append((parent, False))
    return order
