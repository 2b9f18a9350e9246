from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-causal-attention"
points = 3

@test_case(points=None, hidden=False)
def test_causal_attention_public_1(causal_attention):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import attention as reference
    rng = np.random.default_rng(5201)
    q, k, v = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    check_array('causal_attention(q, k, v) with q, k (4, 3) and v (4, 2)', reference.numpy_only_answer(causal_attention, q, k, v, keep_inputs=True), reference.causal_attention(q, k, v))

