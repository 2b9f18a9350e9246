from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-adam-step"
points = 3

@test_case(points=None, hidden=False)
def test_adam_step_public_1(adam_step):
    import numpy as np
    from dlbook.grading import answer_of, check_array, check_tuple
    from dlbook.grading.reference import optim as reference
    rng = np.random.default_rng(203)
    shape = tuple((int(k) for k in rng.integers(1, 5, size=2)))
    param, grad = (rng.normal(size=shape), rng.normal(size=shape))
    (right_param, right_m, right_v), = reference.adam_steps(param, [grad], 0.01, 0.9, 0.999, 1e-08)
    zeros = np.zeros(shape)
    result = answer_of(adam_step, param, grad, zeros, zeros, 1, 0.01, 0.9, 0.999, 1e-08)
    new_param, new_m, new_v = check_tuple('adam_step(...)', result, 3)
    check_array('new_param after step 1', new_param, right_param)
    check_array('new_m after step 1', new_m, right_m)
    check_array('new_v after step 1', new_v, right_v)

