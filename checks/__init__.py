"""deskready's check layer: the plugin API (:mod:`deskready.checks.api`) and the built-in checks.

Nothing here imports Qt or the application (:mod:`app`); third-party checks import only
:mod:`deskready.checks.api`.
"""
