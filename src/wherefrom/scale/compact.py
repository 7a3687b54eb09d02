"""Compaction's merges as Ray tasks: each merge reads its segments and writes the merged one
on the index's shared storage; the driver publishes them (index/compact.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wherefrom.errors import ClusterError
from wherefrom.index.compact import MergeJob
from wherefrom.scale.cluster import connect

TASK_RETRIES = 3


def ray_merges(address: str | None = None, num_cpus: int | None = None) -> Callable[[Callable[[MergeJob], dict], list[MergeJob]], Iterable[dict]]:
    """A `map_merges` for `compact` that runs every merge as a task of the cluster."""
    ray = connect(address, num_cpus)

    def run(function: Callable[[MergeJob], dict], jobs: list[MergeJob]) -> list[dict]:
        task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(function)
        try:
            return list(ray.get([task.remote(job) for job in jobs]))
        except ray.exceptions.RayError as error:
            raise ClusterError(f"a merge failed on Ray: {str(error).strip().splitlines()[-1][:300]}") from None

    return run
