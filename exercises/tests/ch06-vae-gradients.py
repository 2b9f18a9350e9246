from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-vae-gradients"
points = 4

@test_case(points=None, hidden=False)
def test_vae_gradients_public_1(vae_loss_and_grads):
    import numpy as np
    from dlbook.grading import check_array, check_scalar, check_tuple
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6501)
    n, pixels, d = (int(rng.integers(3, 6)), int(rng.integers(7, 12)), 2)
    x, eps = (rng.random((n, pixels)), rng.normal(size=(n, d)))
    params = (rng.normal(size=(pixels, d)) * 0.5, rng.normal(size=d) * 0.5, rng.normal(size=(pixels, d)) * 0.5, rng.normal(size=d) * 0.5, rng.normal(size=(d, pixels)), rng.normal(size=pixels))
    expected = reference.vae_loss_and_grads(x, eps, *params)
    got = reference.numpy_only_answer(vae_loss_and_grads, x, eps, *params)
    got = check_tuple('vae_loss_and_grads(x, eps, ...)', got, 7)
    check_scalar('loss', got[0], expected[0])
    names = ('grad_W_mu', 'grad_b_mu', 'grad_W_lv', 'grad_b_lv', 'grad_W_d', 'grad_b_d')
    for name, mine, right in zip(names, got[1:], expected[1:]):
        check_array(name, mine, right)

