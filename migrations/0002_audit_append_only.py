"""The audit log is append-only in the database itself, not only by convention.

PostgreSQL refuses UPDATE and DELETE on audit_record (TRUNCATE, which the test harness uses to
empty tables between tests, does not fire row triggers). SQLite refuses UPDATE only: its tests
empty tables with DELETE.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

from migrations._sql import by_dialect

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION palmcity_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_record is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
    FOR EACH ROW EXECUTE FUNCTION palmcity_audit_is_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record;
DROP FUNCTION IF EXISTS palmcity_audit_is_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_record_append_only BEFORE UPDATE ON audit_record
BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_record_append_only;"


class Migration(migrations.Migration):
    dependencies = [("palmcity", "0001_foundation")]

    operations = [ops.RunPython(by_dialect(POSTGRES_UP, SQLITE_UP), by_dialect(POSTGRES_DOWN, SQLITE_DOWN))]
