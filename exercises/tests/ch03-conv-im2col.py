from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-conv-im2col"
points = 4

@test_case(points=None, hidden=False)
def test_im2col_public_1(im2col):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import conv as reference
    rng = np.random.default_rng(3301)
    x = rng.normal(size=(2, 3, 6, 5))
    for kh, kw, stride, padding in [(3, 3, 1, 0), (2, 3, 2, 1)]:
        got = reference.numpy_only_answer(im2col, x, kh, kw, stride, padding)
        check_array(f'im2col(x, {kh}, {kw}, stride={stride}, padding={padding})', got, reference.im2col(x, kh, kw, stride, padding))

@test_case(points=None, hidden=False)
def test_conv_im2col_public_2(conv2d_im2col):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import conv as reference
    assert 'im2col' in conv2d_im2col.__code__.co_names, 'conv2d_im2col should build its columns with your im2col'
    rng = np.random.default_rng(3302)
    x, weight, bias = (rng.normal(size=(3, 2, 9, 7)), rng.normal(size=(5, 2, 3, 3)), rng.normal(size=5))
    got = reference.numpy_only_answer(conv2d_im2col, x, weight, bias, 2, 1)
    check_array('conv2d_im2col(x, weight, bias, stride=2, padding=1)', got, reference.conv2d(x, weight, bias, 2, 1))

