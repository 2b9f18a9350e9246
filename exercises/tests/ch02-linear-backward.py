from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-linear-backward"
points = 3

@test_case(points=None, hidden=False)
def test_linear_backward_public_1(linear_backward):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_tuple
    rng = np.random.default_rng(201)
    n, d_in, d_out = (int(k) for k in rng.integers(1, 7, size=3))
    x, W = (rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)))
    b, grad_out = (rng.normal(size=d_out), rng.normal(size=(n, d_out)))
    x_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    ((x_t @ W_t + b_t) * torch.tensor(grad_out)).sum().backward()
    grads = check_tuple('linear_backward(x, W, grad_out)', answer_of(linear_backward, x, W, grad_out), 3)
    for name, got, t in zip(('grad_x', 'grad_W', 'grad_b'), grads, (x_t, W_t, b_t), strict=True):
        check_array(name, got, t.grad.numpy())

