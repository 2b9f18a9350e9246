from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-batchnorm-backward"
points = 4

@test_case(points=None, hidden=False)
def test_batchnorm_backward_public_1(batchnorm_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import normalization as reference
    from dlbook.grading.reference.conv import numpy_only_answer
    rng = np.random.default_rng(3601)
    for shape, eps in [((6, 3), 0.001), ((2, 3, 4, 5), 1e-05)]:
        x = rng.normal(size=shape) * 2 + 1
        gamma, grad_out = (rng.normal(size=3), rng.normal(size=shape))
        got = numpy_only_answer(batchnorm_backward, x, gamma, grad_out, eps)
        where = f'x of shape {shape}, eps {eps:g}'
        grads = check_tuple(f'batchnorm_backward on {where}', got, 3)
        expected = reference.batch_norm_backward(x, gamma, grad_out, eps)
        for name, mine, right in zip(('grad_x', 'grad_gamma', 'grad_beta'), grads, expected):
            check_array(f'{name} for {where}', mine, right)

