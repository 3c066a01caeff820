"""The keys a stage signs and hashes with (`config.KEYS`), from where that stage keeps them.

Callers reach `keys.stage_key` through the module, so the permission tests can record
every read of a key as the GetSecretValue it is on a deployed stage."""

from __future__ import annotations

from chalicelib.aws import secret_string
from chalicelib.config import ConfigurationError, get_settings


def stage_key(name: str) -> str:
    """One of KEYS: on the local stage as given in its configuration, on every other stage
    only from its Secrets Manager secret. A stage without it cannot authenticate anyone; a
    deployed stage with a key given directly refuses to use it (a key in a configuration
    file is in the repository and the function's console)."""
    settings = get_settings()
    value = getattr(settings, name)
    if value and settings.is_local:
        return str(value)
    if value:
        raise ConfigurationError(
            f"{name.upper()} is set directly on stage {settings.stage!r}: only the local stage may do that; "
            f"remove it, the stage reads its key from {name.upper()}_SECRET"
        )
    secret_id = getattr(settings, f"{name}_secret")
    if secret_id:
        return secret_string(secret_id)
    raise ConfigurationError(f"{name.upper()} is not configured for stage {settings.stage!r}")
