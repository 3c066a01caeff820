"""Open311 GeoReport v2 as clients read and write it: the form a POST carries, W3C dates and
their 90-day windows, our categories and grievances in the spec's fields, and the XML and JSON
they are written as (read back with a real parser, as a client would)."""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.domain import open311
from chalicelib.domain.catalogue import Category
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.open311 import MAX_WINDOW, Open311Error

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))

POTHOLE = Category(
    code="ROADS_POTHOLE",
    department="PWD",
    names={"en": "Pothole", "hi": "सड़क में गड्ढा"},
    sla_hours=72,
    keywords={"en": ["pothole", "road"], "hi": ["गड्ढा", "सड़क"]},
)

GRIEVANCE = Grievance(
    tracking_id="OD-261203-AB12CD",
    citizen_id="CIT-1",
    district="KHURDA",
    description="Deep pothole near the bus stand",
    filed_at=datetime(2026, 12, 1, 4, 30, tzinfo=UTC),
    category="ROADS_POTHOLE",
    department="PWD",
    lat=20.2961,
    lon=85.8245,
    status=Status.IN_PROGRESS,
    due_at=datetime(2026, 12, 4, 4, 30, tzinfo=UTC),
)

SPEC_EXAMPLE = (
    b"api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043"
    b"&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
    b"&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
    b"&media_url=http%3A%2F%2Fexample.com%2Fimage.jpg&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)


def raised(call, *args) -> Open311Error:
    with pytest.raises(Open311Error) as caught:
        call(*args)
    return caught.value


def parse_xml(body: str) -> ET.Element:
    assert body.partition("\n")[0] == '<?xml version="1.0" encoding="utf-8"?>'
    # Our own output, not untrusted input; bytes, so the declaration is honoured.
    return ET.fromstring(body.encode("utf-8"))  # noqa: S314


def fields_of(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


# --- Open311Error -------------------------------------------------------------------------------


def test_an_error_code_defaults_to_its_status_and_may_differ():
    assert (Open311Error(404, "gone").code, Open311Error(404, "gone").description) == (404, "gone")
    differing = Open311Error(400, "bad key", code=403)
    assert (differing.status, differing.code, str(differing)) == (400, 403, "bad key")


# --- split_format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("OD-261203-AB12CD.json", ("OD-261203-AB12CD", "json")),
        ("ROADS_POTHOLE.xml", ("ROADS_POTHOLE", "xml")),
        ("v1.2.json", ("v1.2", "json")),  # only the last dot is the format's
    ],
)
def test_a_segment_splits_into_its_id_and_format(segment, expected):
    assert open311.split_format(segment) == expected


@pytest.mark.parametrize("segment", ["OD-261203-AB12CD", "services.csv", ".json", "X.JSON", "X.", "", "x.json.gz"])
def test_a_segment_without_a_known_format_is_not_found(segment):
    error = raised(open311.split_format, segment)
    assert (error.status, error.code) == (404, 404)


# --- parse_form -----------------------------------------------------------------------------------


def test_the_specs_example_body_is_read_field_by_field():
    fields, attributes = open311.parse_form(SPEC_EXAMPLE)

    assert fields == {
        "api_key": "xyz",
        "jurisdiction_id": "city.gov",
        "service_code": "001",
        "lat": "37.76524078",
        "long": "-122.4212043",
        "address_string": "1234 5th street",
        "email": "smit333@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "111111111",
        "description": "A large sinkhole is destroying the street",
        "media_url": "http://example.com/image.jpg",
    }
    assert attributes == {"WHISPAWN": "123456", "WHISDORN": "COISL001"}


def test_percent_encoded_brackets_name_the_same_attributes():
    encoded = SPEC_EXAMPLE.replace(b"[", b"%5B").replace(b"]", b"%5D")
    assert b"attribute%5BWHISPAWN%5D=123456" in encoded

    assert open311.parse_form(encoded) == open311.parse_form(SPEC_EXAMPLE)


def test_a_multivaluelist_attribute_collects_its_values_in_order():
    body = b"service_code=X&attribute[KIND][]=a&attribute%5BKIND%5D%5B%5D=b&attribute[DEPTH]=3&attribute[KIND][]=c"

    _, attributes = open311.parse_form(body)

    assert attributes == {"KIND": ["a", "b", "c"], "DEPTH": "3"}


def test_empty_values_are_absent_as_the_spec_makes_them():
    body = b"api_key=&service_code=X&email=+&attribute[WARD]=&attribute[KIND][]=&attribute[KIND][]=a&attribute[NONE][]="

    fields, attributes = open311.parse_form(body)

    assert fields == {"service_code": "X"}
    assert attributes == {"KIND": ["a"]}


