from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-temperature"
points = 2

@test_case(points=None, hidden=False)
def test_temperature_public_1(sample_with_temperature):
    import numpy as np
    from dlbook.grading import answer_of, check_array
    from dlbook.grading.reference import rnn as reference
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    rng = np.random.default_rng(4401)
    first = reference.numpy_only_answer(sample_with_temperature, logits, 1.0, rng)
    reference.check_index('sample_with_temperature(logits, 1.0, rng)', first, 4)
    for temperature in [0.5, 2.0]:
        draws = answer_of(lambda z=logits, t=temperature: [sample_with_temperature(z, t, rng) for _ in range(4000)], name='sample_with_temperature')
        freq = np.bincount(np.asarray(draws, dtype=int), minlength=4)[:4] / len(draws)
        check_array(f'frequencies of 4000 draws at temperature {temperature}', freq, reference.temperature_probabilities(logits, temperature), rtol=0, atol=0.03)

