OK_FORMAT = True

test = {   'name': 'ch01-gd-step',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> def torch_gd_step(w, b, X, y, lr):\n'
                                               '...     w_t, b_t = (torch.tensor(w, requires_grad=True), torch.tensor(float(b), requires_grad=True))\n'
                                               '...     loss = torch.mean((torch.tensor(X) @ w_t + b_t - torch.tensor(y)) ** 2)\n'
                                               '...     loss.backward()\n'
                                               '...     return ((w_t - lr * w_t.grad).detach().numpy(), (b_t - lr * b_t.grad).item())\n'
                                               '>>> rng = np.random.default_rng(301)\n'
                                               '>>> n, d = (int(rng.integers(5, 30)), int(rng.integers(1, 6)))\n'
                                               '>>> X, y, w, b = (rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal()))\n'
                                               '>>> result = answer_of(gd_step, w, b, X, y, 0.1)\n'
                                               ">>> assert isinstance(result, tuple) and len(result) == 2, 'gd_step should return a pair (new_w, new_b)'\n"
                                               '>>> new_w, new_b = torch_gd_step(w, b, X, y, 0.1)\n'
                                               ">>> check_array('new_w', result[0], new_w)\n"
                                               ">>> check_scalar('new_b', result[1], new_b)\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
