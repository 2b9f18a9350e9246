from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-output-size"
points = 2

@test_case(points=None, hidden=False)
def test_output_size_public_1(conv_output_size):
    from dlbook.grading import check_scalar
    from dlbook.grading.reference import conv as reference
    for size, kernel, stride, padding in [(28, 3, 1, 0), (28, 5, 1, 2), (28, 2, 2, 0), (7, 3, 2, 1)]:
        got = reference.numpy_only_answer(conv_output_size, size, kernel, stride, padding, 1)
        check_scalar(f'conv_output_size({size}, {kernel}, {stride}, {padding}, 1)', got, reference.conv_output_size(size, kernel, stride, padding, 1))

