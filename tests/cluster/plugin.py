"""The cluster stage's pytest plugin: ``pytest -p tests.cluster.plugin <tests>`` (``make test-cluster``).

It starts a three-master Redis Cluster on free loopback ports for the session and points
``REDIS_URL`` at it (``redis+cluster://``), before any test reads it: every test that uses the
configured Redis (the ``settings`` fixture, ``server.redis.connect``) then runs on the cluster.
"""

from __future__ import annotations

import os

import pytest

from tests.support import redis_cluster

_CLUSTER = pytest.StashKey[redis_cluster.LocalCluster]()


SKIP_REASON = "the cluster stage needs redis-server and redis-cli (apt-get install redis-server)"


def pytest_configure(config: pytest.Config) -> None:
    if not redis_cluster.available():
        return  # every test is skipped, with the reason (and in CI a skip fails the run)
    cluster = redis_cluster.LocalCluster.start()
    config.stash[_CLUSTER] = cluster
    os.environ["REDIS_URL"] = cluster.url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not started(config):
        for item in items:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_unconfigure(config: pytest.Config) -> None:
    cluster = config.stash.get(_CLUSTER, None)
    if cluster is not None:
        cluster.stop()


def started(config: pytest.Config) -> bool:
    return _CLUSTER in config.stash


def cluster_of(config: pytest.Config) -> redis_cluster.LocalCluster:
    return config.stash[_CLUSTER]
