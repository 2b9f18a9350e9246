from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-heads"
points = 2

@test_case(points=None, hidden=False)
def test_heads_public_1(split_heads, merge_heads):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import attention as reference
    x = np.arange(2 * 3 * 8, dtype=np.float64).reshape(2, 3, 8)
    check_array('split_heads(x (2, 3, 8), 4)', reference.numpy_only_answer(split_heads, x, 4), reference.split_heads(x, 4))
    heads = reference.split_heads(x, 4)
    check_array('merge_heads(heads (2, 4, 3, 2))', reference.numpy_only_answer(merge_heads, heads), reference.merge_heads(heads))

