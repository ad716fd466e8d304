"""Raw SQL steps for what the ORM cannot declare (triggers, CHECK constraints, partial indexes)."""

from typing import Any


def by_dialect(postgres: str, sqlite: str) -> Any:
    """A ``RunPython`` step running the script written for the database it runs on."""

    async def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        client = schema_editor.client
        await client.execute_script(postgres if client.capabilities.dialect == "postgres" else sqlite)

    return run
