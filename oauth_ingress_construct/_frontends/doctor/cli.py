"""``oauth-ingress``: the command line (``click``), installed with the ``cli`` extra."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from rich.console import Console

from oauth_ingress_construct._core.validation import ConfigurationError

from .analysis import Report, Severity, analyse, describe_controller
from .reader import MAX_INPUT_BYTES, InputError, Inputs, read
from .render import as_json, print_table

#: Exit status when an input cannot be read or an option is wrong (click's usage errors too).
EXIT_INPUT = 2
#: Exit status when a finding reaches ``--fail-on``.
EXIT_FINDINGS = 1

_FAIL_ON = {"info": Severity.INFO, "warning": Severity.WARNING, "error": Severity.ERROR}


class DoctorError(click.ClickException):
    """A one-line error (``Error: ...`` on standard error), exit status 2."""

    exit_code = EXIT_INPUT


def _read_source(name: str) -> tuple[str, bytes]:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        return "<stdin>", data
    path = Path(name)
    try:
        with path.open("rb") as handle:
            return name, handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise DoctorError(f"{name}: {error.strerror or error}") from None


def _configmap_file(name: str) -> dict[str, str]:
    inputs = read([_read_source(name)])
    if len(inputs.configmaps) != 1:
        raise DoctorError(f"{name}: expected one ConfigMap, found {len(inputs.configmaps)}")
    return dict(next(iter(inputs.configmaps.values())))


def _write(text: str, out: str | None, force: bool) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    path = Path(out)
    if path.exists() and not force:
        raise DoctorError(f"{out} exists: pass --force to overwrite it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise DoctorError(f"{out}: {error.strerror or error}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oauth-ingress-construct", prog_name="oauth-ingress")
def main() -> None:
    """oauth_ingress_construct on the command line."""


@main.command()
@click.argument("files", nargs=-1, metavar="[FILE]...")
@click.option(
    "--controller-version",
    metavar="VERSION",
    help="ingress-nginx version, e.g. 1.15.1. Default: the controller image's tag in the "
    "input, else 1.15.1.",
)
@click.option(
    "--configmap",
    "configmap_file",
    metavar="FILE",
    help="the controller's ConfigMap (YAML or JSON). Default: the one in the input.",
)
@click.option(
    "--output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="the report for people, or JSON for CI.",
)
@click.option(
    "--fail-on",
    type=click.Choice([*_FAIL_ON, "never"]),
    default="error",
    show_default=True,
    help="exit with status 1 when a finding is this severe or worse.",
)
@click.option(
    "--emit",
    type=click.Choice(["cdk8s", "pulumi", "envoy-gateway"]),
    help="instead of the report, Python code re-creating the protected Ingresses, or "
    "(envoy-gateway) the Envoy Gateway objects themselves as YAML.",
)
@click.option(
    "--gateway",
    metavar="NS/NAME[:SECTION]",
    help="with --emit envoy-gateway: the Gateway (and listener) the routes attach to.",
)
@click.option(
    "--namespace",
    metavar="NAME",
    help="with --emit: the namespace of the emitted objects. Default: each Ingress's own.",
)
@click.option(
    "--issuer-url",
    metavar="URL",
    help="with --emit: the OIDC issuer of the emitted OAuth2Proxy. Default: a placeholder.",
)
@click.option(
    "--client-id",
    metavar="ID",
    help="with --emit: the OAuth client id of the emitted OAuth2Proxy. Default: a placeholder.",
)
@click.option("-o", "--out", metavar="FILE", help="write to FILE instead of standard output.")
@click.option("--force", is_flag=True, help="with -o: overwrite FILE if it exists.")
def doctor(  # noqa: PLR0917 - click passes every option as an argument
    files: tuple[str, ...],
    controller_version: str | None,
    configmap_file: str | None,
    output: str,
    fail_on: str,
    emit: str | None,
    gateway: str | None,
    namespace: str | None,
    issuer_url: str | None,
    client_id: str | None,
    out: str | None,
    force: bool,
) -> None:
    """Say what ingress-nginx really does with Ingresses that use oauth2-proxy.

    Reads Kubernetes YAML or JSON (``kubectl get ingress -A -o yaml``, a List or several
    documents) from FILEs, or from standard input without FILE or with ``-``. The
    controller's Deployment and ConfigMap are used when in the input.

    Exit status: 0, 1 when a finding reaches --fail-on, 2 when the input cannot be read.
    """
    try:
        inputs = Inputs()
        read([_read_source(f) for f in files or ("-",)], inputs)
        configmap = _configmap_file(configmap_file) if configmap_file else None
        view = describe_controller(inputs, version=controller_version, configmap=configmap)
        report = analyse(inputs, view)
        if (emit == "envoy-gateway") != (gateway is not None):
            raise DoctorError("--gateway goes with --emit envoy-gateway, and that needs it")
        if emit is not None:
            text = _emit(report, emit, gateway, namespace, issuer_url, client_id)
        elif output == "json":
            text = as_json(report)
        else:
            text = _table(report, out is None)
    except InputError as error:
        raise DoctorError(str(error)) from None
    _write(text, out, force)
    threshold = _FAIL_ON.get(fail_on)
    worst = report.worst
    if threshold is not None and worst is not None and worst >= threshold:
        sys.exit(EXIT_FINDINGS)


def _emit(  # noqa: PLR0917 - the options, passed on
    report: Report,
    emit: str,
    gateway: str | None,
    namespace: str | None,
    issuer_url: str | None,
    client_id: str | None,
) -> str:
    from .emit import emit_code, emit_envoy_gateway, parse_gateway  # noqa: PLC0415

    try:
        if gateway is not None:
            return emit_envoy_gateway(
                report,
                gateway=parse_gateway(gateway),
                namespace=namespace,
                issuer_url=issuer_url,
                client_id=client_id,
            )
        return emit_code(
            report, frontend=emit, namespace=namespace, issuer_url=issuer_url, client_id=client_id
        )
    except ConfigurationError as error:
        raise DoctorError(" ".join(f"cannot emit: {error}".split())) from None


def _table(report: Report, to_stdout: bool) -> str:
    """The table as text; colours only when it goes to a terminal."""
    colour = to_stdout and sys.stdout.isatty()
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=None if colour else 100,
        force_terminal=colour,
        color_system="auto" if colour else None,
        highlight=False,
    )
    print_table(report, console)
    if colour:
        return buffer.getvalue()
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
