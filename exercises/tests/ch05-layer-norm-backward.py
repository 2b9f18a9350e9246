from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-layer-norm-backward"
points = 4

@test_case(points=None, hidden=False)
def test_layer_norm_backward_public_1(layer_norm_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import normalization as reference
    from dlbook.grading.reference.attention import numpy_only_answer
    rng = np.random.default_rng(5701)
    x = rng.normal(size=(3, 4, 6)) * 2 + 1
    gamma, grad_out = (rng.normal(size=6), rng.normal(size=(3, 4, 6)))
    got = numpy_only_answer(layer_norm_backward, x, gamma, grad_out, keep_inputs=True)
    grads = check_tuple('layer_norm_backward(x, gamma, grad_out)', got, 3)
    expected = reference.layer_norm_backward(x, gamma, grad_out)
    for name, mine, right in zip(('dx', 'dgamma', 'dbeta'), grads, expected):
        check_array(f'{name} for x (3, 4, 6), eps=1e-5', mine, right)

