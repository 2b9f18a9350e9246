from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-lstm-backward"
points = 5

@test_case(points=None, hidden=False)
def test_lstm_backward_public_1(lstm_cell_backward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import rnn as reference
    rng = np.random.default_rng(4701)
    N, D, H = (3, 4, 2)
    args = (rng.normal(size=(N, H)), rng.normal(size=(N, H)), rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H))
    got = check_tuple('lstm_cell_backward(grad_h, grad_c, x, h_prev, c_prev, W_x, W_h, b)', reference.numpy_only_answer(lstm_cell_backward, *args), 6)
    names = ['dx', 'dh_prev', 'dc_prev', 'dW_x', 'dW_h', 'db']
    for name, g, e in zip(names, got, reference.lstm_cell_backward(*args)):
        check_array(f'{name} of lstm_cell_backward', g, e)

