from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-stable-softmax"
points = 2

@test_case(points=None, hidden=False)
def test_softmax_public_1(softmax):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import attention as reference
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    check_array('softmax([[1, 2, 3], [0, 0, 0]])', reference.numpy_only_answer(softmax, z, keep_inputs=True), reference.softmax(z))
    huge = np.array([1000.0, 1001.0, 1002.0])
    check_array('softmax([1000, 1001, 1002]) (huge logits)', reference.numpy_only_answer(softmax, huge, keep_inputs=True), reference.softmax(huge))

