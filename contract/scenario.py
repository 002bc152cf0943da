"""A store manager's errand, driven through a client that openapi-python-client
generated from the committed openapi/openapi.json (scripts/contract-test.sh makes it
fresh each run; it is never committed).

Maria Garcia signs in, lists her locations, finds a cloud member she may reset,
resets the password, reads the audit event the reset wrote, and the member signs in
with the temporary password and is told to change it.
"""

import os
import sys
import uuid

from openstaff_client import AuthenticatedClient, Client
from openstaff_client.api.audit import audit_logs
from openstaff_client.api.auth import token
from openstaff_client.api.locations import list_members
from openstaff_client.api.me import me, my_units
from openstaff_client.api.users import reset_password
from openstaff_client.models import (
    Action,
    Activity,
    Outcome,
    PageAdministrativeUnit,
    PageAuditEvent,
    PageUser,
    Problem,
    ResetPasswordRequest,
    ResetPasswordResponse,
    TokenRequest,
    TokenResponse,
    UserSource,
)

BASE = os.environ["OPENSTAFF_URL"]
PASSWORD = os.environ["OPENSTAFF_PASSWORD"]
MANAGER = "maria.garcia@contoso.example"


def step(text):
    print(f"contract: scenario: {text}", file=sys.stderr)


def expect(response, kind, status):
    if response.status_code != status or not isinstance(response.parsed, kind):
        raise SystemExit(
            f"expected {status} {kind.__name__}, got {response.status_code}: "
            f"{response.content[:500]!r}"
        )
    return response.parsed


def sign_in(username, password):
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    body = TokenRequest(username=username, password=password)
    return expect(token.sync_detailed(client=anonymous, body=body), TokenResponse, 200)


manager_token = sign_in(MANAGER, PASSWORD)
assert not manager_token.password_change_required
manager = AuthenticatedClient(
    base_url=BASE, token=manager_token.access_token, raise_on_unexpected_status=True
)
step(f"signed in as {expect(me.sync_detailed(client=manager), object, 200).display_name}")

units = expect(my_units.sync_detailed(client=manager, limit=50), PageAdministrativeUnit, 200)
names = [u.display_name for u in units.items]
step(f"her locations: {', '.join(names)}")
assert units.items, "the manager has locations"

target = None
for unit in units.items:
    members = expect(
        list_members.sync_detailed(unit.id, client=manager, limit=200), PageUser, 200
    )
    for person in members.items:
        if person.source == UserSource.CLOUD and Action.RESET_PASSWORD in person.allowed_actions:
            target = person
            break
    if target:
        break
assert target, "a cloud member she may reset"
step(f"resetting {target.display_name} ({target.user_principal_name})")

key = str(uuid.uuid4())
reset = expect(
    reset_password.sync_detailed(
        target.id, client=manager, body=ResetPasswordRequest(), idempotency_key=key
    ),
    ResetPasswordResponse,
    200,
)
assert reset.temporary_password, "a cloud reset shows the temporary password once"
assert reset.force_change_password_next_sign_in

# The same key replays the outcome without the password (and changes nothing).
replay = expect(
    reset_password.sync_detailed(
        target.id, client=manager, body=ResetPasswordRequest(), idempotency_key=key
    ),
    ResetPasswordResponse,
    200,
)
assert replay.replayed and not replay.temporary_password

events = expect(
    audit_logs.sync_detailed(
        client=manager,
        activity=Activity.RESET_PASSWORD_BY_ADMIN,
        target=target.id,
        result=Outcome.SUCCESS,
    ),
    PageAuditEvent,
    200,
)
assert len(events.items) == 1, f"one reset audited, found {len(events.items)}"
event = events.items[0]
assert event.initiated_by.user_principal_name == MANAGER
assert any(t.id == str(target.id) for t in event.target_resources)
assert reset.temporary_password not in str(event.to_dict()), "no secret in the audit"
step(f"audit: {event.activity.value} by {event.initiated_by.user_principal_name}")

member_token = sign_in(target.user_principal_name, reset.temporary_password)
assert member_token.password_change_required, "the temporary password forces a change"
member = AuthenticatedClient(base_url=BASE, token=member_token.access_token)
refused = me.sync_detailed(client=member)
problem = expect(refused, Problem, 403)
assert problem.code.value == "password_change_required"
step("the member signs in with it and must choose a new password")