def test_a_repeated_plain_field_or_attribute_keeps_the_last_value():
    fields, attributes = open311.parse_form(b"service_code=A&service_code=B&attribute[D]=1&attribute[D]=2")
    assert (fields, attributes) == ({"service_code": "B"}, {"D": "2"})


def test_an_empty_body_has_nothing():
    assert open311.parse_form(b"") == ({}, {})


def test_percent_encoded_devanagari_is_read_as_text():
    text = "सड़क में गड्ढा & पानी"
    body = b"description=" + urllib.parse.quote_plus(text).encode() + b"&attribute[WARD]=%E0%A4%B5"

    fields, attributes = open311.parse_form(body)

    assert fields == {"description": text}
    assert attributes == {"WARD": "व"}


@pytest.mark.parametrize(
    "body",
    [
        b"description=caf\xe9",  # Latin-1, not UTF-8
        b"description=caf%E9",  # the same byte, percent-encoded
        b"description=%E0%A4",  # a cut-off UTF-8 sequence
    ],
)
def test_a_body_that_is_not_utf8_is_a_bad_request(body):
    error = raised(open311.parse_form, body)
    assert error.status == 400
    assert "UTF-8" in error.description


@pytest.mark.parametrize("key", ["attribute[]", "attribute[X][0]", "attribute[X", "attribute[X]]"])
def test_an_attribute_key_of_another_shape_is_a_bad_request(key):
    error = raised(open311.parse_form, key.encode() + b"=1")
    assert error.status == 400


def test_one_attribute_as_both_a_value_and_a_list_is_a_bad_request():
    error = raised(open311.parse_form, b"attribute[KIND]=a&attribute[KIND][]=b")
    assert error.status == 400
    assert error.description.startswith("attribute[KIND]")


# --- parse_datetime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-01-01T00:00:00Z", datetime(2010, 1, 1, tzinfo=UTC)),
        ("1994-11-05T08:15:30-05:00", datetime(1994, 11, 5, 13, 15, 30, tzinfo=UTC)),
        ("2026-12-03T10:00:00+05:30", datetime(2026, 12, 3, 4, 30, tzinfo=UTC)),
        ("2026-12-03T10:00+05:30", datetime(2026, 12, 3, 4, 30, tzinfo=UTC)),  # minutes are enough
        ("2026-12-03T10:00:00.25Z", datetime(2026, 12, 3, 10, 0, 0, 250000, tzinfo=UTC)),
        ("2026-12-03T00:30:00+05:30", datetime(2026, 12, 2, 19, 0, tzinfo=UTC)),  # the day before in UTC
        # an unencoded "+" in a query string arrives as a space
        ("2026-12-03T10:00:00 05:30", datetime(2026, 12, 3, 4, 30, tzinfo=UTC)),
    ],
)
def test_a_w3c_datetime_becomes_an_aware_utc_moment(text, expected):
    parsed = open311.parse_datetime(text, "start_date")

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03",  # a date alone: which zone's midnight?
        "2026-12-03T10:00:00",  # no zone
        "2026-12-03 10:00:00Z",  # a space for the T
        "2026-12-03T10:00:00+0530",  # not the W3C offset
        "2026-12-03T24:00:00Z",
        "2026-13-03T10:00:00Z",
        "2026-02-30T10:00:00Z",
        "20261203T100000Z",
        "२०२६-12-03T10:00:00Z",  # Devanagari digits
        "yesterday",
        "",
    ],
)
def test_anything_but_a_zoned_w3c_datetime_is_a_bad_request_naming_its_field(text):
    error = raised(open311.parse_datetime, text, "end_date")
    assert error.status == 400
    assert error.description.startswith("end_date: ")


# --- date_window ----------------------------------------------------------------------------------


def test_without_dates_the_window_is_the_last_default_span():
    assert open311.date_window(None, None, NOW) == (NOW - MAX_WINDOW, NOW)
    assert open311.date_window(None, None, NOW, timedelta(hours=2)) == (NOW - timedelta(hours=2), NOW)


def test_a_start_alone_reaches_ninety_days_on_but_not_past_now():
    long_ago = NOW - timedelta(days=200)
    lately = NOW - timedelta(days=3)

    assert open311.date_window(long_ago, None, NOW) == (long_ago, long_ago + MAX_WINDOW)
    assert open311.date_window(lately, None, NOW) == (lately, NOW)


def test_a_start_after_now_is_an_empty_window_not_an_error():
    ahead = NOW + timedelta(minutes=2)
    assert open311.date_window(ahead, None, NOW) == (ahead, ahead)


