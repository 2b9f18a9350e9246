OK_FORMAT = True

test = {   'name': 'ch01-logistic-fit',
    'points': 4,
    'suites': [   {   'cases': [   {   'code': '>>> from dlbook import torch_reference\n'
                                               '>>> rng = np.random.default_rng(401)\n'
                                               '>>> X = np.vstack([rng.normal(-1, 1, size=(30, 2)), rng.normal(1, 1, size=(30, 2))])\n'
                                               '>>> y = np.repeat([0.0, 1.0], 30)\n'
                                               ">>> result = check_tuple('fit_logistic(...)', answer_of(fit_logistic, X, y, 0.5, 50), 2)\n"
                                               '>>> w_ref, b_ref = torch_reference.fit_logistic(X, y, 0.5, 50)\n'
                                               ">>> check_array('w', result[0], w_ref)\n"
                                               ">>> check_scalar('b', result[1], b_ref)\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
