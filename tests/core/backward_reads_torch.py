# Prints what PyTorch 1.13 refuses for test_backward_reads.cpp and the losses' rows of
# tests/losses/test_backward_reads_losses.cpp: for each op and pattern of inputs
# requiring grad ('T') or not ('f'), each input and then the output is changed in place (copy_,
# under no_grad, as xtgrad's copy_) between the forward pass and backward(); 'X' where torch then
# raises "one of the variables needed for gradient computation has been modified by an inplace
# operation", '.' where it does not. Run with a python that has torch 1.13: python3 backward_reads_torch.py
import torch
import torch.nn.functional as F


def trial(fn, makers, rg, target):
    xs = [m().requires_grad_(r) for m, r in zip(makers, rg)]
    y = fn(*xs)
    t = y if target == len(xs) else xs[target]
    with torch.no_grad():
        t.copy_(t.detach().clone())
    try:
        (y * 1.0).sum().backward()
        return '.'
    except RuntimeError as e:
        # or, for h0 of an LSTM or GRU, that the views torch made of it were modified in place
        assert 'modified by an inplace operation' in str(e) or 'modified inplace' in str(e), e
        return 'X'


def row(name, fn, patterns, *makers):
    for rg in patterns.split():
        cells = ''.join(trial(fn, makers, [c == 'T' for c in rg], t) for t in range(len(makers) + 1))
        print(f'{name:18s} {rg:4s} {cells}')


r = lambda *s: (lambda: torch.randn(*s))
pos = lambda *s: (lambda: torch.rand(*s) + 0.5)
mask = lambda: torch.tensor([True, False, True])
index = lambda *v: (lambda: torch.tensor(v))

