"""The audit log is append-only in PostgreSQL too: a row trigger refuses UPDATE and DELETE.

TRUNCATE (the test database's flush, a full demo reset) is not a row operation and is not
blocked. On SQLite (the embedded default) the Python guards of portal.models are the rule."""

from django.db import migrations

FUNCTION = "portal_auditevent_append_only"

CREATE = [
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of an audit event refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$""",
    f"DROP TRIGGER IF EXISTS {FUNCTION} ON portal_auditevent",
    f"""CREATE TRIGGER {FUNCTION} BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()""",
]

DROP = [f"DROP TRIGGER IF EXISTS {FUNCTION} ON portal_auditevent", f"DROP FUNCTION IF EXISTS {FUNCTION}()"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
