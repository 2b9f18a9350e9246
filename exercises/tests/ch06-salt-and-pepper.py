from otter.test_files import test_case

OK_FORMAT = False

name = "ch06-salt-and-pepper"
points = 2

@test_case(points=None, hidden=False)
def test_salt_and_pepper_public_1(salt_and_pepper):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import autoencoder as reference
    rng = np.random.default_rng(6401)
    x = rng.random((3, 8))
    for u in (rng.random((3, 8)), rng.random((3, 8))):
        u[0, :3] = [0.0, 0.2, 0.4]
        got = reference.numpy_only_answer(salt_and_pepper, x, u, 0.4)
        check_array('salt_and_pepper(x, u, 0.4)', got, reference.salt_and_pepper(x, u, 0.4))
    got = reference.numpy_only_answer(salt_and_pepper, x, u, 0.0)
    check_array('salt_and_pepper(x, u, 0.0) (nothing to corrupt)', got, x, 0, 0)

