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
    for z, temperature in [(logits, 0.5), (logits, 2.0), (logits + 1000, 0.5)]:
        first = reference.numpy_only_answer(sample_with_temperature, z, temperature, rng)
        reference.check_index(f'sample_with_temperature({z}, {temperature}, rng)', first, 4)
        draws = answer_of(lambda z=z, t=temperature: [sample_with_temperature(z, t, rng) for _ in range(4000)], name='sample_with_temperature')
        freq = np.bincount(np.asarray(draws, dtype=int), minlength=4)[:4] / len(draws)
        check_array(f'frequencies of 4000 draws for logits {z} at temperature {temperature}', freq, reference.temperature_probabilities(z, temperature), rtol=0, atol=0.03)
    same = [answer_of(lambda g=generator: [sample_with_temperature(logits, 1.0, g) for _ in range(100)], name='sample_with_temperature') for generator in (np.random.default_rng(7), np.random.default_rng(7))]
    assert same[0] == same[1], 'two generators with the same seed gave different draws: draw with the rng passed in, not np.random.* or a new generator'

