"""Click commands used only by tests/cli/test_main.py to exercise the CLI's error mapping."""

import click

from cardkit.errors import AuthenticationError, ParseError, VerificationError


@click.command()
@click.argument("kind")
def fail(kind: str) -> None:
    """Raise the error named by KIND."""
    if kind == "parse":
        raise ParseError("length runs past the end", what="DG1", offset=7, source="dump/DG1")
    if kind == "verify":
        raise VerificationError("DG2 hash does not match EF.SOD")
    if kind == "auth":
        raise AuthenticationError("chip token does not verify; wrong CAN?", step="PACE GA 4")
    if kind == "bug":
        raise ZeroDivisionError("division by zero")
    click.echo("fine")
