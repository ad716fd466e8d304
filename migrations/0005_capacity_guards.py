"""The capacity engine's last guards, in the database itself (domain/capacity/service.py).

- A slot never holds more than its capacity, nor a negative count: a CHECK constraint in
  PostgreSQL; triggers in SQLite, which cannot add a CHECK to an existing table.
- One active (held or confirmed) reservation per holder and slot: a partial unique index, so the
  same person booking twice at once gets one place.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

from migrations._sql import by_dialect

ONE_ACTIVE = (
    "CREATE UNIQUE INDEX capacity_reservation_one_active ON capacity_reservation (slot_id, holder_key) "
    "WHERE state IN ('held', 'confirmed');"
)
POSTGRES_UP = f"""
ALTER TABLE capacity_slot ADD CONSTRAINT capacity_slot_within_capacity CHECK (
    held >= 0 AND confirmed >= 0 AND walk_in_reserved >= 0
    AND (capacity IS NULL OR held + confirmed <= capacity)
);
{ONE_ACTIVE}
"""
POSTGRES_DOWN = """
DROP INDEX IF EXISTS capacity_reservation_one_active;
ALTER TABLE capacity_slot DROP CONSTRAINT IF EXISTS capacity_slot_within_capacity;
"""
_SQLITE_GUARD = """
CREATE TRIGGER capacity_slot_within_capacity_{event} BEFORE {event} ON capacity_slot
WHEN NEW.held < 0 OR NEW.confirmed < 0 OR NEW.walk_in_reserved < 0
    OR (NEW.capacity IS NOT NULL AND NEW.held + NEW.confirmed > NEW.capacity)
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: capacity_slot_within_capacity'); END;
"""
SQLITE_UP = _SQLITE_GUARD.format(event="INSERT") + _SQLITE_GUARD.format(event="UPDATE") + ONE_ACTIVE
SQLITE_DOWN = """
DROP INDEX IF EXISTS capacity_reservation_one_active;
DROP TRIGGER IF EXISTS capacity_slot_within_capacity_INSERT;
DROP TRIGGER IF EXISTS capacity_slot_within_capacity_UPDATE;
"""


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0004_capacity")]

    operations = [ops.RunPython(by_dialect(POSTGRES_UP, SQLITE_UP), by_dialect(POSTGRES_DOWN, SQLITE_DOWN))]
