from otter.test_files import test_case

OK_FORMAT = False

name = "ch02-adam-step"
points = 3

@test_case(points=None, hidden=False)
def test_adam_step_public_1(adam_step):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_tuple
    rng = np.random.default_rng(203)
    shape = tuple((int(k) for k in rng.integers(1, 5, size=2)))
    param, grad = (rng.normal(size=shape), rng.normal(size=shape))
    param_t = torch.tensor(param, requires_grad=True)
    torch_adam = torch.optim.Adam([param_t], lr=0.01, betas=(0.9, 0.999), eps=1e-08)
    param_t.grad = torch.tensor(grad)
    torch_adam.step()
    state = torch_adam.state[param_t]
    result = answer_of(adam_step, param, grad, np.zeros(shape), np.zeros(shape), 1, 0.01, 0.9, 0.999, 1e-08)
    new_param, new_m, new_v = check_tuple('adam_step(...)', result, 3)
    check_array('new_param after step 1', new_param, param_t.detach().numpy())
    check_array('new_m after step 1', new_m, state['exp_avg'].numpy())
    check_array('new_v after step 1', new_v, state['exp_avg_sq'].numpy())