def test_an_end_alone_covers_the_ninety_days_before_it():
    end = NOW - timedelta(days=10)
    assert open311.date_window(None, end, NOW) == (end - MAX_WINDOW, end)


def test_both_dates_are_kept_up_to_exactly_ninety_days():
    start = NOW - timedelta(days=100)
    assert open311.date_window(start, start + MAX_WINDOW, NOW) == (start, start + MAX_WINDOW)
    assert open311.date_window(start, start, NOW) == (start, start)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, NOW - timedelta(seconds=1)),  # backwards
        (NOW - MAX_WINDOW - timedelta(seconds=1), NOW),  # a second too long
    ],
)
def test_a_backwards_or_too_long_window_is_a_bad_request(start, end):
    error = raised(open311.date_window, start, end, NOW)
    assert error.status == 400
    assert error.description.startswith("end_date: ")


# --- status_of ------------------------------------------------------------------------------------

OPEN311_STATUS = {
    Status.REGISTERED: "open",
    Status.ASSIGNED: "open",
    Status.IN_PROGRESS: "open",
    Status.INFO_REQUESTED: "open",
    Status.RESOLVED: "closed",
    Status.CLOSED: "closed",
    Status.REJECTED: "closed",
}


def test_the_status_table_covers_every_grievance_status():
    assert set(OPEN311_STATUS) == set(Status)


@pytest.mark.parametrize(("status", "expected"), sorted(OPEN311_STATUS.items()))
def test_each_grievance_status_is_open_or_closed(status, expected):
    assert open311.status_of(status) == expected


# --- w3c ------------------------------------------------------------------------------------------


def test_a_moment_is_written_in_utc_to_the_second():
    assert open311.w3c(datetime(2026, 12, 3, 15, 30, 45, 999999, tzinfo=IST)) == "2026-12-03T10:00:45Z"


def test_a_naive_moment_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="timezone"):
        open311.w3c(datetime(2026, 12, 3, 10, 0))


# --- service and service_definition ---------------------------------------------------------------


def test_a_category_is_a_realtime_service_with_a_definition_in_the_asked_language():
    assert open311.service(POTHOLE, "Public Works", "hi") == {
        "service_code": "ROADS_POTHOLE",
        "service_name": "सड़क में गड्ढा",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": "गड्ढा,सड़क",
        "group": "Public Works",
    }


def test_a_language_the_category_lacks_falls_back_to_english_then_any():
    in_odia = open311.service(POTHOLE, None, "or")
    assert (in_odia["service_name"], in_odia["keywords"], in_odia["group"]) == ("Pothole", "pothole,road", None)

    hindi_only = replace(POTHOLE, names={"hi": "गड्ढा"}, keywords={"hi": ["गड्ढा"]})
    assert open311.service(hindi_only, None, "or")["service_name"] == "गड्ढा"
    assert open311.service(hindi_only, None, "or")["keywords"] == "गड्ढा"
    assert open311.service(replace(POTHOLE, keywords={}), None, "en")["keywords"] == ""


def test_a_keyword_cannot_break_the_comma_separated_list():
    messy = replace(POTHOLE, keywords={"en": ["pot, hole", " road ", "", "road"]})
    assert open311.service(messy, None, "en")["keywords"] == "pot hole,road"


def test_a_service_definition_asks_for_the_district_from_a_list_and_the_ward_as_text():
    definition = open311.service_definition(POTHOLE, [("KHURDA", "Khordha"), ("CUTTACK", "Cuttack")])

    assert definition["service_code"] == "ROADS_POTHOLE"
    district, ward = definition["attributes"]
    keys = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}
    assert set(district) == keys | {"values"}
    assert set(ward) == keys
    assert (district["code"], district["datatype"], district["required"], district["order"]) == (
        "district",
        "singlevaluelist",
        True,
        1,
    )
    assert district["values"] == [{"key": "KHURDA", "name": "Khordha"}, {"key": "CUTTACK", "name": "Cuttack"}]
    assert (ward["code"], ward["datatype"], ward["required"], ward["order"]) == ("ward", "string", False, 2)


# --- request, filed, update -----------------------------------------------------------------------


