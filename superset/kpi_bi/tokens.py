"""REST bearer tokens that end with the user's logout: every token carries the user's token generation, and a
logout, a password change or `bin/revoke-tokens USER` moves the generation on, so older tokens are refused."""

from __future__ import annotations

import os
from pathlib import Path

from kpi_bi.sessions import redis_url

CLAIM = "kpi_gen"
_PREFIX = "kpi_token_gen:"


class _Generations:
    """Each user's current token generation, shared by every process of the stack (Redis, else owner-only files)."""

    def __init__(self, home: Path):
        url = redis_url()
        if url:
            from redis import Redis

            self._redis = Redis.from_url(url)
            self._files = None
        else:
            from cachelib.file import FileSystemCache

            folder = home / "token_generations"
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            self._redis = None
            self._files = FileSystemCache(str(folder), threshold=0, default_timeout=0, mode=0o600)

    def current(self, user_id: str) -> int:
        value = self._redis.get(_PREFIX + user_id) if self._redis else self._files.get(_PREFIX + user_id)
        return int(value or 0)

    def advance(self, user_id: str) -> int:
        if self._redis:
            return int(self._redis.incr(_PREFIX + user_id))
        value = self.current(user_id) + 1
        self._files.set(_PREFIX + user_id, value)
        return value


def generations(app) -> _Generations:
    return _Generations(Path(app.config["DATA_DIR"]))


def revoke(app, user_id: int | str) -> int:
    """Refuse every bearer and refresh token issued to this user until now; returns the new generation."""
    return generations(app).advance(str(user_id))


def install(app) -> None:
    """Stamp new tokens with the user's generation, refuse older ones, and revoke on logout and password change."""
    from flask_login import user_logged_out
    from sqlalchemy import event, inspect

    store = generations(app)
    jwt = app.appbuilder.sm.jwt_manager

    @jwt.additional_claims_loader
    def _stamp(identity) -> dict:
        return {CLAIM: store.current(str(identity))}

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict, payload: dict) -> bool:
        # Guest tokens are not FAB JWTs and never reach this; a token without the claim predates the stamp.
        return payload.get(CLAIM, -1) != store.current(str(payload.get("sub")))

    def _on_logout(_sender, user=None, **_extra) -> None:
        if user is not None and getattr(user, "id", None) is not None:
            store.advance(str(user.id))

    # weak=False: the receiver is a closure that nothing else holds.
    user_logged_out.connect(_on_logout, app, weak=False)

    # Every way a password changes (own reset form, an admin's form, the users API) writes the user row.
    def _on_user_update(_mapper, _connection, user) -> None:
        if inspect(user).attrs.password.history.has_changes():
            store.advance(str(user.id))

    event.listen(app.appbuilder.sm.user_model, "after_update", _on_user_update)


def main(argv: list[str] | None = None) -> int:
    """`bin/revoke-tokens USER …`: refuse every bearer and refresh token those users hold (a leaked token)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("usernames", nargs="+")
    args = parser.parse_args(argv)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        security_manager = app.appbuilder.sm
        for username in args.usernames:
            user = security_manager.find_user(username=username)
            if user is None:
                print(f"{username}: no such user")
                return 1
            revoke(app, user.id)
            print(f"{username}: every token issued until now is refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
