from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-dropout"
points = 3

@test_case(points=None, hidden=False)
def test_dropout_public_1(dropout_forward, dropout_backward):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_tuple
    rng = np.random.default_rng(204)
    shape = tuple((int(k) for k in rng.integers(2, 7, size=2)))
    x, u, grad_out, p = (rng.normal(size=shape), rng.random(shape), rng.normal(size=shape), 0.3)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = torch.where(torch.tensor(u) >= p, x_t / (1 - p), torch.zeros(shape))
    (out_t * torch.tensor(grad_out)).sum().backward()
    out, mask = check_tuple('dropout_forward(x, p, u, training=True)', answer_of(dropout_forward, x, p, u, True), 2)
    check_array('out', out, out_t.detach().numpy())
    check_array('mask', mask, (u >= p) / (1 - p))
    check_array('dropout_backward(grad_out, mask)', answer_of(dropout_backward, grad_out, (u >= p) / (1 - p)), x_t.grad.numpy())

