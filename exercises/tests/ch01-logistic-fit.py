from otter.test_files import test_case

OK_FORMAT = False

name = "ch01-logistic-fit"
points = 4

@test_case(points=None, hidden=False)
def test_logistic_fit_public_1(fit_logistic):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_scalar, check_tuple
    from dlbook.grading.reference import neuron as reference
    rng = np.random.default_rng(401)
    X = np.vstack([rng.normal(-1, 1, size=(30, 2)), rng.normal(1, 1, size=(30, 2))])
    y = np.repeat([0.0, 1.0], 30)
    result = check_tuple('fit_logistic(...)', answer_of(fit_logistic, X, y, 0.5, 50), 2)
    w_ref, b_ref = reference.fit_logistic(X, y, 0.5, 50)
    check_array('w', result[0], w_ref)
    check_scalar('b', result[1], b_ref)

