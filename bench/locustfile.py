"""The month-end mix of the Longshan demo county, for `make load` (bench/load.py runs it).

Village cadres read their duty and ask for leave (signing in themselves is a county rule,
off in the demo), village secretaries log duty spans and approve their colleagues' leave,
township officials approve secretaries' leave and read their lists, ledger and payroll,
county staff read the roster, training compliance, the settlement and payroll pages and
payslips. Targets (village, cadres, township) come from bench/load.py in LOAD_TARGETS.
"""

import datetime
import json
import os
import random
import re

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Longshan2026")
TARGETS = json.loads(os.environ.get("LOAD_TARGETS") or "{}")
SIGN_IN_NAMES = {"sign in", "sign-in page"}
_mix_times = []

LEAVE_LINK = re.compile(r'href="/attendance/leave/(\d+)/"')


class PortalUser(HttpUser):
    abstract = True
    username = ""
    wait_time = between(1, 3)

    def on_start(self):
        self.client.get("/accounts/login/", name="sign-in page")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "next": "/"},
            headers=self._csrf(),
            name="sign in",
        )
        if "sessionid" not in self.client.cookies:
            response.failure(f"{self.username} could not sign in")

    def _csrf(self):
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    def post(self, url, data, *, name):
        return self.client.post(url, data, headers=self._csrf(), name=name)

    def approve_first_waiting_leave(self):
        page = self.client.get("/attendance/leave/?to_decide=1", name="leave to decide")
        found = LEAVE_LINK.findall(page.text or "")
        if found:
            leave = random.choice(found[:10])
            self.post(
                f"/attendance/leave/{leave}/decide/",
                {"approve": "1", "comment": ""},
                name="leave decide",
            )


class VillageCadre(PortalUser):
    weight = 15

    def on_start(self):
        self.username = random.choice(["clerk", "police"])
        super().on_start()

    @task(3)
    def my_duty(self):
        self.client.get("/attendance/duty/", name="my duty")

    @task(2)
    def my_leave(self):
        self.client.get("/attendance/leave/", name="leave list")

    @task(1)
    def ask_for_leave(self):
        # A half-hour in December on a random day and hour: overlaps are refused politely.
        day = datetime.date(2026, 12, random.randint(1, 31))
        start = datetime.datetime.combine(day, datetime.time(random.randint(8, 16), 0))
        end = start + datetime.timedelta(minutes=30)
        self.post(
            "/attendance/leave/new/",
            {
                "kind": "personal",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
                "reason": "办理个人事务",
            },
            name="leave ask",
        )


class VillageSecretary(PortalUser):
    weight = 15
    username = "secretary"

    @task(3)
    def duty_sheet(self):
        self.client.get(
            f"/attendance/villages/{TARGETS['village']}/duty/", name="village duty sheet"
        )

    @task(2)
    def log_a_duty_span(self):
        cadre = random.choice(TARGETS["village_cadres"])
        day = TARGETS["duty_days"][random.randrange(len(TARGETS["duty_days"]))]
        hour = random.randint(8, 17)
        self.post(
            f"/attendance/cadres/{cadre}/spans/",
            {"date": day, "time_in": f"{hour:02d}:00", "time_out": f"{hour:02d}:30"},
            name="duty span log",
        )

    @task(2)
    def approve_leave(self):
        self.approve_first_waiting_leave()

    @task(1)
    def leave_list(self):
        self.client.get("/attendance/leave/", name="leave list")


class TownshipOfficial(PortalUser):
    weight = 10

    def on_start(self):
        self.username = random.choice(["liye", "liye2"])
        super().on_start()

    @task(2)
    def approve_leave(self):
        self.approve_first_waiting_leave()

    @task(2)
    def roster(self):
        self.client.get("/cadres/", name="cadre list")

    @task(1)
    def villages(self):
        self.client.get("/villages/", name="village list")

    @task(1)
    def ledger(self):
        self.client.get(f"/attendance/townships/{TARGETS['township']}/ledger/", name="leave ledger")

    @task(1)
    def duty_overview(self):
        self.client.get("/attendance/duty/overview/", name="duty overview")

    @task(1)
    def payroll(self):
        self.client.get("/pay/payroll/", name="payroll list")


class CountyStaff(PortalUser):
    weight = 10
    username = "county"

    @task(3)
    def roster(self):
        page = random.randint(1, 20)
        self.client.get(f"/cadres/?page={page}", name="cadre list")

    @task(1)
    def roster_search(self):
        self.client.get("/cadres/?q=zh&post=clerk", name="cadre search")

    @task(1)
    def cadre(self):
        self.client.get(f"/cadres/{random.choice(TARGETS['any_cadres'])}/", name="cadre detail")

    @task(2)
    def settlement_page(self):
        self.client.get("/performance/settlements/", name="settlement page")

    @task(2)
    def payroll(self):
        self.client.get("/pay/payroll/", name="payroll list")

    @task(1)
    def payslips(self):
        self.client.get("/pay/payslips/", name="payslip list")

    @task(1)
    def training_compliance(self):
        self.client.get("/training/compliance/", name="training compliance")


@events.request.add_listener
def _remember_mix_time(name, response_time, exception, **kwargs):
    if name not in SIGN_IN_NAMES and exception is None:
        _mix_times.append(response_time)


@events.quitting.add_listener
def _write_mix_p95(environment, **kwargs):
    """Write the exact p95 of the month-end mix without sign-ins (bench/load.py reads it)."""
    path = os.environ.get("LOAD_MIX_FILE")
    if not path or not _mix_times:
        return
    times = sorted(_mix_times)
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    with open(path, "w") as handle:
        json.dump({"p95_ms_without_sign_in": round(p95, 1), "mix_requests": len(times)}, handle)
