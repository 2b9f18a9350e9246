from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-lstm-cell"
points = 3

@test_case(points=None, hidden=False)
def test_lstm_cell_public_1(lstm_cell_forward):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import rnn as reference
    rng = np.random.default_rng(4201)
    N, D, H = (3, 4, 2)
    args = (rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H))
    got = check_tuple('lstm_cell_forward(...)', reference.numpy_only_answer(lstm_cell_forward, *args), 2)
    for name, g, e in zip(['h', 'c'], got, reference.lstm_cell_forward(*args)):
        check_array(f'{name} of lstm_cell_forward', g, e)

