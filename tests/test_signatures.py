"""Constructors show their real keyword arguments to inspect.signature, help() and IDEs."""

from __future__ import annotations

import inspect
import pydoc

import constructs
import pytest

import oauth_ingress_construct
from oauth_ingress_construct import OAuth2Proxy, ProtectedApp, ServiceRef

PUBLIC_CLASSES = [
    getattr(oauth_ingress_construct, name)
    for name in oauth_ingress_construct.__all__
    if inspect.isclass(getattr(oauth_ingress_construct, name))
]
CONSTRUCTS = [cls for cls in PUBLIC_CLASSES if issubclass(cls, constructs.Construct)]


def test_the_public_constructs_are_found():
    assert set(CONSTRUCTS) >= {ProtectedApp, OAuth2Proxy}


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_construct_signature_is_its_init_without_self(cls):
    shown = inspect.signature(cls)
    init = inspect.signature(cls.__init__)
    assert list(shown.parameters.values()) == list(init.parameters.values())[1:]
    assert not any(
        p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in shown.parameters.values()
    ), f"{cls.__name__} still shows (*args, **kwargs)"


def test_protected_app_signature_names_defaults_and_types():
    params = inspect.signature(ProtectedApp).parameters
    assert list(params)[:3] == ["scope", "id", "host"]
    assert params["host"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["host"].default is inspect.Parameter.empty
    assert params["pass_through_401"].default is False
    assert params["pass_through_401"].annotation == "bool"
    assert params["paths"].default == ("/",)
    assert params["backend"].annotation == "kplus.Service | ServiceRef"


def test_help_shows_the_keyword_arguments():
    text = pydoc.render_doc(OAuth2Proxy, renderer=pydoc.plaintext)
    assert "OAuth2Proxy(scope: 'constructs.Construct', id: 'str', *, host: 'str'," in text
    assert "replicas: 'int | None' = None" in text
    assert "autoscaling: 'Autoscaling | None' = None" in text
    assert "*args" not in text.split("\n |  \n")[0]


def test_a_subclass_shows_its_own_arguments():
    class Grafana(ProtectedApp):
        def __init__(self, scope: constructs.Construct, id: str, *, team: str) -> None:
            super().__init__(scope, id, host=f"{team}.example.com", backend=ServiceRef("g", 80))

    assert (
        str(inspect.signature(Grafana))
        == "(scope: 'constructs.Construct', id: 'str', *, team: 'str')"
    )


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda c: c.__name__)
def test_no_public_class_hides_its_signature(cls):
    try:
        params = inspect.signature(cls).parameters.values()
    except ValueError:  # exceptions and warnings: builtin constructors without a signature
        assert issubclass(cls, BaseException)
        return
    assert [p.kind for p in params][:2] != [
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ], f"{cls.__name__} shows (*args, **kwargs)"
