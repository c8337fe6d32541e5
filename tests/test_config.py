"""Settings that depend on the machine: how many workers HTTP mode starts."""

import os

import pytest

from bot.config import MAX_WORKERS, load_settings, usable_cpus

AFFINITY = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    "cpu_max, expected",
    [
        ("max 100000", AFFINITY),  # no quota
        ("50000 100000", 1),  # half a CPU still needs one worker
        ("150000 100000", min(AFFINITY, 2)),
        ("6400000 100000", AFFINITY),  # a quota above the CPUs there are
    ],
)
def test_a_container_cpu_quota_caps_the_cpus(tmp_path, cpu_max, expected):
    cgroup = tmp_path / "cpu.max"
    cgroup.write_text(cpu_max + "\n")
    assert usable_cpus(cgroup) == expected


def test_without_a_cgroup_file_every_cpu_of_the_affinity_counts(tmp_path):
    assert usable_cpus(tmp_path / "missing") == AFFINITY


@pytest.mark.parametrize("value", [None, "", "  "])
def test_web_concurrency_unset_or_empty_means_one_worker_per_cpu(value):
    environ = {} if value is None else {"WEB_CONCURRENCY": value}
    assert load_settings(environ).workers == min(usable_cpus(), MAX_WORKERS)


def test_web_concurrency_is_taken_as_given():
    assert load_settings({"WEB_CONCURRENCY": "3"}).workers == 3
