"""Joining a Ray cluster (or starting one in this process) with one-line errors: the extra
missing, an address nobody answers at."""

from __future__ import annotations

import os
import socket
from types import ModuleType

from wherefrom.errors import BadInputError, ClusterError, require


def connect(address: str | None = None, num_cpus: int | None = None) -> ModuleType:
    """The `ray` module, initialised: joined to the cluster at `address` (host:port, or
    "auto" for the one `ray start` left on this machine), or, with None, a cluster of this
    process' own with `num_cpus` workers."""
    ray = require("ray", "--ray", "ray")
    require("ray.data", "--ray", "ray")
    if ray.is_initialized():
        return ray
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    if address is not None and address != "auto" and ":" not in address:
        raise BadInputError(f"--ray {address}: not a cluster address; give HOST:PORT (as 'ray start --head' prints) or 'auto'")
    if address is not None and address != "auto":
        _reachable(address)
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, configure_logging=False,
                     _node_ip_address="127.0.0.1")
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = address or "this machine"
        first = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        raise ClusterError(
            f"--ray {where}: no Ray cluster answers there ({first}); start one with "
            "'ray start --head --node-ip-address=127.0.0.1' or give its HOST:PORT"
        ) from None
    return ray


def _reachable(address: str) -> None:
    """Fail at once when nothing listens at `address` (Ray itself retries for minutes)."""
    host, _, port = address.rpartition(":")
    host = host.removeprefix("ray://")
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            return
    except ValueError:
        raise BadInputError(f"--ray {address}: the port must be a number") from None
    except OSError as error:
        raise ClusterError(
            f"--ray {address}: no Ray cluster answers there ({error.strerror or error}); start one with "
            "'ray start --head --node-ip-address=127.0.0.1' or give its HOST:PORT"
        ) from None
