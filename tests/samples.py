"""Sample works the tests index and copy: one definition each, shared by the test modules."""

SMOOTH = '''def smooth(series, size):
    """Median of every window of `size` consecutive values."""
    if size < 1:
        raise ValueError("window must be positive")
    out = []
    for i in range(len(series) - size + 1):
        part = sorted(series[i:i + size])
        mid = size // 2
        if size % 2:
            out.append(part[mid])
        else:
            out.append((part[mid - 1] + part[mid]) / 2)
    return out
'''
