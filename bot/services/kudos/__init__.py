"""Kudos: /kudos, the reaction, the shortcut, the board and the weekly limit."""
