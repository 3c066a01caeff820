"""Staff appointed through the API, as the state cell appoints them (POST /officers)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from tests.integration.conftest import bearer, post, unique_mobile

TEMPORARY_PASSWORD = "a passphrase the state cell chose"
OWN_PASSWORD = "a passphrase only the officer knows"


@dataclass
class StaffMember:
    api: Any
    officer_id: str
    username: str
    password: str

    @property
    def credentials(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}

    def log_in(self) -> str:
        """A fresh access token (the login must succeed)."""
        response = post(self.api, "/auth/login", self.credentials)
        assert response.status_code == 200, response.body
        return str(response.json_body["access_token"])

    def change_password(self, token: str, new_password: str = OWN_PASSWORD) -> Any:
        response = post(
            self.api, "/me/password", {"current_password": self.password, "new_password": new_password}, token
        )
        if response.status_code == 204:
            self.password = new_password
        return response

    def set_active(self, token: str, active: bool) -> Any:
        """PATCH /officers/{id} {active} as whoever holds `token`."""
        return self.api.request(
            method="PATCH",
            path=f"/officers/{self.officer_id}",
            headers={**bearer(token), "Content-Type": "application/json"},
            body=json.dumps({"active": active}),
        )


def appoint(api: Any, admin_token: str, *, own_password: bool = True, **overrides: Any) -> StaffMember:
    """A water officer in Cuttack (or as `overrides` say) created by the state cell. With
    `own_password` they have already replaced the temporary password, as they must."""
    body = {
        "name": "Meera Patnaik",
        "role": "officer",
        "department": "WATER",
        "district": "CUTTACK",
        "mobile": unique_mobile(),
        "email": f"staff.{uuid.uuid4().hex[:12]}@od.gov.in",
        "password": TEMPORARY_PASSWORD,
        **overrides,
    }
    created = post(api, "/officers", body, admin_token)
    assert created.status_code == 201, created.body
    member = StaffMember(api, created.json_body["officer_id"], body["email"], TEMPORARY_PASSWORD)
    if own_password:
        assert member.change_password(member.log_in()).status_code == 204
    return member


def open_district(api: Any, admin_token: str) -> str:
    """A district of the caller's own (PUT /districts): its seats hold only what they put there."""
    code = f"DIST_{uuid.uuid4().hex[:8].upper()}"
    opened = api.request(
        method="PUT",
        path=f"/districts/{code}",
        headers={**bearer(admin_token), "Content-Type": "application/json"},
        body=json.dumps({"names": {"en": "Anandpur", "hi": "आनंदपुर"}}),
    )
    assert opened.status_code == 200, opened.body
    return code
