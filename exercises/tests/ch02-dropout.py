from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-dropout"
points = 3

@test_case(points=None, hidden=False)
def test_dropout_public_1(dropout_forward, dropout_backward):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_tuple
    from dlbook.grading.reference import layers as reference
    rng = np.random.default_rng(204)
    shape = tuple((int(k) for k in rng.integers(2, 7, size=2)))
    x, u, grad_out, p = (rng.normal(size=shape), rng.random(shape), rng.normal(size=shape), 0.3)
    right_out, right_grad = reference.dropout(x, p, u, grad_out)
    result = answer_of(dropout_forward, x, p, u, True)
    out, mask = check_tuple('dropout_forward(x, p, u, training=True)', result, 2)
    check_array('out', out, right_out)
    check_array('mask', mask, (u >= p) / (1 - p))
    grad = answer_of(dropout_backward, grad_out, (u >= p) / (1 - p))
    check_array('dropout_backward(grad_out, mask)', grad, right_grad)

