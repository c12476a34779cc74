"""Sign-in and sessions (issue 11): lockout by username, idle and absolute limits, passwords."""

import datetime
import ipaddress

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from longshan import security
from longshan.models import AuditEvent

from .conftest import PASSWORD


def sign_in(client, username, password, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def signed_in_as(client):
    response = client.get(reverse("home"))
    return response.context["user"].username if response.status_code == 200 else None


# ---------------------------------------------------------------- lockout


def fail_five_times(client, username, **headers):
    return [sign_in(client, username, "wrong-password-1", **headers) for _ in range(5)]


def test_five_failures_lock_the_username_even_with_the_right_password(county, client):
    # Given five failed sign-ins for "county"
    responses = fail_five_times(client, "county")
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429

    # When the right password is given
    response = sign_in(client, "county", PASSWORD)

    # Then the sign-in is refused with the lockout page, and nobody is signed in
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert response.context["locked_out_minutes"] == 15
    assert signed_in_as(client) is None
    # And the lockout is in the audit trail
    assert AuditEvent.objects.filter(action="auth.locked_out", actor_username="county").exists()


def test_others_behind_the_same_address_still_sign_in(county, client):
    # Given "county" locked out from the township network's one address
    fail_five_times(client, "county", REMOTE_ADDR="10.8.0.1")
    # Then a colleague behind the same address signs in
    response = sign_in(client, "official_a", PASSWORD, REMOTE_ADDR="10.8.0.1")
    assert response.status_code == 302
    assert signed_in_as(client) == "official_a"


def test_varying_the_forwarded_address_does_not_escape_the_lock(county, client):
    # Given an attacker who sends every try with another X-Forwarded-For and address
    for n in range(5):
        sign_in(
            client,
            "county",
            "wrong-password-1",
            REMOTE_ADDR=f"10.9.0.{n}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    # Then the username is locked whatever the address
    response = sign_in(
        client, "county", PASSWORD, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert response.status_code == 429
    assert signed_in_as(client) is None
    # And the addresses counted are the real ones, never the header's
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses <= {f"10.9.0.{n}" for n in range(5)} | {"10.9.9.9"}


def test_behind_a_trusted_proxy_attempts_record_the_address_it_forwarded(county, client, settings):
    settings.LONGSHAN_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.2/32")]
    forwarded = "198.51.100.7, 10.5.5.5"  # the first written by the client, the last by the proxy
    sign_in(
        client, "county", "wrong-password-1", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.5.5.5"}


def test_the_lock_ends_after_fifteen_minutes(county, client):
    fail_five_times(client, "county")
    assert sign_in(client, "county", PASSWORD).status_code == 429
    # When sixteen minutes have passed since the failures
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    # Then the right password signs in again
    assert sign_in(client, "county", PASSWORD).status_code == 302
    assert signed_in_as(client) == "county"


def test_four_failures_then_a_success_start_the_count_again(county, client):
    for _ in range(4):
        sign_in(client, "county", "wrong-password-1")
    assert sign_in(client, "county", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "county", "wrong-password-1")
    assert sign_in(client, "county", PASSWORD).status_code == 302


# ---------------------------------------------------------------- sessions


def test_the_session_key_changes_at_sign_in(county, client):
    # Given an anonymous session with a known key (as a session-fixation attacker would plant)
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == before

    # When the user signs in
    assert sign_in(client, "county", PASSWORD).status_code == 302

    # Then the session has another key and the planted one is gone
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in_as(client) == "county"


def shift_session(client, **seconds_back):
    session = client.session
    for key, seconds in seconds_back.items():
        session[key] -= seconds
    session.save()


def test_a_session_ends_after_thirty_idle_minutes(county, client):
    client.force_login(county.users.county)
    shift_session(client, longshan_last_seen=29 * 60)
    assert signed_in_as(client) == "county"  # 29 minutes idle: still in, and renewed
    shift_session(client, longshan_last_seen=31 * 60)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    ended = AuditEvent.objects.get(action="auth.session_ended")
    assert (ended.actor_username, ended.changes) == ("county", {"reason": "idle"})


def test_a_renewed_session_moves_its_expiry(county, client):
    client.force_login(county.users.county)
    shift_session(client, longshan_last_seen=5 * 60)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 60
    assert client.session[security.LAST_SEEN_KEY] >= client.session[security.SIGNED_IN_AT_KEY]


def test_a_busy_session_still_ends_ten_hours_after_sign_in(county, client):
    client.force_login(county.users.county)
    shift_session(client, longshan_signed_in_at=10 * 3600 - 60)
    assert signed_in_as(client) == "county"
    shift_session(client, longshan_signed_in_at=120)  # now 10 hours and a minute
    assert signed_in_as(client) is None
    ended = AuditEvent.objects.get(action="auth.session_ended")
    assert ended.changes == {"reason": "absolute_limit"}


def test_a_deactivated_user_is_signed_out_at_the_next_request(county, client):
    # Given a signed-in township official
    user = county.users.official_a
    client.force_login(user)
    key = client.session.session_key
    assert signed_in_as(client) == "official_a"

    # When the county deactivates the account
    user.is_active = False
    user.save(update_fields=["is_active"])

    # Then the next request is anonymous and the session is gone from the database
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(
        action="auth.session_ended", actor_username="official_a", changes={"reason": "inactive"}
    ).exists()
    # And reactivating the account does not bring the old session back
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert signed_in_as(client) is None


# ---------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    "password", ["Short1", "onlyletterslong", "12345678901234", "Longshan1", "password12"]
)
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_of_ten_characters_with_letters_and_digits_passes(db):
    validate_password("Xiangxi2026")


def test_the_password_change_page_enforces_the_rule(county, client):
    user = county.users.county
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "nodigitshere",
            "new_password2": "nodigitshere",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
