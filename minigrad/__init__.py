"""minigrad: automatic differentiation built chapter by chapter.

Chapter 1 gives the scalar :class:`Value`; later chapters add tensors,
losses, neural-network modules, optimizers and a GPU backend.
"""

from minigrad import data, exercises, viz
from minigrad.rng import manual_seed
from minigrad.scalar import MLP, Layer, Neuron, Value, topological_order
from minigrad.viz import draw_graph

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "Layer",
    "Neuron",
    "Value",
    "data",
    "draw_graph",
    "exercises",
    "manual_seed",
    "topological_order",
    "viz",
]
