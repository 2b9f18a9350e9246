from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-multi-head-attention"
points = 4

@test_case(points=None, hidden=False)
def test_mha_public_1(multi_head_self_attention):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import attention as reference
    rng = np.random.default_rng(5601)
    n, steps, d, h = (2, 5, 8, 2)
    x = rng.normal(size=(n, steps, d))
    weights = []
    for _ in range(4):
        weights += [rng.normal(size=(d, d)) / np.sqrt(d), rng.normal(size=d)]
    key_mask = np.arange(steps) < np.array([[5], [3]])
    for mask, causal, what in ((None, False, 'key_mask=None, causal=False'), (key_mask, True, 'a key_mask of lengths [5, 3], causal=True')):
        check_array(f'multi_head_self_attention on x (2, 5, 8), 2 heads, {what}', reference.numpy_only_answer(multi_head_self_attention, x, *weights, h, mask, causal, keep_inputs=True), reference.multi_head_self_attention(x, *weights, h, mask, causal))

