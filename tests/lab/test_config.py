"""grader/config.py (kept with the lab's tests): each setting from its variable, typed views
that fail with the variable's name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from grader.config import Settings
from grader.exceptions import ConfigError

ENV = {f.name: f.metadata["env"] for f in dataclasses.fields(Settings)}


def test_every_setting_has_a_distinct_lab_variable() -> None:
    assert set(ENV) >= {
        "home",
        "backend",
        "user",
        "seed",
        "spark_cores",
        "spark_memory",
        "endpoint_timeout",
    }
    assert len(set(ENV.values())) == len(ENV)
    assert all(v.startswith("MLFLOW_LAB_") for v in ENV.values())


@pytest.mark.parametrize("name", sorted(ENV))
def test_from_env_reads_each_variable(name: str) -> None:
    settings = Settings.from_env({ENV[name]: f"  value-of-{name}  "})
    assert getattr(settings, name) == f"value-of-{name}"
    for other in ENV.keys() - {name}:
        assert getattr(settings, other) == getattr(Settings(), other)


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_variable_means_default(raw: str) -> None:
    settings = Settings.from_env(dict.fromkeys(ENV.values(), raw))
    assert settings == Settings()
    assert settings.seed == "42" and settings.backend == "local"


def test_from_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_LAB_SEED", "7")
    assert Settings.from_env().seed_value == 7


def test_typed_views() -> None:
    settings = Settings.from_env(
        {
            "MLFLOW_LAB_SEED": "7",
            "MLFLOW_LAB_SPARK_CORES": "3",
            "MLFLOW_LAB_ENDPOINT_TIMEOUT": "60",
            "MLFLOW_LAB_USER": "alice@example.com",
            "MLFLOW_LAB_HOME": "~/somewhere",
        }
    )
    assert settings.seed_value == 7
    assert settings.cores == 3
    assert settings.endpoint_timeout_seconds == 60.0
    assert settings.user_name == "alice@example.com"
    assert settings.home_path == (Path.home() / "somewhere").resolve()


def test_user_name_defaults_to_a_login() -> None:
    assert Settings().user_name  # not empty


@pytest.mark.parametrize(
    ("variable", "prop"),
    [
        ("MLFLOW_LAB_SEED", "seed_value"),
        ("MLFLOW_LAB_SPARK_CORES", "cores"),
        ("MLFLOW_LAB_ENDPOINT_TIMEOUT", "endpoint_timeout_seconds"),
    ],
)
def test_bad_integer_names_the_variable(variable: str, prop: str) -> None:
    settings = Settings.from_env({variable: "abc"})
    with pytest.raises(ConfigError, match=variable) as info:
        getattr(settings, prop)
    assert "'abc'" in str(info.value)


def test_describe_lists_every_variable_with_default_and_doc() -> None:
    described = Settings.describe()
    assert [env for env, _, _ in described] == list(ENV.values())
    assert ("MLFLOW_LAB_SEED", "42") in [(env, default) for env, default, _ in described]
    assert all(doc for _, _, doc in described)


@pytest.mark.parametrize(("raw", "tuned"), [("on", True), ("off", False), ("", True)])
def test_tuning_switch(raw: str, tuned: bool) -> None:
    assert Settings.from_env({"MLFLOW_LAB_TUNING": raw}).tuned is tuned


def test_bad_tuning_value_says_what_to_set() -> None:
    settings = Settings.from_env({"MLFLOW_LAB_TUNING": "fast"})
    with pytest.raises(ConfigError, match=r"MLFLOW_LAB_TUNING='fast'.*'on' or 'off'"):
        _ = settings.tuned
