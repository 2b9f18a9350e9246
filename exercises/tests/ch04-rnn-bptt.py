from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-rnn-bptt"
points = 4

@test_case(points=None, hidden=False)
def test_rnn_bptt_public_1(rnn_forward, rnn_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import rnn as reference
    rng = np.random.default_rng(4501)
    N, T, D, H = (2, 5, 3, 4)
    xs, h0 = (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)))
    W_x, W_h, b = (rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H))
    check_array('rnn_forward(xs, h0, W_x, W_h, b)', reference.numpy_only_answer(rnn_forward, xs, h0, W_x, W_h, b), reference.rnn_forward(xs, h0, W_x, W_h, b))
    hs, grad_hs = (reference.rnn_forward(xs, h0, W_x, W_h, b), rng.normal(size=(N, T, H)))
    got = check_tuple('rnn_backward(grad_hs, xs, h0, hs, W_x, W_h)', reference.numpy_only_answer(rnn_backward, grad_hs, xs, h0, hs, W_x, W_h), 5)
    expected = reference.rnn_backward(grad_hs, xs, h0, W_x, W_h, b)
    for name, g, e in zip(['dxs', 'dh0', 'dW_x', 'dW_h', 'db'], got, expected):
        check_array(f'{name} of rnn_backward', g, e)

