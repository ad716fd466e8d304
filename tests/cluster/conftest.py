"""``tests/cluster`` runs in the cluster stage only (``make test-cluster``), where
``tests/cluster/plugin.py`` has started a Redis Cluster and named it in ``REDIS_URL``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster import plugin
from tests.support.redis_cluster import LocalCluster


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name.startswith("test_") and not plugin.started(config):
        return True
    return None


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> LocalCluster:
    return plugin.cluster_of(request.config)
