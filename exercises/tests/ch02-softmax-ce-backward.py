from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-softmax-ce-backward"
points = 3

@test_case(points=None, hidden=False)
def test_softmax_ce_backward_public_1(softmax_cross_entropy):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_scalar, check_tuple
    from dlbook.grading.reference import layers as reference
    rng = np.random.default_rng(202)
    n, k = (int(rng.integers(1, 8)), int(rng.integers(2, 7)))
    logits, labels = (rng.normal(size=(n, k)) * 3, rng.integers(0, k, size=n))
    right_loss, right_grad = reference.softmax_cross_entropy(logits, labels)
    result = answer_of(softmax_cross_entropy, logits, labels)
    loss, grad = check_tuple('softmax_cross_entropy(logits, labels)', result, 2)
    check_scalar('loss', loss, right_loss)
    check_array('grad', grad, right_grad)

