import time


def best_of(runs, fn):
    """The fastest of `runs` timings of `fn()`, in seconds: what a growth check compares."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