row('add', torch.add, 'TT', r(2, 3), r(3))
row('sub', torch.sub, 'TT', r(2, 3), r(3))
row('mul', torch.mul, 'TT Tf fT', r(2, 3), r(3))
row('div', torch.div, 'TT Tf fT', r(2, 3), pos(3))
row('add_scalar', lambda a: a + 2.5, 'T', r(3))
row('rsub_scalar', lambda a: 2.5 - a, 'T', r(3))
row('mul_scalar', lambda a: a * 2.5, 'T', r(3))
row('div_scalar', lambda a: a / 2.5, 'T', r(3))
row('rdiv_scalar', lambda a: 2.5 / a, 'T', pos(3))
row('neg', torch.neg, 'T', r(3))
row('exp', torch.exp, 'T', r(3))
row('log', torch.log, 'T', pos(3))
row('sqrt', torch.sqrt, 'T', pos(3))
row('pow', lambda a: a.pow(3.0), 'T', r(3))
row('abs', torch.abs, 'T', r(3))
row('clamp', lambda a: a.clamp(-0.5, 0.5), 'T', r(3))
row('clamp_tensor', torch.clamp, 'TTT fTf', r(3), lambda: torch.full((3,), -0.5), lambda: torch.full((3,), 0.5))
row('maximum', torch.maximum, 'TT Tf', r(3), r(3))
row('minimum', torch.minimum, 'TT', r(3), r(3))
row('where', torch.where, 'fTT', mask, r(3), r(3))
row('sigmoid', torch.sigmoid, 'T', r(3))
row('tanh', torch.tanh, 'T', r(3))
row('relu', torch.relu, 'T', r(3))
row('softplus', F.softplus, 'T', r(3))
row('softplus_beta', lambda a: F.softplus(a, 2.0, 10.0), 'T', r(3))
row('log_sigmoid', F.logsigmoid, 'T', r(3))
row('leaky_relu', lambda a: F.leaky_relu(a, 0.1), 'T', r(3))
row('elu', F.elu, 'T', r(3))
row('gelu', F.gelu, 'T', r(3))
row('gelu_tanh', lambda a: F.gelu(a, approximate='tanh'), 'T', r(3))
row('silu', F.silu, 'T', r(3))
row('hardtanh', F.hardtanh, 'T', r(3))
row('sum', torch.sum, 'T', r(2, 3))
row('mean', torch.mean, 'T', r(2, 3))
row('sum_dim', lambda a: a.sum(1), 'T', r(2, 3))
row('mean_dim', lambda a: a.mean(1), 'T', r(2, 3))
row('sum_dims', lambda a: a.sum([0, 1]), 'T', r(2, 3))
row('mean_dims', lambda a: a.mean([0, 1], keepdim=True), 'T', r(2, 3))
row('max_dim', lambda a: a.max(1).values, 'T', r(2, 3))
row('min_dim', lambda a: a.min(0).values, 'T', r(2, 3))
row('var', lambda a: a.var([1], correction=1), 'T', r(2, 3))
row('std', lambda a: a.std([1], correction=1), 'T', r(2, 3))
row('softmax', lambda a: a.softmax(1), 'T', r(2, 3))
row('log_softmax', lambda a: a.log_softmax(1), 'T', r(2, 3))
row('logsumexp', lambda a: a.logsumexp(1), 'T', r(2, 3))
row('matmul', torch.matmul, 'TT Tf fT', r(2, 3), r(3, 4))
row('matmul_vec', torch.matmul, 'TT', r(3), r(3))
row('matmul_batch', torch.matmul, 'TT Tf fT', r(2, 2, 3), r(3, 4))
row('matmul_bmm', torch.matmul, 'TT', r(2, 2, 3), r(2, 3, 4))
row('linear', F.linear, 'TTT fTT TfT', r(2, 3), r(4, 3), r(4))
row('linear_nobias', F.linear, 'TT fT', r(2, 3), r(4, 3))
row('transpose', lambda a: a.transpose(0, 1), 'T', r(2, 3))
row('reshape', lambda a: a.reshape(3, 2), 'T', r(2, 3))
row('narrow', lambda a: a.narrow(1, 1, 2), 'T', r(2, 3))
row('concat', lambda a, b: torch.cat([a, b], 0), 'TT', r(2, 3), r(1, 3))
row('stack', lambda a, b: torch.stack([a, b], 1), 'TT', r(2, 3), r(2, 3))
row('unsqueeze', lambda a: a.unsqueeze(0), 'T', r(2, 3))
row('squeeze', lambda a: a.squeeze(), 'T', r(1, 3))
row('flatten', lambda a: a.flatten(), 'T', r(2, 3))
row('permute', lambda a: a.permute(1, 0), 'T', r(2, 3))
# An expanded output cannot be written in place at all; the clone after it reads nothing.
row('expand', lambda a: a.expand(2, 3).clone(), 'T', r(1, 3))
row('index_select', lambda a, i: a.index_select(0, i), 'Tf', r(2, 3), index(1, 0, 1))
row('gather', lambda a, i: a.gather(1, i), 'Tf', r(2, 3), lambda: torch.tensor([[0, 2], [1, 1]]))
row('embedding', F.embedding, 'fT', index(1, 0, 1), r(2, 3))
row('clone', torch.clone, 'T', r(3))
row('dropout', lambda a: F.dropout(a, 0.5, True), 'T', r(100))
# The normalisation layers' ops (these rows also in test_backward_reads.cpp).
row('layer_norm', lambda x, w, b: F.layer_norm(x, [3], w, b), 'TTT Tff fTf ffT', r(2, 3), r(3), r(3))
row('layer_norm_plain', lambda x: F.layer_norm(x, [3]), 'T', r(2, 3))
row('batch_norm', lambda x, w, b: F.batch_norm(x, torch.zeros(3), torch.ones(3), w, b, True), 'TTT Tff fTf ffT',
    r(4, 3), r(3), r(3))
row('batch_norm_plain', lambda x: F.batch_norm(x, None, None, training=True), 'T', r(4, 3))
row('batch_norm_eval', lambda x, w, b: F.batch_norm(x, torch.zeros(3), torch.ones(3) * 2, w, b, False), 'TTT Tff fTf',
    r(4, 3), r(3), r(3))

