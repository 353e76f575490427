"""``python -m oauth_ingress_construct``: the ``oauth-ingress`` command line."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line, or say which extra to install."""
    try:
        from oauth_ingress_construct._frontends.doctor.cli import main as cli_main  # noqa: PLC0415
    except ImportError as error:  # the cli extra is not installed
        sys.exit(
            f"oauth-ingress needs the 'cli' extra ({error.name} is missing): "
            "pip install 'oauth-ingress-construct[cli]'"
        )
    cli_main()


if __name__ == "__main__":
    main()
