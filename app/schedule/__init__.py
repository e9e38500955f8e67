"""A recurring headless ``deskready check`` registered with the OS's own scheduler: a
systemd user timer (Linux), a Task Scheduler task (Windows), a launchd agent (macOS).
See docs/schedule.md."""
