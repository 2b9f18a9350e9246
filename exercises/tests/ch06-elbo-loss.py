from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-elbo-loss"
points = 3

@test_case(points=None, hidden=False)
def test_elbo_loss_public_1(elbo_loss):
    import numpy as np
    from dlbook.grading import check_scalar
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6301)
    x, logits = (rng.random((5, 12)), rng.normal(size=(5, 12)) * 2)
    mu, logvar = (rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
    got = reference.numpy_only_answer(elbo_loss, x, logits, mu, logvar)
    check_scalar('elbo_loss(x, logits, mu, logvar)', got, reference.elbo_loss(x, logits, mu, logvar))

