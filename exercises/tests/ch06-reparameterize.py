from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-reparameterize"
points = 2

@test_case(points=None, hidden=False)
def test_reparameterize_public_1(reparameterize):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6101)
    mu, logvar, eps = (rng.normal(size=(3, 4)) for _ in range(3))
    got = reference.numpy_only_answer(reparameterize, mu, logvar, eps)
    check_array('reparameterize(mu, logvar, eps)', got, reference.reparameterize(mu, logvar, eps))

