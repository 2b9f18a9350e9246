from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-rnn-step"
points = 3

@test_case(points=None, hidden=False)
def test_rnn_step_public_1(rnn_step_forward, rnn_step_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import rnn as reference
    rng = np.random.default_rng(4101)
    x, h_prev = (rng.normal(size=(3, 4)), rng.normal(size=(3, 5)))
    W_x, W_h, b = (rng.normal(size=(4, 5)), rng.normal(size=(5, 5)), rng.normal(size=5))
    h = reference.numpy_only_answer(rnn_step_forward, x, h_prev, W_x, W_h, b)
    check_array('rnn_step_forward(x, h_prev, W_x, W_h, b)', h, reference.rnn_step_forward(x, h_prev, W_x, W_h, b))
    grad_h = rng.normal(size=(3, 5))
    h = reference.rnn_step_forward(x, h_prev, W_x, W_h, b)
    got = check_tuple('rnn_step_backward(...)', reference.numpy_only_answer(rnn_step_backward, grad_h, x, h_prev, h, W_x, W_h), 5)
    expected = reference.rnn_step_backward(grad_h, x, h_prev, W_x, W_h, b)
    for name, g, e in zip(['dx', 'dh_prev', 'dW_x', 'dW_h', 'db'], got, expected):
        check_array(f'{name} of rnn_step_backward', g, e)

