from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-debug-mlp"
points = 5

@test_case(points=None, hidden=False)
def test_debug_mlp_public_1(train_mlp):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_tuple
    rng = np.random.default_rng(205)
    X, y = (rng.normal(size=(12, 2)), rng.integers(0, 2, size=(12, 1)).astype(float))
    start = [rng.normal(size=(2, 3)), rng.normal(size=3) * 0.1, rng.normal(size=(3, 1)), rng.normal(size=1) * 0.1]
    params_t = [torch.tensor(a, requires_grad=True) for a in start]
    out_t = torch.sigmoid(torch.sigmoid(torch.tensor(X) @ params_t[0] + params_t[1]) @ params_t[2] + params_t[3])
    loss_t = ((out_t - torch.tensor(y)) ** 2).mean()
    loss_t.backward()
    result = check_tuple('train_mlp(X, y, W1, b1, W2, b2, lr, steps=1)', answer_of(train_mlp, X, y, *start, 0.5, 1), 5)
    check_array('losses after one step', result[4], [loss_t.item()])
    for name, got, t in zip(('W1', 'b1', 'W2', 'b2'), result[:4], params_t, strict=True):
        check_array(f'{name} after one step', got, (t - 0.5 * t.grad).detach().numpy())

