"""minigrad: automatic differentiation built chapter by chapter.

Chapter 1 gives the scalar :class:`Value`; Chapters 2–3 the :class:`Tensor`
and its operations; Chapter 4 the losses (:mod:`minigrad.functional`); Chapter 5 modules
(:mod:`minigrad.nn`), optimizers (:mod:`minigrad.optim`) and data loaders;
Chapter 6 a GPU backend.
"""

# tensor first: it completes its own import cycle with ops and autograd.
from minigrad.tensor import Tensor
from minigrad.creation import (arange, eye, full, full_like, linspace, ones, ones_like, rand,
                               randn, tensor, tril, zeros, zeros_like)
from minigrad.autograd import (Function, enable_grad, grad, is_grad_enabled, no_grad,
                               value_and_grad)
from minigrad.broadcast import unbroadcast
from minigrad.ops import (abs, add, argmax, argmin, broadcast_to, clip, concatenate, cos,
                          div, erf, exp, expand_dims, flatten, flip, leaky_relu, log, matmul,
                          masked_fill, max, maximum, mean, min, minimum, mul, neg, pad, pow,
                          relu, repeat, reshape, sigmoid, sin, split, sqrt, square, squeeze,
                          stack, std, sub, sum, tanh, tile, transpose, unsqueeze, var, where)
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad import data, exercises, functional, gpt, nn, ops, optim, viz
from minigrad.serialization import load, save
from minigrad.checkpointing import checkpoint
from minigrad import recording
from minigrad.transforms import hessian, hvp, jacfwd, jacrev, jvp, linearize, vjp
from minigrad.dual import Dual, derivative
from minigrad.rng import manual_seed
from minigrad.graph import topological_order
from minigrad.scalar import MLP, Layer, Neuron, Value
from minigrad.viz import draw_graph

__version__ = "0.1.0"

__all__ = [
    # Chapter 1
    "MLP", "Layer", "Neuron", "Value", "topological_order", "draw_graph", "manual_seed",
    # Chapter 2: tensors, the engine, the functional API
    "Tensor", "tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like",
    "eye", "arange", "linspace", "rand", "randn",
    "Function", "no_grad", "enable_grad", "is_grad_enabled", "grad", "value_and_grad",
    "gradcheck", "GradcheckError",
    # Chapters 2-3: operations
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
    "relu", "leaky_relu", "sin", "cos", "square", "clip", "maximum", "minimum", "where",
    "sum", "mean", "var", "max", "min", "argmax", "argmin", "matmul",
    "reshape", "transpose", "flatten", "squeeze", "unsqueeze", "expand_dims", "broadcast_to",
    "repeat", "tile", "concatenate", "stack", "split", "unbroadcast",
    # Chapter 7
    "pad", "flip",
    # Chapter 8
    "checkpoint", "vjp", "jacrev", "Dual", "derivative",
    # modules
    # Chapter 5
    "nn", "optim", "save", "load",
    "data", "exercises", "functional", "ops", "viz",
]
