"""Identity by what Meta gives: a contact's parent BSUID and username, and room for a BSUID
wherever a customer is addressed (outbox, entries, audit actors, inbound senders)."""

from peewee import CharField
from playhouse.migrate import MySQLMigrator

# (table, column, NULL allowed): columns that hold a phone or a BSUID ("CC." + up to 128).
WIDENED = (
    ("contact", "bsuid", True),
    ("inbound_message", "sender_bsuid", False),
    ("outbound_message", "to", False),
    ("entry", "phone", False),
    ("audit_log", "actor", False),
)


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("contact", "parent_bsuid", CharField(max_length=140, default="")),
        migrator.add_column("contact", "username", CharField(max_length=100, default="")),
        migrator.add_column(
            "inbound_message", "sender_parent_bsuid", CharField(max_length=140, default="")
        ),
        migrator.add_column(
            "inbound_message", "sender_username", CharField(max_length=100, default="")
        ),
    )
    # SQLite does not enforce VARCHAR lengths; MySQL refuses longer values, so widen there
    # (MODIFY keeps the column's indexes).
    if isinstance(migrator, MySQLMigrator):
        for table, column, null in WIDENED:
            db.execute_sql(
                f"ALTER TABLE `{table}` MODIFY `{column}` VARCHAR(140) "
                f"{'NULL' if null else 'NOT NULL'}"
            )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("contact", "parent_bsuid"),
        migrator.drop_column("contact", "username"),
        migrator.drop_column("inbound_message", "sender_parent_bsuid"),
        migrator.drop_column("inbound_message", "sender_username"),
    )