def test_a_grievance_is_a_service_request_with_the_specs_fields_in_order():
    row = open311.request(
        GRIEVANCE, "Pothole", "Public Works", "Khordha", datetime(2026, 12, 2, 15, 0, tzinfo=IST), "Due in 3 days"
    )

    assert list(row.items()) == [
        ("service_request_id", "OD-261203-AB12CD"),
        ("status", "open"),
        ("status_notes", None),
        ("service_name", "Pothole"),
        ("service_code", "ROADS_POTHOLE"),
        ("description", "Deep pothole near the bus stand"),
        ("agency_responsible", "Public Works"),
        ("service_notice", "Due in 3 days"),
        ("requested_datetime", "2026-12-01T04:30:00Z"),
        ("updated_datetime", "2026-12-02T09:30:00Z"),
        ("expected_datetime", "2026-12-04T04:30:00Z"),
        ("address", "Khordha"),
        ("address_id", None),
        ("zipcode", None),
        ("lat", 20.2961),
        ("long", 85.8245),
        ("media_url", None),
    ]


def test_a_grievance_without_category_deadline_or_place_leaves_those_empty():
    bare = replace(GRIEVANCE, category=None, due_at=None, lat=None, lon=None, status=Status.RESOLVED)

    row = open311.request(bare, None, None, None, NOW)

    assert row["status"] == "closed"
    assert row["service_notice"] is None
    assert [row[k] for k in ("service_code", "service_name", "expected_datetime", "lat", "long")] == [None] * 5


def test_a_description_longer_than_the_spec_allows_is_cut_to_4000_characters():
    long = replace(GRIEVANCE, description="x" * 5000)
    exact = replace(GRIEVANCE, description="y" * 4000)

    cut = open311.request(long, None, None, None, NOW)["description"]

    assert len(cut) == open311.MAX_DESCRIPTION
    assert cut.endswith("…")
    assert open311.request(exact, None, None, None, NOW)["description"] == "y" * 4000


def test_a_filing_answers_its_id_at_once():
    assert open311.filed("OD-261203-AB12CD", None) == {
        "service_request_id": "OD-261203-AB12CD",
        "service_notice": None,
        "account_id": None,
    }


def test_a_status_change_is_a_fixmystreet_request_update():
    assert open311.update("U-7", "OD-261203-AB12CD", "closed", datetime(2026, 12, 3, 15, 30, tzinfo=IST), "Fixed") == {
        "update_id": "U-7",
        "service_request_id": "OD-261203-AB12CD",
        "status": "closed",
        "updated_datetime": "2026-12-03T10:00:00Z",
        "description": "Fixed",
        "media_url": "",
    }


# --- render: XML ----------------------------------------------------------------------------------


def test_services_render_as_service_elements_with_lowercase_booleans():
    rows = [open311.service(POTHOLE, "Public Works", "en"), open311.service(POTHOLE, None, "hi")]

    body, content_type = open311.render("xml", "services", rows)

    assert content_type == "text/xml; charset=utf-8"
    root = parse_xml(body)
    assert root.tag == "services"
    assert [item.tag for item in root] == ["service", "service"]
    first, second = (fields_of(item) for item in root)
    assert first == {
        "service_code": "ROADS_POTHOLE",
        "service_name": "Pothole",
        "description": None,
        "metadata": "true",
        "type": "realtime",
        "keywords": "pothole,road",
        "group": "Public Works",
    }
    assert (second["service_name"], second["group"]) == ("सड़क में गड्ढा", None)


def test_a_service_definition_renders_as_one_element_with_attributes_and_values():
    definition = open311.service_definition(POTHOLE, [("KHURDA", "Khordha"), ("PURI", "Puri")])

    root = parse_xml(open311.render("xml", "service_definition", definition)[0])

    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "ROADS_POTHOLE"
    district, ward = root.findall("attributes/attribute")
    assert fields_of(district)["required"] == "true"
    assert fields_of(district)["order"] == "1"
    assert fields_of(district)["datatype_description"] is None
    values = [fields_of(value) for value in district.findall("values/value")]
    assert values == [{"key": "KHURDA", "name": "Khordha"}, {"key": "PURI", "name": "Puri"}]
    assert (ward.findtext("required"), ward.find("values")) == ("false", None)


def test_service_requests_render_none_as_empty_elements_and_numbers_as_text():
    row = open311.request(replace(GRIEVANCE, due_at=None), "Pothole", None, None, NOW)

    body, _ = open311.render("xml", "service_requests", [row])

    assert "<media_url></media_url>" in body
    (request,) = parse_xml(body).findall("request")
    read = fields_of(request)
    assert list(read) == list(row)
    assert read["expected_datetime"] is None
    assert read["agency_responsible"] is None
    assert (read["lat"], read["long"]) == ("20.2961", "85.8245")
    assert float(read["lat"]) == GRIEVANCE.lat


def test_an_empty_list_is_an_empty_root():
    body, _ = open311.render("xml", "service_requests", [])

    root = parse_xml(body)
    assert (root.tag, list(root), root.text) == ("service_requests", [], None)
    assert body.endswith("<service_requests></service_requests>")


