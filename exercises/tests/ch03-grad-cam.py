from otter.test_files import test_case

OK_FORMAT = False

name = "ch03-grad-cam"
points = 3

@test_case(points=None, hidden=False)
def test_grad_cam_public_1(grad_cam):
    import numpy as np
    from dlbook.grading import check_array
    from dlbook.grading.reference import conv as reference
    from dlbook.interpret import activations_and_gradients
    model, layer = reference.small_cnn(seed=3501)
    image = np.random.default_rng(3501).normal(size=(1, 12, 12))
    activations, gradients = activations_and_gradients(model, layer, image[None], target=2)
    got = reference.numpy_only_answer(grad_cam, activations[0], gradients[0])
    check_array('grad_cam(activations, gradients)', got, reference.grad_cam(model, layer, image, target=2))

