""" "Me too" offers written as the attack they must not allow: filing from chosen points to
learn other citizens' tracking ids and distances (enough to trilaterate a complaint), and
passing an offer on to someone it was not made to."""

from __future__ import annotations

import itertools
import json

from tests.integration.conftest import bearer, post

_places = itertools.count(1)
_spots = itertools.count(1)
ABOUT_110_M = 0.0010  # degrees of latitude
ABOUT_330_M = 0.0030


def spot() -> tuple[float, float]:
    """A point of Khordha 2 km from any other test's (the stack is shared)."""
    return 20.2961, round(85.60 + 0.02 * next(_spots), 4)


def place(lat: float | None = None, lon: float | None = None) -> dict:
    """A location in Khordha in a ward of its own."""
    where = {"lat": lat, "lon": lon} if lat is not None else {}
    return {"district": "KHORDHA", "ward": f"W-offer-{next(_places)}", **where}


def supporters(api, tracking_id: str, token: str) -> int:
    answer = api.get(f"/grievances/{tracking_id}", headers=bearer(token))
    assert answer.status_code == 200, answer.body
    return int(answer.json_body["supporters"])


def history_length(api, tracking_id: str, token: str) -> int:
    return len(api.get(f"/grievances/{tracking_id}/history", headers=bearer(token)).json_body["events"])


def test_an_offer_names_neither_the_grievance_nor_how_far_it_is(api, citizen, file_grievance):
    # Given Asha's water grievance at a point
    asha, ravi = citizen(), citizen()
    lat, lon = spot()
    theirs = file_grievance(asha, location=place(lat, lon)).json_body["tracking_id"]

    # When Ravi files the same problem about 110 m away, in another ward
    filed = file_grievance(ravi, location=place(lat + ABOUT_110_M, lon)).json_body

    # Then he is offered it, with a coarse "nearby" and no id, distance or position
    (offer,) = filed["similar"]
    assert set(offer) == {"offer", "status", "nearness"} and offer["nearness"] == "nearby"
    assert theirs not in json.dumps(filed)
    assert "distance" not in json.dumps(filed) and str(lon) not in json.dumps(filed)


def test_far_away_or_another_problem_is_not_offered(api, citizen, file_grievance):
    asha, ravi = citizen(), citizen()
    lat, lon = spot()
    file_grievance(asha, location=place(lat, lon))

    far = file_grievance(ravi, location=place(lat + ABOUT_330_M, lon)).json_body
    other_problem = file_grievance(ravi, category="ROADS_POTHOLE", location=place(lat, lon)).json_body

    assert far["similar"] == [] and other_problem["similar"] == []


def test_an_offer_counts_only_for_the_neighbour_it_was_made_to(api, citizen, file_grievance):
    # Given Asha's grievance, offered to Ravi (same ward) and to Meera (same ward)
    ward = place()
    asha, ravi, meera, stranger = citizen(), citizen(), citizen(), citizen()
    tracking_id = file_grievance(asha, location=ward).json_body["tracking_id"]
    (to_ravi,) = file_grievance(ravi, location=ward).json_body["similar"]
    (to_meera,) = file_grievance(meera, location=ward).json_body["similar"][:1] or [None]
    file_grievance(stranger, category="ROADS_POTHOLE", location=ward)  # another problem
    assert to_meera is not None and to_meera["offer"] != to_ravi["offer"]  # one per viewer
    before = (supporters(api, tracking_id, asha.access_token), history_length(api, tracking_id, asha.access_token))

    # When the offer made to Ravi is presented by others, forged, or mangled
    refused = [
        post(api, f"/grievances/metoo/{to_ravi['offer']}", {}, meera.access_token),
        post(api, f"/grievances/metoo/{to_ravi['offer']}", {}, stranger.access_token),
        post(api, f"/grievances/metoo/{to_ravi['offer']}", {}, asha.access_token),  # her own
        post(api, f"/grievances/metoo/{'0' * 32}", {}, ravi.access_token),
        post(api, f"/grievances/metoo/{tracking_id}", {}, ravi.access_token),
    ]

    # Then each is the same 404 and nothing is counted or recorded
    assert {r.status_code for r in refused} == {404}
    assert all(tracking_id not in json.dumps(r.json_body) for r in refused)
    assert (
        supporters(api, tracking_id, asha.access_token),
        history_length(api, tracking_id, asha.access_token),
    ) == before

    # And Ravi's own offer counts him once, without telling him the id
    taken = post(api, f"/grievances/metoo/{to_ravi['offer']}", {}, ravi.access_token)
    assert taken.status_code == 200, taken.body
    assert taken.json_body["supporters"] == before[0] + 1 and tracking_id not in json.dumps(taken.json_body)
    again = post(api, f"/grievances/metoo/{to_ravi['offer']}", {}, ravi.access_token)
    assert again.status_code == 200 and again.json_body["supporters"] == before[0] + 1
    assert supporters(api, tracking_id, asha.access_token) == before[0] + 1
