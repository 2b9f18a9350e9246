from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-attention-backward"
points = 5

@test_case(points=None, hidden=False)
def test_attention_backward_public_1(attention_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import attention as reference
    rng = np.random.default_rng(5501)
    q, k = (rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4)))
    v, grad_out = (rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 3)))
    causal = np.tril(np.ones((5, 5), dtype=bool))
    for mask, what in ((causal, 'a causal mask'), (None, 'mask=None')):
        got = reference.numpy_only_answer(attention_backward, q, k, v, grad_out, mask, keep_inputs=True)
        grads = check_tuple(f'attention_backward(q, k, v, grad_out, {what})', got, 3)
        expected = reference.attention_backward(q, k, v, grad_out, mask)
        for name, mine, right in zip(('dq', 'dk', 'dv'), grads, expected):
            check_array(f'{name} for q, k (2, 5, 4), v (2, 5, 3) and {what}', mine, right)

