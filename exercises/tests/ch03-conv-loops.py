from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-conv-loops"
points = 3

@test_case(points=None, hidden=False)
def test_conv_loops_public_1(conv2d_loops):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import conv as reference
    rng = np.random.default_rng(3201)
    x, weight, bias = (rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4))
    for stride, padding in [(1, 0), (2, 1)]:
        got = reference.numpy_only_answer(conv2d_loops, x, weight, bias, stride, padding)
        check_array(f'conv2d_loops(x, weight, bias, stride={stride}, padding={padding})', got, reference.conv2d(x, weight, bias, stride, padding))

