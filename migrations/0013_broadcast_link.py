"""An outbox row's broadcast becomes a foreign key (it was a bare integer), same column name."""

from peewee import ForeignKeyField, IntegerField, Model
from playhouse.migrate import SqliteMigrator


class Broadcast(Model):
    class Meta:
        table_name = "broadcast"


def up(migrator, db):
    # Added beside the old column, filled, then swapped in: SQLite cannot add a constraint to an
    # existing column, and MySQL refuses one while an orphan id remains (none should; dropped).
    link = ForeignKeyField(Broadcast, null=True, on_delete="SET NULL", field=Broadcast.id)
    migrator.migrate(migrator.add_column("outbound_message", "broadcast_link", link))
    db.execute_sql(
        "UPDATE outbound_message SET broadcast_link = broadcast"
        " WHERE broadcast IN (SELECT id FROM broadcast)"
    )
    migrator.migrate(
        migrator.drop_index("outbound_message", "outbound_message_broadcast"),
        migrator.drop_column("outbound_message", "broadcast"),
        migrator.rename_column("outbound_message", "broadcast_link", "broadcast"),
    )
    # The index the new column came with keeps its name; give it the usual one.
    migrator.migrate(
        migrator.add_index("outbound_message", ("broadcast",)),
        migrator.drop_index("outbound_message", "outbound_message_broadcast_link"),
    )


def down(migrator, db):
    # The plain column comes without an index and gets the usual one once it has its name:
    # SQLite rebuilds the table on a rename and an index under the old name would break it.
    plain = IntegerField(null=True)
    migrator.migrate(migrator.add_column("outbound_message", "broadcast_plain", plain))
    db.execute_sql("UPDATE outbound_message SET broadcast_plain = broadcast")
    migrator.migrate(
        migrator.drop_foreign_key_constraint("outbound_message", "broadcast")
        if not isinstance(migrator, SqliteMigrator)
        else migrator.drop_index("outbound_message", "outbound_message_broadcast"),
        migrator.drop_column("outbound_message", "broadcast"),
        migrator.rename_column("outbound_message", "broadcast_plain", "broadcast"),
    )
    migrator.migrate(migrator.add_index("outbound_message", ("broadcast",)))
