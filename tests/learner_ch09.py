"""Plausible wrong answers to the exercises of Chapter 9, each with the words of the hint
its check must give."""

import math

import numpy as np

from minigrad.autograd import Function
from minigrad.backend import asnumpy, unwrap
from minigrad.exercises.ch09 import Attention, Block, EmbeddingFunction, LayerNormFunction
from minigrad.functional import gelu


def _attention(unscaled=False, wrong_axis=False, no_row_sum=False, gk_unscaled=False,
               by_d=False, unshifted=False, in_place=False, float64=False):
    class Wrong(Attention):
        @staticmethod
        def forward(ctx, q, k, v, causal=False):
            scale = 1.0 if unscaled else 1 / q.shape[-1] if by_d else 1 / math.sqrt(q.shape[-1])
            if in_place:
                q *= scale
                scores = q @ k.swapaxes(-1, -2)
            else:
                scores = q @ k.swapaxes(-1, -2) * scale
            if float64:
                scores = scores.astype(np.float64)
            if causal:
                scores = np.where(np.tri(*scores.shape[-2:], dtype=bool), scores, -np.inf)
            axis = -2 if wrong_axis else -1
            e = np.exp(scores if unshifted else scores - scores.max(axis=axis, keepdims=True))
            p = e / e.sum(axis=axis, keepdims=True)
            ctx.save_for_backward(q, k, v, p)
            ctx.scale = 1.0 if in_place else scale
            return p @ v

        @staticmethod
        def backward(ctx, g):
            q, k, v, p = ctx.saved_tensors
            gv = p.swapaxes(-1, -2) @ g
            gp = g @ v.swapaxes(-1, -2)
            gs = p * gp if no_row_sum else p * (gp - (gp * p).sum(axis=-1, keepdims=True))
            gk = gs.swapaxes(-1, -2) @ q * (1.0 if gk_unscaled else ctx.scale)
            return gs @ k * ctx.scale, gk, gv
    return Wrong


def _layer_norm(no_corrections=False, no_weight=False, gw_without_xhat=False,
                fixed_eps=False, in_place=False):
    class Wrong(LayerNormFunction):
        if fixed_eps or in_place:
            @staticmethod
            def forward(ctx, x, weight, bias, eps=1e-5):
                if in_place:
                    x -= x.mean(axis=-1, keepdims=True)
                    mu = 0.0
                else:
                    mu = x.mean(axis=-1, keepdims=True)
                var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
                rstd = 1 / np.sqrt(var + (1e-5 if fixed_eps else eps))
                xhat = (x - mu) * rstd
                ctx.save_for_backward(xhat, rstd, weight)
                return xhat * weight + bias

        @staticmethod
        def backward(ctx, g):
            xhat, rstd, weight = ctx.saved_tensors
            gxhat = g if no_weight else g * weight
            if no_corrections:
                gx = rstd * gxhat
            else:
                gx = rstd * (gxhat - gxhat.mean(axis=-1, keepdims=True)
                             - xhat * (gxhat * xhat).mean(axis=-1, keepdims=True))
            lead = tuple(range(g.ndim - 1))
            gw = g.sum(axis=lead) if gw_without_xhat else (g * xhat).sum(axis=lead)
            return gx, gw, g.sum(axis=lead)
    return Wrong


def _embedding(assign=False, one_gradient=False, reuse_weight=False):
    class Wrong(Function):
        @staticmethod
        def forward(ctx, weight, indices):
            ctx.shape, ctx.indices, ctx.weight = weight.shape, indices, weight
            return weight[indices]

        @staticmethod
        def backward(ctx, g):
            if reuse_weight:
                grad = ctx.weight
                grad[...] = 0
            else:
                grad = np.zeros(ctx.shape, dtype=g.dtype)
            if assign:
                grad[ctx.indices] += g
            else:
                np.add.at(grad, ctx.indices, g)
            return grad if one_gradient else (grad, None)
    return Wrong


