from otter.test_files import test_case

OK_FORMAT = False

name = "ch01-gd-step"
points = 3

@test_case(points=None, hidden=False)
def test_gd_step_public_1(gd_step):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_scalar, check_tuple
    from dlbook.grading.reference import neuron as reference
    rng = np.random.default_rng(301)
    n, d = (int(rng.integers(5, 30)), int(rng.integers(1, 6)))
    X, y, w, b = (rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal()))
    result = check_tuple('gd_step(...)', answer_of(gd_step, w, b, X, y, 0.1), 2)
    new_w, new_b = reference.gd_step(w, b, X, y, 0.1)
    check_array('new_w', result[0], new_w)
    check_scalar('new_b', result[1], new_b)

