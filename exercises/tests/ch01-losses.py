from otter.test_files import test_case

OK_FORMAT = False

name = "ch01-losses"
points = 4

@test_case(points=None, hidden=False)
def test_losses_public_1(mse, mse_grad):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_scalar
    rng = np.random.default_rng(201)
    n = int(rng.integers(3, 20))
    y_hat, y = (rng.normal(size=n), rng.normal(size=n))
    y_hat_t = torch.tensor(y_hat, requires_grad=True)
    loss_t = torch.nn.functional.mse_loss(y_hat_t, torch.tensor(y))
    loss_t.backward()
    check_scalar('mse(y_hat, y)', answer_of(mse, y_hat, y), loss_t.item())
    check_array('mse_grad(y_hat, y)', answer_of(mse_grad, y_hat, y), y_hat_t.grad.numpy())

@test_case(points=None, hidden=False)
def test_losses_public_2(bce_with_logits, bce_with_logits_grad):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array, check_scalar
    rng = np.random.default_rng(202)
    n = int(rng.integers(3, 20))
    z, y = (rng.normal(size=n) * 3, (rng.random(n) < 0.5).astype(float))
    z_t = torch.tensor(z, requires_grad=True)
    loss_t = torch.nn.functional.binary_cross_entropy_with_logits(z_t, torch.tensor(y))
    loss_t.backward()
    check_scalar('bce_with_logits(z, y)', answer_of(bce_with_logits, z, y), loss_t.item())
    check_array('bce_with_logits_grad(z, y)', answer_of(bce_with_logits_grad, z, y), z_t.grad.numpy())

