from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-fit-sequence"
points = 3

@test_case(points=None, hidden=False)
def test_fit_sequence_public_1(fit_sequence):
    import numpy as np
    from dlbook.grading import check_array, check_scalar, check_tuple
    from dlbook.grading.reference import rnn as reference
    rng = np.random.default_rng(4601)
    for N, T, D, H in [(16, 12, 1, 12)]:
        xs = rng.normal(size=(N, T, D))
        ys = np.full((N, T, D), 0.5)
        ys[:, 2:] += xs[:, :-2]
        bound = 1 / np.sqrt(H)
        shapes = [(D, H), (H, H), (H,), (H, D)]
        params = (*(rng.uniform(-bound, bound, size=s) for s in shapes), np.zeros(D))
        copies = tuple((p.copy() for p in params))
        where = f'N={N}, T={T}, D={D}, H={H}'
        got = check_tuple(f'fit_sequence(xs, ys, params, 0.1, 300) with {where}', reference.numpy_only_answer(fit_sequence, xs, ys, copies, 0.1, 300, seconds=10), 2)
        trained = check_tuple('the params that fit_sequence returns', got[0], 5)
        for name, w, p in zip(['W_x', 'W_h', 'b', 'W_y', 'b_y'], trained, params):
            assert np.shape(w) == p.shape, f'the trained {name} has shape {np.shape(w)}, not {p.shape}'
        losses = np.asarray(got[1], dtype=float).reshape(-1)
        assert losses.size == 300, f'fit_sequence returned {losses.size} losses for 300 steps: record one loss per step, before its update'
        expected = reference.fit_sequence(xs, ys, params, 0.1, 10)[1]
        check_scalar(f'losses[0] (the loss at the initial weights) with {where}', losses[0], expected[0])
        check_array(f'losses[1:10] (the losses after your first updates) with {where}', losses[1:10], expected[1:])
        final = reference.sequence_loss(xs, ys, trained)
        assert final <= 0.05, f'the weights that fit_sequence returns have a loss of {final:.4f} with {where}, above the target 0.05 (your last recorded loss is {losses[-1]:.4f}): return the weights after the last step'

