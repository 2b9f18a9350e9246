from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-linear-backward"
points = 3

@test_case(points=None, hidden=False)
def test_linear_backward_public_1(linear_backward):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_tuple
    from dlbook.grading.reference import layers as reference
    rng = np.random.default_rng(201)
    n, d_in, d_out = (int(k) for k in rng.integers(1, 7, size=3))
    x, W = (rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)))
    b, grad_out = (rng.normal(size=d_out), rng.normal(size=(n, d_out)))
    expected = reference.linear_backward(x, W, b, grad_out)
    got = answer_of(linear_backward, x, W, grad_out)
    grads = check_tuple('linear_backward(x, W, grad_out)', got, 3)
    for name, mine, right in zip(('grad_x', 'grad_W', 'grad_b'), grads, expected):
        check_array(name, mine, right)

