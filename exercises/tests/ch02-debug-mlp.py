from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-debug-mlp"
points = 5

@test_case(points=None, hidden=False)
def test_debug_mlp_public_1(train_mlp):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_tuple
    from dlbook.grading.reference import layers as reference
    rng = np.random.default_rng(205)
    X, y = (rng.normal(size=(12, 2)), rng.integers(0, 2, size=(12, 1)).astype(float))
    start = [rng.normal(size=(2, 3)), rng.normal(size=3) * 0.1]
    start += [rng.normal(size=(3, 1)), rng.normal(size=1) * 0.1]
    expected = reference.train_mlp(X, y, *start, 0.5, 1)
    result = answer_of(train_mlp, X, y, *start, 0.5, 1, keep_inputs=True)
    result = check_tuple('train_mlp(X, y, W1, b1, W2, b2, lr, steps=1)', result, 5)
    check_array('losses after one step', result[4], expected[4])
    for name, got, right in zip(('W1', 'b1', 'W2', 'b2'), result[:4], expected[:4]):
        check_array(f'{name} after one step', got, right)

