from otter.test_files import test_case

OK_FORMAT = False

name = "ch05-positional-encoding"
points = 2

@test_case(points=None, hidden=False)
def test_positions_public_1(sinusoidal_positions):
    from dlbook.grading import check_array
    from dlbook.grading.reference import attention as reference
    check_array('sinusoidal_positions(4, 6)', reference.numpy_only_answer(sinusoidal_positions, 4, 6), reference.sinusoidal_positions(4, 6))

