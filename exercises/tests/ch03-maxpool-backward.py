from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-maxpool-backward"
points = 3

@test_case(points=None, hidden=False)
def test_maxpool_backward_public_1(max_pool2d_backward):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import conv as reference
    rng = np.random.default_rng(3401)
    x = rng.normal(size=(2, 3, 6, 6))
    for kernel, stride in [(2, 2), (3, 1)]:
        out_size = (6 - kernel) // stride + 1
        grad_out = rng.normal(size=(2, 3, out_size, out_size))
        got = reference.numpy_only_answer(max_pool2d_backward, x, grad_out, kernel, stride)
        check_array(f'max_pool2d_backward(x, grad_out, kernel={kernel}, stride={stride})', got, reference.max_pool2d_backward(x, grad_out, kernel, stride))