def _block(not_causal=False, post_norm=False, no_residual=False, one_norm=False,
           exact_gelu=False):
    class Wrong(Block):
        def forward(self, x):
            if one_norm:
                self.ln2 = self.ln1
            h = x if post_norm else self.ln1(x)
            q, k, v = self.qkv(h).split(3, axis=-1)
            a = self.attention.apply(self.split_heads(q), self.split_heads(k),
                                     self.split_heads(v), causal=not not_causal)
            attended = self.proj(self.merge_heads(a))
            if post_norm:
                x = self.ln1(x + attended)
                return self.ln2(x + self.fc2(gelu(self.fc1(x), approximate="tanh")))
            x = attended if no_residual else x + attended
            return x + self.fc2(gelu(self.fc1(self.ln2(x)),
                                     approximate="none" if exact_gelu else "tanh"))
    return Wrong


def _generate(no_crop=False, global_random=False, no_temperature=False, first_position=False,
              one_short=False, same_list=False, fresh_rng=False):
    def wrong(model, prompt, new_tokens, temperature=1.0, rng=None):
        tokens = prompt if same_list else list(prompt)
        if fresh_rng:
            rng = np.random.default_rng(0)
        for _ in range(new_tokens):
            crop = model.block_size - 1 if one_short else model.block_size
            context = np.array([tokens if no_crop else tokens[-crop:]])
            scores = asnumpy(unwrap(model(context)))[0, 0 if first_position else -1]
            if temperature == 0:
                tokens.append(int(scores.argmax()))
                continue
            z = scores if no_temperature else scores / temperature
            p = np.exp(z - z.max())
            p /= p.sum()
            pick = np.random.choice(len(p), p=p) if global_random else rng.choice(len(p), p=p)
            tokens.append(int(pick))
        return tokens
    return wrong


WRONG = [
    ("9.1", lambda n: np.triu(np.ones((n, n), dtype=bool)), "positions *after* it"),
    ("9.1", lambda n: np.tril(np.ones((n, n), dtype=bool), -1), "hides the diagonal"),
    ("9.1", lambda n: np.tril(np.ones((n, n))), "return booleans"),
    ("9.2", _attention(unscaled=True), "not scaled"),
    ("9.2", _attention(wrong_axis=True), "over the *last* axis"),
    ("9.2", _attention(no_row_sum=True), "softmax's VJP by rows"),
    ("9.2", _attention(gk_unscaled=True), "carry the 1/√d"),
    ("9.2", _attention(by_d=True), "scaled by 1/d"),
    ("9.2", _attention(unshifted=True), "subtract each row's maximum before exp"),
    ("9.2", _attention(in_place=True), "changed its inputs q, k or v in place"),
    ("9.2", _attention(float64=True), "keep the inputs' dtype"),
    ("9.3", _layer_norm(no_corrections=True), "two correction terms"),
    ("9.3", _layer_norm(no_weight=True), "with gx̂ = g w"),
    ("9.3", _layer_norm(gw_without_xhat=True), "gw = Σ g x̂"),
    ("9.3", _layer_norm(fixed_eps=True), "use the eps argument"),
    ("9.3", _layer_norm(in_place=True), "changed its input x in place"),
    ("9.4", _embedding(assign=True), "np.add.at(grad, indices, g) adds them all"),
    ("9.4", _embedding(one_gradient=True), "return (grad, None)"),
    ("9.4", _embedding(reuse_weight=True), "never the weight itself"),
    ("9.5", _block(not_causal=True), "causal=True"),
    ("9.5", _block(post_norm=True), "pre-norm"),
    ("9.5", _block(no_residual=True), "the residual"),
    ("9.5", _block(one_norm=True), "pre-norm"),
    ("9.5", _block(exact_gelu=True), "tanh approximation"),
    ("9.6", _generate(no_crop=True), "crop to the last block_size tokens"),
    ("9.6", _generate(global_random=True), "draw with the rng"),
    ("9.6", _generate(no_temperature=True), "divide the scores by the temperature"),
    ("9.6", _generate(first_position=True), "the *last* position"),
    ("9.6", _generate(one_short=True), "one short of the block size"),
    ("9.6", _generate(same_list=True), "changed the caller's prompt"),
    ("9.6", _generate(fresh_rng=True), "two different rngs gave the same samples"),
]
