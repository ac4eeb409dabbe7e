"""A team member may have a nickname the team sets (`/admin nickname Siti Aminah: Mina`)."""

from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("wocs_user", "nickname", CharField(max_length=60, default=""))
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("wocs_user", "nickname"))
