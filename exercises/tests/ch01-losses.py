OK_FORMAT = True

test = {   'name': 'ch01-losses',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> rng = np.random.default_rng(201)\n'
                                               '>>> n = int(rng.integers(3, 20))\n'
                                               '>>> y_hat, y = (rng.normal(size=n), rng.normal(size=n))\n'
                                               '>>> y_hat_t = torch.tensor(y_hat, requires_grad=True)\n'
                                               '>>> loss_t = torch.nn.functional.mse_loss(y_hat_t, torch.tensor(y))\n'
                                               '>>> loss_t.backward()\n'
                                               ">>> check_scalar('mse(y_hat, y)', answer_of(mse, y_hat, y), loss_t.item())\n"
                                               ">>> check_array('mse_grad(y_hat, y)', answer_of(mse_grad, y_hat, y), y_hat_t.grad.numpy())\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> rng = np.random.default_rng(202)\n'
                                               '>>> n = int(rng.integers(3, 20))\n'
                                               '>>> z, y = (rng.normal(size=n) * 3, (rng.random(n) < 0.5).astype(float))\n'
                                               '>>> z_t = torch.tensor(z, requires_grad=True)\n'
                                               '>>> loss_t = torch.nn.functional.binary_cross_entropy_with_logits(z_t, torch.tensor(y))\n'
                                               '>>> loss_t.backward()\n'
                                               ">>> check_scalar('bce_with_logits(z, y)', answer_of(bce_with_logits, z, y), loss_t.item())\n"
                                               ">>> check_array('bce_with_logits_grad(z, y)', answer_of(bce_with_logits_grad, z, y), z_t.grad.numpy())\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
