from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-gaussian-kl"
points = 2

@test_case(points=None, hidden=False)
def test_gaussian_kl_public_1(gaussian_kl):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6201)
    mu, logvar = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    got = reference.numpy_only_answer(gaussian_kl, mu, logvar)
    check_array('gaussian_kl(mu, logvar)', got, reference.gaussian_kl(mu, logvar))
    zero = reference.numpy_only_answer(gaussian_kl, np.zeros((2, 5)), np.zeros((2, 5)))
    check_array('gaussian_kl at the prior (mu = 0, logvar = 0)', zero, np.zeros(2))

