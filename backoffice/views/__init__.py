"""The back office's pages, one module per area: clinic, schedule, sessions, messages, audit."""
