"""The RQ dashboard and each of its actions are for superusers only (issue 12, part 5).

Every URL django-rq serves, both under /admin/django-rq/ and inside the admin at
/admin/django_rq/dashboard/, is requested with GET and POST by an editor, a moderator, a staff
user in no group, an anonymous visitor and a superuser. Only the superuser gets in, and no
action taken by the others changes a queue."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

SAMPLE = {
    "queue_index": 0,  # "default": django-rq sorts its queues by name
    "job_id": "dash-job",
    "result_id": "r1",
    "key": "rq:worker:w1",
    "scheduler_index": 0,
    "connection_index": 0,
    "scheduler_name": "s1",
    "cron_job_name": "c1",
    "token": "t0ken",
    "object_id": "1",
}


def dashboard_urls() -> list[str]:
    """Every URL under the two dashboard prefixes, with sample arguments filled in."""
    found: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if "django-rq/" in route or "django_rq/" in route:
                    found.add(fill(route))

    walk(get_resolver().url_patterns, "/")
    return sorted(found)


def fill(route: str) -> str:
    import re

    route = route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\Z", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)\??", lambda m: str(SAMPLE[m.group(1)]), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(SAMPLE[m.group(1)]), route)
    return route.replace("//", "/")


@pytest.fixture
def users(db):
    call_command("migrate", verbosity=0)  # post_migrate creates the groups
    groups = {g.name: g for g in Group.objects.all()}

    def staff(name: str, group: str | None) -> User:
        user = User.objects.create_user(name, password="pw", is_staff=True)
        if group:
            user.groups.add(groups[group])
        return user

    return {
        "editor": staff("ed", "editors"),
        "moderator": staff("mo", "moderators"),
        "staff-without-group": staff("st", None),
        "anonymous": None,
        "superuser": User.objects.create_superuser("root", password="pw"),
    }


def test_the_url_list_covers_both_prefixes_and_every_action():
    urls = dashboard_urls()
    assert "/admin/django-rq/" in urls and "/admin/django_rq/dashboard/" in urls
    for action in ("empty/", "requeue-all/", "failed/clear/", "delete/", "requeue/", "stop/"):
        assert sum(u.endswith(action) for u in urls) == 2, action
    assert len(urls) >= 50


@pytest.mark.parametrize("who", ["editor", "moderator", "staff-without-group", "anonymous"])
def test_no_dashboard_url_opens_for_anyone_but_a_superuser(client, users, rq, who):
    queue = rq.queue("default")
    queue.enqueue("math.floor", 1.5, job_id="dash-job")
    if users[who]:
        client.force_login(users[who])
    for url in dashboard_urls():
        for method in (client.get, client.post):
            response = method(url, {"job_ids": ["dash-job"], "action": "delete"})
            if who == "anonymous" or response.status_code == 302:
                assert response.status_code == 302, url
                assert response["Location"].startswith("/admin/login/"), url
            else:
                assert response.status_code == 403, (url, response.status_code)
    assert queue.job_ids == ["dash-job"], "no action ran"
    if users[who]:
        index = client.get("/admin/").content.decode()
        assert "/admin/django_rq/dashboard/" not in index


def test_a_superuser_opens_every_dashboard_url_and_runs_its_actions(client, users, rq):
    queue = rq.queue("default")
    queue.enqueue("math.floor", 1.5, job_id="dash-job")
    from rq import Worker

    Worker([queue], connection=rq.connection, name="w1").register_birth()  # for its page
    client.force_login(users["superuser"])
    assert "/admin/django_rq/dashboard/" in client.get("/admin/").content.decode()
    for url in dashboard_urls():
        if "/schedulers/" in url:  # django-rq's view for the rq-scheduler package (not used)
            continue
        response = client.get(url)
        assert response.status_code in (200, 302, 404, 405), (url, response.status_code)
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/login/"), url
    assert client.get("/admin/django-rq/queues/0/dash-job/").status_code == 200
    assert client.get("/admin/django_rq/dashboard/queues/0/dash-job/").status_code == 200
    assert client.get("/admin/django-rq/").status_code == 200
    assert client.get("/admin/django_rq/dashboard/").status_code == 200
    queue.enqueue("math.floor", 1.5, job_id="dash-job")
    from django_rq.settings import get_queues_map

    assert get_queues_map()["default"] == SAMPLE["queue_index"]
    answer = client.post("/admin/django-rq/queues/0/empty/")
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert queue.count == 0, "the superuser's action ran"
