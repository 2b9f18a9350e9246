OK_FORMAT = True

test = {   'name': 'ch01-gd-step',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> from dlbook import torch_reference\n'
                                               '>>> rng = np.random.default_rng(301)\n'
                                               '>>> n, d = (int(rng.integers(5, 30)), int(rng.integers(1, 6)))\n'
                                               '>>> X, y, w, b = (rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal()))\n'
                                               ">>> result = check_tuple('gd_step(...)', answer_of(gd_step, w, b, X, y, 0.1), 2)\n"
                                               '>>> new_w, new_b = torch_reference.gd_step(w, b, X, y, 0.1)\n'
                                               ">>> check_array('new_w', result[0], new_w)\n"
                                               ">>> check_scalar('new_b', result[1], new_b)\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
