OK_FORMAT = True

test = {   'name': 'ch01-logistic-fit',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> def torch_fit_logistic(X, y, lr, steps):\n'
                                               '...     model = torch.nn.Linear(X.shape[1], 1)\n'
                                               '...     torch.nn.init.zeros_(model.weight)\n'
                                               '...     torch.nn.init.zeros_(model.bias)\n'
                                               '...     opt = torch.optim.SGD(model.parameters(), lr=lr)\n'
                                               '...     X_t, y_t = (torch.tensor(X), torch.tensor(y))\n'
                                               '...     for _ in range(steps):\n'
                                               '...         opt.zero_grad()\n'
                                               '...         torch.nn.functional.binary_cross_entropy_with_logits(model(X_t).squeeze(1), y_t).backward()\n'
                                               '...         opt.step()\n'
                                               '...     return (model.weight.detach().numpy()[0], model.bias.item())\n'
                                               '>>> rng = np.random.default_rng(401)\n'
                                               '>>> X = np.vstack([rng.normal(-1, 1, size=(30, 2)), rng.normal(1, 1, size=(30, 2))])\n'
                                               '>>> y = np.repeat([0.0, 1.0], 30)\n'
                                               '>>> result = answer_of(fit_logistic, X, y, 0.5, 50)\n'
                                               ">>> assert isinstance(result, tuple) and len(result) == 2, 'fit_logistic should return a pair (w, b)'\n"
                                               '>>> w_ref, b_ref = torch_fit_logistic(X, y, 0.5, 50)\n'
                                               ">>> check_array('w', result[0], w_ref)\n"
                                               ">>> check_scalar('b', result[1], b_ref)\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