def test_updates_render_as_request_update_elements():
    rows = [
        open311.update("1", "OD-261203-AB12CD", "open", NOW, "Accepted"),
        open311.update("2", "OD-261203-AB12CD", "closed", NOW + timedelta(hours=3), "Fixed"),
    ]

    root = parse_xml(open311.render("xml", "service_request_updates", rows)[0])

    assert root.tag == "service_request_updates"
    assert [fields_of(item) for item in root.findall("request_update")] == [
        {**rows[0], "media_url": None},  # an empty string reads back as an empty element
        {**rows[1], "media_url": None},
    ]


def test_markup_and_devanagari_in_a_citizens_text_survive_xml():
    text = 'Pipe <burst> & "flooding" — पानी नहीं आ रहा </description>'
    row = open311.request(replace(GRIEVANCE, description=text), None, None, None, NOW)

    body, _ = open311.render("xml", "service_requests", [row])

    assert "<burst>" not in body
    assert "पानी" in body  # written as UTF-8 text, not character references
    assert parse_xml(body).findtext("request/description") == text


def test_control_characters_xml_cannot_hold_are_replaced_not_left_to_break_the_document():
    row = open311.request(replace(GRIEVANCE, description="bell\x07 tab\t esc\x1b end"), None, None, None, NOW)

    body, _ = open311.render("xml", "service_requests", [row])

    assert parse_xml(body).findtext("request/description") == "bell\ufffd tab\t esc\ufffd end"


def test_a_datetime_left_in_a_row_is_written_as_w3c_in_both_formats():
    row = {"update_id": "1", "updated_datetime": datetime(2026, 12, 3, 15, 30, tzinfo=IST)}

    xml_body, _ = open311.render("xml", "service_request_updates", [row])
    json_body, _ = open311.render("json", "service_request_updates", [row])

    assert parse_xml(xml_body).findtext("request_update/updated_datetime") == "2026-12-03T10:00:00Z"
    assert json.loads(json_body)[0]["updated_datetime"] == "2026-12-03T10:00:00Z"


def test_a_list_under_a_root_with_no_item_name_is_a_bug():
    with pytest.raises(ValueError, match="things"):
        open311.render("xml", "things", [{"a": 1}])


def test_an_unknown_format_is_a_bug_of_the_caller():
    with pytest.raises(ValueError, match="csv"):
        open311.render("csv", "services", [])


# --- render: JSON ---------------------------------------------------------------------------------


def test_json_lists_are_bare_arrays_even_of_one():
    row = open311.request(GRIEVANCE, "Pothole", None, None, NOW)

    body, content_type = open311.render("json", "service_requests", [row])

    assert content_type == "application/json; charset=utf-8"
    assert json.loads(body) == [row]
    assert json.loads(open311.render("json", "services", [])[0]) == []


def test_json_service_definition_is_an_object_with_real_booleans_and_nulls():
    definition = open311.service_definition(POTHOLE, [("KHURDA", "Khordha")])

    read = json.loads(open311.render("json", "service_definition", definition)[0])

    assert isinstance(read, dict)
    assert read == definition
    assert read["attributes"][0]["required"] is True
    assert read["attributes"][0]["datatype_description"] is None


def test_json_keeps_devanagari_text_exact():
    row = open311.service(POTHOLE, "लोक निर्माण <PWD> & co", "hi")
    assert json.loads(open311.render("json", "services", [row])[0]) == [row]


# --- error_body -----------------------------------------------------------------------------------


def test_errors_are_an_array_of_code_and_description_in_json():
    body, content_type = open311.error_body("json", [(400, "lat: not a number"), (403, "api_key: wrong")])

    assert content_type == "application/json; charset=utf-8"
    assert json.loads(body) == [
        {"code": 400, "description": "lat: not a number"},
        {"code": 403, "description": "api_key: wrong"},
    ]


def test_errors_are_errors_error_code_description_in_xml():
    body, content_type = open311.error_body("xml", [(404, "service_code <X> & Y: not found")])

    assert content_type == "text/xml; charset=utf-8"
    root = parse_xml(body)
    assert root.tag == "errors"
    assert [fields_of(error) for error in root.findall("error")] == [
        {"code": "404", "description": "service_code <X> & Y: not found"}
    ]


def test_errors_in_an_unknown_format_fall_back_to_xml():
    error = raised(open311.split_format, "services.csv")

    body, content_type = open311.error_body("csv", [(error.code, error.description)])

    assert content_type == "text/xml; charset=utf-8"
    assert parse_xml(body).findtext("error/code") == "404"
