"""Versions are read as numbers: every spelling of one version means that version.

One parser (``_core.validation.check_version``) reads ``IngressNginx(version=)``,
``EnvoyGateway(version=, envoy_version=)`` and the Envoy Gateway tables: ASCII digits only,
an optional leading ``v``, leading zeros dropped, compared as integers, and the normalised
spelling kept on the object, in messages and in table look-ups.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import ConfigurationError, EnvoyGateway, GatewayRef, IngressNginx
from oauth_ingress_construct._core.validation import check_version, version_text
from oauth_ingress_construct._targets.envoy_gateway import (
    ENVOY_DROPS_DENIED_HEADERS,
    ENVOY_OF_EG,
    FIRST_EG_WITH,
    NEWEST_EG,
)

GW = GatewayRef("eg", "infra")
COMMON = {"derandomize": True, "database": None, "deadline": None}


@st.composite
def spellings(draw: st.DrawFn, version: tuple[int, int, int], *, patch: bool = False) -> str:
    """One way a user may write ``version``: leading zeros, a ``v``, no ``.0`` patch part."""
    parts = [draw(st.integers(0, 3)) * "0" + str(n) for n in version]
    if not patch and version[2] == 0 and draw(st.booleans()):
        parts = parts[:2]
    return draw(st.sampled_from(["", "v"])) + ".".join(parts)


VERSIONS = st.tuples(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000))


@settings(max_examples=200, **COMMON)
@given(data=st.data(), version=VERSIONS)
def test_any_spelling_reads_as_its_numbers(data: st.DataObject, version: tuple[int, int, int]):
    spelled = data.draw(spellings(version))
    assert check_version("version", spelled, example="x") == version
    assert version_text(check_version("version", spelled, example="x")) == ".".join(
        map(str, version)
    )


@settings(max_examples=100, **COMMON)
@given(data=st.data(), version=VERSIONS)
def test_ingress_nginx_keeps_the_normalised_version(
    data: st.DataObject, version: tuple[int, int, int]
):
    controller = IngressNginx(version=data.draw(spellings(version)))
    assert controller.version == ".".join(map(str, version))
    assert controller.at_least(*version)
    assert f"ingress-nginx {controller.version} " in controller.describe()


@settings(max_examples=100, **COMMON)
@given(data=st.data(), release=st.sampled_from(sorted(ENVOY_OF_EG)))
def test_envoy_gateway_releases_in_any_spelling_find_their_envoy(data: st.DataObject, release: str):
    numbers = check_version("version", release, example="x")
    spelled = data.draw(spellings(numbers))
    if ENVOY_OF_EG[release] in ENVOY_DROPS_DENIED_HEADERS:
        with pytest.raises(ConfigurationError, match=rf"Envoy Gateway v{release} runs Envoy"):
            EnvoyGateway(gateway=GW, version=spelled)
        return
    controller = EnvoyGateway(gateway=GW, version=spelled)
    assert controller.version == release
    assert controller.known
    assert controller.envoy == ENVOY_OF_EG[release]


@settings(max_examples=100, **COMMON)
@given(data=st.data())
def test_envoy_1_37_0_is_refused_in_any_spelling(data: st.DataObject):
    spelled = data.draw(spellings((1, 37, 0), patch=True))
    with pytest.raises(ConfigurationError, match=r"envoy_version: Envoy 1\.37\.0 drops"):
        EnvoyGateway(gateway=GW, version="1.8.0", envoy_version=spelled)


@settings(max_examples=100, **COMMON)
@given(data=st.data(), version=VERSIONS)
def test_envoy_version_is_kept_normalised(data: st.DataObject, version: tuple[int, int, int]):
    if version_text(version) in ENVOY_DROPS_DENIED_HEADERS:
        return
    spelled = data.draw(spellings(version, patch=True))
    controller = EnvoyGateway(gateway=GW, version="1.9.0", envoy_version=spelled)
    assert controller.envoy_version == controller.envoy == version_text(version)


@pytest.mark.parametrize(
    "spelled",
    [
        "1.037.0",
        "v1.37.00",
        "01.37.0",
        "v001.0037.000",
    ],
)
def test_fails_on_envoy_1_37_0_spelled_with_leading_zeros(spelled: str):
    with pytest.raises(ConfigurationError, match=r"envoy_version: Envoy 1\.37\.0 drops"):
        EnvoyGateway(gateway=GW, version="1.8.0", envoy_version=spelled)


@pytest.mark.parametrize(
    "spelled",
    [
        "\uff11.37.0",  # fullwidth digit one
        "1.\u0663\u0667.0",  # Arabic-Indic digits 3 and 7
        "1.3\u09ed.0",  # Bengali digit seven
        "1.37.0\u200b",
        "1._37.0",
        "1.3_7.0",
        "+1.37.0",
        "1.-37.0",
        " 1.37.0",
        "1.37.0\n",
        "V1.37.0",
        "1.37.0-rc1",
        "1.37",  # an Envoy image has a patch part
        "1.37.0.1",
        "1" + "0" * 40 + ".37.0",
    ],
)
def test_fails_on_envoy_versions_other_than_ascii_numbers(spelled: str):
    with pytest.raises(ConfigurationError, match=r"envoy_version must be an Envoy version"):
        EnvoyGateway(gateway=GW, version="1.8.0", envoy_version=spelled)


@pytest.mark.parametrize(
    "spelled", ["\uff11.9.0", "1.\u0669.0", "1.9_0", "-1.9.0", "1.9.0 ", "1", "v", "1..9"]
)
def test_fails_on_versions_other_than_ascii_numbers(spelled: str):
    with pytest.raises(ConfigurationError, match=r"^version must be an Envoy Gateway version"):
        EnvoyGateway(gateway=GW, version=spelled)
    with pytest.raises(ConfigurationError, match=r"^version must be an ingress-nginx version"):
        IngressNginx(version=spelled)


def test_an_old_release_with_leading_zeros_is_still_below_the_minimum():
    with pytest.raises(ConfigurationError, match=r"v1\.4\.0 or newer"):
        EnvoyGateway(gateway=GW, version="1.03.9")


def test_ingress_nginx_features_follow_the_numbers_not_the_spelling():
    assert not IngressNginx(version="v1.09.6").honours_disable_intercept
    assert IngressNginx(version="1.010").honours_disable_intercept
    assert IngressNginx(version="v1.010").version == "1.10.0"


def test_every_version_in_the_tables_is_written_normalised():
    table_versions = [
        *ENVOY_OF_EG,
        *ENVOY_OF_EG.values(),
        *FIRST_EG_WITH.values(),
        *ENVOY_DROPS_DENIED_HEADERS,
        NEWEST_EG,
    ]
    for version in table_versions:
        assert version_text(check_version("table", version, example="x", patch=True)) == version
