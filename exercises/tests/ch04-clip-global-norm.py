from otter.test_files import test_case

OK_FORMAT = False

name = "ch04-clip-global-norm"
points = 2

@test_case(points=None, hidden=False)
def test_clip_public_1(clip_by_global_norm):
    import numpy as np
    from dlbook.grading import check_array, check_tuple
    from dlbook.grading.reference import optim as reference
    from dlbook.grading.reference.rnn import numpy_only_answer
    rng = np.random.default_rng(4301)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    for max_norm in [0.5, 100.0]:
        got = check_tuple(f'clip_by_global_norm(grads, {max_norm})', numpy_only_answer(clip_by_global_norm, [g.copy() for g in grads], max_norm), 2)
        for k, (g, e) in enumerate(zip(got, reference.clip_by_global_norm(grads, max_norm))):
            check_array(f'array {k} of clip_by_global_norm(grads, {max_norm})', g, e, rtol=1e-05)

