"""People and workspaces: the directory sync, the welcome DM and one person's data (export, erase)."""
