from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-iwae-bound"
points = 2

@test_case(points=None, hidden=False)
def test_iwae_bound_public_1(iwae_bound):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6601)
    n, k = (int(rng.integers(2, 6)), int(rng.integers(6, 12)))
    log_w = rng.normal(size=(n, k)) * 3 - 90
    got = reference.numpy_only_answer(iwae_bound, log_w)
    check_array('iwae_bound(log_w)', got, reference.iwae_bound(log_w))
    log_w = rng.normal(size=(n, k)) - 2000
    with np.errstate(all='ignore'):
        got = reference.numpy_only_answer(iwae_bound, log_w)
    check_array('iwae_bound at log-weights around -2000', got, reference.iwae_bound(log_w))

