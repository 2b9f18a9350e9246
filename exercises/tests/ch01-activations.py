from otter.test_files import test_case

OK_FORMAT = False

name = "ch01-activations"
points = 4

@test_case(points=None, hidden=False)
def test_activations_public_1(sigmoid, sigmoid_grad):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array
    rng = np.random.default_rng(101)
    z = rng.normal(size=tuple(rng.integers(1, 6, size=rng.integers(1, 4)))) * 4
    z_t = torch.tensor(z, requires_grad=True)
    torch.sigmoid(z_t).sum().backward()
    check_array('sigmoid(z)', answer_of(sigmoid, z), torch.sigmoid(z_t).detach().numpy())
    check_array('sigmoid_grad(z)', answer_of(sigmoid_grad, z), z_t.grad.numpy())

@test_case(points=None, hidden=False)
def test_activations_public_2(tanh_grad, relu, relu_grad):
    import numpy as np
    import torch
    from dlbook.grading import answer_of, check_array
    rng = np.random.default_rng(102)
    z = rng.normal(size=(3, 7)) * 3
    z_t = torch.tensor(z, requires_grad=True)
    torch.tanh(z_t).sum().backward()
    check_array('tanh_grad(z)', answer_of(tanh_grad, z), z_t.grad.numpy())
    check_array('relu(z)', answer_of(relu, z), torch.relu(torch.tensor(z)).numpy())
    check_array('relu_grad(z)', answer_of(relu_grad, z), (z > 0).astype(float))

