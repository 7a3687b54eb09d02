"""Small descriptive statistics."""


def running_median(values, window):
    """Median of every window of `window` consecutive values."""
    if window < 1:
        raise ValueError("window must be positive")
    medians = []
    for start in range(len(values) - window + 1):
        chunk = sorted(values[start:start + window])
        middle = window // 2
        if window % 2:
            medians.append(chunk[middle])
        else:
            medians.append((chunk[middle - 1] + chunk[middle]) / 2)
    return medians


def weighted_variance(values, weights):
    """Variance of `values` where each value counts `weights[i]` times."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must sum to a positive number")
    mean = sum(v * w for v, w in zip(values, weights)) / total
    return sum(w * (v - mean) ** 2 for v, w in zip(values, weights)) / total