# The losses, for tests/losses/test_backward_reads_losses.cpp.
prob = lambda *s: (lambda: torch.rand(*s) * 0.8 + 0.1)
classes = lambda *v: (lambda: torch.tensor(v))
classes2d = lambda: torch.tensor([[0, 2], [1, 1]])

row('cross_entropy', F.cross_entropy, 'Tf', r(3, 4), classes(1, 0, 3))
row('cross_entropy_none', lambda x, t: F.cross_entropy(x, t, reduction='none'), 'Tf', r(3, 4), classes(1, 0, 3))
row('cross_entropy_w', lambda x, t, w: F.cross_entropy(x, t, weight=w), 'Tff', r(3, 4), classes(1, 0, 3), pos(4))
row('cross_entropy_ls', lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), 'Tf', r(3, 4), classes(1, 0, 3))
row('cross_entropy_prob', F.cross_entropy, 'Tf', r(3, 4), lambda: torch.rand(3, 4).softmax(1))
row('cross_entropy_2d', F.cross_entropy, 'Tf', r(2, 3, 2), classes2d)
row('nll_loss', F.nll_loss, 'Tf', r(3, 4), classes(1, 0, 3))
row('nll_loss_w', lambda x, t, w: F.nll_loss(x, t, weight=w), 'Tff', r(3, 4), classes(1, 0, 3), pos(4))
row('mse_loss', F.mse_loss, 'TT Tf fT', r(2, 3), r(2, 3))
row('mse_loss_none', lambda x, t: F.mse_loss(x, t, reduction='none'), 'TT', r(2, 3), r(2, 3))
row('l1_loss', F.l1_loss, 'TT Tf fT', r(2, 3), r(2, 3))
row('smooth_l1_loss', F.smooth_l1_loss, 'TT Tf fT', r(2, 3), r(2, 3))
row('huber_loss', F.huber_loss, 'TT Tf fT', r(2, 3), r(2, 3))
row('bce', F.binary_cross_entropy, 'Tf', prob(2, 3), prob(2, 3))
row('bce_w', lambda x, t, w: F.binary_cross_entropy(x, t, weight=w), 'Tff', prob(2, 3), prob(2, 3), pos(2, 3))
row('bce_logits', F.binary_cross_entropy_with_logits, 'Tf', r(2, 3), prob(2, 3))
row('bce_logits_w', lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, weight=w), 'Tff', r(2, 3), prob(2, 3),
    pos(2, 3))
row('bce_logits_pw', lambda x, t, p: F.binary_cross_entropy_with_logits(x, t, pos_weight=p), 'Tff', r(2, 3),
    prob(2, 3), pos(3))

# The fused recurrent layers, for tests/layers/test_backward_reads_recurrent.cpp: aten::lstm and
# aten::gru, one layer, h0 and c0 [1, B, H]; the sequence output only (h_n and c_n are dropped).
T, B, I, H = 3, 2, 4, 5
lstm = lambda x, h0, c0, *w: torch.lstm(x, (h0, c0), list(w), len(w) == 4, 1, 0.0, False, False, False)[0]
gru = lambda x, h0, *w: torch.gru(x, h0, list(w), len(w) == 4, 1, 0.0, False, False, False)[0]
row('lstm_layer', lstm, 'TTTTTTT TffTTTT fffTTTT Tffffff fTTffff', r(T, B, I), r(1, B, H), r(1, B, H), r(4 * H, I),
    r(4 * H, H), r(4 * H), r(4 * H))
row('lstm_layer_nobias', lstm, 'TTTTT', r(T, B, I), r(1, B, H), r(1, B, H), r(4 * H, I), r(4 * H, H))
row('gru_layer', gru, 'TTTTTT TffTTT ffTTTT Tfffff fTffff', r(T, B, I), r(1, B, H), r(3 * H, I), r(3 * H, H), r(3 * H),
    r(3 * H))
