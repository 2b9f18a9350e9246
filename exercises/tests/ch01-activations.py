OK_FORMAT = True

test = {   'name': 'ch01-activations',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> rng = np.random.default_rng(101)\n'
                                               '>>> z = rng.normal(size=tuple(rng.integers(1, 6, size=rng.integers(1, 4)))) * 4\n'
                                               '>>> z_t = torch.tensor(z, requires_grad=True)\n'
                                               '>>> torch.sigmoid(z_t).sum().backward()\n'
                                               ">>> check_array('sigmoid(z)', answer_of(sigmoid, z), torch.sigmoid(z_t).detach().numpy())\n"
                                               ">>> check_array('sigmoid_grad(z)', answer_of(sigmoid_grad, z), z_t.grad.numpy())\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> rng = np.random.default_rng(102)\n'
                                               '>>> z = rng.normal(size=(3, 7)) * 3\n'
                                               '>>> z_t = torch.tensor(z, requires_grad=True)\n'
                                               '>>> torch.tanh(z_t).sum().backward()\n'
                                               ">>> check_array('tanh_grad(z)', answer_of(tanh_grad, z), z_t.grad.numpy())\n"
                                               ">>> check_array('relu(z)', answer_of(relu, z), torch.relu(torch.tensor(z)).numpy())\n"
                                               ">>> check_array('relu_grad(z)', answer_of(relu_grad, z), (z > 0).astype(float))\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
